import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrator.js';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { createTestDatabase } from '../../test/support/database.js';
import type { TestDatabase } from '../../test/support/database.js';

/** How a statement failed (its SQLSTATE and message), or `none` if it succeeded. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'none', message: 'it succeeded' }),
    (error: unknown) => error as { code?: string; message: string },
  );

describe('GIVEN an empty database', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('migrations', { migrated: false });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const tables = async () =>
    (
      await client.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1",
      )
    ).rows.map((r) => r.tablename);

  it('THEN migrations run up, down to nothing, and up again', async () => {
    const up = await migrate(db.url);
    expect(up.applied).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await tables()).toEqual(
      expect.arrayContaining(['users', 'wallets', 'portfolios', 'orders', 'ledger_entries', 'tickers', 'human_etfs',
        'dividends', 'api_keys', 'bot_status', 'seasons', 'audit_log', 'outbox_events', 'candles']),
    );
    expect((await migrate(db.url)).applied).toEqual([]);

    const down = await migrate(db.url, { direction: 'down', steps: 'all' });
    expect(down.reverted).toEqual([...MIGRATIONS].reverse().map((m) => m.name));
    expect(await tables()).toEqual([]);
    const fns = await client.query("SELECT proname FROM pg_proc WHERE proname LIKE 'ledger_%'");
    expect(fns.rowCount).toBe(0);

    expect((await migrate(db.url)).applied).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('THEN two processes migrating at once apply each migration once', async () => {
    const other = await createTestDatabase('migrations2', { migrated: false });
    try {
      const [a, b] = await Promise.all([migrate(other.url), migrate(other.url)]);
      expect([...a.applied, ...b.applied].sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    } finally {
      await other.drop();
    }
  });
});

describe('GIVEN the migrated schema', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let userId: string;
  beforeAll(async () => {
    db = await createTestDatabase('ledger');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const r = await client.query<{ id: string }>("INSERT INTO users (username) VALUES ('ant') RETURNING id");
    const row = r.rows[0];
    if (!row) throw new Error('no user');
    userId = row.id;
  });

  /**
   * Run `sql` (an UPDATE of `table`) in a transaction that is rolled back, and count its rows and
   * how many of them were HOT updates (new version on the same page, no new index entries).
   */
  const hotUpdates = async (table: string, sql: string, values: unknown[]): Promise<{ updated: number | null; hot: number }> => {
    await client.query('BEGIN');
    try {
      const updated = await client.query(sql, values);
      const hot = await client.query<{ n: string }>('SELECT pg_stat_get_xact_tuples_hot_updated($1::regclass)::text AS n', [table]);
      return { updated: updated.rowCount, hot: Number(hot.rows[0]?.n) };
    } finally {
      await client.query('ROLLBACK');
    }
  };
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const entry = (txn: string, account: string, asset: string, amount: string) => {
    const uid = account.startsWith('user:') ? account.slice(5) : null;
    return client.query(
      "INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind) VALUES ($1, $2, $3, $4, $5, 'ADJUSTMENT')",
      [txn, account, uid, asset, amount],
    );
  };

  it('THEN a balanced ledger transaction commits', async () => {
    const txn = randomUUID();
    await client.query('BEGIN');
    await entry(txn, `user:${userId}`, 'KRW', '100.12345678');
    await entry(txn, 'system:mint', 'KRW', '-100.12345678');
    await client.query('COMMIT');
    const r = await client.query('SELECT count(*)::int AS n FROM ledger_entries WHERE txn_id = $1', [txn]);
    expect(r.rows[0]).toEqual({ n: 2 });
  });

  it('THEN a transaction that does not sum to zero per asset is refused at commit and leaves nothing', async () => {
    const txn = randomUUID();
    await client.query('BEGIN');
    await entry(txn, `user:${userId}`, 'KRW', '100');
    await entry(txn, 'system:mint', 'KRW', '-99.99999999');
    await expect(client.query('COMMIT')).rejects.toThrow(/does not balance/);
    const r = await client.query('SELECT count(*)::int AS n FROM ledger_entries WHERE txn_id = $1', [txn]);
    expect(r.rows[0]).toEqual({ n: 0 });
  });

  it('THEN balancing across two assets does not count: each asset must sum to zero', async () => {
    const txn = randomUUID();
    await client.query('BEGIN');
    await entry(txn, `user:${userId}`, 'KRW', '10');
    await entry(txn, 'market:CRYPTO-COIN-BTC', 'CRYPTO-COIN-BTC', '-10');
    await expect(client.query('COMMIT')).rejects.toThrow(/does not balance/);
  });

  it('THEN a single unbalanced row outside a transaction is refused', async () => {
    await expect(entry(randomUUID(), `user:${userId}`, 'KRW', '1')).rejects.toThrow(/does not balance/);
  });

  it('THEN a balanced part written later does not rescue a transaction left unbalanced earlier', async () => {
    const txn = randomUUID();
    await client.query('BEGIN');
    await entry(txn, `user:${userId}`, 'KRW', '10');
    await client.query(
      "INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind) VALUES ($1, $2, $3, 'KRW', 5, 'ADJUSTMENT'), ($1, 'system:mint', NULL, 'KRW', -5, 'ADJUSTMENT')",
      [txn, `user:${userId}`, userId],
    );
    await expect(client.query('COMMIT')).rejects.toThrow(/does not balance for asset KRW: sum is 10/);
  });

  it('THEN legs written in several statements are summed at commit, the check can be forced early, and no check is left behind', async () => {
    const txn = randomUUID();
    await client.query('BEGIN');
    await entry(txn, `user:${userId}`, 'KRW', '7');
    await entry(txn, 'house:fees', 'KRW', '1');
    await expect(client.query('SAVEPOINT s; SET CONSTRAINTS ALL IMMEDIATE')).rejects.toThrow(/does not balance/);
    await client.query('ROLLBACK TO SAVEPOINT s; SET CONSTRAINTS ALL DEFERRED');
    await entry(txn, 'system:mint', 'KRW', '-8');
    await client.query('COMMIT');
    const left = await client.query('SELECT count(*)::int AS n FROM ledger_balance_checks');
    expect(left.rows[0]).toEqual({ n: 0 });
  });

  it('THEN a ledger row naming an unknown user or order is refused, and a user named by the ledger cannot be deleted', async () => {
    const ghost = randomUUID();
    const user = await failure(
      client.query(
        "INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind) VALUES ($1, $2, $3, 'KRW', 1, 'ADJUSTMENT'), ($1, 'system:mint', NULL, 'KRW', -1, 'ADJUSTMENT')",
        [randomUUID(), `user:${ghost}`, ghost],
      ),
    );
    expect([user.code, user.message]).toEqual(['23503', `ledger row names unknown user ${ghost}`]);
    const order = await failure(
      client.query(
        "INSERT INTO ledger_entries (txn_id, account, asset, amount, kind, order_id) VALUES ($1, 'house:fees', 'KRW', 1, 'FEE', $1), ($1, 'system:mint', 'KRW', -1, 'FEE', $1)",
        [ghost],
      ),
    );
    expect([order.code, order.message]).toEqual(['23503', `ledger row names unknown order ${ghost}`]);
    const deleted = await failure(client.query('DELETE FROM users WHERE id = $1', [userId]));
    expect([deleted.code, deleted.message]).toEqual(['23503', `users ${userId} is named by ledger rows and cannot be deleted`]);
  });

  it('THEN an order naming an unknown user is refused, as is moving it to one, and a user named by orders cannot be deleted', async () => {
    // 0014: checked per statement (and per changed row on UPDATE) instead of by a foreign key.
    const ghost = randomUUID();
    const order = (id: string, user: string) =>
      client.query(
        "INSERT INTO orders (id, user_id, ticker_id, side, type, status, quantity, fail_reason, source) VALUES ($1, $2, 'CRYPTO-COIN-BTC', 'BUY', 'MARKET', 'FAILED', 1, 'INSUFFICIENT_FUNDS', 'api')",
        [id, user],
      );
    const refused = await failure(order(randomUUID(), ghost));
    expect([refused.code, refused.message]).toEqual(['23503', `order names unknown user ${ghost}`]);
    const owner = randomUUID();
    await client.query("INSERT INTO users (id, username) VALUES ($1, 'orders_only')", [owner]);
    const orderId = randomUUID();
    await order(orderId, owner);
    const moved = await failure(client.query('UPDATE orders SET user_id = $2 WHERE id = $1', [orderId, ghost]));
    expect([moved.code, moved.message]).toEqual(['23503', `order names unknown user ${ghost}`]);
    await client.query("UPDATE orders SET fail_reason = 'MARKET_CLOSED' WHERE id = $1", [orderId]); // user_id unchanged: not checked
    const deleted = await failure(client.query('DELETE FROM users WHERE id = $1', [owner]));
    expect([deleted.code, deleted.message]).toEqual(['23503', `users ${owner} is named by orders and cannot be deleted`]);
  });

  it('THEN the legs of an order are the ledger transaction named by the order, and that order cannot be deleted', async () => {
    const orderId = randomUUID();
    await client.query(
      "INSERT INTO orders (id, user_id, ticker_id, side, type, status, quantity, fail_reason, source) VALUES ($1, $2, 'CRYPTO-COIN-BTC', 'BUY', 'MARKET', 'FAILED', 1, 'INSUFFICIENT_FUNDS', 'api')",
      [orderId, userId],
    );
    const legs = (txn: string) =>
      client.query(
        "INSERT INTO ledger_entries (txn_id, account, asset, amount, kind, order_id) VALUES ($1, 'house:fees', 'KRW', 1, 'FEE', $2), ($1, 'system:mint', 'KRW', -1, 'FEE', $2)",
        [txn, orderId],
      );
    await expect(legs(randomUUID())).rejects.toMatchObject({ code: '23514', constraint: 'ledger_entries_order_txn_check' });
    await legs(orderId);
    await expect(client.query('DELETE FROM orders WHERE id = $1', [orderId])).rejects.toMatchObject({
      code: '23503',
      message: `orders ${orderId} is named by ledger rows and cannot be deleted`,
    });
  });

  it('THEN a ledger account is accepted exactly when the rule of 0002 accepted it, and a malformed one is refused', async () => {
    // 0015 runs a regular expression only for market and system accounts; a player's account
    // is left to ledger_entries_check1 ('user:' || user_id). Together with ledger_entries_check,
    // a row must pass exactly when it passed 0002's check.
    const rule0002 = `account ~ '^(user:[0-9a-f-]+|house:fees|market:[A-Z0-9.-]+|system:[a-z_]+)$'
      AND CASE WHEN left(account, 5) = 'user:' THEN length(account) = 41 WHEN left(account, 7) = 'market:' THEN length(account) <= 71
               WHEN left(account, 7) = 'system:' THEN length(account) <= 39 ELSE true END`;
    const defs = await client.query<{ conname: string; expr: string }>(
      `SELECT conname, substring(pg_get_constraintdef(oid) from '^CHECK \\((.*)\\)$') AS expr FROM pg_constraint
        WHERE conrelid = 'ledger_entries'::regclass AND conname IN ('ledger_entries_account_check', 'ledger_entries_check', 'ledger_entries_check1')`,
    );
    const expr = (name: string) => defs.rows.find((r) => r.conname === name)?.expr ?? 'missing';
    const others = `(${expr('ledger_entries_check')}) IS NOT FALSE AND (${expr('ledger_entries_check1')}) IS NOT FALSE`;
    expect(expr('ledger_entries_account_check')).toContain('WHEN (user_id IS NOT NULL) THEN true');

    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 48_271) % 2_147_483_647; // Park–Miller: exact in doubles
      return seed % n;
    };
    /** A random string of `length` characters from `chars`. */
    const of = (chars: string) => (length: number) => Array.from({ length }, () => chars[random(chars.length)]).join('');
    const word = of('ABCXYZ09.-_abfz: \n');
    /** Characters a suffix after the prefix may have (half the suffixes use only those). */
    const fitting: Record<string, (length: number) => string> = { 'user:': of('09af-'), 'market:': of('AZ09.-'), 'market:A': of('AZ09.-'), 'system:': of('az_'), 'system:a': of('az_') };
    const uuid = randomUUID();
    const accounts = [
      `user:${uuid}`, `user:${uuid.toUpperCase()}`, `user:${uuid.slice(1)}`, `user:${uuid}0`, 'user:', 'user', `User:${uuid}`,
      'house:fees', 'house:fee', 'house:feess', 'HOUSE:fees', 'house:', 'market:KRX', 'market:CRYPTO-COIN-BTC', 'market:A.9-Z',
      'market:', 'market:krx', 'market:KR X', 'market:KRX\n', `market:${'A'.repeat(64)}`, `market:${'A'.repeat(65)}`,
      'system:mint', 'system:ipo_burn', 'system:', 'system:Mint', 'system:a-b', `system:${'a'.repeat(32)}`, `system:${'a'.repeat(33)}`,
      '', 'x', 'market', 'system', 'user:house:fees', 'markets:KRX',
    ];
    const prefixes = ['user:', 'house:', 'market:', 'system:', '', 'x:', 'market:A', 'system:a'];
    const lengths = [0, 1, 2, 31, 32, 33, 35, 36, 37, 63, 64, 65];
    for (let i = 0; i < 50; i += 1) accounts.push(`user:${randomUUID()}`);
    for (let i = 0; i < 2_000; i += 1) {
      const prefix = prefixes[random(prefixes.length)] ?? '';
      const length = random(2) === 0 ? (lengths[random(lengths.length)] ?? 0) : random(70);
      accounts.push(prefix + (random(2) === 0 ? (fitting[prefix] ?? word) : word)(length));
    }
    // Each account with no user_id, with the user it names (when it names one) and with another
    // user: ~4,100 rows.
    const rows = accounts.flatMap((account) => {
      const named = /^user:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(account) ? [account.slice(5)] : [];
      return [null, ...named, uuid].map((userId) => ({ account, userId }));
    });
    const r = await client.query<{ account: string; user_id: string | null; before: boolean; now: boolean }>(
      `SELECT account, user_id, (${rule0002}) IS NOT FALSE AND ${others} AS before,
              (${expr('ledger_entries_account_check')}) IS NOT FALSE AND ${others} AS now
         FROM unnest($1::text[], $2::uuid[]) AS x(account, user_id)`,
      [rows.map((x) => x.account), rows.map((x) => x.userId)],
    );
    expect(r.rows.length).toBeGreaterThan(4_000);
    expect(r.rows.filter((x) => x.before !== x.now)).toEqual([]);
    const accepted = r.rows.filter((x) => x.now).length;
    expect(accepted).toBeGreaterThan(300);
    expect(r.rows.length - accepted).toBeGreaterThan(1_000);

    const insertAccount = (account: string) =>
      failure(
        client.query(
          "INSERT INTO ledger_entries (txn_id, account, asset, amount, kind) VALUES ($1, $2, 'KRW', 1, 'ADJUSTMENT'), ($1, 'system:mint', 'KRW', -1, 'ADJUSTMENT')",
          [randomUUID(), account],
        ),
      );
    for (const account of ['market:krx', `market:${'A'.repeat(65)}`, 'house:fee', 'system:Mint', `user:${userId}`]) {
      expect(await insertAccount(account)).toMatchObject({ code: '23514', constraint: 'ledger_entries_account_check' });
    }
    expect(await insertAccount('market:KRX')).toEqual({ code: 'none', message: 'it succeeded' });
  });

  it('THEN ledger rows can be neither updated, deleted nor truncated', async () => {
    await expect(client.query("UPDATE ledger_entries SET amount = amount + 1")).rejects.toThrow(/append-only/);
    await expect(client.query('DELETE FROM ledger_entries')).rejects.toThrow(/append-only/);
    await expect(client.query('TRUNCATE ledger_entries')).rejects.toThrow(/append-only/);
  });

  it('THEN money columns refuse a ninth decimal and more than 12 integer digits', async () => {
    await client.query("INSERT INTO wallets (user_id, balance_krw) VALUES ($1, '1.123456789')", [userId]);
    const w = await client.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [userId]);
    // NUMERIC(20,8) rounds on input; code must never rely on it (toDbString refuses 9 decimals).
    expect(w.rows[0]?.balance_krw).toBe('1.12345679');
    await expect(client.query("UPDATE wallets SET balance_krw = '1000000000000' WHERE user_id = $1", [userId])).rejects.toThrow(
      /numeric field overflow/,
    );
  });

  it('THEN a wallet cannot go negative and a portfolio is unique per user and ticker', async () => {
    await expect(client.query("UPDATE wallets SET balance_krw = -1 WHERE user_id = $1", [userId])).rejects.toThrow(/check constraint/);
    await client.query(
      "INSERT INTO tickers (id, market, type, symbol, name_ko, name_en, currency) VALUES ('CRYPTO-COIN-BTC', 'CRYPTO', 'COIN', 'BTC', '비트코인', 'Bitcoin', 'KRW-COIN')",
    );
    await client.query("INSERT INTO portfolios (user_id, ticker_id, quantity, currency) VALUES ($1, 'CRYPTO-COIN-BTC', 1, 'KRW-COIN')", [userId]);
    await expect(
      client.query("INSERT INTO portfolios (user_id, ticker_id, quantity, currency) VALUES ($1, 'CRYPTO-COIN-BTC', 1, 'KRW-COIN')", [userId]),
    ).rejects.toThrow(/duplicate key/);
  });

  it('THEN a wallet balance update stays on its page (HOT: no new index entry), even with hundreds of wallets', async () => {
    // 0011: at the default fillfactor the first page holds ~90 full-size wallets and an update
    // of one of them has to move to another page; with half of each page free it does not.
    const ids = Array.from({ length: 200 }, () => randomUUID());
    await client.query(
      "INSERT INTO users (id, username) SELECT id, 'hot_' || n FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)",
      [ids],
    );
    await client.query("INSERT INTO wallets (user_id, balance_krw) SELECT id, 100000000.12345678 FROM unnest($1::uuid[]) AS x(id)", [ids]);
    const { updated, hot } = await hotUpdates('wallets', 'UPDATE wallets SET balance_krw = balance_krw - 12345.6789, last_updated = now() WHERE user_id = ANY($1::uuid[])', [ids]);
    expect(updated).toBe(200);
    expect(hot).toBe(200);
  });

  it('THEN a fill updates a position on its page (HOT: no new index entries), even with hundreds of positions', async () => {
    // 0013: with fillfactor 80 a page of ~40 positions has room for ~10 new versions, so a pass
    // of fills over every position moves most of them to other pages (a new entry in each of the
    // table's three indexes); with half of each page free every new version stays.
    const ids = Array.from({ length: 200 }, () => randomUUID());
    await client.query(
      "INSERT INTO users (id, username) SELECT id, 'hotp_' || n FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)",
      [ids],
    );
    await client.query(
      "INSERT INTO tickers (id, market, type, symbol, name_ko, name_en, currency) VALUES ('CRYPTO-COIN-HOTP', 'CRYPTO', 'COIN', 'HOTP', 'x', 'x', 'KRW-COIN')",
    );
    await client.query(
      `INSERT INTO portfolios (user_id, ticker_id, quantity, average_price, average_cost_krw, realized_pnl_krw, currency)
       SELECT id, 'CRYPTO-COIN-HOTP', 12.3456789, 135000000.12345678, 1666666666.12345678, 1234567.87654321, 'KRW-COIN' FROM unnest($1::uuid[]) AS x(id)`,
      [ids],
    );
    const { updated, hot } = await hotUpdates(
      'portfolios',
      `UPDATE portfolios SET quantity = quantity + 0.0001, average_price = average_price + 1.5, average_cost_krw = average_cost_krw + 13500,
              realized_pnl_krw = realized_pnl_krw - 99.5, updated_at = now()
        WHERE user_id = ANY($1::uuid[]) AND ticker_id = 'CRYPTO-COIN-HOTP'`,
      [ids],
    );
    expect(updated).toBe(200);
    expect(hot).toBe(200);
  });

  it('THEN a ticker id must match its market, type and symbol', async () => {
    await expect(
      client.query(
        "INSERT INTO tickers (id, market, type, symbol, name_ko, name_en, currency) VALUES ('KRX-STOCK-00593', 'KRX', 'STOCK', '00593', 'x', 'x', 'KRW')",
      ),
    ).rejects.toThrow(/check constraint/);
    await expect(
      client.query(
        "INSERT INTO tickers (id, market, type, symbol, name_ko, name_en, currency) VALUES ('US-STOCK-AAPL', 'US', 'STOCK', 'MSFT', 'x', 'x', 'USD')",
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('THEN a FAILED order needs a reason and a FILLED order needs its fill', async () => {
    await expect(
      client.query("INSERT INTO orders (id, user_id, ticker_id, side, type, status, source) VALUES ($1, $2, 'X', 'BUY', 'MARKET', 'FAILED', 'api')", [
        randomUUID(),
        userId,
      ]),
    ).rejects.toThrow(/check constraint/);
    await expect(
      client.query(
        "INSERT INTO orders (id, user_id, ticker_id, side, type, status, quantity, source) VALUES ($1, $2, 'CRYPTO-COIN-BTC', 'BUY', 'MARKET', 'FILLED', 1, 'api')",
        [randomUUID(), userId],
      ),
    ).rejects.toThrow(/check constraint/);
  });
});

/**
 * SQL of the settlement engine's hot path, on a raw `pg` client. Statements are set-based
 * (arrays bound with `unnest`) and named, so PostgreSQL parses them once per connection. A
 * batch costs two round trips: {@link lockBatchState} (every read) and {@link writeBatch}
 * (every write, data-modifying CTEs, guarded) — round trips, not rows, dominate on a busy
 * machine. Commonly both run on their own (the read unlocked, the write committing itself),
 * or the write alone when the engine remembers the batch's state (`engine/batch-state.cache.ts`);
 * else inside the caller's transaction with the wallets locked, plus BEGIN and COMMIT.
 * Registering new players ({@link insertUsers}, {@link insertWallets}) adds a few.
 *
 * Amounts cross this boundary as `NUMERIC(20,8)` strings (`toDbString`), never JS numbers.
 * Locking: a player's wallet row (`ORDER BY user_id … FOR UPDATE`) guards all of the player's
 * rows (wallet, positions); every locking writer takes it first, in user id order, so
 * concurrent writers cannot deadlock. The unlocked write instead checks every row it changes
 * against what it read, and writes nothing if one differs.
 */
import type { PoolClient, QueryResultRow } from 'pg';
import type { DomainEvent } from '../../core/events.js';
import type { SettingKey } from '../../core/settings.js';
import { outboxParams, outboxRowsSql } from './outbox.repository.js';
import { pgArray } from './sql-array.js';
import { splitByNewId } from '../../core/ids.js';

/** The part of a `pg` client this repository uses (a `PoolClient` or a `Client`). */
export type SqlClient = Pick<PoolClient, 'query'>;

/**
 * Run a named statement. Array parameters are bound as literals built by {@link pgArray} (every
 * statement here casts them, `$n::uuid[]`), not by `pg`'s slower per-element escaping.
 */
async function run<R extends QueryResultRow>(client: SqlClient, name: string, text: string, values: unknown[]): Promise<R[]> {
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (Array.isArray(v)) values[i] = pgArray(v as (string | boolean | null)[]);
  }
  const result = await client.query<R>({ name, text, values });
  return result.rows;
}

export interface UserRow {
  id: string;
  discord_user_id: string | null;
  username: string;
  nickname: string | null;
  is_suspended: boolean;
  has_wallet: boolean;
}

/** A {@link UserRow} per user; a WHERE clause follows. */
const SELECT_USER_ROWS = `SELECT u.id, u.discord_user_id, u.username, u.nickname, u.is_suspended, (w.user_id IS NOT NULL) AS has_wallet
       FROM users u LEFT JOIN wallets w ON w.user_id = u.id`;

/** Users by id, with whether they have a wallet. */
export function loadUsers(client: SqlClient, ids: readonly string[]): Promise<UserRow[]> {
  return run<UserRow>(client, 'settle_load_users', `${SELECT_USER_ROWS} WHERE u.id = ANY($1::uuid[])`, [ids]);
}

/** Users by Discord user id (players registered by another path, e.g. OAuth). */
export function loadUsersByDiscordId(client: SqlClient, discordIds: readonly string[]): Promise<UserRow[]> {
  return run<UserRow>(client, 'settle_load_users_by_discord', `${SELECT_USER_ROWS} WHERE u.discord_user_id = ANY($1::text[])`, [discordIds]);
}

/** Which of `lowerNames` (lower-cased usernames) are taken. */
export async function takenUsernames(client: SqlClient, lowerNames: readonly string[]): Promise<Set<string>> {
  const rows = await run<{ name: string }>(
    client,
    'settle_taken_usernames',
    'SELECT lower(username) AS name FROM users WHERE lower(username) = ANY($1::text[])',
    [lowerNames],
  );
  return new Set(rows.map((r) => r.name));
}

export interface NewUser {
  id: string;
  discordUserId: string;
  username: string;
  nickname: string | null;
}

/** Insert players; returns the ids actually inserted (a conflicting row is skipped). */
export async function insertUsers(client: SqlClient, users: readonly NewUser[]): Promise<Set<string>> {
  if (users.length === 0) return new Set();
  const rows = await run<{ id: string }>(
    client,
    'settle_insert_users',
    `INSERT INTO users (id, discord_user_id, username, nickname)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
     ON CONFLICT DO NOTHING RETURNING id`,
    [users.map((u) => u.id), users.map((u) => u.discordUserId), users.map((u) => u.username), users.map((u) => u.nickname)],
  );
  return new Set(rows.map((r) => r.id));
}

/** Create wallets with an opening balance (KRW, 8-dp string); returns the users that got one. */
export async function insertWallets(client: SqlClient, wallets: readonly { userId: string; balanceKrw: string }[]): Promise<Set<string>> {
  if (wallets.length === 0) return new Set();
  const rows = await run<{ user_id: string }>(
    client,
    'settle_insert_wallets',
    `INSERT INTO wallets (user_id, balance_krw)
     SELECT * FROM unnest($1::uuid[], $2::numeric[])
     ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
    [wallets.map((w) => w.userId), wallets.map((w) => w.balanceKrw)],
  );
  return new Set(rows.map((r) => r.user_id));
}

export interface InstrumentRow {
  id: string;
  market: 'KRX' | 'US' | 'CRYPTO' | 'HUMAN';
  currency: 'KRW' | 'USD' | 'KRW-COIN';
  active: boolean;
}

export interface PositionRow {
  /** `portfolios.id` (bigserial, as text): the key the write updates it by. */
  id: string;
  user_id: string;
  ticker_id: string;
  quantity: string;
  reserved_quantity: string;
  average_price: string;
  average_cost_krw: string;
  realized_pnl_krw: string;
  currency: 'KRW' | 'USD' | 'KRW-COIN';
}

/** One `orders` row as settlement writes it (terminal: FILLED or FAILED). Amounts are 8-dp strings or null. */
export interface OrderRow {
  id: string;
  userId: string;
  tickerId: string;
  side: 'BUY' | 'SELL';
  type: string;
  status: 'FILLED' | 'FAILED';
  quantity: string | null;
  notionalKrw: string | null;
  limitPrice: string | null;
  stopPrice: string | null;
  trail: string | null;
  price: string | null;
  filledQuantity: string | null;
  filledNotionalKrw: string | null;
  fee: string | null;
  realizedPnl: string | null;
  appliedExchangeRate: string | null;
  failReason: string | null;
  source: string;
  placedAt: string;
  filledAt: string | null;
}

/** A position's state after settlement (8-dp strings). */
export interface PositionWrite {
  userId: string;
  tickerId: string;
  quantity: string;
  averagePrice: string;
  averageCostKrw: string;
  realizedPnlKrw: string;
  currency: string;
}

/** The values of a position a guarded write compares (8-dp strings, as read). */
export type PositionValues = Pick<PositionWrite, 'quantity' | 'averagePrice' | 'averageCostKrw' | 'realizedPnlKrw'>;

/** The values of a wallet a guarded write compares (KRW, 8-dp strings, as read). */
export interface WalletValues {
  balanceKrw: string;
  reservedKrw: string;
}

/** An existing position's new state and the state it was computed from. */
export interface PositionUpdate extends PositionWrite {
  /** `portfolios.id` as read. */
  id: string;
  previous: PositionValues;
}

/** A wallet's new balance and the balance and reservation it was computed from. */
export interface WalletWrite {
  userId: string;
  balanceKrw: string;
  previous: WalletValues;
}

/** One `ledger_entries` row (amount an 8-dp string, non-zero). */
export interface LedgerWrite {
  txnId: string;
  account: string;
  userId: string | null;
  asset: string;
  amount: string;
  kind: string;
  orderId: string | null;
}

/** A player's locked wallet with the user fields settlement needs (amounts as 8-dp strings). */
export interface LockedAccountRow {
  user_id: string;
  balance_krw: string;
  reserved_krw: string;
  is_suspended: boolean;
  username: string;
  nickname: string | null;
}

/** Everything a batch reads, in one round trip. */
export interface BatchState {
  accounts: LockedAccountRow[];
  existingOrderIds: string[];
  instruments: InstrumentRow[];
  /** Every position of the players read (from {@link lockBatchState}), or those asked for (remembered). */
  positions: PositionRow[];
  /**
   * Operator settings the engine applies (`settings` table, set from the admin panel):
   * key → stored text, only the keys of {@link ENGINE_SETTING_KEYS} that were ever set.
   */
  settings: Record<string, string>;
}

/** The `settings` keys that settlement reads (core/settings.ts). */
export const ENGINE_SETTING_KEYS: readonly SettingKey[] = ['trading_fee_rate', 'whale_alert_threshold_krw', 'starting_cash_krw'];

/**
 * One statement: lock the wallets of `userIds` (user id order) with their users' flags and
 * names, and read which `orderIds` exist, the catalogue rows of `tickerIds` and every position
 * of `userIds` — not only the `positions` the batch asks for, so that the engine's
 * {@link BatchState} cache knows which tickers a player does not hold, and a later order for
 * one of those needs no read. Amounts come back as text (never JSON numbers). Positions are not
 * row-locked: every writer of a player's positions locks the player's wallet first. With
 * `lock: false` the same read takes no lock (outside a transaction): {@link writeBatch} then
 * checks that nothing it read has changed.
 *
 * Every lookup is one index probe per key whichever index a plan picks (the engine's sessions
 * plan each statement once, see `engine/engine.service.ts`): positions by `user_id`, the
 * leading column of `portfolios_user_id_ticker_id_key`.
 *
 * An order committed by a concurrent settler after this statement's snapshot is missed here;
 * {@link writeBatch} then finds it already recorded and refuses the whole write (SQLSTATE
 * 23505 on `orders_pkey`).
 */
export async function lockBatchState(
  client: SqlClient,
  keys: {
    userIds: readonly string[];
    orderIds: readonly string[];
    tickerIds: readonly string[];
    /** The positions to read (their users are among `userIds`). */
    positions: readonly { userId: string; tickerId: string }[];
  },
  options: { lock?: boolean } = {},
): Promise<BatchState> {
  const lock = options.lock ?? true;
  const rows = await run<{ accounts: LockedAccountRow[]; existing: string[]; instruments: InstrumentRow[]; positions: PositionRow[]; settings: Record<string, string> }>(
    client,
    lock ? 'settle_lock_batch_state' : 'settle_read_batch_state',
    `WITH a AS (
       SELECT w.user_id, w.balance_krw::text AS balance_krw, w.reserved_krw::text AS reserved_krw,
              u.is_suspended, u.username, u.nickname
         FROM wallets w JOIN users u ON u.id = w.user_id
        WHERE w.user_id = ANY($1::uuid[]) ORDER BY w.user_id${lock ? ' FOR UPDATE OF w' : ''}
     )
     SELECT (SELECT coalesce(json_agg(a), '[]'::json) FROM a) AS accounts,
            (SELECT coalesce(json_agg(o.id), '[]'::json) FROM orders o WHERE o.id = ANY($2::uuid[])) AS existing,
            (SELECT coalesce(json_agg(t), '[]'::json) FROM (SELECT id, market, currency, active FROM tickers WHERE id = ANY($3::text[])) t) AS instruments,
            (SELECT coalesce(json_agg(p), '[]'::json) FROM (
               SELECT p.id::text AS id, p.user_id, p.ticker_id, p.quantity::text AS quantity, p.reserved_quantity::text AS reserved_quantity,
                      p.average_price::text AS average_price, p.average_cost_krw::text AS average_cost_krw,
                      p.realized_pnl_krw::text AS realized_pnl_krw, p.currency
                 FROM portfolios p WHERE p.user_id = ANY($1::uuid[])) p) AS positions,
            (SELECT coalesce(json_object_agg(key, value), '{}'::json) FROM settings WHERE key = ANY($4::text[])) AS settings`,
    [keys.userIds, keys.orderIds, keys.tickerIds, [...ENGINE_SETTING_KEYS]],
  );
  const r = rows[0];
  return {
    accounts: r?.accounts ?? [],
    existingOrderIds: r?.existing ?? [],
    instruments: r?.instruments ?? [],
    positions: r?.positions ?? [],
    settings: r?.settings ?? {},
  };
}

/** The writes of one batch. */
export interface BatchWrites {
  orders: readonly OrderRow[];
  ledger: readonly LedgerWrite[];
  positionUpdates: readonly PositionUpdate[];
  positionInserts: readonly PositionWrite[];
  wallets: readonly WalletWrite[];
  /** Events to record, each stored whole as the row's `payload` (json, migration 0010). */
  outbox: readonly DomainEvent[];
  /**
   * For a write after an unlocked (or remembered) read: the rest of what the batch was
   * computed from, checked unchanged like the rows it changes. Null in a locked transaction.
   */
  readChecks: ReadChecks | null;
}

/**
 * What an unlocked batch read besides the rows it writes, as it read it (8-dp strings): the
 * write refuses to commit if any of it changed (a player suspended or renamed, a wallet or a
 * position a failed order was judged on, an instrument switched off, an operator setting).
 */
export interface ReadChecks {
  users: readonly { id: string; isSuspended: boolean; username: string; nickname: string | null }[];
  /** Wallets read and not written. */
  wallets: readonly ({ userId: string } & WalletValues)[];
  /** Positions read and not written. */
  positions: readonly { id: string; quantity: string; reservedQuantity: string }[];
  /** Positions found absent and not opened. */
  absentPositions: readonly { userId: string; tickerId: string }[];
  instruments: readonly { id: string; active: boolean }[];
  /** The {@link ENGINE_SETTING_KEYS} that were set, with their values. */
  settings: Readonly<Record<string, string>>;
}

/** A position {@link writeBatch} opened: its new `portfolios.id` (as text). */
export interface InsertedPosition {
  id: string;
  user_id: string;
  ticker_id: string;
}

/**
 * Every write of a batch in ONE statement (data-modifying CTEs): orders (a plain INSERT of those
 * the batch did not find recorded), ledger rows, positions (update in place, insert new),
 * wallet balances, outbox events (a plain INSERT of those whose id was made once, `newId`, v7;
 * `ON CONFLICT (id) DO NOTHING` for deterministic ids, which a redelivery derives again).
 * Inserted orders, ledger rows and positions travel as one JSON parameter each
 * (`json_to_recordset`, short keys, nulls left out): one `JSON.stringify` in the engine and one
 * native parse in PostgreSQL instead of escaping thousands of array elements (2,500 ledger rows
 * through json_to_recordset: 10.5 ms with full keys, 6.6 ms as now). Outbox events travel as {@link outboxParams} (each payload
 * parsed once). The two UPDATEs join typed arrays (`unnest`), whose length the planner knows.
 * Amounts are decimal strings, never numbers.
 *
 * Guarded: a wallet or position is updated only if it still holds the values the batch was
 * computed from (`previous`), a new position only if none exists, and every order must be new
 * (a plain INSERT, not `ON CONFLICT DO NOTHING` and a count: PostgreSQL's speculative insertion
 * probes the primary key before each insert and logs a confirm record after it; an order
 * already recorded raises 23505 on `orders_pkey` instead, which also writes nothing).
 * With `readChecks` (an unlocked batch) the rest of what the batch was computed from must be
 * unchanged too: its players' suspension and names, the wallets and positions it only read,
 * the positions it found absent, its instruments' `active` flag and the operator settings.
 * If any row falls short, `settle_guard` (migration 0007) raises SQLSTATE 40001 and the whole
 * statement writes nothing — so the statement is safe to run on its own (autocommit) after an
 * unlocked {@link lockBatchState}, or on state the engine remembered from its last write, and
 * in a locked transaction it cannot fail this way.
 * @returns the ids of the outbox events inserted when a deterministic event id already present
 *   was skipped, null when every event was inserted (the common case: the ids are not sent
 *   back), and the positions it opened with their new ids.
 * @throws pg's DatabaseError with `code` '40001' ("settlement conflict: …") when a row changed,
 *   or `code` '23505' and `constraint` 'orders_pkey' when an order is already recorded.
 */
export async function writeBatch(client: SqlClient, b: BatchWrites): Promise<{ outboxInserted: string[] | null; positionsInserted: InsertedPosition[] }> {
  // Row sets travel with short keys and without null fields (JSON.stringify drops `undefined`;
  // json_to_recordset reads a missing key as NULL): PostgreSQL's JSON parse is most of what the
  // rows cost it beyond the inserts themselves, and key names were a third of the text. Each
  // `AS x(...)` below lists the keys in the INSERT's column order.
  const orders = b.orders.map((o) => ({
    i: o.id, u: o.userId, t: o.tickerId, sd: o.side, ty: o.type, st: o.status, q: o.quantity ?? undefined,
    n: o.notionalKrw ?? undefined, lp: o.limitPrice ?? undefined, sp: o.stopPrice ?? undefined, tr: o.trail ?? undefined,
    p: o.price ?? undefined, fq: o.filledQuantity ?? undefined, fn: o.filledNotionalKrw ?? undefined, f: o.fee ?? undefined,
    r: o.realizedPnl ?? undefined, ax: o.appliedExchangeRate ?? undefined, fr: o.failReason ?? undefined, so: o.source,
    pa: o.placedAt, fa: o.filledAt ?? undefined,
  }));
  // A ledger row of an order names it by its transaction (`txn_id = order_id`, migration 0009),
  // and a player's account is `user:<user_id>`: both are rebuilt in SQL instead of sent twice.
  const ledger = b.ledger.map((l) => {
    if (l.orderId !== null && l.orderId !== l.txnId) throw new Error(`settlement bug: ledger row of order ${l.orderId} in transaction ${l.txnId}`);
    return {
      t: l.txnId, a: l.userId !== null && l.account === `user:${l.userId}` ? undefined : l.account, u: l.userId ?? undefined,
      s: l.asset, m: l.amount, k: l.kind, o: l.orderId === null ? undefined : true,
    };
  });
  const position = (p: PositionWrite) => ({
    user_id: p.userId, ticker_id: p.tickerId, quantity: p.quantity, average_price: p.averagePrice,
    average_cost_krw: p.averageCostKrw, realized_pnl_krw: p.realizedPnlKrw, currency: p.currency,
  });
  const u = b.positionUpdates;
  const c = b.readChecks;
  // Events whose id was made once (`newId`) cannot be in the outbox already: a plain INSERT,
  // without the speculative insertion (a probe of `outbox_events_pkey` first, a HEAP_CONFIRM
  // record after) that ON CONFLICT costs. Deterministic ids (a redelivered poison message, an
  // unknown player's order) may be there: they keep ON CONFLICT DO NOTHING.
  const { once, derived: kept } = splitByNewId(b.outbox, (e) => e.id);
  const settingKeys = c === null ? null : Object.keys(c.settings);
  const rows = await run<{ outbox_inserted: string[] | null; positions_inserted: InsertedPosition[] }>(
    client,
    'settle_write_batch',
    `WITH ins_orders AS (
       INSERT INTO orders (id, user_id, ticker_id, side, type, status, quantity, notional_krw, limit_price, stop_price, trail,
                           price, filled_quantity, filled_notional_krw, fee, realized_pnl, applied_exchange_rate, fail_reason,
                           source, placed_at, filled_at)
       SELECT * FROM json_to_recordset($1::json) AS x(i uuid, u uuid, t text, sd text, ty text, st text,
              q numeric, n numeric, lp numeric, sp numeric, tr numeric, p numeric,
              fq numeric, fn numeric, f numeric, r numeric,
              ax numeric, fr text, so text, pa timestamptz, fa timestamptz)
     ), ins_ledger AS (
       INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind, order_id)
       SELECT x.t, coalesce(x.a, 'user:' || x.u), x.u, x.s, x.m, x.k, CASE WHEN x.o THEN x.t END
         FROM json_to_recordset($2::json) AS x(t uuid, a text, u uuid, s text, m numeric, k text, o boolean)
     ), upd_positions AS (
       UPDATE portfolios p SET quantity = v.quantity, average_price = v.average_price, average_cost_krw = v.average_cost_krw,
              realized_pnl_krw = v.realized_pnl_krw, updated_at = now()
         FROM unnest($3::bigint[], $4::uuid[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
                     $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[])
              AS v(id, user_id, quantity, average_price, average_cost_krw, realized_pnl_krw,
                   was_quantity, was_average_price, was_average_cost_krw, was_realized_pnl_krw)
        WHERE p.id = v.id AND p.user_id = v.user_id
          AND p.quantity = v.was_quantity AND p.average_price = v.was_average_price
          AND p.average_cost_krw = v.was_average_cost_krw AND p.realized_pnl_krw = v.was_realized_pnl_krw
       RETURNING 1
     ), ins_positions AS (
       INSERT INTO portfolios (user_id, ticker_id, quantity, average_price, average_cost_krw, realized_pnl_krw, currency)
       SELECT * FROM json_to_recordset($13::json) AS x(user_id uuid, ticker_id text, quantity numeric, average_price numeric,
              average_cost_krw numeric, realized_pnl_krw numeric, currency text)
       ON CONFLICT (user_id, ticker_id) DO NOTHING RETURNING id, user_id, ticker_id
     ), upd_wallets AS (
       UPDATE wallets w SET balance_krw = v.balance_krw, last_updated = now()
         FROM unnest($14::uuid[], $15::numeric[], $16::numeric[], $17::numeric[]) AS v(user_id, balance_krw, was_balance_krw, was_reserved_krw)
        WHERE w.user_id = v.user_id AND w.balance_krw = v.was_balance_krw AND w.reserved_krw = v.was_reserved_krw
       RETURNING 1
     ), ins_outbox AS (
       INSERT INTO outbox_events (id, type, channel, routing_key, payload)
       ${outboxRowsSql(18)}
     ), ins_outbox_kept AS (
       INSERT INTO outbox_events (id, type, channel, routing_key, payload)
       ${outboxRowsSql(41)}
       ON CONFLICT (id) DO NOTHING RETURNING id
     )
     SELECT settle_guard((SELECT count(*) FROM upd_wallets) = cardinality($14::uuid[]), 'a wallet changed since it was read')
        AND settle_guard((SELECT count(*) FROM upd_positions) = cardinality($3::bigint[]), 'a position changed since it was read')
        AND settle_guard((SELECT count(*) FROM ins_positions) = $23::int, 'a position was opened since it was read')
        AND settle_guard((SELECT count(*) FROM users u JOIN unnest($24::uuid[], $25::bool[], $26::text[], $27::text[]) AS x(id, is_suspended, username, nickname)
                            ON u.id = x.id AND u.is_suspended = x.is_suspended AND u.username = x.username
                           AND u.nickname IS NOT DISTINCT FROM x.nickname) = cardinality($24::uuid[]), 'a player changed since it was read')
        AND settle_guard((SELECT count(*) FROM wallets w JOIN unnest($28::uuid[], $29::numeric[], $30::numeric[]) AS x(user_id, balance_krw, reserved_krw)
                            ON w.user_id = x.user_id AND w.balance_krw = x.balance_krw AND w.reserved_krw = x.reserved_krw) = cardinality($28::uuid[]),
                         'a wallet changed since it was read')
        AND settle_guard((SELECT count(*) FROM portfolios p JOIN unnest($31::bigint[], $32::numeric[], $33::numeric[]) AS x(id, quantity, reserved_quantity)
                            ON p.id = x.id AND p.quantity = x.quantity AND p.reserved_quantity = x.reserved_quantity) = cardinality($31::bigint[]),
                         'a position changed since it was read')
        AND settle_guard(NOT EXISTS (SELECT 1 FROM portfolios p JOIN unnest($34::uuid[], $35::text[]) AS x(user_id, ticker_id)
                                        ON p.user_id = x.user_id AND p.ticker_id = x.ticker_id), 'a position was opened since it was read')
        AND settle_guard((SELECT count(*) FROM tickers t JOIN unnest($36::text[], $37::bool[]) AS x(id, active)
                            ON t.id = x.id AND t.active = x.active) = cardinality($36::text[]), 'an instrument changed since it was read')
        AND settle_guard($38::text[] IS NULL
                         OR ((SELECT count(*) FROM settings s WHERE s.key = ANY($40::text[])) = cardinality($38::text[])
                             AND (SELECT count(*) FROM settings s JOIN unnest($38::text[], $39::text[]) AS x(key, value)
                                    ON s.key = x.key AND s.value = x.value) = cardinality($38::text[])),
                         'a setting changed since it was read') AS ok,
            CASE WHEN (SELECT count(*) FROM ins_outbox_kept) = cardinality($41::uuid[]) THEN NULL
                 ELSE (SELECT coalesce(array_agg(id::text), '{}')
                         FROM (SELECT unnest($18::uuid[]) AS id UNION ALL SELECT id FROM ins_outbox_kept) x) END AS outbox_inserted,
            (SELECT coalesce(json_agg(json_build_object('id', id::text, 'user_id', user_id, 'ticker_id', ticker_id)), '[]'::json)
               FROM ins_positions) AS positions_inserted`,
    [
      JSON.stringify(orders),
      JSON.stringify(ledger),
      u.map((p) => p.id),
      u.map((p) => p.userId),
      u.map((p) => p.quantity),
      u.map((p) => p.averagePrice),
      u.map((p) => p.averageCostKrw),
      u.map((p) => p.realizedPnlKrw),
      u.map((p) => p.previous.quantity),
      u.map((p) => p.previous.averagePrice),
      u.map((p) => p.previous.averageCostKrw),
      u.map((p) => p.previous.realizedPnlKrw),
      JSON.stringify(b.positionInserts.map(position)),
      b.wallets.map((w) => w.userId),
      b.wallets.map((w) => w.balanceKrw),
      b.wallets.map((w) => w.previous.balanceKrw),
      b.wallets.map((w) => w.previous.reservedKrw),
      ...outboxParams(once),
      b.positionInserts.length,
      c?.users.map((x) => x.id) ?? [],
      c?.users.map((x) => x.isSuspended) ?? [],
      c?.users.map((x) => x.username) ?? [],
      c?.users.map((x) => x.nickname) ?? [],
      c?.wallets.map((x) => x.userId) ?? [],
      c?.wallets.map((x) => x.balanceKrw) ?? [],
      c?.wallets.map((x) => x.reservedKrw) ?? [],
      c?.positions.map((x) => x.id) ?? [],
      c?.positions.map((x) => x.quantity) ?? [],
      c?.positions.map((x) => x.reservedQuantity) ?? [],
      c?.absentPositions.map((x) => x.userId) ?? [],
      c?.absentPositions.map((x) => x.tickerId) ?? [],
      c?.instruments.map((x) => x.id) ?? [],
      c?.instruments.map((x) => x.active) ?? [],
      settingKeys,
      settingKeys === null || c === null ? null : settingKeys.map((k) => c.settings[k] ?? ''),
      [...ENGINE_SETTING_KEYS],
      ...outboxParams(kept),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('settlement bug: the batch write returned no row');
  return { outboxInserted: row.outbox_inserted, positionsInserted: row.positions_inserted };
}

/**
 * SettlementService against the real PostgreSQL (fresh migrated database) and Redis (own db
 * index): the books stay balanced for random trading, every reject code, idempotency, the
 * per-order fallback, player registration.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MarketCalendar } from '../core/calendar.js';
import { ErrorCode } from '../core/errors.js';
import { Decimal, feeFor, fromDb } from '../core/money.js';
import type { OrderMessage } from '../core/order-message.js';
import { writeBatch } from '../platform/db/settlement.repository.js';
import { RedisQuoteCache } from '../platform/redis.js';
import { createLogger } from '../platform/logger.js';
import { loadMarketCalendar } from '../platform/db/calendar.repository.js';
import { openDatabase } from '../platform/db/sequelize.js';
import { seed } from '../db/seeds/index.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { auditBooks, makePlayers, orderMessage, writeFx, writeQuote } from './settle.fixtures.js';
import { SettlementService } from './settlement.service.js';
import type { SettlementParams } from './settlement.service.js';

const START = '100000000';
const params: SettlementParams = {
  startingCashKrw: new Decimal(START),
  feeRate: new Decimal('0.001'),
  whaleThresholdKrw: new Decimal('10000000'),
  priceStaleMs: 5_000,
  fxStaleMs: 60_000,
};
const BTC = 'CRYPTO-COIN-BTC';
const ETH = 'CRYPTO-COIN-ETH';
const AAPL = 'US-STOCK-AAPL';
const SAMSUNG = 'KRX-STOCK-005930';

let db: TestDatabase;
let testRedis: TestRedis;
let redis: Redis;
let pool: pg.Pool;
let calendar: MarketCalendar;
let now = new Date();
let service: SettlementService;

beforeAll(async () => {
  [db, testRedis] = await Promise.all([createTestDatabase('settle'), createTestRedis()]);
  const database = openDatabase({ url: db.url, poolMax: 2 });
  await seed(database.sequelize);
  calendar = await loadMarketCalendar(database.sequelize);
  await database.close();
  redis = new Redis(testRedis.url);
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  service = new SettlementService({
    pool,
    quotes: new RedisQuoteCache(redis),
    calendar,
    clock: { now: () => now },
    params,
    logger: createLogger('silent'),
  });
});

afterAll(async () => {
  await pool.end();
  await redis.quit();
  await Promise.all([db.drop(), testRedis.release()]);
});

beforeEach(() => {
  now = new Date();
});

const row = async (orderId: string) =>
  (await pool.query<Record<string, string | null>>('SELECT * FROM orders WHERE id = $1', [orderId])).rows[0];
/** Move KRW between the system and a player as the api does: wallet and ledger in one statement. */
const adjust = (userId: string, krw: string) =>
  pool.query(
    `WITH w AS (UPDATE wallets SET balance_krw = balance_krw + $3::numeric WHERE user_id = $1)
     INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind)
     VALUES ($2, 'system:adjustment', NULL, 'KRW', -$3::numeric, 'ADJUSTMENT'), ($2, 'user:' || $1, $1, 'KRW', $3::numeric, 'ADJUSTMENT')`,
    [userId, randomUUID(), krw],
  );
const balanceOf = async (userId: string) =>
  fromDb((await pool.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [userId])).rows[0]?.balance_krw ?? '');

describe('GIVEN players trading crypto at random prices in random batches', () => {
  /** Random trading through `settler`; the books are audited after every run. */
  const tradeRandomly = async (settler: () => SettlementService) => {
    const op = fc.record({
      player: fc.nat(3),
      ticker: fc.constantFrom(BTC, ETH),
      side: fc.constantFrom('BUY' as const, 'BUY' as const, 'SELL' as const),
      size: fc.oneof(
        fc.integer({ min: 1, max: 300_000_000 }).map((n) => ({ quantity: new Decimal(n).shiftedBy(-8).toFixed() })),
        fc.integer({ min: 1, max: 60_000_000 }).map((n) => ({ notional_krw: String(n) })),
        fc.constant({ quantity: 'all' }),
      ),
      price: fc.integer({ min: 1, max: 2_000_000_000 }).map((n) => new Decimal(n).shiftedBy(-2).toFixed()),
    });
    const kinds = { filled: 0, failed: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), async (ops, chunk) => {
        const players = makePlayers(4, 'prop');
        const messages: { m: OrderMessage; price: string }[] = ops.flatMap((o) => {
          const player = players[o.player];
          return player ? [{ m: orderMessage(player, o.ticker, o.side, o.size), price: o.price }] : [];
        });
        for (let i = 0; i < messages.length; i += chunk) {
          const part = messages.slice(i, i + chunk);
          // One price per ticker per batch (the price a batch reads once from Redis).
          for (const p of part) await writeQuote(redis, p.m.ticker_id, p.price, { ts: now });
          const result = await settler().settleBatch(part.map((p) => p.m));
          for (const o of result.outcomes) {
            if (o.kind !== 'filled' && o.kind !== 'failed') throw new Error(`unexpected outcome ${o.kind}`);
            kinds[o.kind] += 1;
          }
        }
        const client = await pool.connect();
        try {
          expect(await auditBooks(client, START)).toEqual([]);
          // Each fill: fee = ceil8(notional × rate), notional > 0.
          const fills = await client.query<{ filled_notional_krw: string; fee: string }>(
            "SELECT filled_notional_krw, fee FROM orders WHERE status = 'FILLED' AND user_id = ANY($1::uuid[])",
            [players.map((p) => p.userId)],
          );
          for (const f of fills.rows) expect(fromDb(f.fee).isEqualTo(feeFor(fromDb(f.filled_notional_krw), params.feeRate))).toBe(true);
        } finally {
          client.release();
        }
      }),
      { numRuns: 25 },
    );
    // The generator must exercise both paths, not only rejections.
    expect(kinds.filled).toBeGreaterThan(60);
    expect(kinds.failed).toBeGreaterThan(10);
  };

  it('THEN the ledger sums to zero per asset, no wallet goes negative, and every wallet equals the recomputation from fills', async () => {
    await tradeRandomly(() => service);
  });

  it('THEN the same holds when every batch takes the locked transaction (unlockedReads: false)', async () => {
    const locked = new SettlementService({ pool, quotes: new RedisQuoteCache(redis), calendar, clock: { now: () => now }, params, logger: createLogger('silent'), unlockedReads: false });
    await tradeRandomly(() => locked);
  });
});

describe('GIVEN a new Discord player buying BTC by KRW amount', () => {
  it('THEN the player is registered with the starting cash, the fill costs at most the amount, and events are written', async () => {
    const [p] = makePlayers(1, 'new');
    if (!p) throw new Error('no player');
    await writeQuote(redis, BTC, '150000000', { ts: now });
    const m = orderMessage(p, BTC, 'BUY', { notional_krw: '20000000' });
    const r = await service.settleBatch([m]);
    expect(r.outcomes).toEqual([{ kind: 'filled', orderId: m.order_id }]);
    const o = await row(m.order_id);
    expect(o?.status).toBe('FILLED');
    const cost = fromDb(o?.filled_notional_krw ?? '0').plus(fromDb(o?.fee ?? '0'));
    expect(cost.isLessThanOrEqualTo('20000000')).toBe(true);
    expect(cost.isGreaterThan('19999000')).toBe(true);
    const wallet = await pool.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [p.userId]);
    expect(fromDb(wallet.rows[0]?.balance_krw ?? '0').isEqualTo(new Decimal(START).minus(cost))).toBe(true);
    const user = await pool.query<{ discord_user_id: string; nickname: string }>('SELECT discord_user_id, nickname FROM users WHERE id = $1', [p.userId]);
    expect(user.rows[0]).toEqual({ discord_user_id: p.discordUserId, nickname: p.nickname });
    const mint = await pool.query("SELECT amount FROM ledger_entries WHERE user_id = $1 AND kind = 'STARTING_CASH'", [p.userId]);
    expect(mint.rows).toEqual([{ amount: '100000000.00000000' }]);
    // 20,000,000 KRW ≥ the whale threshold: order_filled and whale_trade with the nickname.
    expect(r.events.map((e) => e.type)).toEqual(['order_filled', 'whale_trade']);
    expect(r.events[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.events[1]?.data).toMatchObject({ nickname: p.nickname, side: 'BUY', ticker_id: BTC });
    const outbox = await pool.query('SELECT type, channel, routing_key FROM outbox_events WHERE payload->>\'id\' = ANY($1::text[]) ORDER BY seq', [r.events.map((e) => e.id)]);
    expect(outbox.rows).toEqual([
      { type: 'order_filled', channel: 'trade_events', routing_key: 'trade_events.order_filled' },
      { type: 'whale_trade', channel: 'trade_events', routing_key: 'trade_events.whale_trade' },
    ]);
  });
});

describe('GIVEN the same order delivered three times (once in one batch twice, once later)', () => {
  it('THEN there is one order, one fill and one event', async () => {
    const [p] = makePlayers(1, 'dup');
    if (!p) throw new Error('no player');
    await writeQuote(redis, ETH, '5000000', { ts: now });
    const m = orderMessage(p, ETH, 'BUY', { quantity: '1' });
    const first = await service.settleBatch([m, { ...m }]);
    expect(first.outcomes.map((o) => o.kind)).toEqual(['filled', 'duplicate']);
    const again = await service.settleBatch([{ ...m }]);
    expect(again.outcomes.map((o) => o.kind)).toEqual(['duplicate']);
    expect(again.events).toEqual([]);
    expect((await pool.query('SELECT count(*)::int AS n FROM orders WHERE id = $1', [m.order_id])).rows[0]).toEqual({ n: 1 });
    expect((await pool.query("SELECT count(*)::int AS n FROM ledger_entries WHERE order_id = $1 AND kind = 'TRADE' AND user_id IS NOT NULL AND asset = 'KRW'", [m.order_id])).rows[0]).toEqual({ n: 1 });
    expect((await pool.query("SELECT count(*)::int AS n FROM outbox_events WHERE payload->'data'->>'order_id' = $1", [m.order_id])).rows[0]).toEqual({ n: 1 });
  });
});

describe('GIVEN two settlers (engine replicas) settling the same order at once, both locked', () => {
  it('THEN it is recorded and filled once: the other batch writes nothing and settles it as a duplicate when retried', async () => {
    const [p] = makePlayers(1, 'race');
    if (!p) throw new Error('no player');
    await writeQuote(redis, ETH, '5000000', { ts: now });
    const locked = () =>
      new SettlementService({ pool, quotes: new RedisQuoteCache(redis), calendar, clock: { now: () => now }, params, logger: createLogger('silent'), unlockedReads: false });
    const [a, b] = [locked(), locked()];
    await a.settleBatch([orderMessage(p, ETH, 'BUY', { quantity: '1' })]); // registers the player
    const m = orderMessage(p, ETH, 'BUY', { quantity: '1' });
    const results = await Promise.allSettled([a.settleBatch([m]), b.settleBatch([{ ...m }])]);
    const kinds: string[] = [];
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') kinds.push(...r.value.outcomes.map((o) => o.kind));
      else {
        // Lost the race: the order was recorded after this batch read the orders; nothing written.
        expect(r.reason).toMatchObject({ name: 'TransientSettlementError' });
        const retried = await (i === 0 ? a : b).settleBatch([{ ...m }]);
        kinds.push(...retried.outcomes.map((o) => `retried ${o.kind}`));
      }
    }
    expect(kinds.filter((k) => k === 'filled')).toHaveLength(1);
    expect(kinds.filter((k) => k !== 'filled').every((k) => k === 'duplicate' || k === 'retried duplicate')).toBe(true);
    expect((await pool.query('SELECT count(*)::int AS n FROM orders WHERE id = $1', [m.order_id])).rows[0]).toEqual({ n: 1 });
    expect((await pool.query("SELECT count(*)::int AS n FROM outbox_events WHERE payload->'data'->>'order_id' = $1", [m.order_id])).rows[0]).toEqual({ n: 1 });
    const spent = new Decimal('5000000').times(2).plus(feeFor(new Decimal('5000000'), params.feeRate).times(2));
    expect((await balanceOf(p.userId)).toFixed()).toBe(new Decimal(START).minus(spent).toFixed());
  });
});

describe('GIVEN orders that must be refused', () => {
  it('THEN each is FAILED with its reason code, changes no balance and emits order_failed', async () => {
    const [p, q] = makePlayers(2, 'rej');
    if (!p || !q) throw new Error('no player');
    // Register p with one small BTC holding.
    await writeQuote(redis, BTC, '100000000', { ts: now });
    const seedBuy = orderMessage(p, BTC, 'BUY', { quantity: '0.01' });
    expect((await service.settleBatch([seedBuy])).outcomes[0]?.kind).toBe('filled');
    const before = await pool.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [p.userId]);

    // A Sunday: KRX closed. US open time for the FX cases is tested below.
    const cases: [OrderMessage, ErrorCode][] = [
      [orderMessage(p, BTC, 'BUY', { quantity: '2' }), ErrorCode.INSUFFICIENT_FUNDS],
      [orderMessage(p, BTC, 'SELL', { quantity: '0.02' }), ErrorCode.INSUFFICIENT_SHARES],
      [orderMessage(p, ETH, 'SELL', { quantity: 'all' }), ErrorCode.INSUFFICIENT_SHARES],
      [orderMessage(p, 'CRYPTO-COIN-NOPE', 'BUY', { quantity: '1' }), ErrorCode.UNKNOWN_TICKER],
      [orderMessage(p, 'not a ticker', 'BUY', { quantity: '1' }), ErrorCode.UNKNOWN_TICKER],
      [orderMessage(p, BTC, 'BUY', { quantity: '-1' }), ErrorCode.INVALID_QUANTITY],
      [orderMessage(p, BTC, 'BUY', { quantity: '0.000000001' }), ErrorCode.INVALID_QUANTITY],
      [orderMessage(p, BTC, 'BUY', { notional_krw: '0.5' }), ErrorCode.INVALID_QUANTITY],
      [orderMessage(p, BTC, 'BUY', { quantity: 'all' }), ErrorCode.INVALID_QUANTITY],
      [orderMessage(p, 'CRYPTO-COIN-XRP', 'BUY', { quantity: '1' }), ErrorCode.STALE_PRICE],
      [orderMessage(p, BTC, 'BUY', { quantity: '0.001' }, { type: 'LIMIT' }), ErrorCode.UNSUPPORTED_ORDER_TYPE],
    ];
    const r = await service.settleBatch(cases.map(([m]) => m));
    expect(r.outcomes).toEqual(cases.map(([m, code]) => ({ kind: 'failed', orderId: m.order_id, reason: code })));
    for (const [m, code] of cases) expect(await row(m.order_id)).toMatchObject({ status: 'FAILED', fail_reason: code });
    expect(r.events.every((e) => e.type === 'order_failed')).toBe(true);
    expect(r.events.map((e) => e.data.reason)).toEqual(cases.map(([, code]) => code));
    const after = await pool.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [p.userId]);
    expect(after.rows).toEqual(before.rows);

    // A stale quote (6 s old) → STALE_PRICE.
    await writeQuote(redis, ETH, '5000000', { ts: new Date(now.getTime() - 6_000) });
    const stale = orderMessage(p, ETH, 'BUY', { quantity: '1' });
    expect((await service.settleBatch([stale])).outcomes[0]).toMatchObject({ reason: ErrorCode.STALE_PRICE });

    // Suspended account.
    await pool.query('UPDATE users SET is_suspended = true WHERE id = $1', [p.userId]);
    const suspended = orderMessage(p, BTC, 'BUY', { quantity: '0.001' });
    expect((await service.settleBatch([suspended])).outcomes[0]).toMatchObject({ reason: ErrorCode.ACCOUNT_SUSPENDED });
    await pool.query('UPDATE users SET is_suspended = false WHERE id = $1', [p.userId]);

    // Unknown user id and no player to register: no order row (it could reference nobody), an order_failed event.
    const ghost = orderMessage(q, BTC, 'BUY', { quantity: '0.001' }, { withPlayer: false });
    const g = await service.settleBatch([ghost]);
    expect(g.outcomes[0]).toMatchObject({ kind: 'failed', reason: ErrorCode.UNKNOWN_USER });
    expect(g.events[0]?.data).toMatchObject({ reason: ErrorCode.UNKNOWN_USER, user_id: q.userId });
    expect(await row(ghost.order_id)).toBeUndefined();
    // Delivered again beside a new order: its event id is derived, so the outbox keeps the one
    // row it has and the batch relays only the new order's event.
    const next = orderMessage(p, BTC, 'BUY', { quantity: '0.001' });
    const again = await service.settleBatch([{ ...ghost }, next]);
    expect(again.outcomes.map((o) => o.kind)).toEqual(['failed', 'filled']);
    expect(again.events.map((e) => [e.type, e.data.order_id])).toEqual([['order_filled', next.order_id]]);
    expect((await pool.query("SELECT count(*)::int AS n FROM outbox_events WHERE payload->'data'->>'order_id' = $1", [ghost.order_id])).rows[0]).toEqual({ n: 1 });
  });

  it('THEN MARKET_CLOSED on a weekend for KRX, STALE_FX for US without a fresh rate, and USD fills at the applied rate', async () => {
    const [p] = makePlayers(1, 'usd');
    if (!p) throw new Error('no player');
    now = new Date('2026-11-22T03:00:00Z'); // Sunday in Seoul and New York
    await writeQuote(redis, SAMSUNG, '70000', { ts: now });
    const krx = orderMessage(p, SAMSUNG, 'BUY', { quantity: '1' });
    expect((await service.settleBatch([krx])).outcomes[0]).toMatchObject({ reason: ErrorCode.MARKET_CLOSED });

    now = new Date('2026-11-25T15:00:00Z'); // Wednesday 10:00 in New York
    await writeQuote(redis, AAPL, '200.5', { ts: now });
    await writeFx(redis, '1400.25', new Date(now.getTime() - 120_000));
    const noFx = orderMessage(p, AAPL, 'BUY', { quantity: '2' });
    expect((await service.settleBatch([noFx])).outcomes[0]).toMatchObject({ reason: ErrorCode.STALE_FX });

    await writeFx(redis, '1400.25', now);
    const buy = orderMessage(p, AAPL, 'BUY', { quantity: '2' });
    expect((await service.settleBatch([buy])).outcomes[0]?.kind).toBe('filled');
    expect(await row(buy.order_id)).toMatchObject({
      status: 'FILLED',
      price: '200.50000000',
      applied_exchange_rate: '1400.25000000',
      filled_notional_krw: '561500.25000000', // 2 × 200.5 × 1400.25
      fee: '561.50025000',
    });
    const pos = await pool.query('SELECT quantity, average_price, currency FROM portfolios WHERE user_id = $1 AND ticker_id = $2', [p.userId, AAPL]);
    expect(pos.rows).toEqual([{ quantity: '2.00000000', average_price: '200.50000000', currency: 'USD' }]);
  });
});

describe('GIVEN a batch in which one order trips a database constraint', () => {
  it('THEN the others settle in the same transaction and that one is recorded FAILED (INTERNAL)', async () => {
    const [p, q] = makePlayers(2, 'bad');
    if (!p || !q) throw new Error('no player');
    const poisonId = randomUUID();
    await pool.query(`
      CREATE OR REPLACE FUNCTION test_reject_order() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = '${poisonId}' AND NEW.status = 'FILLED' THEN
          RAISE EXCEPTION 'test: this order may not fill' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS test_reject_order ON orders;
      CREATE TRIGGER test_reject_order BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_reject_order();`);
    try {
      await writeQuote(redis, BTC, '100000000', { ts: now });
      const good1 = orderMessage(p, BTC, 'BUY', { quantity: '0.1' });
      const bad = orderMessage(q, BTC, 'BUY', { quantity: '0.1' }, { order_id: poisonId });
      const good2 = orderMessage(p, BTC, 'SELL', { quantity: '0.05' });
      const r = await service.settleBatch([good1, bad, good2]);
      expect(r.outcomes).toEqual([
        { kind: 'filled', orderId: good1.order_id },
        { kind: 'failed', orderId: bad.order_id, reason: ErrorCode.INTERNAL },
        { kind: 'filled', orderId: good2.order_id },
      ]);
      expect(await row(bad.order_id)).toMatchObject({ status: 'FAILED', fail_reason: 'INTERNAL' });
      const client = await pool.connect();
      try {
        expect(await auditBooks(client, START)).toEqual([]);
      } finally {
        client.release();
      }
    } finally {
      await pool.query('DROP TRIGGER IF EXISTS test_reject_order ON orders');
    }
  });
});

describe('GIVEN users registered by another path', () => {
  it('THEN an API user without a wallet gets one with the starting cash on the first order', async () => {
    const id = randomUUID();
    await pool.query("INSERT INTO users (id, username) VALUES ($1, $2)", [id, `api-${id.slice(0, 8)}`]);
    await writeQuote(redis, ETH, '5000000', { ts: now });
    const [shape] = makePlayers(1, 'api');
    if (!shape) throw new Error('no player');
    const m = orderMessage({ ...shape, userId: id }, ETH, 'BUY', { quantity: '1' }, { withPlayer: false });
    expect((await service.settleBatch([m])).outcomes[0]?.kind).toBe('filled');
    const w = await pool.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [id]);
    expect(w.rows[0]?.balance_krw).toBe('94995000.00000000'); // 100,000,000 − 5,000,000 − 5,000 fee
  });

  it('THEN a Discord player linked under another id (OAuth) trades under that id; no second user is created', async () => {
    const [p] = makePlayers(1, 'linked');
    if (!p) throw new Error('no player');
    const existing = randomUUID();
    await pool.query('INSERT INTO users (id, discord_user_id, username, nickname) VALUES ($1, $2, $3, $4)', [existing, p.discordUserId, `oauth-${p.username}`, 'OAuth개미']);
    await writeQuote(redis, ETH, '5000000', { ts: now });
    const m = orderMessage(p, ETH, 'BUY', { quantity: '2' }); // user_id = playerIdOf(discord id) ≠ existing
    const r = await service.settleBatch([m]);
    expect(r.outcomes[0]?.kind).toBe('filled');
    expect(await row(m.order_id)).toMatchObject({ user_id: existing, status: 'FILLED' });
    expect((await pool.query('SELECT count(*)::int AS n FROM users WHERE id = $1', [p.userId])).rows[0]).toEqual({ n: 0 });
    expect(r.events[0]?.data).toMatchObject({ user_id: existing });
  });
});

describe('GIVEN an operator who changed the fee, the whale threshold and the starting cash in the admin panel', () => {
  it('THEN the next batch applies them: a new player gets the new starting cash, the fee and whale alert follow the settings', async () => {
    const [p] = makePlayers(1, 'set');
    if (!p) throw new Error('no player');
    await pool.query(
      `INSERT INTO settings (key, value) VALUES ('trading_fee_rate', '0.0025'), ('whale_alert_threshold_krw', '1000000'), ('starting_cash_krw', '50000000')`,
    );
    try {
      await writeQuote(redis, ETH, '4000000', { ts: now });
      const buy = orderMessage(p, ETH, 'BUY', { quantity: '1' });
      const r = await service.settleBatch([buy]);
      expect(r.outcomes[0]?.kind).toBe('filled');
      const filled = await row(buy.order_id);
      expect(filled?.fee).toBe('10000.00000000'); // 4,000,000 × 0.0025, not × 0.001
      // 50,000,000 − 4,000,000 − 10,000
      const w = await pool.query<{ balance_krw: string }>('SELECT balance_krw FROM wallets WHERE user_id = $1', [p.userId]);
      expect(w.rows[0]?.balance_krw).toBe('45990000.00000000');
      // 4,000,000 ≥ the operator's 1,000,000 (config says 10,000,000): a whale.
      expect(r.events.map((e) => e.type).sort()).toEqual(['order_filled', 'whale_trade']);

      // A setting removed falls back to the configuration.
      await pool.query("DELETE FROM settings WHERE key = 'trading_fee_rate'");
      const sell = orderMessage(p, ETH, 'SELL', { quantity: '1' });
      expect((await service.settleBatch([sell])).outcomes[0]?.kind).toBe('filled');
      expect((await row(sell.order_id))?.fee).toBe('4000.00000000'); // × 0.001
    } finally {
      await pool.query('DELETE FROM settings');
    }
  });
});

describe('GIVEN an operator adjusts a wallet between the unlocked read and the write', () => {
  it('THEN the guarded write changes nothing, and the batch settles again locked on the adjusted balance', async () => {
    const [p] = makePlayers(1, 'race');
    if (!p) throw new Error('no player');
    now = new Date();
    await writeQuote(redis, BTC, '100000000', { ts: now });
    // Registers the player (the locked path) with the starting cash.
    const first = await service.settleBatch([orderMessage(p, BTC, 'BUY', { quantity: '0.01' })]);
    expect(first.outcomes[0]?.kind).toBe('filled');
    const afterFirst = await balanceOf(p.userId);

    // A pool whose connections run the adjustment right after the settling read returns.
    const racing = new pg.Pool({ connectionString: db.url, max: 1 });
    let adjusted = 0;
    racing.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
        const result = await query(...args);
        if ((args[0] as { name?: string }).name === 'settle_read_batch_state' && adjusted === 0) {
          adjusted += 1;
          await adjust(p.userId, '1000');
        }
        return result;
      };
    });
    const racer = new SettlementService({ pool: racing, quotes: new RedisQuoteCache(redis), calendar, clock: { now: () => now }, params, logger: createLogger('silent') });
    try {
      const m = orderMessage(p, BTC, 'BUY', { quantity: '0.01' });
      const result = await racer.settleBatch([m]);
      expect(adjusted).toBe(1);
      expect(result.outcomes).toEqual([{ kind: 'filled', orderId: m.order_id }]);
      expect(result.events.filter((e) => e.type === 'order_filled')).toHaveLength(1);
      const filled = await row(m.order_id);
      const cost = fromDb(filled?.filled_notional_krw ?? '').plus(fromDb(filled?.fee ?? ''));
      const balance = await balanceOf(p.userId);
      // Neither the adjustment nor the fill is lost: the write computed on the old balance did not land.
      expect(balance.toFixed()).toBe(afterFirst.plus(1000).minus(cost).toFixed());
      const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries WHERE order_id = $1', [m.order_id]);
      expect(rows.rows[0]?.n).toBeGreaterThan(0);
      const unbalanced = await pool.query(
        'SELECT 1 FROM ledger_entries WHERE txn_id IN (SELECT txn_id FROM ledger_entries WHERE user_id = $1) GROUP BY txn_id, asset HAVING sum(amount) <> 0',
        [p.userId],
      );
      expect(unbalanced.rowCount).toBe(0);
      const cash = await pool.query<{ s: string }>("SELECT sum(amount)::text AS s FROM ledger_entries WHERE user_id = $1 AND asset = 'KRW'", [p.userId]);
      expect(fromDb(cash.rows[0]?.s ?? '').toFixed()).toBe(balance.toFixed());
    } finally {
      await racing.end();
    }
  });
});

describe('GIVEN a write computed from a wallet that has changed since', () => {
  it('THEN writeBatch raises SQLSTATE 40001 and writes nothing: no order, no ledger row, no event', async () => {
    const [p] = makePlayers(1, 'stale');
    if (!p) throw new Error('no player');
    now = new Date();
    await writeQuote(redis, ETH, '5000000', { ts: now });
    await service.settleBatch([orderMessage(p, ETH, 'BUY', { quantity: '1' })]);
    const orderId = randomUUID();
    const eventId = randomUUID();
    const txn = orderId;
    const write = writeBatch(pool, {
      orders: [{
        id: orderId, userId: p.userId, tickerId: ETH, side: 'BUY', type: 'MARKET', status: 'FILLED', quantity: '1', notionalKrw: null,
        limitPrice: null, stopPrice: null, trail: null, price: '5000000', filledQuantity: '1', filledNotionalKrw: '5000000', fee: '5000',
        realizedPnl: '0', appliedExchangeRate: null, failReason: null, source: 'discord', placedAt: now.toISOString(), filledAt: now.toISOString(),
      }],
      ledger: [
        { txnId: txn, account: `user:${p.userId}`, userId: p.userId, asset: 'KRW', amount: '-5005000', kind: 'TRADE', orderId },
        { txnId: txn, account: `market:${ETH}`, userId: null, asset: 'KRW', amount: '5005000', kind: 'TRADE', orderId },
      ],
      positionUpdates: [],
      positionInserts: [],
      // Not the balance the wallet holds.
      wallets: [{ userId: p.userId, balanceKrw: '1', previous: { balanceKrw: '123', reservedKrw: '0' } }],
      outbox: [{ id: eventId, type: 'order_filled', occurred_at: now.toISOString(), data: {} }],
      readChecks: null,
    });
    const error: unknown = await write.then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: '40001', message: 'settlement conflict: a wallet changed since it was read' });
    expect(await row(orderId)).toBeUndefined();
    expect((await pool.query('SELECT 1 FROM ledger_entries WHERE order_id = $1', [orderId])).rowCount).toBe(0);
    expect((await pool.query('SELECT 1 FROM outbox_events WHERE id = $1', [eventId])).rowCount).toBe(0);
  });
});


describe('GIVEN players the engine settled recently (their state remembered, not read again)', () => {
  /** Whether a player's wallet and positions equal their ledger sums (players here also get adjustments). */
  const booksOf = async (userId: string) =>
    (
      await pool.query<{ cash: boolean; shares: boolean }>(
        `SELECT (SELECT balance_krw FROM wallets WHERE user_id = $1) = (SELECT sum(amount) FROM ledger_entries WHERE user_id = $1 AND asset = 'KRW') AS cash,
                NOT EXISTS (SELECT 1 FROM portfolios p WHERE p.user_id = $1 AND p.quantity <>
                  (SELECT coalesce(sum(amount), 0) FROM ledger_entries l WHERE l.user_id = $1 AND l.asset = p.ticker_id)) AS shares`,
        [userId],
      )
    ).rows[0];

  it('THEN their next batch settles from memory with the same results as from a read', async () => {
    const players = makePlayers(3, 'mem');
    await writeQuote(redis, BTC, '100000000', { ts: now });
    await service.settleBatch(players.map((p) => orderMessage(p, BTC, 'BUY', { quantity: '0.01' }))); // registers (locked)
    await service.settleBatch(players.map((p) => orderMessage(p, BTC, 'BUY', { quantity: '0.01' }))); // read, then remembered
    const hits = service.stateCache?.stats.hits ?? 0;
    const sells = players.map((p) => orderMessage(p, BTC, 'SELL', { quantity: '0.02' }));
    const r = await service.settleBatch(sells);
    expect(service.stateCache?.stats.hits).toBe(hits + 1);
    expect(r.outcomes).toEqual(sells.map((m) => ({ kind: 'filled', orderId: m.order_id })));
    for (const p of players) {
      const pos = await pool.query<{ quantity: string }>('SELECT quantity FROM portfolios WHERE user_id = $1 AND ticker_id = $2', [p.userId, BTC]);
      expect(pos.rows).toEqual([{ quantity: '0.00000000' }]);
    }
    // Settled again from memory: still one order, one fill, no second event.
    const again = await service.settleBatch([sells[0] as OrderMessage]);
    expect(again.outcomes).toEqual([{ kind: 'duplicate', orderId: sells[0]?.order_id }]);
    expect(again.events).toEqual([]);
    for (const p of players) expect(await booksOf(p.userId)).toEqual({ cash: true, shares: true });
  });

  it('THEN a wallet changed behind the engine, a position opened elsewhere or a delisting is seen: the batch settles on what the database holds', async () => {
    const [p] = makePlayers(1, 'behind');
    if (!p) throw new Error('no player');
    await writeQuote(redis, BTC, '100000000', { ts: now });
    await writeQuote(redis, ETH, '5000000', { ts: now });
    await service.settleBatch([orderMessage(p, BTC, 'BUY', { quantity: '0.01' })]);
    // Remembered: the wallet, and that the player holds no ETH (a SELL of it fails).
    const noShares = orderMessage(p, ETH, 'SELL', { quantity: '1' });
    expect((await service.settleBatch([noShares])).outcomes[0]).toMatchObject({ reason: ErrorCode.INSUFFICIENT_SHARES });

    // Nearly all the cash taken away by an adjustment: a BUY the remembered balance would pay for fails.
    const balance = await balanceOf(p.userId);
    await adjust(p.userId, `-${new Decimal(balance).minus(1000).toFixed()}`);
    const tooBig = orderMessage(p, BTC, 'BUY', { quantity: '0.01' });
    expect((await service.settleBatch([tooBig])).outcomes[0]).toMatchObject({ kind: 'failed', reason: ErrorCode.INSUFFICIENT_FUNDS });
    expect((await balanceOf(p.userId)).toFixed()).toBe('1000');

    // Cash given back: the BUY the remembered (failed) state would refuse now fills.
    await adjust(p.userId, '10000000');
    const buy = orderMessage(p, ETH, 'BUY', { quantity: '1' });
    expect((await service.settleBatch([buy])).outcomes[0]).toEqual({ kind: 'filled', orderId: buy.order_id });

    // ETH held now (bought above): the SELL refused before fills.
    const sell = orderMessage(p, ETH, 'SELL', { quantity: '1' });
    expect((await service.settleBatch([sell])).outcomes[0]).toEqual({ kind: 'filled', orderId: sell.order_id });

    // Delisted after it was remembered as listed.
    await pool.query('UPDATE tickers SET active = false WHERE id = $1', [BTC]);
    try {
      const delisted = orderMessage(p, BTC, 'SELL', { quantity: '0.01' });
      expect((await service.settleBatch([delisted])).outcomes[0]).toMatchObject({ kind: 'failed', reason: ErrorCode.UNKNOWN_TICKER });
    } finally {
      await pool.query('UPDATE tickers SET active = true WHERE id = $1', [BTC]);
    }
    const relisted = orderMessage(p, BTC, 'SELL', { quantity: '0.01' });
    expect((await service.settleBatch([relisted])).outcomes[0]).toEqual({ kind: 'filled', orderId: relisted.order_id });
    expect(await booksOf(p.userId)).toEqual({ cash: true, shares: true });
  });

  it('THEN a position opened by another writer after the engine remembered none is not opened twice', async () => {
    const [p] = makePlayers(1, 'opened');
    if (!p) throw new Error('no player');
    await writeQuote(redis, ETH, '5000000', { ts: now });
    await service.settleBatch([orderMessage(p, ETH, 'SELL', { quantity: '1' })]); // registers; no ETH
    await service.settleBatch([orderMessage(p, ETH, 'SELL', { quantity: '1' })]); // remembered: no ETH
    // Shares arrive from elsewhere (an IPO allocation, say), ledger and position together.
    const txn = randomUUID();
    await pool.query(
      `WITH pos AS (INSERT INTO portfolios (user_id, ticker_id, quantity, average_price, average_cost_krw, currency) VALUES ($1, $3, 2, 5000000, 5000000, 'KRW-COIN'))
       INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind)
       VALUES ($2, 'market:' || $3, NULL, $3, -2, 'ADJUSTMENT'), ($2, 'user:' || $1, $1, $3, 2, 'ADJUSTMENT')`,
      [p.userId, txn, ETH],
    );
    const sell = orderMessage(p, ETH, 'SELL', { quantity: '1' });
    expect((await service.settleBatch([sell])).outcomes[0]).toEqual({ kind: 'filled', orderId: sell.order_id });
    const pos = await pool.query<{ quantity: string }>('SELECT quantity FROM portfolios WHERE user_id = $1 AND ticker_id = $2', [p.userId, ETH]);
    expect(pos.rows).toEqual([{ quantity: '1.00000000' }]);
  });
});

/**
 * `npm run bench:batch-cost`: what one settlement batch costs by its size: PostgreSQL backend
 * CPU, settling-process CPU and wall time per `SettlementService.settleBatch` call of 1, 10 and
 * 100 MARKET orders, run one after another on one connection with the engine's session settings
 * ({@link KEYED_ACCESS_OPTIONS}). From the sizes it derives the fixed cost of a batch and the
 * marginal cost of an order in it: at a moderate rate (`bench:settle` at 1,000/s settles ~10–30
 * orders per batch) the fixed part is most of what an order costs.
 *
 * Baseline in the same run, on the same server: one `SELECT 1` round trip, and one single-row
 * INSERT committed on its own (a durable commit: WAL flush), per statement.
 *
 * Method: a fresh migrated database and Redis db; 400 players registered by a first BUY of
 * 0.0001 BTC each; then each player alternates SELL and BUY of 0.0001 BTC (every order fills).
 * Each size runs once to warm up and once measured (`N` orders in all per size, default 3,000).
 * PostgreSQL's CPU comes from `/proc/<pid>/stat` ({@link cpuSeconds}; 10 ms ticks: many batches
 * per size), this process's from `process.cpuUsage()` ({@link selfCpuSeconds}).
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Decimal } from '../core/money.js';
import type { OrderMessage } from '../core/order-message.js';
import { KEYED_ACCESS_OPTIONS } from '../engine/engine.service.js';
import { makePlayers, orderMessage, writeQuote } from '../engine/settle.fixtures.js';
import { SettlementService } from '../engine/settlement.service.js';
import { seed } from '../db/seeds/index.js';
import { loadMarketCalendar } from '../platform/db/calendar.repository.js';
import { openDatabase } from '../platform/db/sequelize.js';
import { createLogger } from '../platform/logger.js';
import { RedisQuoteCache } from '../platform/redis.js';
import { createTestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import { cpuSeconds, selfCpuSeconds } from './support/proc.js';

const ORDERS_PER_SIZE = Number(process.env.N ?? 3_000);
const SIZES = [1, 10, 100];
const BTC = 'CRYPTO-COIN-BTC';
const log = (s: string) => process.stdout.write(`${s}\n`);

interface Cost {
  pgUs: number;
  selfUs: number;
  wallUs: number;
}

/** Mean cost per call of `fn` over `calls` calls: the PostgreSQL backend `pid`, this process, wall time. */
async function measure(pid: number, calls: number, fn: () => Promise<unknown>): Promise<Cost> {
  const pg0 = await cpuSeconds(pid);
  const self0 = selfCpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < calls; i += 1) await fn();
  return { pgUs: (((await cpuSeconds(pid)) - pg0) * 1e6) / calls, selfUs: ((selfCpuSeconds() - self0) * 1e6) / calls, wallUs: ((performance.now() - t0) * 1000) / calls };
}

async function main(): Promise<void> {
  log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const [db, testRedis] = await Promise.all([createTestDatabase('batchcost'), createTestRedis()]);
  const redis = new Redis(testRedis.url);
  const pool = new pg.Pool({ connectionString: db.url, max: 1, options: KEYED_ACCESS_OPTIONS });
  try {
    const database = openDatabase({ url: db.url, poolMax: 1 });
    await seed(database.sequelize);
    const calendar = await loadMarketCalendar(database.sequelize);
    await database.close();
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? -1;
    client.release();

    // Baseline: the server's floor per statement on this connection.
    await pool.query('CREATE TABLE bench_floor (id bigserial PRIMARY KEY, v text NOT NULL)');
    const select1 = await measure(pid, 3_000, () => pool.query('SELECT 1'));
    const insert1 = await measure(pid, 2_000, () => pool.query({ name: 'floor_insert', text: 'INSERT INTO bench_floor (v) VALUES ($1)', values: ['x'] }));

    const service = new SettlementService({
      pool,
      quotes: new RedisQuoteCache(redis),
      calendar,
      clock: { now: () => new Date() },
      params: {
        startingCashKrw: new Decimal('100000000'),
        feeRate: new Decimal('0.001'),
        whaleThresholdKrw: new Decimal('1000000000000'),
        priceStaleMs: 600_000,
        fxStaleMs: 600_000,
      },
      logger: createLogger('silent'),
    });
    await writeQuote(redis, BTC, '135000000', { ttlS: 3_600 });
    const players = makePlayers(400, 'cost');
    const trades = new Map<string, number>();
    let filled = 0;
    let total = 0;
    const settle = async (messages: OrderMessage[]) => {
      const r = await service.settleBatch(messages);
      total += r.outcomes.length;
      filled += r.outcomes.filter((o) => o.kind === 'filled').length;
    };
    log(`registering ${players.length} players…`);
    for (let i = 0; i < players.length; i += 100) await settle(players.slice(i, i + 100).map((p) => orderMessage(p, BTC, 'BUY', { quantity: '0.0001' })));
    let next = 0;
    /** `k` orders of distinct players; each player alternates SELL and BUY (so every order fills). */
    const batchOf = (k: number) =>
      Array.from({ length: k }, () => {
        const p = players[next++ % players.length];
        if (!p) throw new Error('no players');
        const n = trades.get(p.userId) ?? 0;
        trades.set(p.userId, n + 1);
        return orderMessage(p, BTC, n % 2 === 0 ? 'SELL' : 'BUY', { quantity: '0.0001' });
      });

    const rows: { k: number; cost: Cost }[] = [];
    for (const k of SIZES) {
      const calls = Math.max(5, Math.round(ORDERS_PER_SIZE / k));
      log(`batches of ${k}: ${calls} warm-up, ${calls} measured…`);
      await measure(pid, calls, () => settle(batchOf(k)));
      rows.push({ k, cost: await measure(pid, calls, () => settle(batchOf(k))) });
    }
    if (filled !== total) throw new Error(`${total - filled} of ${total} orders did not fill`);

    const first = rows[0];
    const last = rows.at(-1);
    if (!first || !last) throw new Error('no sizes measured');
    const marginal = (f: (c: Cost) => number) => (f(last.cost) - f(first.cost)) / (last.k - first.k);
    const fixed = (f: (c: Cost) => number) => f(first.cost) - marginal(f) * first.k;
    const cell = (x: number) => x.toFixed(0).padStart(12);
    const line = (label: string, pgUs: number, selfUs: number, wallUs: number) => log(`| ${label.padEnd(40)} |${cell(pgUs)} |${cell(selfUs)} |${cell(wallUs)} |`);
    log('');
    log(`| ${'per call (µs)'.padEnd(40)} | ${'PostgreSQL'.padStart(11)} | ${'settling'.padStart(11)} | ${'wall'.padStart(11)} |`);
    log(`|${'-'.repeat(42)}|${'-'.repeat(13)}|${'-'.repeat(13)}|${'-'.repeat(13)}|`);
    line('baseline: SELECT 1', select1.pgUs, select1.selfUs, select1.wallUs);
    line('baseline: 1-row INSERT, own commit', insert1.pgUs, insert1.selfUs, insert1.wallUs);
    for (const r of rows) line(`settleBatch of ${r.k} order${r.k === 1 ? '' : 's'}`, r.cost.pgUs, r.cost.selfUs, r.cost.wallUs);
    line(`fixed per batch (fit ${first.k} → ${last.k})`, fixed((c) => c.pgUs), fixed((c) => c.selfUs), fixed((c) => c.wallUs));
    line('marginal per order', marginal((c) => c.pgUs), marginal((c) => c.selfUs), marginal((c) => c.wallUs));
    log('');
    log(
      `batch_cost pg_fixed_us=${fixed((c) => c.pgUs).toFixed(0)} pg_per_order_us=${marginal((c) => c.pgUs).toFixed(0)} ` +
        `engine_fixed_us=${fixed((c) => c.selfUs).toFixed(0)} engine_per_order_us=${marginal((c) => c.selfUs).toFixed(0)} pg_insert_floor_us=${insert1.pgUs.toFixed(0)}`,
    );
  } finally {
    await pool.end();
    await redis.quit();
    await Promise.all([db.drop(), testRedis.release()]);
  }
}

await main();
process.exit(0);

/**
 * `npm run bench:feeder`: the cost of one feeder tick with 2,000 synthetic tickers.
 *
 * Measures, over `TICKS` ticks of the {@link SyntheticSource} through the real
 * {@link QuotePublisher} against the real Redis (`TEST_REDIS_URL`, a leased test database):
 * - the Redis round trip of one tick: 2,000 `SET price:{ID} … PX 5000` + 2,000
 *   `PUBLISH market_updates`, run by the feeder's write script in chunks of 250 (the goal: p99 ≤ 20 ms);
 * - the whole publish (guard, JSON, pipeline, candle aggregation);
 * - one candle flush (4,000 1m/1d rows, one statement) against the real PostgreSQL;
 * and prints them next to `redis-benchmark` figures taken in the same run on the same server
 * (SET with a 200-byte value, unpipelined and `-P 16`, and PUBLISH), so the numbers can be
 * read against this machine's own baseline. Exit code 0 unless something fails to run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Decimal } from '../core/money.js';
import { CandleAggregator } from '../feeder/candle-aggregator.js';
import { CandleRepository } from '../feeder/candle.repository.js';
import type { FeedInstrument } from '../feeder/catalogue.js';
import { FeederMetrics } from '../feeder/metrics.js';
import { QuoteGuard } from '../feeder/quote-guard.js';
import { QuotePublisher } from '../feeder/quote-publisher.js';
import { SyntheticSource, syntheticInstruments } from '../feeder/synthetic/synthetic.source.js';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/sequelize.js';
import { createTestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';

const TICKERS = 2_000;
const TICKS = 300;
const WARMUP = 20;
const run = promisify(execFile);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

interface Row {
  what: string;
  p50: number;
  p99: number;
  note: string;
}

async function redisBenchmark(url: string, args: string[]): Promise<{ rps: number; p50: number; p99: number } | null> {
  const u = new URL(url);
  try {
    const { stdout } = await run('redis-benchmark', ['-h', u.hostname, '-p', u.port || '6379', '--csv', ...args], { timeout: 120_000 });
    const line = stdout.trim().split('\n').pop() ?? '';
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    const [rps, p50, p99] = [Number(cells[1]), Number(cells[4]), Number(cells[6])];
    return Number.isFinite(rps) ? { rps, p50, p99 } : null;
  } catch (error) {
    process.stderr.write(`redis-benchmark not run: ${error instanceof Error ? error.message : String(error)}\n`);
    return null;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const lease = await createTestRedis();
  const db = await createTestDatabase('benchfeeder');
  const redis = new Redis(lease.url, { enableAutoPipelining: false }); // as the feeder's own writer connection
  const database = openDatabase({ url: db.url, poolMax: 2, logger: pino({ level: 'silent' }), applicationName: 'gaemi-bench-feeder' });
  try {
    const instruments: FeedInstrument[] = syntheticInstruments([], TICKERS);
    const source = new SyntheticSource(instruments, { seed: 7, volatility: new Decimal('0.001') });
    const candles = new CandleAggregator();
    const publisher = new QuotePublisher({
      redis,
      guard: new QuoteGuard({ maxJumpPct: new Decimal('30'), confirmTicks: 3 }),
      candles,
      metrics: new FeederMetrics(),
      logger: pino({ level: 'silent' }),
      ttlMs: 5_000,
    });
    const repo = new CandleRepository(database.sequelize);
    const redisMs: number[] = [];
    const publishMs: number[] = [];
    const flushMs: number[] = [];
    const signal = new AbortController().signal;
    for (let i = 0; i < TICKS + WARMUP; i += 1) {
      const now = new Date();
      const { quotes, fx } = await source.poll(now, signal);
      const t0 = performance.now();
      const outcome = await publisher.publish('synthetic', quotes, now, fx);
      const total = performance.now() - t0;
      if (outcome.written !== TICKERS) throw new Error(`tick wrote ${outcome.written} of ${TICKERS}`);
      if (i >= WARMUP) {
        redisMs.push(outcome.redisMs);
        publishMs.push(total);
      }
      if (i % 10 === 0) {
        const deltas = candles.drain();
        const f0 = performance.now();
        await repo.upsert(deltas);
        if (i >= WARMUP) flushMs.push(performance.now() - f0);
      }
    }
    const sort = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const [r, p, f] = [sort(redisMs), sort(publishMs), sort(flushMs)];

    // The machine's own Redis baseline, same server, same run.
    const setPlain = await redisBenchmark(lease.url, ['-n', '50000', '-d', '200', '-t', 'set']);
    const setPipelined = await redisBenchmark(lease.url, ['-n', '200000', '-d', '200', '-P', '16', '-t', 'set']);
    const publish = await redisBenchmark(lease.url, ['-n', '50000', 'publish', 'bench_feeder_channel', 'x'.repeat(200)]);

    const rows: Row[] = [
      { what: `feeder tick Redis write: ${TICKERS} SET PX + ${TICKERS} PUBLISH, script in chunks of 250`, p50: percentile(r, 50), p99: percentile(r, 99), note: `goal p99 ≤ 20 ms; ${TICKS} ticks` },
      { what: 'feeder tick publish total (guard + JSON + pipeline + candles)', p50: percentile(p, 50), p99: percentile(p, 99), note: '' },
      { what: `candle flush: ${TICKERS * 2} rows (1m + 1d), 1 statement`, p50: percentile(f, 50), p99: percentile(f, 99), note: `${f.length} flushes, real PostgreSQL` },
    ];
    if (setPlain) rows.push({ what: 'redis-benchmark SET 200 B (1 client cmd/RTT, 50 clients)', p50: setPlain.p50, p99: setPlain.p99, note: `${Math.round(setPlain.rps)} ops/s` });
    if (setPipelined) {
      rows.push({ what: 'redis-benchmark SET 200 B -P 16', p50: setPipelined.p50, p99: setPipelined.p99, note: `${Math.round(setPipelined.rps)} ops/s` });
      const floor = ((TICKERS * 2) / setPipelined.rps) * 1000;
      rows.push({ what: `baseline: ${TICKERS * 2} commands at the -P 16 SET rate`, p50: floor, p99: Number.NaN, note: 'server throughput floor of one tick' });
    }
    if (publish) rows.push({ what: 'redis-benchmark PUBLISH 200 B (0 subscribers)', p50: publish.p50, p99: publish.p99, note: `${Math.round(publish.rps)} ops/s` });

    const width = Math.max(...rows.map((x) => x.what.length));
    process.stdout.write(`\nfeeder benchmark — ${TICKERS} synthetic tickers, Redis ${new URL(config.TEST_REDIS_URL).host}\n\n`);
    process.stdout.write(`${'measure'.padEnd(width)} | p50 ms  | p99 ms  | note\n`);
    process.stdout.write(`${'-'.repeat(width)}-|---------|---------|-----\n`);
    for (const x of rows) process.stdout.write(`${x.what.padEnd(width)} | ${fmt(x.p50).padStart(7)} | ${fmt(x.p99).padStart(7)} | ${x.note}\n`);
    const p99 = percentile(r, 99);
    process.stdout.write(`\nRedis write p99 ${fmt(p99)} ms: ${p99 <= 20 ? 'within' : 'OVER'} the 20 ms goal\n`);
  } finally {
    redis.disconnect();
    await database.close();
    await lease.release();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

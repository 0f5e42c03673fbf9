/**
 * The feeder as a process (startProcess, as `npm run start:feeder` runs it) against the real
 * PostgreSQL and Redis, replaying the recorded files with a replay clock set into a US session.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import type { StartedProcess } from '../platform/process.js';
import { startProcess } from '../platform/process.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { serveFeederMetrics, startFeeder } from './feeder.service.js';
import type { FeedQuote } from './quote.js';
import { waitFor } from './testing/fake-http.js';

let db: TestDatabase;
let redisLease: TestRedis;
let redis: Redis;
let proc: StartedProcess | undefined;

const US = ['US-STOCK-AAPL', 'US-STOCK-NVDA', 'US-STOCK-TSLA'];
const CRYPTO = ['CRYPTO-COIN-BTC', 'CRYPTO-COIN-ETH'];

async function quote(id: string): Promise<FeedQuote | null> {
  const text = await redis.get(`price:${id}`);
  return text === null ? null : (JSON.parse(text) as FeedQuote);
}

beforeAll(async () => {
  db = await createTestDatabase('feeder');
  redisLease = await createTestRedis();
  redis = new Redis(redisLease.url);
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL: redisLease.url,
    PORT: '0',
    MARKET_DATA_SOURCE: 'replay',
    REPLAY_START: '2025-05-12T14:00:00Z', // Monday, New York 10:00 EDT: US open, KRX closed
    FEED_INTERVAL_MS: '250',
    FEED_PRICE_TTL_MS: '1500',
  });
  proc = await startProcess('feeder', config, pino({ level: 'silent' }), [startFeeder, serveFeederMetrics]);
});

afterAll(async () => {
  await proc?.stop();
  redis.disconnect();
  await redisLease.release();
  await db.drop();
});

describe('GIVEN the feeder replaying with the clock set into a US session', () => {
  it('THEN US and crypto prices appear in Redis with the SPEC shape, and KRX (closed) does not', async () => {
    await waitFor(async () => (await Promise.all([...US, ...CRYPTO].map(quote))).every((q) => q !== null), 'prices in Redis');
    const aapl = await quote('US-STOCK-AAPL');
    expect(aapl).toMatchObject({ ticker_id: 'US-STOCK-AAPL', currency: 'USD', source: 'replay:yahoo-1m' });
    expect(Object.keys(aapl ?? {}).sort()).toEqual(['change_pct', 'currency', 'price', 'recorded_at', 'source', 'ticker_id', 'ts', 'volume']);
    expect(aapl?.price).toMatch(/^20[0-9]\.\d{1,4}$/); // AAPL traded 208–211 that morning
    expect(Date.parse(aapl?.recorded_at ?? '')).toBeGreaterThanOrEqual(Date.parse('2025-05-12T14:00:00Z'));
    expect(Date.now() - Date.parse(aapl?.ts ?? '')).toBeLessThan(2_000);
    expect((await quote('CRYPTO-COIN-BTC'))?.currency).toBe('KRW-COIN');
    expect(await quote('KRX-STOCK-005930')).toBeNull();
  });

  it('THEN price keys carry the TTL and the same JSON is published on market_updates', async () => {
    const ttl = await redis.pttl('price:US-STOCK-NVDA');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1500);
    const sub = new Redis(redisLease.url);
    try {
      const got = new Promise<FeedQuote>((resolve) => {
        sub.on('message', (_channel: string, message: string) => {
          const q = JSON.parse(message) as FeedQuote;
          if (q.ticker_id === 'US-STOCK-TSLA') resolve(q);
        });
      });
      await sub.subscribe('market_updates');
      const q = await waitFor(() => Promise.race([got, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]), 'a market_updates message');
      expect(q.source).toBe('replay:recorded-1m');
    } finally {
      sub.disconnect();
    }
  });

  it('THEN prices move tick by tick', async () => {
    const first = await quote('CRYPTO-COIN-BTC');
    const moved = await waitFor(async () => {
      const q = await quote('CRYPTO-COIN-BTC');
      return q !== null && q.recorded_at !== first?.recorded_at ? q : undefined;
    }, 'a newer BTC quote');
    expect(Date.parse(moved.recorded_at ?? '')).toBeGreaterThan(Date.parse(first?.recorded_at ?? ''));
  });

  it('THEN USD/KRW is written with a fresh timestamp from the FRED series', async () => {
    const fx = JSON.parse((await redis.get('fx:USDKRW')) ?? '{}') as { pair: string; rate: string; ts: string; source: string };
    expect(fx.pair).toBe('USDKRW');
    expect(fx.source).toBe('replay:fred-dexkous@2025-05-12');
    expect(fx.rate).toMatch(/^1[0-9]{3}(\.\d+)?$/);
    expect(Date.now() - Date.parse(fx.ts)).toBeLessThan(2_000);
  });

  it('THEN 1m and 1d candles are upserted into PostgreSQL', async () => {
    const rows = await waitFor(async () => {
      const [r] = await (proc?.infra.db.sequelize.query(
        `SELECT ticker_id, interval, open::text, high::text, low::text, close::text, volume::text FROM candles WHERE ticker_id = 'US-STOCK-AAPL' ORDER BY interval`,
      ) ?? Promise.resolve([[]]));
      return (r as { interval: string }[]).length === 2 ? (r as { interval: string; low: string; high: string }[]) : undefined;
    }, 'candles');
    expect(rows.map((r) => r.interval)).toEqual(['1d', '1m']);
    for (const r of rows) expect(Number(r.low) <= Number(r.high)).toBe(true);
  });

  it('THEN /readyz shows the feeder with per-source details and /metrics has feeder metrics', async () => {
    const port = proc?.http.port() ?? 0;
    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as {
      components: { feeder: { up: boolean; details: { sources: { name: string; up: boolean; tickers: number; last_success_age_ms: number; errors: number }[] } } };
    };
    const replay = ready.components.feeder.details.sources[0];
    expect(ready.components.feeder.up).toBe(true);
    expect(replay).toMatchObject({ name: 'replay', up: true, tickers: 7, errors: 0 });
    expect(replay?.last_success_age_ms).toBeLessThan(5_000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/gaemi_feeder_quotes_written_total\{source="replay"\} \d+/);
    expect(metrics).toMatch(/gaemi_feeder_source_last_success_age_seconds\{source="replay"\}/);
  });

  it('THEN stop returns within a second and the price keys expire with their TTL', async () => {
    const started = performance.now();
    await proc?.stop();
    proc = undefined;
    expect(performance.now() - started).toBeLessThan(1_000);
    await waitFor(async () => (await redis.exists('price:US-STOCK-AAPL')) === 0, 'price key expiry', 5_000);
    expect(await quote('CRYPTO-COIN-BTC')).toBeNull();
  });
});

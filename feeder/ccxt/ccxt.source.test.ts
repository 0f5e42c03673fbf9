/**
 * The ccxt source with the real ccxt Upbit client talking to a local fake of api.upbit.com
 * (served from ccxt's own static Upbit fixture), writing to the real Redis.
 */
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pino from 'pino';
import client from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../core/money.js';
import { systemClock } from '../../core/ports.js';
import { createTestRedis } from '../../test/support/redis.js';
import type { TestRedis } from '../../test/support/redis.js';
import { CandleAggregator } from '../candle-aggregator.js';
import type { FeedInstrument } from '../catalogue.js';
import { FeederMetrics } from '../metrics.js';
import type { FeedQuote } from '../quote.js';
import { QuoteGuard } from '../quote-guard.js';
import { QuotePublisher } from '../quote-publisher.js';
import { SourceRunner } from '../source-runner.js';
import { SyntheticSource } from '../synthetic/synthetic.source.js';
import type { FakeServer } from '../testing/fake-http.js';
import { startFakeServer, waitFor } from '../testing/fake-http.js';
import { CcxtSource } from './ccxt.source.js';

interface Fixture {
  numeric: string[];
  ticker: Record<string, string>;
  markets: Record<string, string>[];
}

let fixture: Fixture;
let fake: FakeServer;
let lease: TestRedis;
let redis: Redis;
const logger = pino({ level: 'silent' });
const metrics = new FeederMetrics();

const coins: FeedInstrument[] = [
  { id: 'CRYPTO-COIN-BTC', market: 'CRYPTO', symbol: 'BTC', currency: 'KRW-COIN' },
  { id: 'CRYPTO-COIN-ETH', market: 'CRYPTO', symbol: 'ETH', currency: 'KRW-COIN' },
  { id: 'CRYPTO-COIN-XRP', market: 'CRYPTO', symbol: 'XRP', currency: 'KRW-COIN' }, // not listed by the fake
];

/** Upbit's answer for `markets`, as raw JSON text with numbers as JSON numbers. */
function tickerBody(markets: string[], override: Record<string, Record<string, string>> = {}): string {
  const list = markets.map((m) => ({ ...fixture.ticker, market: m, ...(override[m] ?? {}) }));
  let text = JSON.stringify(list);
  for (const key of fixture.numeric) text = text.replace(new RegExp(`"${key}":"(-?[0-9.]+)"`, 'g'), `"${key}":$1`);
  return text;
}

let overrides: Record<string, Record<string, string>> = {};
let failure: { status: number; body: string; delayMs?: number } | undefined;

function setup(options: { batchSize?: number; timeoutMs?: number; intervalMs?: number } = {}) {
  const guard = new QuoteGuard({ maxJumpPct: new Decimal('30'), confirmTicks: 3 });
  const publisher = new QuotePublisher({ redis, guard, candles: new CandleAggregator(), metrics, logger, ttlMs: 5_000 });
  const source = new CcxtSource({ exchangeId: 'upbit', instruments: coins, batchSize: options.batchSize ?? 100, timeoutMs: options.timeoutMs ?? 2_000, baseUrl: fake.url, fx: true });
  const runner = new SourceRunner({ source, publisher, clock: systemClock, logger, metrics, intervalMs: options.intervalMs ?? 100, timeoutMs: 3_000, backoffMaxMs: 400, healthMaxAgeMs: 10_000 });
  return { source, runner, publisher };
}

async function quote(id: string): Promise<FeedQuote | null> {
  const t = await redis.get(`price:${id}`);
  return t === null ? null : (JSON.parse(t) as FeedQuote);
}

async function dropped(reason: string): Promise<number> {
  const m = await client.register.getSingleMetric('gaemi_feeder_quotes_dropped_total')?.get();
  return m?.values.filter((v) => v.labels['reason'] === reason && v.labels['source'] === 'ccxt:upbit').reduce((a, v) => a + v.value, 0) ?? 0;
}

beforeAll(async () => {
  fixture = JSON.parse(await readFile(new URL('./fixtures/upbit-ticker.json', import.meta.url), 'utf8')) as Fixture;
  lease = await createTestRedis();
  redis = new Redis(lease.url);
  fake = await startFakeServer({
    'GET /v1/market/all': () => ({ body: JSON.stringify(fixture.markets) }),
    'GET /v1/ticker': (req) => {
      if (failure !== undefined) return failure;
      return { body: tickerBody((req.query.get('markets') ?? '').split(','), overrides) };
    },
  });
}, 60_000);

afterAll(async () => {
  await fake.close();
  redis.disconnect();
  await lease.release();
});

beforeEach(async () => {
  overrides = {};
  failure = undefined;
  await redis.flushdb();
});

describe('GIVEN Upbit answering with the documented ticker shape', () => {
  it('THEN listed KRW coins are quoted from the raw strings, in batches, with USD/KRW from USDT/KRW', async () => {
    const { runner, source } = setup({ batchSize: 2 });
    const before = fake.count('GET /v1/ticker');
    await runner.pollOnce();
    expect(source.tickers()).toBe(2);
    expect(fake.count('GET /v1/ticker') - before).toBe(2); // BTC,ETH then USDT
    const btc = await quote('CRYPTO-COIN-BTC');
    expect(btc).toMatchObject({ price: '73578.655', change_pct: '3.4481', volume: '4.22369565', currency: 'KRW-COIN', source: 'upbit' });
    expect(await quote('CRYPTO-COIN-XRP')).toBeNull();
    const fx = JSON.parse((await redis.get('fx:USDKRW')) ?? '{}') as { rate: string; source: string };
    expect(fx).toMatchObject({ rate: '73578.65500000', source: 'upbit:USDT/KRW' });
    const tickerRequests = fake.requests.filter((r) => r.path === '/v1/ticker').map((r) => r.query.get('markets'));
    expect(tickerRequests.slice(-2)).toEqual(['KRW-BTC,KRW-ETH', 'KRW-USDT']);
    await runner.stop();
  }, 60_000);

  it('THEN a price with more digits than a float holds keeps them all', async () => {
    overrides = { 'KRW-BTC': { trade_price: '12345678.12345678' } };
    const { runner } = setup();
    await runner.pollOnce();
    expect((await quote('CRYPTO-COIN-BTC'))?.price).toBe('12345678.12345678');
    await runner.stop();
  });
});

describe('GIVEN bad prices from Upbit', () => {
  it('THEN zero, negative and NaN prices are dropped with a metric and never written', async () => {
    const { runner } = setup();
    const [zero, negative, malformed] = [await dropped('non_positive'), await dropped('non_positive'), await dropped('malformed')];
    void negative;
    overrides = { 'KRW-BTC': { trade_price: '0' }, 'KRW-ETH': { trade_price: '-5' } };
    await runner.pollOnce();
    expect(await quote('CRYPTO-COIN-BTC')).toBeNull();
    expect(await quote('CRYPTO-COIN-ETH')).toBeNull();
    expect((await dropped('non_positive')) - zero).toBe(2);
    overrides = { 'KRW-BTC': { trade_price: 'NaN' } };
    await runner.pollOnce();
    expect(await quote('CRYPTO-COIN-BTC')).toBeNull();
    expect((await dropped('malformed')) - malformed).toBe(1);
    await runner.stop();
  });

  it('THEN a price jump beyond the bound is dropped and the last good price stays', async () => {
    const { runner } = setup();
    await runner.pollOnce();
    const before = await dropped('jump');
    overrides = { 'KRW-BTC': { trade_price: '300000.0' } };
    await runner.pollOnce();
    expect((await quote('CRYPTO-COIN-BTC'))?.price).toBe('73578.655');
    expect((await dropped('jump')) - before).toBe(1);
    await runner.stop();
  });
});

describe('GIVEN Upbit failing', () => {
  it.each([
    ['HTTP 503', { status: 503, body: '<html>Service Unavailable</html>' }],
    ['malformed JSON', { status: 200, body: '[{"market":"KRW-BTC","trade_price":' }],
    ['a timeout', { status: 200, body: '[]', delayMs: 1_500 }],
  ])('THEN on %s the source backs off with jitter, shows it in health, and another source goes on', async (_what, answer) => {
    const ccxt = setup({ timeoutMs: 500 });
    await ccxt.runner.pollOnce(); // markets loaded
    failure = answer;
    const synthetic = new SyntheticSource([{ id: 'CRYPTO-COIN-S1', market: 'CRYPTO', symbol: 'S1', currency: 'KRW-COIN' }], { seed: 1, volatility: new Decimal('0.001') });
    const other = new SourceRunner({ source: synthetic, publisher: ccxt.publisher, clock: systemClock, logger, metrics, intervalMs: 100, timeoutMs: 1_000, backoffMaxMs: 400, healthMaxAgeMs: 10_000 });
    ccxt.runner.start();
    other.start();
    const health = await waitFor(() => {
      const h = ccxt.runner.health();
      return h.consecutive_errors >= 2 ? h : undefined;
    }, 'two failed polls');
    expect(health.backoff_ms).toBeGreaterThan(0);
    expect(health.last_error).toBeTruthy();
    expect(other.health().up).toBe(true);
    await waitFor(async () => (await quote('CRYPTO-COIN-S1')) !== null, 'the synthetic source still writing');
    failure = undefined;
    await waitFor(() => ccxt.runner.health().consecutive_errors === 0, 'recovery');
    await Promise.all([ccxt.runner.stop(), other.stop()]);
  }, 30_000);
});

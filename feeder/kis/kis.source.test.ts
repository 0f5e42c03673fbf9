/**
 * The KIS client and source against a local fake of the KIS Open API answering with the
 * documented shapes (접근토큰발급(P), 주식현재가 시세 FHKST01010100, 해외주식 현재체결가
 * HHDFS00000300, 해외주식 현재가상세 HHDFS76200200; errors rt_cd/msg_cd/msg1 and the OAuth
 * error_code/error_description), with the token shared through the real Redis.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MarketCalendar } from '../../core/calendar.js';
import { Decimal } from '../../core/money.js';
import type { Clock } from '../../core/ports.js';
import { loadHolidayTables } from '../../db/seeds/holidays.js';
import { createTestRedis } from '../../test/support/redis.js';
import type { TestRedis } from '../../test/support/redis.js';
import { CandleAggregator } from '../candle-aggregator.js';
import type { FeedInstrument } from '../catalogue.js';
import { FeederMetrics } from '../metrics.js';
import type { FeedQuote } from '../quote.js';
import { QuoteGuard } from '../quote-guard.js';
import { QuotePublisher } from '../quote-publisher.js';
import { SourceError, SourceRunner } from '../source-runner.js';
import type { FakeRequest, FakeServer } from '../testing/fake-http.js';
import { startFakeServer } from '../testing/fake-http.js';
import { KisClient, KisError } from './kis-client.js';
import { KIS_TOKEN_KEY, KIS_TOKEN_LOCK_KEY, KisTokenProvider } from './kis-token.js';
import { KisSource } from './kis.source.js';
import { RateLimiter } from './rate-limiter.js';

const run = promisify(execFile);
const calendar = new MarketCalendar(loadHolidayTables());
const logger = pino({ level: 'silent' });
const metrics = new FeederMetrics();

const KRX_OPEN: Clock = { now: () => new Date('2026-01-06T01:00:00Z') }; // Tue 10:00 KST
const US_OPEN: Clock = { now: () => new Date('2026-01-06T15:00:00Z') }; // Tue 10:00 EST

const instruments: FeedInstrument[] = [
  { id: 'KRX-STOCK-005930', market: 'KRX', symbol: '005930', currency: 'KRW' },
  { id: 'KRX-STOCK-000660', market: 'KRX', symbol: '000660', currency: 'KRW' },
  { id: 'US-STOCK-AAPL', market: 'US', symbol: 'AAPL', currency: 'USD' },
  { id: 'US-STOCK-JPM', market: 'US', symbol: 'JPM', currency: 'USD' },
];

let fake: FakeServer;
let lease: TestRedis;
let redis: Redis;

/** Behaviour of the fake, reset before each test. */
const state = {
  issued: 0,
  tokenAnswer: undefined as { status: number; body: string } | undefined,
  expired: new Set<string>(),
  rateLimited: new Set<string>(),
  domestic: {} as Record<string, { status?: number; body: string }>,
};

const ok = (output: Record<string, string>) => JSON.stringify({ output, rt_cd: '0', msg_cd: 'MCA00000', msg1: '정상처리 되었습니다.' });
const fail = (msg_cd: string, msg1: string) => ({ status: 500, body: JSON.stringify({ rt_cd: '1', msg_cd, msg1 }) });

function tokenOf(req: FakeRequest): string {
  return String(req.headers['authorization'] ?? '').replace(/^Bearer /, '');
}

function checkAuth(req: FakeRequest, trId: string): { status: number; body: string } | undefined {
  if (req.headers['tr_id'] !== trId || req.headers['appkey'] !== 'test-key' || req.headers['appsecret'] !== 'test-secret') {
    return { status: 400, body: JSON.stringify({ rt_cd: '1', msg_cd: 'OPSQ0002', msg1: 'bad headers' }) };
  }
  const token = tokenOf(req);
  if (state.expired.has(token)) return fail('EGW00123', '기간이 만료된 token 입니다.');
  if (!/^tok-\d+$/.test(token)) return fail('EGW00121', '유효하지 않은 token 입니다.');
  return undefined;
}

function provider(r: Redis, options: Partial<ConstructorParameters<typeof KisTokenProvider>[0]> = {}): KisTokenProvider {
  return new KisTokenProvider({ redis: r, baseUrl: fake.url, appKey: 'test-key', appSecret: 'test-secret', timeoutMs: 2_000, refreshBeforeMs: 3_600_000, ...options });
}

function stack(options: { clock: Clock; rate?: number; fx?: boolean; issueIntervalMs?: number }) {
  const tokens = provider(redis, options.issueIntervalMs === undefined ? {} : { issueIntervalMs: options.issueIntervalMs });
  const limiter = new RateLimiter(options.rate ?? 50);
  const client = new KisClient({ baseUrl: fake.url, appKey: 'test-key', appSecret: 'test-secret', tokens, limiter, timeoutMs: 1_000 });
  const source = new KisSource({ client, instruments, calendar, perPoll: 10, fx: options.fx ?? false });
  const publisher = new QuotePublisher({ redis, guard: new QuoteGuard({ maxJumpPct: new Decimal('30'), confirmTicks: 3 }), candles: new CandleAggregator(), metrics, logger, ttlMs: 5_000 });
  const runner = new SourceRunner({ source, publisher, clock: options.clock, logger, metrics, intervalMs: 100, timeoutMs: 5_000, backoffMaxMs: 400, healthMaxAgeMs: 10_000 });
  return { tokens, limiter, client, source, runner };
}

async function quote(id: string): Promise<FeedQuote | null> {
  const t = await redis.get(`price:${id}`);
  return t === null ? null : (JSON.parse(t) as FeedQuote);
}

beforeAll(async () => {
  lease = await createTestRedis();
  redis = new Redis(lease.url);
  fake = await startFakeServer({
    'POST /oauth2/tokenP': (req) => {
      const body = JSON.parse(req.body) as { grant_type?: string; appkey?: string; appsecret?: string };
      if (state.tokenAnswer !== undefined) return state.tokenAnswer;
      if (body.grant_type !== 'client_credentials' || body.appkey !== 'test-key' || body.appsecret !== 'test-secret') {
        return { status: 403, body: JSON.stringify({ error_description: '유효하지 않은 AppKey입니다.', error_code: 'EGW00103' }) };
      }
      state.issued += 1;
      const expires = new Date(Date.now() + 86_400_000 + 9 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
      return { body: JSON.stringify({ access_token: `tok-${state.issued}`, access_token_token_expired: expires, token_type: 'Bearer', expires_in: 86400 }) };
    },
    'GET /uapi/domestic-stock/v1/quotations/inquire-price': (req) => {
      const denied = checkAuth(req, 'FHKST01010100');
      if (denied) return denied;
      const code = req.query.get('FID_INPUT_ISCD') ?? '';
      if (req.query.get('FID_COND_MRKT_DIV_CODE') !== 'J') return fail('OPSQ0001', 'bad market');
      if (state.rateLimited.has(code)) return fail('EGW00201', '초당 거래건수를 초과하였습니다.');
      const special = state.domestic[code];
      if (special) return special;
      const price = code === '005930' ? '72000' : '178400';
      return { body: ok({ stck_prpr: price, prdy_vrss: '-400', prdy_vrss_sign: '5', prdy_ctrt: '-0.55', acml_vol: '12345678', acml_tr_pbmn: '889012345678', stck_oprc: '72400', stck_hgpr: '72600', stck_lwpr: '71800', stck_shrn_iscd: code }) };
    },
    'GET /uapi/overseas-price/v1/quotations/price': (req) => {
      const denied = checkAuth(req, 'HHDFS00000300');
      if (denied) return denied;
      const excd = req.query.get('EXCD');
      const symb = req.query.get('SYMB');
      const expected = symb === 'JPM' ? 'NYS' : 'NAS';
      if (excd !== expected || req.query.get('AUTH') !== '') return { body: ok({ rsym: '', zdiv: '0', base: '', pvol: '', last: '', sign: '', diff: '', rate: '', tvol: '', tamt: '', ordy: '' }) };
      return { body: ok({ rsym: `D${excd}${symb}`, zdiv: '4', base: '189.8400', pvol: '45678901', last: '190.5000', sign: '2', diff: '0.6600', rate: '+0.35', tvol: '51234567', tamt: '9750000000', ordy: '매수가능' }) };
    },
    'GET /uapi/overseas-price/v1/quotations/price-detail': (req) => {
      const denied = checkAuth(req, 'HHDFS76200200');
      if (denied) return denied;
      return { body: ok({ rsym: 'DNASAAPL', last: '190.5000', curr: 'USD', t_rate: '1385.20', p_rate: '1380.10' }) };
    },
  });
});

afterAll(async () => {
  await fake.close();
  redis.disconnect();
  await lease.release();
});

beforeEach(async () => {
  state.issued = 0;
  state.tokenAnswer = undefined;
  state.expired.clear();
  state.rateLimited.clear();
  state.domestic = {};
  await redis.flushdb();
});

describe('GIVEN two processes needing a KIS token at once', () => {
  it('THEN exactly one token is issued and both use it (a child process and this one)', async () => {
    const other = new Redis(lease.url);
    try {
      const cli = fileURLToPath(new URL('../testing/kis-token-cli.ts', import.meta.url));
      const [child, a, b] = await Promise.all([
        run(process.execPath, ['--import', 'tsx', cli, lease.url, fake.url]),
        provider(redis).token(),
        provider(other).token(),
      ]);
      expect(state.issued).toBe(1);
      expect(new Set([child.stdout.trim(), a, b])).toEqual(new Set(['tok-1']));
      expect(fake.count('POST /oauth2/tokenP')).toBeGreaterThanOrEqual(1);
      const cached = JSON.parse((await redis.get(KIS_TOKEN_KEY)) ?? '{}') as { access_token: string; expires_at: number };
      expect(cached.access_token).toBe('tok-1');
      expect(await redis.pttl(KIS_TOKEN_KEY)).toBeGreaterThan(86_000_000);
    } finally {
      other.disconnect();
    }
  }, 30_000);

  it('THEN a later call is served from Redis without a new issue', async () => {
    await provider(redis).token();
    const again = await provider(redis).token();
    expect(again).toBe('tok-1');
    expect(state.issued).toBe(1);
  });

  it('THEN a token close to its expiry is reissued once the minute lock allows it', async () => {
    await redis.set(KIS_TOKEN_KEY, JSON.stringify({ access_token: 'tok-0', expires_at: Date.now() + 60_000 }));
    expect(await provider(redis).token()).toBe('tok-1');
    // Within the minute, another process keeps using the old-but-valid token rather than issuing.
    await redis.set(KIS_TOKEN_KEY, JSON.stringify({ access_token: 'tok-1', expires_at: Date.now() + 60_000 }));
    expect(await provider(redis).token()).toBe('tok-1');
    expect(state.issued).toBe(1);
  });
});

describe('GIVEN KIS error codes', () => {
  it('THEN EGW00133 (one token a minute) fails the poll with a pause of at least a minute', async () => {
    state.tokenAnswer = { status: 403, body: JSON.stringify({ error_description: '접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)', error_code: 'EGW00133' }) };
    const error = await provider(redis).token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).kind).toBe('EGW00133');
    expect((error as SourceError).retryAfterMs).toBeGreaterThanOrEqual(60_000);
    const { runner } = stack({ clock: KRX_OPEN });
    await redis.del(KIS_TOKEN_LOCK_KEY);
    runner.start();
    const h = await (async () => {
      for (;;) {
        const x = runner.health();
        if (x.errors > 0) return x;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    expect(h.backoff_ms).toBeGreaterThanOrEqual(60_000);
    expect(h.last_error).toContain('EGW00133');
    await runner.stop();
  });

  it('THEN EGW00123 (expired token) drops the cached token, reissues and retries once', async () => {
    const { runner } = stack({ clock: KRX_OPEN, issueIntervalMs: 50 });
    await runner.pollOnce();
    expect(state.issued).toBe(1);
    state.expired.add('tok-1');
    await new Promise((r) => setTimeout(r, 60)); // the issue lock (50 ms here, a minute in production) has passed
    await redis.del(`price:KRX-STOCK-005930`);
    await runner.pollOnce();
    expect(state.issued).toBe(2);
    expect((await quote('KRX-STOCK-005930'))?.price).toBe('72000');
    expect(JSON.parse((await redis.get(KIS_TOKEN_KEY)) ?? '{}')).toMatchObject({ access_token: 'tok-2' });
    await runner.stop();
  });

  it('THEN EGW00201 (too many requests) drops that quote as rate_limited and pauses the limiter', async () => {
    state.rateLimited.add('000660');
    const { source, limiter } = stack({ clock: KRX_OPEN });
    const result = await source.poll(KRX_OPEN.now(), new AbortController().signal);
    expect(result.quotes.map((q) => q.ticker_id)).toEqual(['KRX-STOCK-005930']);
    expect(result.dropped).toEqual([expect.objectContaining({ ticker_id: 'KRX-STOCK-000660', reason: 'rate_limited' })]);
    const waitStart = performance.now();
    await limiter.take();
    expect(performance.now() - waitStart).toBeGreaterThan(500);
  });

  it('THEN when every request of a poll fails the poll fails', async () => {
    state.rateLimited.add('000660');
    state.rateLimited.add('005930');
    const { source } = stack({ clock: KRX_OPEN, rate: 1000 });
    const error = await source.poll(KRX_OPEN.now(), new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).kind).toBe('EGW00201');
  });
});

describe('GIVEN the market calendar and documented quote shapes', () => {
  it('THEN during the KRX session only KRX tickers are asked, and quotes land in Redis', async () => {
    const { runner } = stack({ clock: KRX_OPEN });
    await runner.pollOnce();
    expect(fake.requests.filter((r) => r.path.includes('overseas') && tokenOf(r) === 'tok-1').length).toBe(0);
    expect(await quote('KRX-STOCK-005930')).toMatchObject({ price: '72000', change_pct: '-0.55', volume: '12345678', currency: 'KRW', source: 'kis:FHKST01010100' });
    expect(await quote('US-STOCK-AAPL')).toBeNull();
    await runner.stop();
  });

  it('THEN during the US session US tickers are asked on their exchange and USD/KRW comes from price-detail', async () => {
    const { runner } = stack({ clock: US_OPEN, fx: true });
    await runner.pollOnce();
    expect(await quote('US-STOCK-AAPL')).toMatchObject({ price: '190.5', change_pct: '0.35', volume: '51234567', currency: 'USD', source: 'kis:HHDFS00000300' });
    expect((await quote('US-STOCK-JPM'))?.price).toBe('190.5'); // asked with EXCD=NYS
    expect(JSON.parse((await redis.get('fx:USDKRW')) ?? '{}')).toMatchObject({ pair: 'USDKRW', rate: '1385.20', source: 'kis:HHDFS76200200' });
    expect(await quote('KRX-STOCK-005930')).toBeNull();
    await runner.stop();
  });

  it.each([
    ['HTTP 502 with an HTML body', { status: 502, body: '<html>Bad Gateway</html>' }, 'upstream_error'],
    ['malformed JSON', { status: 200, body: '{"output": {"stck_prpr": "7' }, 'malformed'],
  ])('THEN %s drops that ticker and keeps the others', async (_what, answer, reason) => {
    state.domestic['000660'] = answer;
    const { source } = stack({ clock: KRX_OPEN });
    const result = await source.poll(KRX_OPEN.now(), new AbortController().signal);
    expect(result.quotes.map((q) => q.ticker_id)).toEqual(['KRX-STOCK-005930']);
    expect(result.dropped?.[0]).toMatchObject({ ticker_id: 'KRX-STOCK-000660', reason });
  });

  it.each([
    ['0', 'non_positive'],
    ['-100', 'non_positive'],
    ['', 'malformed'],
  ])('THEN a price of %j is dropped by the guard and never written', async (price, _reason) => {
    state.domestic['000660'] = { body: ok({ stck_prpr: price, prdy_ctrt: '0.00', acml_vol: '0' }) };
    const { runner } = stack({ clock: KRX_OPEN });
    await runner.pollOnce();
    expect(await quote('KRX-STOCK-000660')).toBeNull();
    expect((await quote('KRX-STOCK-005930'))?.price).toBe('72000');
    expect(runner.health().quotes_dropped).toBe(1);
    await runner.stop();
  });

  it('THEN a client error carries the KIS code', async () => {
    state.domestic['005930'] = fail('OPSQ0002', '없는 서비스 코드 입니다');
    const { client } = stack({ clock: KRX_OPEN });
    const error = await client.domesticPrice('005930').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KisError);
    expect((error as KisError).code).toBe('OPSQ0002');
  });
});

describe('GIVEN the mock server limit of 2 requests a second', () => {
  it('THEN requests are spaced at least 500 ms apart', async () => {
    const { source } = stack({ clock: KRX_OPEN, rate: 2 });
    const from = fake.requests.length;
    await source.poll(KRX_OPEN.now(), new AbortController().signal); // 2 quotes
    const times = fake.requests.slice(from).filter((r) => r.path.includes('inquire-price')).map((r) => r.at);
    expect(times.length).toBe(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(450);
  });
});

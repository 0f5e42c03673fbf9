/**
 * The scheduler against the real PostgreSQL, Redis and RabbitMQ, with a controllable clock,
 * two replicas, and the notifier posting to a local webhook capture server.
 */
import http from 'node:http';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../core/ports.js';
import { loadConfig } from '../platform/config.js';
import { createHttpHost } from '../platform/http.js';
import { createLogger } from '../platform/logger.js';
import { FX_KEY, priceKey } from '../platform/redis.js';
import { openInfra } from '../platform/runtime.js';
import type { Infra } from '../platform/runtime.js';
import { createNotifier } from '../notifier/notifier.service.js';
import type { Notifier } from '../notifier/notifier.service.js';
import { WebhookCapture, until } from '../notifier/webhook-capture.fixture.js';
import { createTestVhost } from '../test/support/amqp.js';
import type { TestVhost } from '../test/support/amqp.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { createScheduler, startScheduler } from './scheduler.service.js';
import type { Scheduler } from './scheduler.service.js';

class FakeClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t);
  }
  set(iso: string): void {
    this.t = new Date(iso);
  }
}

let pg: TestDatabase;
let redis: TestRedis;
let vhost: TestVhost;
let capture: WebhookCapture;
const clock = new FakeClock(new Date('2024-03-10T12:00:00Z'));
let a: Infra; // replica A (also runs the notifier)
let b: Infra; // replica B
let notifier: Notifier;
const ids: Record<string, string> = {};

const REPORT_D = [
  '📊 일일 리포트',
  '🥇 오늘의 승리자: 승자 (+800,000 KRW)',
  '💩 오늘의 흑우: 흑우 (-9,740,000 KRW)',
  '🌙 야수의 심장: 야수 (3회 체결)',
].join('\n');

async function sql<T extends object = Record<string, unknown>>(text: string, bind: unknown[] = []): Promise<T[]> {
  return a.db.sequelize.query<T>(text, { bind, type: QueryTypes.SELECT });
}

async function player(nickname: string, cash: string): Promise<string> {
  const [u] = await sql<{ id: string }>('INSERT INTO users (username, nickname) VALUES ($1, $2) RETURNING id', [`u_${nickname}`, nickname]);
  const id = u?.id ?? '';
  await sql('INSERT INTO wallets (user_id, balance_krw) VALUES ($1, $2) RETURNING user_id', [id, cash]);
  ids[nickname] = id;
  return id;
}

async function filledOrder(userId: string, filledAt: string): Promise<void> {
  await sql(
    `INSERT INTO orders (id, user_id, ticker_id, side, type, status, quantity, price, filled_quantity, filled_notional_krw, fee, source, filled_at)
     VALUES (gen_random_uuid(), $1, 'KRX-STOCK-005930', 'BUY', 'MARKET', 'FILLED', 1, 70000, 1, 70000, 70, 'discord', $2) RETURNING id`,
    [userId, filledAt],
  );
}

const reports = () => capture.receivedBy('alerts').filter((c) => c.startsWith('📊'));

beforeAll(async () => {
  [pg, redis, vhost] = await Promise.all([createTestDatabase('scheduler'), createTestRedis(), createTestVhost('scheduler')]);
  capture = new WebhookCapture();
  await capture.start();
  const config = loadConfig({ DATABASE_URL: pg.url, REDIS_URL: redis.url, AMQP_URL: vhost.url, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4' });
  a = await openInfra(config, createLogger('silent'), { name: 'scheduler-a', clock });
  b = await openInfra(config, createLogger('silent'), { name: 'scheduler-b', clock });
  notifier = createNotifier(a, { urls: { ALERTS: capture.url('alerts') }, pollMs: 100, retryBaseMs: 40, retryMaxMs: 400 });
  await notifier.start();

  // 승자: 10 shares of Samsung at the live quote 80,000 → +800,000 over yesterday's snapshot.
  const winner = await player('승자', '100000000');
  await sql("INSERT INTO portfolios (user_id, ticker_id, quantity, average_price, average_cost_krw, currency) VALUES ($1, 'KRX-STOCK-005930', 10, 70000, 70000, 'KRW') RETURNING id", [winner]);
  await sql("INSERT INTO equity_snapshots (user_id, day, equity_krw) VALUES ($1, '2024-03-09', 100000000) RETURNING user_id", [winner]);
  await a.redis.client.set(priceKey('KRX-STOCK-005930'), JSON.stringify({ ticker_id: 'KRX-STOCK-005930', price: '80000', currency: 'KRW', change_pct: '0', volume: '0', ts: '2024-03-10T06:30:00Z', source: 'test' }));
  // 흑우: new player; 1 Apple share, no live quote → last candle close 200 USD × 1,300 KRW/USD.
  const loser = await player('흑우', '90000000');
  await sql("INSERT INTO portfolios (user_id, ticker_id, quantity, average_price, average_cost_krw, currency) VALUES ($1, 'US-STOCK-AAPL', 1, 180, 234000, 'USD') RETURNING id", [loser]);
  await sql("INSERT INTO candles (ticker_id, interval, bucket_start, open, high, low, close, source) VALUES ('US-STOCK-AAPL', '1d', '2024-03-08T14:30:00Z', 190, 201, 189, 200, 'test') RETURNING ticker_id");
  await a.redis.client.set(FX_KEY, JSON.stringify({ pair: 'USDKRW', rate: '1300', ts: '2024-03-10T06:00:00Z', source: 'test' }));
  // 야수: flat equity, but three fills during the KST day 2024-03-10.
  const beast = await player('야수', '100000000');
  await sql("INSERT INTO equity_snapshots (user_id, day, equity_krw) VALUES ($1, '2024-03-09', 100000000) RETURNING user_id", [beast]);
  for (const at of ['2024-03-09T15:00:00Z', '2024-03-10T01:00:00Z', '2024-03-10T14:59:59Z']) await filledOrder(beast, at);
  await filledOrder(winner, '2024-03-10T02:00:00Z');
  await filledOrder(winner, '2024-03-10T03:00:00Z');
  await filledOrder(winner, '2024-03-09T14:59:59Z'); // the day before (KST)
}, 60_000);

afterAll(async () => {
  await notifier.stop();
  await b.close();
  await a.close();
  await capture.stop();
  await Promise.all([pg.drop(), redis.release(), vhost.drop()]);
});

const replicas = (): [Scheduler, Scheduler] => [createScheduler(a, { cron: false }), createScheduler(b, { cron: false })];

describe('GIVEN two scheduler replicas ticking at 00:00 Asia/Seoul at once', () => {
  it('THEN the daily report runs once, posts the four lines once, and a restart never re-posts', async () => {
    clock.set('2024-03-10T15:00:00.000Z'); // 2024-03-11 00:00 KST
    const [s1, s2] = replicas();
    const [r1, r2] = await Promise.all([s1.tick(), s2.tick()]);
    const ran = [...r1, ...r2].filter((r) => r.job === 'daily_report' && r.outcome === 'ran');
    expect(ran).toHaveLength(1);
    expect([...r1, ...r2].filter((r) => r.job === 'daily_report').map((r) => r.slot)).toEqual(['2024-03-10', '2024-03-10']);
    await until(() => reports().length >= 1, 10_000, 'daily report posted');
    expect(reports()).toEqual([REPORT_D]);

    const snaps = await sql<{ nickname: string; equity_krw: string }>(
      "SELECT u.nickname, s.equity_krw FROM equity_snapshots s JOIN users u ON u.id = s.user_id WHERE s.day = '2024-03-10' ORDER BY u.nickname",
    );
    expect(snaps).toEqual([
      { nickname: '승자', equity_krw: '100800000.00000000' },
      { nickname: '야수', equity_krw: '100000000.00000000' },
      { nickname: '흑우', equity_krw: '90260000.00000000' },
    ]);
    const runs = await sql<{ status: string }>("SELECT status FROM job_runs WHERE job = 'daily_report' AND slot = '2024-03-10'");
    expect(runs).toEqual([{ status: 'DONE' }]);

    // Restarted replicas, a minute later and again within the window: nothing runs.
    clock.set('2024-03-10T15:01:00.000Z');
    const [s3, s4] = replicas();
    const again = [...(await s3.tick()), ...(await s4.tick())];
    expect(again.filter((r) => r.outcome === 'ran')).toEqual([]);
    const outbox = await sql<{ n: string }>("SELECT count(*) AS n FROM outbox_events WHERE type = 'daily_report'");
    expect(outbox[0]?.n).toBe('1');

    // A forced run posts again (the demo's button); it is also the barrier showing no extra post.
    const forced = await s3.forceDailyReport('2024-03-10');
    expect(forced).toMatchObject({ day: '2024-03-10', forced: true, players: 3, volume_king: { nickname: '야수', trade_count: 3 } });
    await until(() => reports().length >= 2, 10_000, 'forced report posted');
    expect(reports()).toEqual([REPORT_D, REPORT_D]);
  }, 40_000);
});

describe('GIVEN a controllable clock across the US DST switch and a KRX holiday', () => {
  const tickBoth = async () => {
    const [s1, s2] = replicas();
    return [...(await Promise.all([s1.tick(), s2.tick()])).flat()].filter((r) => r.outcome === 'ran').map((r) => `${r.job}/${r.slot}`);
  };

  it('THEN open and close notices follow New York time and the KRX calendar, once each', async () => {
    clock.set('2024-03-08T14:30:05.000Z'); // Friday, EST: 09:30 New York = 23:30 KST
    expect(await tickBoth()).toEqual(['market_open/US:2024-03-08']);
    clock.set('2024-03-11T13:30:05.000Z'); // Monday after the switch, EDT: 22:30 KST
    expect(await tickBoth()).toEqual(['market_open/US:2024-03-11']);
    clock.set('2024-03-11T13:31:05.000Z');
    expect(await tickBoth()).toEqual([]);
    clock.set('2024-03-11T20:00:30.000Z');
    expect(await tickBoth()).toEqual(['market_close/US:2024-03-11']);
    clock.set('2024-09-16T00:00:30.000Z'); // Chuseok: KRX closed
    expect(await tickBoth()).toEqual([]);
    clock.set('2024-09-19T00:00:30.000Z');
    expect(await tickBoth()).toEqual(['market_open/KRX:2024-09-19']);

    await until(() => capture.receivedBy('alerts').filter((c) => c.startsWith('🔔') || c.startsWith('🔕')).length >= 4, 10_000, '4 notices');
    expect(capture.receivedBy('alerts').filter((c) => c.startsWith('🔔') || c.startsWith('🔕'))).toEqual([
      '🔔 [개장] 미국 증시 정규장이 열렸습니다 (23:30~06:00 KST)',
      '🔔 [개장] 미국 증시 정규장이 열렸습니다 (22:30~05:00 KST)',
      '🔕 [폐장] 미국 증시 정규장이 마감되었습니다',
      '🔔 [개장] 한국 증시 정규장이 열렸습니다 (09:00~15:30 KST)',
    ]);
  }, 40_000);
});

describe('GIVEN job runs left behind by a crashed or failed process', () => {
  it('THEN a stale RUNNING slot is taken over, a fresh one is left alone, a FAILED one is retried', async () => {
    await sql("INSERT INTO job_runs (job, slot, status, started_at) VALUES ('market_open', 'KRX:2024-03-12', 'RUNNING', now() - interval '11 minutes') RETURNING job");
    await sql("INSERT INTO job_runs (job, slot, status, started_at) VALUES ('market_open', 'KRX:2024-03-13', 'RUNNING', now()) RETURNING job");
    await sql("INSERT INTO job_runs (job, slot, status, details) VALUES ('market_open', 'KRX:2024-03-14', 'FAILED', '{\"attempts\": 1}') RETURNING job");
    const s = createScheduler(a, { cron: false });
    const run = async (iso: string) => {
      clock.set(iso);
      return (await s.tick()).map((r) => `${r.slot}:${r.outcome}`);
    };
    expect(await run('2024-03-12T00:01:00.000Z')).toEqual(['KRX:2024-03-12:ran']);
    expect(await run('2024-03-13T00:01:00.000Z')).toEqual(['KRX:2024-03-13:skipped']);
    expect(await run('2024-03-14T00:01:00.000Z')).toEqual(['KRX:2024-03-14:ran']);
    const rows = await sql<{ slot: string; status: string; attempts: number }>(
      "SELECT slot, status, (details->>'attempts')::int AS attempts FROM job_runs WHERE slot LIKE 'KRX:2024-03-1%' ORDER BY slot",
    );
    expect(rows).toEqual([
      { slot: 'KRX:2024-03-12', status: 'DONE', attempts: 2 },
      { slot: 'KRX:2024-03-13', status: 'RUNNING', attempts: null },
      { slot: 'KRX:2024-03-14', status: 'DONE', attempts: 2 },
    ]);
  });
});

describe('GIVEN the scheduler running as a service', () => {
  it('THEN POST /internal/scheduler/daily-report from the machine forces a report', async () => {
    clock.set('2024-03-10T10:00:00.000Z');
    const host = createHttpHost('scheduler-test', a.health);
    const service = await startScheduler(a, host);
    await host.listen(0, '127.0.0.1');
    try {
      const before = reports().length;
      const post = (body: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: host.port(), path: '/internal/scheduler/daily-report', method: 'POST', headers: { 'content-type': 'application/json' } },
            (res) => {
              let text = '';
              res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      expect((await post('{"date":"10 March"}')).status).toBe(400);
      const ok = await post('{"date":"2024-03-10"}');
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ report: { day: '2024-03-10', forced: true } });
      await until(() => reports().length > before, 10_000, 'forced report');
      expect((await a.health.readiness()).components.scheduler?.up).toBe(true);
    } finally {
      await host.close();
      await service.stop();
    }
  });
});

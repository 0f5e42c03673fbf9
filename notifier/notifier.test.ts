/**
 * The notifier against the real PostgreSQL, Redis and RabbitMQ, posting to a local webhook
 * capture server that answers like Discord, faults included.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent, EventType } from '../core/events.js';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { openInfra } from '../platform/runtime.js';
import type { Infra } from '../platform/runtime.js';
import { createTestVhost } from '../test/support/amqp.js';
import type { TestVhost } from '../test/support/amqp.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { createNotifier } from './notifier.service.js';
import type { Notifier, NotifierOptions } from './notifier.service.js';
import { WebhookCapture, until } from './webhook-capture.fixture.js';

let pg: TestDatabase;
let redis: TestRedis;
let vhost: TestVhost;
let infra: Infra;
let capture: WebhookCapture;
let userId: string;

const FAST: NotifierOptions = { retryBaseMs: 40, retryMaxMs: 400, pollMs: 100, leaseMs: 5_000 };

beforeAll(async () => {
  [pg, redis, vhost] = await Promise.all([createTestDatabase('notifier'), createTestRedis(), createTestVhost('notifier')]);
  capture = new WebhookCapture();
  await capture.start();
  const config = loadConfig({
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    AMQP_URL: vhost.url,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '4',
  });
  infra = await openInfra(config, createLogger('silent'), { name: 'notifier-test' });
  const [row] = await infra.db.sequelize.query<{ id: string }>(
    "INSERT INTO users (discord_user_id, username, nickname) VALUES ('123456789', 'antking', '개미왕') RETURNING id",
    { type: QueryTypes.SELECT },
  );
  userId = row?.id ?? '';
}, 60_000);

afterAll(async () => {
  await infra.close();
  await capture.stop();
  await Promise.all([pg.drop(), redis.release(), vhost.drop()]);
});

const event = (type: EventType, data: Record<string, unknown>): DomainEvent => ({
  id: randomUUID(),
  type,
  occurred_at: new Date().toISOString(),
  data,
});

const whale = (n: number, nickname = '개미왕'): DomainEvent =>
  event('whale_trade', {
    order_id: randomUUID(),
    user_id: userId,
    nickname,
    ticker_id: 'KRX-STOCK-005930',
    side: n % 2 === 0 ? 'BUY' : 'SELL',
    quantity: String(1000 + n),
    price: '71500.00000000',
    notional_krw: `${(1000 + n) * 71500}.00000000`,
  });

const whaleLine = (n: number, nickname = '개미왕') =>
  `🐳 [고래] ${nickname}님이 KRX-STOCK-005930에 ${((1000 + n) * 71500).toLocaleString('en-US')} KRW 규모 ${n % 2 === 0 ? '매수' : '매도'} 체결!`;

async function withNotifier<T>(name: string, urls: Partial<Record<'ALERTS' | 'HUMAN', string>>, fn: (n: Notifier) => Promise<T>, extra: NotifierOptions = {}): Promise<T> {
  const notifier = createNotifier(infra, { ...FAST, urls, queue: `notifier-${name}`, ...extra });
  await notifier.start();
  try {
    return await fn(notifier);
  } finally {
    await notifier.stop();
  }
}

const deliveryRows = (webhook: string) =>
  infra.db.sequelize.query<{ status: string; attempts: number; event_type: string; discord_message_id: string | null }>(
    'SELECT status, attempts, event_type, discord_message_id FROM webhook_deliveries WHERE webhook = $1 ORDER BY id',
    { bind: [webhook], type: QueryTypes.SELECT },
  );

describe('GIVEN a webhook that answers 429 with retry_after, 500 and dropped connections', () => {
  it('THEN every message arrives exactly once and in order, and the rate limits are honoured', async () => {
    capture.script('faulty', [
      { kind: 'ok_bucket_empty', resetAfterS: 0.3 },
      { kind: 'rate_limited', retryAfterS: 0.25, via: 'body' },
      { kind: 'server_error', status: 500 },
      { kind: 'server_error', status: 502 },
      { kind: 'drop' },
      { kind: 'rate_limited', retryAfterS: 0.2, via: 'header' },
      { kind: 'server_error', status: 503 },
    ]);
    const events = Array.from({ length: 12 }, (_, i) => whale(i));
    await withNotifier('faults', { ALERTS: capture.url('faulty') }, async () => {
      for (const e of events) await infra.eventBus.publish([e]);
      await until(() => capture.receivedBy('faulty').length >= 12, 20_000, '12 messages received');
      await until(async () => (await deliveryRows('ALERTS')).every((r) => r.status === 'SENT'), 5_000, 'rows SENT');
    });
    expect(capture.receivedBy('faulty')).toEqual(events.map((_, i) => whaleLine(i)));

    const log = capture.requestsTo('faulty');
    expect(log.every((r) => r.query === '?wait=true')).toBe(true);
    // After each 429 the next request waited retry_after; after an empty bucket, reset_after.
    const gapAfter = (i: number) => (log[i + 1]?.at ?? Infinity) - (log[i]?.at ?? 0);
    const rate = log.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 429);
    expect(rate).toHaveLength(2);
    expect(gapAfter(rate[0]?.i ?? -1)).toBeGreaterThanOrEqual(250);
    expect(gapAfter(rate[1]?.i ?? -1)).toBeGreaterThanOrEqual(200);
    expect(gapAfter(0)).toBeGreaterThanOrEqual(300);
    expect(log.filter((r) => r.status === 0)).toHaveLength(1);

    const rows = await deliveryRows('ALERTS');
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.event_type === 'whale_trade' && r.discord_message_id !== null)).toBe(true);
    expect(rows.reduce((n, r) => n + r.attempts, 0)).toBe(12 + 6);
    const body = capture.received[0]?.body;
    expect(body?.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(capture.received)).not.toContain(userId);
  }, 40_000);
});

describe('GIVEN the same event delivered twice and a template changed between messages', () => {
  it('THEN it is posted once, and the next message uses the new template', async () => {
    await withNotifier('dedupe', { ALERTS: capture.url('dedupe') }, async (notifier) => {
      const first = whale(1);
      await infra.eventBus.publish([first]);
      await infra.eventBus.publish([first]);
      await notifier.handle(first); // a third copy, straight in
      await until(() => capture.receivedBy('dedupe').length >= 1);
      const put = await notifier.templates.put('whale_trade', '🐋 {nickname} · {ticker_name} · {notional:,}원');
      expect(put.ok).toBe(true);
      await infra.eventBus.publish([whale(2)]);
      await until(() => capture.receivedBy('dedupe').length >= 2);
      // A barrier: once this later event is in, the duplicates have long been handled.
      await infra.eventBus.publish([event('liquidation', { user_id: userId, nickname: '', ticker_id: 'CRYPTO-COIN-BTC', equity_krw: '-5000', liability_krw: '1234567.5' })]);
      await until(() => capture.receivedBy('dedupe').length >= 3);
      await notifier.templates.reset('whale_trade');
    });
    expect(capture.receivedBy('dedupe')).toEqual([
      whaleLine(1),
      `🐋 개미왕 · 삼성전자 · ${(1002 * 71500).toLocaleString('en-US')}원`,
      '📉 [속보] 개미왕님이 CRYPTO-COIN-BTC 포지션 강제 청산! (순자산 -5,000 / 부채 1,234,568)',
    ]);
  }, 30_000);
});

describe('GIVEN two notifier replicas sharing the queue and the outbox', () => {
  it('THEN each message is posted once, in order', async () => {
    capture.script('replicas', [{ kind: 'server_error', status: 500 }, { kind: 'rate_limited', retryAfterS: 0.1, via: 'body' }]);
    const urls = { ALERTS: capture.url('replicas') };
    const a = createNotifier(infra, { ...FAST, urls, queue: 'notifier-replicas' });
    const b = createNotifier(infra, { ...FAST, urls, queue: 'notifier-replicas' });
    await Promise.all([a.start(), b.start()]);
    try {
      const events = Array.from({ length: 10 }, (_, i) => whale(100 + i, '리플리카'));
      for (const e of events) await infra.eventBus.publish([e]);
      await until(() => capture.receivedBy('replicas').length >= 10, 20_000, '10 messages');
      await until(async () => {
        const [r] = await infra.db.sequelize.query<{ n: string }>(
          "SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'SENT'",
          { type: QueryTypes.SELECT },
        );
        return r?.n === '0';
      });
      // Events split between the replicas' consumers may be inserted out of publish order;
      // what must hold is: each exactly once, and posts in the outbox's id order.
      const got = capture.receivedBy('replicas');
      expect([...got].sort()).toEqual(events.map((_, i) => whaleLine(100 + i, '리플리카')).sort());
      const rows = await infra.db.sequelize.query<{ content: string }>(
        "SELECT body->>'content' AS content FROM webhook_deliveries WHERE body->>'content' LIKE '%리플리카%' ORDER BY id",
        { type: QueryTypes.SELECT },
      );
      expect(got).toEqual(rows.map((r) => r.content));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 40_000);
});

describe('GIVEN the human webhook answers 404 (deleted webhook)', () => {
  it('THEN it is marked BROKEN with an operator alert, nothing is dropped, and a new URL delivers all in order', async () => {
    const alerts: DomainEvent[] = [];
    const sub = await infra.eventBus.subscribe('system_events.operator_alert', (e) => {
      alerts.push(e);
      return Promise.resolve();
    });
    capture.always('gone', { kind: 'not_found' });
    const human = [
      event('ipo_listed', { ticker_id: 'HUMAN-ETF-ANT', symbol: 'ANT', issuer_user_id: userId, nickname: '개미왕', dividend_rate: '0.25', shares: '1000', offer_price: '10000' }),
      event('dividend_paid', { ticker_id: 'HUMAN-ETF-ANT', payer_user_id: userId, payer_nickname: '개미왕', total_dividend_krw: '1500000.5', holders: 2 }),
      event('bailout_processed', { user_id: userId, nickname: '개미왕', amount_krw: '100000', bailout_count: 1 }),
    ];
    const lines = ['🆕 [IPO] ANT 상장! 배당률 25%', '💰 [배당] 개미왕님이 총 1,500,001 KRW 배당', '😭 [파산] 개미왕님 구제금융 처리'];
    try {
      await withNotifier('broken', { HUMAN: capture.url('gone') }, async (notifier) => {
        for (const e of human) await infra.eventBus.publish([e]);
        await until(() => alerts.length >= 1, 10_000, 'operator alert');
        await until(async () => (await deliveryRows('HUMAN')).length === 3, 10_000, '3 rows');
        expect(notifier.stats()[0]?.broken).toBe(true);
      });
      // Stopped: the loop made exactly one request, then stopped posting to the broken webhook.
      expect(capture.requestsTo('gone')).toHaveLength(1);
      expect((await deliveryRows('HUMAN')).map((r) => r.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
      const [state] = await infra.db.sequelize.query<{ status: string; http_status: number }>(
        "SELECT status, http_status FROM notifier_webhooks WHERE webhook = 'HUMAN'",
        { type: QueryTypes.SELECT },
      );
      expect(state).toEqual({ status: 'BROKEN', http_status: 404 });
      expect(alerts[0]?.data).toMatchObject({ severity: 'critical', component: 'notifier', details: { webhook: 'HUMAN', status: 404 } });

      // A restart with the same URL stays paused; with a new URL everything goes out once, in order.
      await withNotifier('broken', { HUMAN: capture.url('gone') }, async (notifier) => {
        await until(() => notifier.stats()[0]?.broken === true);
      });
      expect(capture.requestsTo('gone')).toHaveLength(1);
      await withNotifier('broken', { HUMAN: capture.url('fixed') }, async () => {
        await until(() => capture.receivedBy('fixed').length >= 3);
      });
      expect(capture.receivedBy('fixed')).toEqual(lines);
    } finally {
      await sub.close();
    }
  }, 40_000);
});

describe('GIVEN a post in flight that Discord never answers when the notifier stops', () => {
  it('THEN stop() returns within its grace period and the message goes out once after a restart', async () => {
    capture.script('slow', [{ kind: 'hang' }]);
    const e = whale(42, '느림보');
    const notifier = createNotifier(infra, { ...FAST, urls: { ALERTS: capture.url('slow') }, queue: 'notifier-slow', stopGraceMs: 300 });
    await notifier.start();
    await notifier.handle(e);
    await until(() => capture.requestsTo('slow').length >= 1, 10_000, 'request in flight');
    const t0 = Date.now();
    await notifier.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(capture.receivedBy('slow')).toEqual([]);
    await withNotifier('slow', { ALERTS: capture.url('slow') }, async () => {
      await until(() => capture.receivedBy('slow').length >= 1, 10_000, 'message after restart');
    });
    expect(capture.receivedBy('slow')).toEqual([whaleLine(42, '느림보')]);
  }, 30_000);
});

describe('GIVEN an unset webhook URL', () => {
  it('THEN its events create no rows and are not posted', async () => {
    await withNotifier('unset', {}, async (notifier) => {
      const e = whale(7);
      await notifier.handle(e);
      const [r] = await infra.db.sequelize.query<{ n: string }>('SELECT count(*) AS n FROM webhook_deliveries WHERE event_id = $1', {
        bind: [e.id],
        type: QueryTypes.SELECT,
      });
      expect(r?.n).toBe('0');
    });
  });
});

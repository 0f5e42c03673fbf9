/**
 * OrderService on the real RabbitMQ (own vhost): what reaches `orders.settle`, what is
 * refused before publishing, and a broker that never confirms.
 */
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../core/errors.js';
import { parseOrderMessage, playerIdOf } from '../../core/order-message.js';
import { createTestVhost } from '../../test/support/amqp.js';
import type { TestVhost } from '../../test/support/amqp.js';
import { AmqpConnection, RabbitOrderBus } from '../amqp/rabbitmq.js';
import { ORDERS_QUEUE } from '../amqp/topology.js';
import { MemoryOrderBus } from '../embedded/memory-bus.js';
import { createLogger } from '../logger.js';
import { OrderService } from './order.service.js';

const logger = createLogger('silent');
let vhost: TestVhost;
let conn: AmqpConnection;
let service: OrderService;

beforeAll(async () => {
  vhost = await createTestVhost('orders');
  conn = new AmqpConnection({ url: vhost.url, logger });
  await conn.ready();
  service = new OrderService({ orderBus: new RabbitOrderBus(conn, logger), clock: { now: () => new Date('2026-11-27T01:02:03.000Z') } });
}, 30_000);

afterAll(async () => {
  await conn.close();
  await vhost.drop();
});

/** Take `n` messages off `orders.settle` (basic.consume: quorum queues with a single active consumer refuse basic.get). */
async function takeQueued(n: number): Promise<unknown[]> {
  const c = await amqplib.connect(vhost.url);
  try {
    const ch = await c.createChannel();
    const out: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${out.length} of ${n} messages within 5 s`)), 5_000);
      void ch.consume(ORDERS_QUEUE, (m) => {
        if (!m) return;
        out.push(JSON.parse(m.content.toString('utf8')));
        ch.ack(m);
        if (out.length === n) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await ch.close();
    return out;
  } finally {
    await c.close();
  }
}

/** Messages ready in `orders.settle`. */
const depth = async () => (await conn.queueDepth(ORDERS_QUEUE)).messages;

describe('GIVEN a Discord player placing a market buy by KRW amount', () => {
  it('THEN a schema-1 message with the derived player id and the player introduction is confirmed on orders.settle', async () => {
    const r = await service.place({
      user: { discord_user_id: '987654321098765432', username: 'ant', nickname: '개미' },
      ticker_id: 'CRYPTO-COIN-BTC',
      side: 'BUY',
      amount: ' 1,000,000 ',
      source: 'discord',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.user_id).toBe(playerIdOf('987654321098765432'));
    // A new order id is time-ordered (version 7, core/ids.ts): orders.id inserts append to the btree.
    expect(r.value.order_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [queued] = await takeQueued(1);
    expect(queued).toEqual({
      schema: 1,
      order_id: r.value.order_id,
      user_id: playerIdOf('987654321098765432'),
      ticker_id: 'CRYPTO-COIN-BTC',
      side: 'BUY',
      type: 'MARKET',
      notional_krw: '1,000,000',
      source: 'discord',
      placed_at: '2026-11-27T01:02:03.000Z',
      player: { discord_user_id: '987654321098765432', username: 'ant', nickname: '개미' },
    });
    // place() builds the message without parsing it again: it must be what the engine's parse gives.
    expect(parseOrderMessage(queued)).toEqual({ ok: true, value: queued });
  });

  it('THEN an existing API user sells all, with the caller\'s order id for an idempotent retry', async () => {
    const order_id = randomUUID();
    const user_id = randomUUID();
    const r = await service.place({ order_id: order_id.toUpperCase(), user: { user_id: user_id.toUpperCase() }, ticker_id: 'US-STOCK-AAPL', side: 'SELL', quantity: 'All', source: 'api' });
    expect(r).toMatchObject({ ok: true, value: { order_id, user_id } });
    const [queued] = await takeQueued(1);
    expect(queued).toMatchObject({ order_id, user_id, quantity: 'all', source: 'api' });
    expect(queued).not.toHaveProperty('player');
    expect(parseOrderMessage(queued)).toEqual({ ok: true, value: queued });
  });
});

describe('GIVEN bad input', () => {
  it.each([
    ['no user', { ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', quantity: '1', source: 'discord' }, ErrorCode.INVALID_INPUT],
    ['a bad side', { user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-BTC', side: 'HOLD', quantity: '1', source: 'api' }, ErrorCode.INVALID_INPUT],
    ['a lower-case ticker', { user: { user_id: randomUUID() }, ticker_id: 'crypto-coin-btc', side: 'BUY', quantity: '1', source: 'api' }, ErrorCode.INVALID_TICKER],
    ['no size', { user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', source: 'api' }, ErrorCode.INVALID_QUANTITY],
    ['a negative quantity', { user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', quantity: '-3', source: 'api' }, ErrorCode.INVALID_QUANTITY],
    ['an exponent', { user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', amount: '1e9', source: 'api' }, ErrorCode.INVALID_QUANTITY],
    ['"all" on a buy', { user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', quantity: 'all', source: 'api' }, ErrorCode.INVALID_QUANTITY],
  ])('THEN %s is refused with a clear code and nothing is queued', async (_what, command, code) => {
    const r = await service.place(command);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).not.toMatch(/at .*\.ts:/);
    }
    expect(await depth()).toBe(0);
  });

  it('THEN a ticker the edge catalogue does not know is refused with UNKNOWN_TICKER', async () => {
    const edge = new OrderService({ orderBus: new MemoryOrderBus(), isKnownTicker: (id) => id === 'CRYPTO-COIN-BTC' });
    const r = await edge.place({ user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-NOPE', side: 'BUY', quantity: '1', source: 'api' });
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_TICKER } });
  });
});

describe('GIVEN a broker that never confirms', () => {
  it('THEN place() throws PUBLISH_FAILED (retryable) after its attempts', async () => {
    const dead = new AmqpConnection({ url: 'amqp://guest:guest@127.0.0.1:1', logger, publishTimeoutMs: 200 });
    try {
      const failing = new OrderService({ orderBus: new RabbitOrderBus(dead, logger), publishAttempts: 2, retryDelayMs: 10 });
      const error = await failing
        .place({ user: { user_id: randomUUID() }, ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', quantity: '1', source: 'api' })
        .then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: ErrorCode.PUBLISH_FAILED, retry: true });
    } finally {
      await dead.close().catch(() => undefined);
    }
  });
});

describe('GIVEN the in-process bus of npm start without AMQP_URL', () => {
  it('THEN the same place() queues the message', async () => {
    const bus = new MemoryOrderBus();
    const r = await new OrderService({ orderBus: bus }).place({
      user: { discord_user_id: '1', username: 'solo' },
      ticker_id: 'CRYPTO-COIN-ETH',
      side: 'BUY',
      quantity: '0.1',
      source: 'discord',
    });
    expect(r.ok).toBe(true);
    expect(bus.depth().ready).toBe(1);
  });
});

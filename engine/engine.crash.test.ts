/**
 * Crash: the engine runs as its own process (`engine/main.ts`), is killed with SIGKILL in the
 * middle of 2,000 orders and started again. Every order must end in exactly one terminal
 * state, with exactly one order event, and the books must match a recomputation from fills.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpConnection, RabbitOrderBus } from '../platform/amqp/rabbitmq.js';
import { createLogger } from '../platform/logger.js';
import { OrderService } from '../platform/orders/order.service.js';
import { createTestVhost } from '../test/support/amqp.js';
import type { TestVhost } from '../test/support/amqp.js';
import { runEntry } from '../test/support/child.js';
import type { Child } from '../test/support/child.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { auditBooks, makePlayers, until, writeQuote } from './settle.fixtures.js';

const START = '100000000';
const BTC = 'CRYPTO-COIN-BTC';
const ETH = 'CRYPTO-COIN-ETH';
const N = 2_000;

let db: TestDatabase;
let vhost: TestVhost;
let testRedis: TestRedis;
let redis: Redis;
let client: pg.Client;
let quoteTimer: NodeJS.Timeout;
const children: Child[] = [];
const logger = createLogger('silent');

async function refreshQuotes(): Promise<void> {
  await writeQuote(redis, BTC, '100000000');
  await writeQuote(redis, ETH, '5000000');
}

function startEngineProcess(): Child {
  const child = runEntry('engine/main.ts', {
    DATABASE_URL: db.url,
    REDIS_URL: testRedis.url,
    AMQP_URL: vhost.url,
    PORT: '0',
    AUTO_MIGRATE: 'true',
    LOG_LEVEL: 'warn',
    ENGINE_MAX_BATCH: '100',
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  [db, vhost, testRedis] = await Promise.all([createTestDatabase('crash'), createTestVhost('crash'), createTestRedis()]);
  redis = new Redis(testRedis.url);
  await refreshQuotes();
  quoteTimer = setInterval(() => void refreshQuotes().catch(() => undefined), 500);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
}, 60_000);

afterAll(async () => {
  clearInterval(quoteTimer);
  for (const c of children) c.kill('SIGKILL');
  await client.end();
  await redis.quit();
  await Promise.all([db.drop(), vhost.drop(), testRedis.release()]);
}, 60_000);

const count = async (sql: string, values: unknown[] = []): Promise<number> =>
  Number((await client.query<{ n: string }>(sql, values)).rows[0]?.n ?? '0');

describe('GIVEN an engine process killed with SIGKILL in the middle of 2,000 orders', () => {
  it('THEN after a restart every order is terminal exactly once and the balances match the recomputation', async () => {
    // Every order event relayed to Redis, by order: event ids seen (a redelivery of the same
    // event after the crash repeats its id; a second event for an order would add another).
    const relayed = new Map<string, Set<string>>();
    const subscriber = new Redis(testRedis.url);
    subscriber.on('message', (_channel: string, text: string) => {
      const e = JSON.parse(text) as { id: string; type: string; data: { order_id?: string } };
      if ((e.type === 'order_filled' || e.type === 'order_failed') && e.data.order_id) {
        const seen = relayed.get(e.data.order_id) ?? new Set<string>();
        seen.add(e.id);
        relayed.set(e.data.order_id, seen);
      }
    });
    await subscriber.subscribe('trade_events');

    const first = startEngineProcess();
    await first.waitFor(/ready/, 30_000);

    const conn = new AmqpConnection({ url: vhost.url, logger, connectionName: 'crash-publisher' });
    await conn.ready();
    const orders = new OrderService({ orderBus: new RabbitOrderBus(conn, logger) });
    const players = makePlayers(50, 'crash');
    const ids: string[] = [];
    let placed = 0;
    const publishing = (async () => {
      for (let i = 0; i < N; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, async (_, j) => {
            const k = i + j;
            const p = players[k % players.length];
            if (!p) return;
            const order_id = randomUUID();
            ids.push(order_id);
            const r = await orders.place({
              order_id,
              user: { discord_user_id: p.discordUserId, username: p.username, nickname: p.nickname },
              ticker_id: k % 2 === 0 ? BTC : ETH,
              side: k % 4 === 3 ? 'SELL' : 'BUY',
              ...(k % 5 === 0 ? { amount: '150000' } : { quantity: '0.001' }),
              source: 'discord',
            });
            if (!r.ok) throw new Error(r.error.message);
          }),
        );
        placed = i + 25;
      }
    })();

    await until('a few hundred settled', async () => (await count('SELECT count(*) AS n FROM orders')) >= 300, 30_000, 5);
    first.kill('SIGKILL');
    await first.exited(10_000);
    const settledAtKill = await count('SELECT count(*) AS n FROM orders');
    const placedAtKill = placed;
    await publishing;
    await conn.close();
    expect(ids).toHaveLength(N);
    // The kill landed mid-run.
    expect(settledAtKill < N || placedAtKill < N).toBe(true);

    const second = startEngineProcess();
    await second.waitFor(/ready/, 30_000);
    await until(
      'every order terminal',
      async () => (await count("SELECT count(*) AS n FROM orders WHERE status IN ('FILLED', 'FAILED')")) === N,
      40_000,
      50,
    );
    expect(await count('SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[])', [ids])).toBe(N);
    // Every event relayed (the sweep covers the crash window; a relayed row whose id was made
    // once is deleted, so the outbox empties), and exactly one order event per order: one event
    // id each, however often it was published.
    await until('the outbox to drain', async () => (await count('SELECT count(*) AS n FROM outbox_events')) === 0, 15_000);
    await until('every order event on Redis', () => ids.every((id) => relayed.has(id)), 15_000);
    expect(relayed.size).toBe(N);
    expect([...relayed.values()].filter((eventIds) => eventIds.size !== 1)).toEqual([]);
    await subscriber.quit();
    expect(await count("SELECT count(*) AS n FROM orders WHERE status = 'FILLED'")).toBeGreaterThan(N / 2);
    expect(await auditBooks(client, START)).toEqual([]);
    second.kill('SIGTERM');
    expect((await second.exited(10_000)).code).toBe(0);
  }, 90_000);
});

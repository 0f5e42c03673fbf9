/**
 * The engine on the embedded stand-ins of `npm start` without service URLs: PGlite (one
 * transaction at a time), the in-memory Redis and the in-process order bus. An order placed
 * through OrderService fills, a player is registered, events reach the Redis channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../core/events.js';
import { playerIdOf } from '../core/order-message.js';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { OrderService } from '../platform/orders/order.service.js';
import { startProcess } from '../platform/process.js';
import type { StartedProcess } from '../platform/process.js';
import { startEngine } from './engine.service.js';
import { until, writeQuote } from './settle.fixtures.js';

let dataDir: string;
let proc: StartedProcess;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'gaemi-engine-embedded-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });
  proc = await startProcess('all', config, createLogger('silent'), [startEngine]);
}, 90_000);

afterAll(async () => {
  await proc.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe('GIVEN embedded PostgreSQL, Redis and bus', () => {
  it('THEN an order settles and its events are published', async () => {
    expect(proc.infra.embedded).toEqual({ postgres: true, redis: true, amqp: true });
    const events: DomainEvent[] = [];
    const sub = proc.infra.redis.subscriber();
    sub.on('message', (_c: string, text: string) => events.push(JSON.parse(text) as DomainEvent));
    await sub.subscribe('trade_events');
    await writeQuote(proc.infra.redis.client, 'CRYPTO-COIN-ETH', '5000000');
    const orders = new OrderService({ orderBus: proc.infra.orderBus });
    const placed = await Promise.all(
      ['BUY', 'BUY', 'SELL'].map((side) =>
        orders.place({
          user: { discord_user_id: '55555', username: 'embedded-ant' },
          ticker_id: 'CRYPTO-COIN-ETH',
          side,
          quantity: '0.1',
          source: 'discord',
        }),
      ),
    );
    const ids = placed.map((r) => (r.ok ? r.value.order_id : ''));
    await until('three fills', () => ids.every((id) => events.some((e) => e.type === 'order_filled' && e.data.order_id === id)), 30_000);
    const [rows] = await proc.infra.db.sequelize.query(`SELECT quantity::text AS q FROM portfolios WHERE user_id = '${playerIdOf('55555')}'`);
    expect(rows).toEqual([{ q: '0.10000000' }]);
    await sub.quit();
  }, 60_000);
});

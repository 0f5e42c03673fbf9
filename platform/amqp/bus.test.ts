/**
 * One contract for both implementations of the OrderBus and EventBus ports: RabbitMQ (real
 * broker, own vhost) and the in-process stand-in used by `npm start` without AMQP_URL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent, EventType } from '../../core/events.js';
import type { Delivery, EventBus, OrderBus } from '../../core/ports.js';
import { createTestVhost } from '../../test/support/amqp.js';
import type { TestVhost } from '../../test/support/amqp.js';
import { MemoryEventBus, MemoryOrderBus } from '../embedded/memory-bus.js';
import { createLogger } from '../logger.js';
import { AmqpConnection, RabbitEventBus, RabbitOrderBus } from './rabbitmq.js';

interface Buses {
  orders: OrderBus;
  events: EventBus;
  dead(): Promise<number>;
  close(): Promise<void>;
}

/** Wait until `predicate()` holds, polling, or fail at the deadline. */
async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const event = (type: EventType, n: number): DomainEvent => ({ id: randomUUID(), type, occurred_at: new Date().toISOString(), data: { n } });

const logger = createLogger('silent');
let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createTestVhost('bus');
}, 30_000);
afterAll(async () => {
  await vhost.drop();
});

const implementations: [string, () => Promise<Buses>][] = [
  [
    'the in-process bus',
    () => {
      const orders = new MemoryOrderBus();
      const events = new MemoryEventBus();
      return Promise.resolve({
        orders,
        events,
        dead: () => Promise.resolve(orders.dead.length),
        close: async () => {
          await orders.close();
          await events.close();
        },
      });
    },
  ],
  [
    'RabbitMQ',
    async () => {
      const conn = new AmqpConnection({ url: vhost.url, logger });
      await conn.ready();
      const orders = new RabbitOrderBus(conn, logger);
      const events = new RabbitEventBus(conn, logger);
      return {
        orders,
        events,
        dead: async () => (await orders.depth()).dead,
        close: async () => {
          await orders.close();
          await events.close();
          await conn.close();
        },
      };
    },
  ],
];

describe.each(implementations)('GIVEN %s', (_name, make) => {
  let buses: Buses;
  beforeAll(async () => {
    buses = await make();
  });
  afterAll(async () => {
    await buses.close();
  });

  it('THEN orders arrive in publish order, in batches no larger than maxBatch, and acked ones are gone', async () => {
    const ns = Array.from({ length: 25 }, (_, i) => i);
    for (const n of ns) await buses.orders.publish({ order_id: randomUUID(), n });
    const seen: number[] = [];
    const sizes: number[] = [];
    const sub = await buses.orders.consume(async (batch) => {
      sizes.push(batch.length);
      for (const d of batch) {
        seen.push((d.data as { n: number }).n);
        await d.ack();
      }
    }, { maxBatch: 4 });
    await until(() => seen.length === ns.length);
    await sub.close();
    expect(seen).toEqual(ns);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
  });

  it('THEN a requeued order comes back with a higher delivery count and a dead-lettered one goes to the dead queue', async () => {
    const id = randomUUID();
    await buses.orders.publish({ order_id: id, n: 1 });
    const counts: number[] = [];
    const deadBefore = await buses.dead();
    const sub = await buses.orders.consume(async (batch) => {
      for (const d of batch) {
        counts.push(d.deliveryCount);
        if (counts.length === 1) await d.requeue();
        else await d.deadLetter('test: poison');
      }
    }, { maxBatch: 1 });
    await until(() => counts.length === 2);
    await until(async () => (await buses.dead()) === deadBefore + 1);
    await sub.close();
    expect(counts[0]).toBe(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('THEN deliveries a failing handler left unsettled are delivered again', async () => {
    await buses.orders.publish({ order_id: randomUUID(), n: 7 });
    let calls = 0;
    let acked = false;
    const sub = await buses.orders.consume(async (batch: readonly Delivery[]) => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      for (const d of batch) await d.ack();
      acked = true;
    }, { maxBatch: 10 });
    await until(() => acked);
    await sub.close();
    expect(calls).toBe(2);
  });

  it('THEN events reach subscribers by topic pattern; a named queue shared by two replicas gets each event once', async () => {
    const trade: string[] = [];
    const all: string[] = [];
    const replicaA: string[] = [];
    const replicaB: string[] = [];
    const queue = `test.notifier.${randomUUID()}`;
    const subs = await Promise.all([
      buses.events.subscribe('trade_events.*', (e) => Promise.resolve(void trade.push(e.id))),
      buses.events.subscribe('#', (e) => Promise.resolve(void all.push(e.id))),
      buses.events.subscribe('#', (e) => Promise.resolve(void replicaA.push(e.id)), { queue }),
      buses.events.subscribe('#', (e) => Promise.resolve(void replicaB.push(e.id)), { queue }),
    ]);
    const events = [event('order_filled', 1), event('whale_trade', 2), event('ipo_listed', 3), event('liquidation', 4)];
    await buses.events.publish(events);
    await until(() => all.length === 4 && replicaA.length + replicaB.length === 4);
    await until(() => trade.length === 2);
    expect(trade.sort()).toEqual([events[0]?.id, events[1]?.id].sort());
    expect([...replicaA, ...replicaB].sort()).toEqual(events.map((e) => e.id).sort());
    for (const s of subs) await s.close();
  });
});

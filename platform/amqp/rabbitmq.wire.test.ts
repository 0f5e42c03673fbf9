/**
 * What goes over the wire to RabbitMQ (real broker, own vhost): frames of one turn leave in
 * one socket write, and coalesced acks settle every delivery — out of lane order, around a
 * requeue and a dead-letter — with nothing redelivered.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../core/ports.js';
import { createTestVhost } from '../../test/support/amqp.js';
import type { TestVhost } from '../../test/support/amqp.js';
import { createLogger } from '../logger.js';
import { AmqpConnection, RabbitOrderBus } from './rabbitmq.js';
import { batchAmqpWrites } from './write-batching.js';

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const logger = createLogger('silent');
let vhost: TestVhost;
let conn: AmqpConnection;
beforeAll(async () => {
  vhost = await createTestVhost('wire');
  conn = new AmqpConnection({ url: vhost.url, logger });
  await conn.ready();
}, 30_000);
afterAll(async () => {
  await conn.close();
  await vhost.drop();
});

/** The connection's socket (amqplib keeps it as `connection.stream`), for counting writes. */
function socketOf(c: AmqpConnection): Socket {
  const model = c.manager.connection as unknown as { connection: { stream: Socket } };
  return model.connection.stream;
}

describe('GIVEN 200 publishes made in one turn', () => {
  it('THEN their frames leave in a handful of socket writes, not one each, and all are confirmed', async () => {
    expect(batchAmqpWrites()).toBe(true);
    const socket = socketOf(conn);
    let flushes = 0;
    const write = socket._write.bind(socket);
    const writev = socket._writev?.bind(socket);
    socket._write = (...args: Parameters<Socket['_write']>) => {
      flushes += 1;
      write(...args);
    };
    if (writev) {
      socket._writev = (...args: Parameters<NonNullable<Socket['_writev']>>) => {
        flushes += 1;
        writev(...args);
      };
    }
    try {
      const bus = new RabbitOrderBus(conn, logger);
      await Promise.all(Array.from({ length: 200 }, (_, n) => bus.publish({ order_id: randomUUID(), n })));
    } finally {
      socket._write = write;
      if (writev) socket._writev = writev;
    }
    // Without batching: one write per publish (200 or more). With it: one per turn of the Mux.
    expect(flushes).toBeGreaterThan(0);
    expect(flushes).toBeLessThan(20);
    const bus = new RabbitOrderBus(conn, logger);
    const seen = new Set<number>();
    const sub = await bus.consume(async (batch) => {
      for (const d of batch) {
        seen.add((d.data as { n: number }).n);
        await d.ack();
      }
    }, { maxBatch: 100 });
    await until(() => seen.size === 200);
    await sub.close();
  });
});

describe('GIVEN two lanes acking out of delivery order, with a requeue and a dead-letter among them', () => {
  it('THEN every delivery is settled once: nothing left unacked, the requeued one comes back once, the poison is dead', async () => {
    const bus = new RabbitOrderBus(conn, logger);
    const deadBefore = (await bus.depth()).dead;
    const N = 400;
    for (let n = 0; n < N; n += 1) await bus.publish({ order_id: randomUUID(), n });
    const acked = new Map<number, number>();
    let requeued = false;
    const handled: number[] = [];
    const sub = await bus.consume(
      async (batch: readonly Delivery[]) => {
        const lane = ((batch[0]?.data as { n: number }).n % 2) as 0 | 1;
        // Lane 1 is slower: lane 0's later deliveries are acked before lane 1's earlier ones.
        if (lane === 1) await new Promise((r) => setTimeout(r, 5));
        for (const d of batch) {
          const n = (d.data as { n: number }).n;
          handled.push(n);
          if (n === 101 && !requeued) {
            requeued = true;
            await d.requeue();
          } else if (n === 202) await d.deadLetter('test: poison');
          else {
            acked.set(n, (acked.get(n) ?? 0) + 1);
            await d.ack();
          }
        }
      },
      { maxBatch: 25, lanes: 2, keyOf: (data) => String((data as { n: number }).n % 2) },
    );
    await until(() => acked.size === N - 1);
    await until(async () => (await bus.depth()).dead === deadBefore + 1);
    await sub.close();
    // Closing the channel gives back whatever was unacked: nothing is waiting in the queue.
    await until(async () => (await bus.depth()).settle === 0);
    expect([...acked.values()].every((k) => k === 1)).toBe(true);
    expect(handled.filter((n) => n === 101)).toHaveLength(2);
    expect(handled.filter((n) => n === 202)).toHaveLength(1);
  });
});

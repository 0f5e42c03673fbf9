/**
 * In-process stand-ins for RabbitMQ behind the same ports (SPEC §1: `npm start` without
 * `AMQP_URL`). Semantics follow the real adapter: one active order consumer, batches,
 * explicit ack, requeue to the front with a delivery count, dead letters kept for
 * inspection; events fan out by AMQP topic pattern, a named queue shared by replicas.
 * Nothing survives the process: this is for development and demos, never production.
 */
import type { DomainEvent } from '../../core/events.js';
import { routingKeyOf, topicMatches } from '../../core/events.js';
import type { ConsumeOptions, Delivery, EventBus, OrderBus, Subscription } from '../../core/ports.js';
import { DeliveryBatcher } from '../amqp/batcher.js';
import type { TrackedDelivery } from '../amqp/batcher.js';

interface QueuedMessage {
  body: string;
  deliveryCount: number;
}

/** Order queue in memory. */
export class MemoryOrderBus implements OrderBus {
  private readonly ready: QueuedMessage[] = [];
  private unacked = 0;
  private consumer: { batcher: DeliveryBatcher; prefetch: number } | null = null;
  /** Messages dead-lettered, with the reason (what `orders.dead` would hold). */
  readonly dead: { body: string; reason: string }[] = [];

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  publish(message: Record<string, unknown>): Promise<void> {
    this.ready.push({ body: JSON.stringify(message), deliveryCount: 0 });
    this.dispatch();
    return Promise.resolve();
  }

  /** Messages waiting and in flight (queue depth). */
  depth(): { ready: number; unacked: number; dead: number } {
    return { ready: this.ready.length, unacked: this.unacked, dead: this.dead.length };
  }

  consume(handler: (batch: readonly Delivery[]) => Promise<void>, options: ConsumeOptions): Promise<Subscription> {
    if (this.consumer) throw new Error('MemoryOrderBus has one active consumer (like x-single-active-consumer)');
    const batcher = new DeliveryBatcher(handler, options.maxBatch, this.onError, options);
    this.consumer = { batcher, prefetch: options.maxBatch * 2 };
    this.dispatch();
    return Promise.resolve({
      close: async () => {
        this.consumer = null;
        await batcher.close();
      },
    });
  }

  close(): Promise<void> {
    return this.consumer?.batcher.close() ?? Promise.resolve();
  }

  private dispatch(): void {
    const c = this.consumer;
    if (!c) return;
    while (this.ready.length > 0 && this.unacked < c.prefetch) {
      const m = this.ready.shift();
      if (!m) break;
      this.unacked += 1;
      c.batcher.push(this.delivery(m));
    }
  }

  private delivery(m: QueuedMessage): TrackedDelivery {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return Promise.resolve();
      settled = true;
      this.unacked -= 1;
      fn();
      queueMicrotask(() => this.dispatch());
      return Promise.resolve();
    };
    let data: unknown;
    try {
      data = JSON.parse(m.body);
    } catch {
      data = m.body;
    }
    return {
      data,
      deliveryCount: m.deliveryCount,
      get settled() {
        return settled;
      },
      ack: () => settle(() => undefined),
      requeue: () => settle(() => this.ready.unshift({ body: m.body, deliveryCount: m.deliveryCount + 1 })),
      deadLetter: (reason: string) => settle(() => this.dead.push({ body: m.body, reason })),
    };
  }
}

interface MemorySubscriber {
  pattern: string;
  handler: (event: DomainEvent) => Promise<void>;
}

/** Event fan-out in memory, with per-queue ordering and redelivery on handler failure. */
export class MemoryEventBus implements EventBus {
  private readonly queues = new Map<string, { subscribers: MemorySubscriber[]; next: number; chain: Promise<void> }>();
  private anon = 0;

  constructor(
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly maxAttempts = 5,
  ) {}

  publish(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) {
      const key = routingKeyOf(event.type);
      for (const q of this.queues.values()) {
        // A named queue shared by replicas delivers each event to one of them (round robin).
        const matching = q.subscribers.filter((s) => topicMatches(s.pattern, key));
        if (matching.length === 0) continue;
        const target = matching[q.next % matching.length];
        q.next += 1;
        if (!target) continue;
        q.chain = q.chain.then(() => this.deliver(target, event));
      }
    }
    return Promise.resolve();
  }

  private async deliver(sub: MemorySubscriber, event: DomainEvent): Promise<void> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      try {
        await sub.handler(structuredClone(event));
        return;
      } catch (error) {
        this.onError(error);
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2_000)));
      }
    }
  }

  subscribe(
    pattern: string,
    handler: (event: DomainEvent) => Promise<void>,
    options: { queue?: string } = {},
  ): Promise<Subscription> {
    const name = options.queue ?? `anon-${(this.anon += 1)}`;
    const q = this.queues.get(name) ?? { subscribers: [], next: 0, chain: Promise.resolve() };
    this.queues.set(name, q);
    const sub: MemorySubscriber = { pattern, handler };
    q.subscribers.push(sub);
    return Promise.resolve({
      close: async () => {
        q.subscribers = q.subscribers.filter((s) => s !== sub);
        if (q.subscribers.length === 0) this.queues.delete(name);
        await q.chain;
      },
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.chain));
  }
}

/**
 * The engine's consumer of `orders.settle` (SPEC §5): batches of deliveries become one
 * settlement transaction each (group commit); acks go out strictly after COMMIT.
 *
 * - Low load: a batch is whatever has arrived (often one message) and settles at once.
 *   Under load the bus hands over up to `maxBatch` at a time (prefetch is twice that), so
 *   many orders share one commit. Up to `lanes` batches settle at once, each in its own
 *   transactions. The bus keys deliveries by `user_id`: one player's orders are never in two
 *   batches in flight, so concurrent batches touch disjoint players (no lock conflicts); a
 *   batch keeps arrival order and the queue has a single active consumer, so one player's
 *   orders settle in the order they came. Beside a running batch another starts only once
 *   `minParallelBatch` orders wait for it, so a moderate rate is settled one batch at a time
 *   and its orders share commits (see `platform/amqp/batcher.ts`).
 * - Poison (not JSON, wrong schema): the batch commits an `operator_alert` for it, then the
 *   delivery is dead-lettered to `orders.dead` with the reason.
 * - Infrastructure failure (database or Redis down): the batch is held — not requeued, so
 *   the broker's delivery limit is not burned — and retried with exponential backoff
 *   (100 ms doubling to 5 s, with jitter) until it commits or the engine stops, which
 *   requeues it.
 */
import type { Logger } from 'pino';
import type { Clock, Delivery, OrderBus, Subscription } from '../core/ports.js';
import type { OrderMessage } from '../core/order-message.js';
import { parseOrderMessage } from '../core/order-message.js';
import type { OutboxRelay } from './outbox.relay.js';
import type { BatchResult, PoisonItem, SettlementService } from './settlement.service.js';
import { isTransient } from './settlement.service.js';

export interface OrderConsumerOptions {
  orderBus: OrderBus;
  settlement: SettlementService;
  relay: OutboxRelay;
  clock: Clock;
  logger: Logger;
  /** Most deliveries per batch (`ENGINE_MAX_BATCH`). */
  maxBatch: number;
  /**
   * Most batches settling at once (`ENGINE_LANES`, default 1). One player's orders are never
   * in two of them, so they settle in arrival order.
   */
  lanes?: number;
  /** Orders waiting before a batch starts beside a running one (`ENGINE_PARALLEL_AFTER`; default 1: at once). */
  minParallelBatch?: number;
  /** First retry delay after an infrastructure failure (default 100 ms). */
  retryBaseMs?: number;
  /** Longest retry delay (default 5,000 ms). */
  retryMaxMs?: number;
}

/** Counters for health and benchmarks. */
export interface ConsumerStats {
  batches: number;
  filled: number;
  failed: number;
  duplicates: number;
  deadLettered: number;
  lastBatchSize: number;
  lastSettleAt: string | null;
  /** ms from `placed_at` of the newest order of the last batch to its commit. */
  lagMs: number | null;
  /** Set while a batch is held after an infrastructure failure. */
  retryingSince: string | null;
  retries: number;
  lastError: string | null;
}

/** See the module comment. */
export class OrderConsumer {
  readonly stats: ConsumerStats = {
    batches: 0,
    filled: 0,
    failed: 0,
    duplicates: 0,
    deadLettered: 0,
    lastBatchSize: 0,
    lastSettleAt: null,
    lagMs: null,
    retryingSince: null,
    retries: 0,
    lastError: null,
  };
  private subscription: Subscription | undefined;
  private stopping = false;
  /** Wakers of the lanes pausing between retries (stop() cuts their backoff short). */
  private readonly wakers = new Set<() => void>();
  private readonly logger: Logger;

  constructor(private readonly options: OrderConsumerOptions) {
    this.logger = options.logger.child({ component: 'order-consumer' });
  }

  async start(): Promise<void> {
    this.subscription = await this.options.orderBus.consume((batch) => this.handle(batch), {
      maxBatch: this.options.maxBatch,
      lanes: Math.max(1, this.options.lanes ?? 1),
      minParallelBatch: this.options.minParallelBatch ?? 1,
      keyOf: (data) => {
        const userId = typeof data === 'object' && data !== null ? (data as { user_id?: unknown }).user_id : undefined;
        return typeof userId === 'string' ? userId : undefined;
      },
    });
  }

  /** Stop consuming: a held batch stops retrying and is requeued; waits for the batch in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await this.subscription?.close();
  }

  private async handle(batch: readonly Delivery[]): Promise<void> {
    const orders: { delivery: Delivery; message: OrderMessage }[] = [];
    const poison: { delivery: Delivery; item: PoisonItem }[] = [];
    for (const delivery of batch) {
      const parsed = parseOrderMessage(delivery.data);
      if (parsed.ok) orders.push({ delivery, message: parsed.value });
      else {
        const body = typeof delivery.data === 'string' ? delivery.data : JSON.stringify(delivery.data) ?? String(delivery.data);
        poison.push({ delivery, item: { reason: parsed.error.message, body, deliveryCount: delivery.deliveryCount } });
      }
    }

    // One batch (no player of it is in another batch in flight): one transaction.
    const started = performance.now();
    await this.settleLane(orders, poison);

    const s = this.stats;
    const now = this.options.clock.now();
    this.logger.debug({ size: batch.length, poison: poison.length, ms: Math.round(performance.now() - started) }, 'batch settled');
    s.batches += 1;
    s.lastBatchSize = batch.length;
    s.lastSettleAt = now.toISOString();
    const newest = orders.at(-1)?.message.placed_at;
    s.lagMs = newest === undefined ? s.lagMs : Math.max(0, now.getTime() - Date.parse(newest));
  }

  /** Settle one batch, then acknowledge, dead-letter and relay. */
  private async settleLane(
    orders: readonly { delivery: Delivery; message: OrderMessage }[],
    poison: readonly { delivery: Delivery; item: PoisonItem }[],
  ): Promise<void> {
    const result = await this.settleWithRetry(
      orders.map((o) => o.message),
      poison.map((p) => p.item),
    );
    if (result === null) {
      await Promise.all([...orders.map((o) => o.delivery.requeue()), ...poison.map((p) => p.delivery.requeue())]);
      return;
    }
    // Committed: acknowledge, dead-letter poison, relay events.
    const s = this.stats;
    const acks: Promise<void>[] = [];
    result.outcomes.forEach((outcome, i) => {
      const delivery = orders[i]?.delivery;
      if (!delivery) return;
      switch (outcome.kind) {
        case 'filled':
          s.filled += 1;
          acks.push(delivery.ack());
          break;
        case 'failed':
          s.failed += 1;
          acks.push(delivery.ack());
          break;
        case 'duplicate':
          s.duplicates += 1;
          acks.push(delivery.ack());
          break;
        case 'dead':
          s.deadLettered += 1;
          acks.push(delivery.deadLetter(outcome.reason));
          break;
      }
    });
    for (const p of poison) {
      s.deadLettered += 1;
      this.logger.warn({ reason: p.item.reason }, 'poison order message dead-lettered');
      acks.push(p.delivery.deadLetter(p.item.reason));
    }
    this.options.relay.push(result.events);
    const settled = await Promise.allSettled(acks);
    for (const r of settled) if (r.status === 'rejected') this.logger.warn({ err: r.reason }, 'ack after commit failed; the broker will redeliver (idempotent)');
  }

  /** Settle, holding the batch through infrastructure failures. Null when stopped first. */
  private async settleWithRetry(messages: readonly OrderMessage[], poison: readonly PoisonItem[]): Promise<BatchResult | null> {
    const base = this.options.retryBaseMs ?? 100;
    const cap = this.options.retryMaxMs ?? 5_000;
    for (let attempt = 0; ; attempt += 1) {
      if (this.stopping) return null;
      try {
        const result = await this.options.settlement.settleBatch(messages, poison);
        if (this.stats.retryingSince !== null) this.logger.info({ attempts: attempt + 1 }, 'settlement recovered');
        this.stats.retryingSince = null;
        return result;
      } catch (error) {
        this.stats.lastError = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
        if (!isTransient(error)) {
          // A bug outside the per-order fallback: hold the batch too (visible in health) rather than lose it.
          this.logger.error({ err: error }, 'unexpected settlement error; holding the batch and retrying');
        } else if (attempt === 0) {
          this.logger.warn({ err: error }, 'settlement unavailable; holding the batch and retrying with backoff');
        }
        this.stats.retryingSince ??= new Date().toISOString();
        this.stats.retries += 1;
        const delay = Math.min(cap, base * 2 ** Math.min(attempt, 16));
        await this.pause(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

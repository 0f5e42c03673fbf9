/**
 * Hands deliveries to a batch handler: as soon as messages are there at low load, up to
 * `maxBatch` at once under load (the engine's group commit). A delivery the handler neither
 * acked, requeued nor dead-lettered — because it threw — is requeued.
 *
 * Concurrency: up to `lanes` batches run at once. Deliveries with the same key
 * (`keyOf(delivery.data)`, the engine's player id) are never in two batches in flight, and are
 * handed over in arrival order: a batch takes, oldest first, every waiting delivery whose key
 * no batch in flight holds, so one player's orders settle in the order they came while other
 * players' orders go on without them.
 *
 * When a batch already runs, another starts only once at least `minParallelBatch` deliveries
 * could go in it. Until then arrivals wait for the running batch and the next batch takes
 * them all: at a moderate rate one batch of many orders runs at a time instead of several
 * small ones, every one with its own round trips and commit (in `bench:settle` at 1,000
 * orders/s, four eager lanes cut batches of 4–6 orders and kept the machine's two cores
 * busy). A backlog that reaches `minParallelBatch` — under load, or behind a batch held by a
 * failure — is taken by a parallel batch at once.
 */
import type { ConsumeOptions, Delivery } from '../../core/ports.js';

/** A delivery that knows whether it has been settled. */
export interface TrackedDelivery extends Delivery {
  readonly settled: boolean;
}

/** How a batcher runs batches concurrently (default: one at a time). */
export type ConcurrencyOptions = Pick<ConsumeOptions, 'lanes' | 'keyOf' | 'minParallelBatch'>;

interface Waiting {
  delivery: TrackedDelivery;
  key: string;
}

/** The key of deliveries whose `keyOf` threw or gave nothing: they share one. */
const NO_KEY = '';

export class DeliveryBatcher {
  private buffer: Waiting[] = [];
  private readonly lanes: number;
  private readonly minParallelBatch: number;
  private readonly keyOf: ((data: unknown) => string | undefined) | undefined;
  /** Keys of the deliveries in batches in flight (a key is in one batch at most). */
  private readonly busy = new Set<string>();
  private running = 0;
  private scheduled = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (batch: readonly Delivery[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly onError: (error: unknown) => void,
    options: ConcurrencyOptions = {},
  ) {
    this.lanes = Math.max(1, options.lanes ?? 1);
    this.minParallelBatch = Math.max(1, options.minParallelBatch ?? 1);
    this.keyOf = options.keyOf;
  }

  /** Queue one delivery; a batch is cut once the deliveries already in the socket buffer are in. */
  push(delivery: TrackedDelivery): void {
    if (this.closed) {
      void delivery.requeue().catch(this.onError);
      return;
    }
    this.buffer.push({ delivery, key: this.keyFor(delivery) });
    if (!this.scheduled && this.running < this.lanes) {
      this.scheduled = true;
      // Let the deliveries already in the socket buffer arrive before cutting a batch.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** Deliveries waiting for the handler. */
  get pending(): number {
    return this.buffer.length;
  }

  private keyFor(delivery: TrackedDelivery): string {
    if (this.keyOf === undefined || this.lanes === 1) return NO_KEY;
    try {
      return this.keyOf(delivery.data) ?? NO_KEY;
    } catch {
      return NO_KEY;
    }
  }

  /** Start as many batches as the lanes and the rule on parallel batches allow. */
  private pump(): void {
    while (!this.closed && this.running < this.lanes && this.buffer.length > 0) {
      if (this.running > 0 && !this.worthAParallelBatch()) return;
      const batch = this.cut();
      if (batch.length === 0) return;
      this.running += 1;
      void this.run(batch);
    }
  }

  /** Whether at least `minParallelBatch` waiting deliveries have keys no batch holds. */
  private worthAParallelBatch(): boolean {
    if (this.buffer.length < this.minParallelBatch) return false;
    let free = 0;
    for (const w of this.buffer) if (!this.busy.has(w.key) && ++free >= this.minParallelBatch) return true;
    return false;
  }

  /** Take, oldest first, up to `maxBatch` deliveries whose keys no batch in flight holds. */
  private cut(): Waiting[] {
    const taken: Waiting[] = [];
    const left: Waiting[] = [];
    for (const w of this.buffer) {
      if (taken.length < this.maxBatch && !this.busy.has(w.key)) taken.push(w);
      else left.push(w);
    }
    this.buffer = left;
    for (const w of taken) this.busy.add(w.key);
    return taken;
  }

  private async run(batch: readonly Waiting[]): Promise<void> {
    const deliveries = batch.map((w) => w.delivery);
    try {
      await this.handler(deliveries);
    } catch (error) {
      this.onError(error);
    }
    for (const d of deliveries) if (!d.settled) await d.requeue().catch(this.onError);
    for (const w of batch) this.busy.delete(w.key);
    this.running -= 1;
    if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.pump();
  }

  /** Stop taking work; waits for the batches in progress; requeues what never started. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    for (const w of this.buffer.splice(0)) await w.delivery.requeue().catch(this.onError);
  }
}

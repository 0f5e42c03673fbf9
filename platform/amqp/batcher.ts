/**
 * Hands deliveries to a batch handler one batch at a time: as soon as messages are there
 * at low load, up to `maxBatch` at once under load (the engine's group commit). A delivery
 * the handler neither acked, requeued nor dead-lettered — because it threw — is requeued.
 */
import type { Delivery } from '../../core/ports.js';

/** A delivery that knows whether it has been settled. */
export interface TrackedDelivery extends Delivery {
  readonly settled: boolean;
}

export class DeliveryBatcher {
  private buffer: TrackedDelivery[] = [];
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (batch: readonly Delivery[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queue one delivery; starts a drain if none is running. */
  push(delivery: TrackedDelivery): void {
    if (this.closed) {
      void delivery.requeue().catch(this.onError);
      return;
    }
    this.buffer.push(delivery);
    if (!this.running) {
      this.running = true;
      // Let the deliveries already in the socket buffer arrive before cutting a batch.
      setImmediate(() => void this.drain());
    }
  }

  /** Deliveries waiting for the handler. */
  get pending(): number {
    return this.buffer.length;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0 && !this.closed) {
      const batch = this.buffer.splice(0, this.maxBatch);
      try {
        await this.handler(batch);
      } catch (error) {
        this.onError(error);
      }
      for (const d of batch) if (!d.settled) await d.requeue().catch(this.onError);
    }
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Stop taking work; waits for the batch in progress; requeues what never started. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    for (const d of this.buffer.splice(0)) await d.requeue().catch(this.onError);
  }
}

/**
 * Hands deliveries to a batch handler: as soon as messages are there at low load, up to
 * `maxBatch` at once under load (the engine's group commit). A delivery the handler neither
 * acked, requeued nor dead-lettered — because it threw — is requeued.
 *
 * Lanes: with `lanes` > 1, each delivery goes to lane `laneOf(delivery.data)` (clamped to
 * `0 … lanes − 1`). Each lane has its own buffer and hands its batches over one at a time, in
 * arrival order; lanes run concurrently and independently, so a slow batch in one lane does not
 * hold the others (the engine keys lanes by player: one player's orders stay in order).
 */
import type { ConsumeOptions, Delivery } from '../../core/ports.js';

/** A delivery that knows whether it has been settled. */
export interface TrackedDelivery extends Delivery {
  readonly settled: boolean;
}

/** How a batcher splits deliveries into concurrent lanes (default: one lane). */
export type LaneOptions = Pick<ConsumeOptions, 'lanes' | 'laneOf'>;

interface Lane {
  buffer: TrackedDelivery[];
  running: boolean;
}

export class DeliveryBatcher {
  private readonly lanes: Lane[];
  private readonly laneOf: ((data: unknown) => number) | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (batch: readonly Delivery[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly onError: (error: unknown) => void,
    options: LaneOptions = {},
  ) {
    this.lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () => ({ buffer: [], running: false }));
    this.laneOf = options.laneOf;
  }

  /** Queue one delivery; starts its lane's drain if none is running. */
  push(delivery: TrackedDelivery): void {
    if (this.closed) {
      void delivery.requeue().catch(this.onError);
      return;
    }
    const lane = this.lanes[this.laneIndex(delivery)] ?? this.lanes[0];
    if (!lane) return;
    lane.buffer.push(delivery);
    if (!lane.running) {
      lane.running = true;
      // Let the deliveries already in the socket buffer arrive before cutting a batch.
      setImmediate(() => void this.drain(lane));
    }
  }

  /** Deliveries waiting for the handler, over all lanes. */
  get pending(): number {
    return this.lanes.reduce((n, l) => n + l.buffer.length, 0);
  }

  private laneIndex(delivery: TrackedDelivery): number {
    if (this.laneOf === undefined || this.lanes.length === 1) return 0;
    let i: number;
    try {
      i = this.laneOf(delivery.data);
    } catch {
      return 0;
    }
    return Number.isInteger(i) && i >= 0 && i < this.lanes.length ? i : 0;
  }

  private async drain(lane: Lane): Promise<void> {
    while (lane.buffer.length > 0 && !this.closed) {
      const batch = lane.buffer.splice(0, this.maxBatch);
      try {
        await this.handler(batch);
      } catch (error) {
        this.onError(error);
      }
      for (const d of batch) if (!d.settled) await d.requeue().catch(this.onError);
    }
    lane.running = false;
    if (this.lanes.every((l) => !l.running)) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Stop taking work; waits for the batches in progress; requeues what never started. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.lanes.some((l) => l.running)) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    for (const lane of this.lanes) for (const d of lane.buffer.splice(0)) await d.requeue().catch(this.onError);
  }
}

/**
 * Acknowledges the deliveries of one AMQP channel with as few `basic.ack` frames as their
 * order allows: every delivery up to the newest one of an unbroken run of settled deliveries
 * goes in one `basic.ack` with `multiple` set (AMQP 0-9-1 §1.8.3.13).
 *
 * Why: the engine acks a committed batch of hundreds of deliveries at once. One frame per
 * delivery costs RabbitMQ a frame, a channel operation and, for a quorum queue, a `settle`
 * command in its Raft log each; one frame for the run costs one of each (issue 4).
 *
 * Order matters because `multiple` acks every unacknowledged delivery up to the tag, so a
 * run stops at the oldest delivery still in work (for instance in another batch in flight, or
 * a poison message whose copy to `orders.dead` is not yet confirmed). Deliveries acked behind
 * it wait until it settles; if it is still in work after `maxDeferMs`, they are acked one by
 * one, so a held batch never holds the acks (and the prefetch window) of the others.
 * Deliveries given back with `basic.nack` or `basic.reject` are {@link AckCoalescer.release}d:
 * the broker no longer counts them, so a run may pass over them.
 *
 * Delivery tags are per channel and increase in delivery order; use one coalescer per channel
 * (a new one after a reconnect).
 */

type State = 'pending' | 'acked' | 'released';

interface Entry<M> {
  tag: number;
  message: M;
  state: State;
}

export interface AckCoalescerOptions<M> {
  /** Send `basic.ack` for `message` (with `multiple`: and every unacked delivery before it). */
  send: (message: M, multiple: boolean) => void;
  /** Longest a settled delivery waits behind an older one still in work (default 50 ms). */
  maxDeferMs?: number;
}

export class AckCoalescer<M> {
  private readonly entries: Entry<M>[] = [];
  private head = 0;
  private readonly byTag = new Map<number, Entry<M>>();
  /** Entries acked here and not yet sent. */
  private unsent = 0;
  private flushQueued = false;
  private deferTimer: NodeJS.Timeout | undefined;
  private readonly maxDeferMs: number;

  constructor(private readonly options: AckCoalescerOptions<M>) {
    this.maxDeferMs = options.maxDeferMs ?? 50;
  }

  /** Start tracking a delivery (in delivery order). */
  track(tag: number, message: M): void {
    const entry: Entry<M> = { tag, message, state: 'pending' };
    this.entries.push(entry);
    this.byTag.set(tag, entry);
  }

  /** The delivery is done: ack it, together with its neighbours, at the end of this turn. */
  ack(tag: number): void {
    this.mark(tag, 'acked');
  }

  /** The delivery was nacked or rejected by other means: stop waiting for it. */
  release(tag: number): void {
    this.mark(tag, 'released');
  }

  /** Deliveries tracked and not yet acked or released on the wire. */
  get outstanding(): number {
    return this.byTag.size;
  }

  /** Stop the deferral timer (the channel is gone; the broker redelivers what was unacked). */
  dispose(): void {
    clearTimeout(this.deferTimer);
    this.deferTimer = undefined;
  }

  private mark(tag: number, state: State): void {
    const entry = this.byTag.get(tag);
    if (!entry || entry.state !== 'pending') return;
    entry.state = state;
    if (state === 'acked') this.unsent += 1;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Ack the unbroken run at the front in one frame; arm the deferral for what waits behind. */
  private flush(): void {
    this.flushQueued = false;
    let last: Entry<M> | undefined;
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry<M>;
      if (entry.state === 'pending') break;
      if (entry.state === 'acked') {
        last = entry;
        this.unsent -= 1;
      }
      this.byTag.delete(entry.tag);
      this.head += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (last) this.options.send(last.message, true);
    const waiting = this.unsent > 0;
    if (waiting && this.deferTimer === undefined) {
      this.deferTimer = setTimeout(() => {
        this.deferTimer = undefined;
        this.ackWaiting();
      }, this.maxDeferMs);
    } else if (!waiting) {
      clearTimeout(this.deferTimer);
      this.deferTimer = undefined;
    }
  }

  /** The front is still in work after `maxDeferMs`: ack the settled ones behind it one by one. */
  private ackWaiting(): void {
    for (let i = this.head; i < this.entries.length; i += 1) {
      const entry = this.entries[i] as Entry<M>;
      if (entry.state !== 'acked') continue;
      this.options.send(entry.message, false);
      entry.state = 'released';
      this.unsent -= 1;
      this.byTag.delete(entry.tag);
    }
    this.flush();
  }
}

/**
 * Request pacing for the KIS Open API: at most `perSecond` request starts per second (KIS:
 * 20/s on the real server, 2/s on the mock one), spaced evenly (`1000 / perSecond` ms apart),
 * so no burst can trip `EGW00201`. {@link RateLimiter.penalise} pushes the next slot back after
 * the server answered `EGW00201` anyway (another client on the same app key).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class RateLimiter {
  private next = 0;
  readonly gapMs: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0)) throw new Error('rate must be > 0');
    this.gapMs = 1000 / perSecond;
  }

  /** Wait for the next free slot. Rejects when `signal` aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    const t = this.now();
    const at = Math.max(t, this.next);
    this.next = at + this.gapMs;
    const wait = at - t;
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined);
  }

  /** No request starts for `ms` from now. */
  penalise(ms: number): void {
    this.next = Math.max(this.next, this.now() + ms);
  }
}

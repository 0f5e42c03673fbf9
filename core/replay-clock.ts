/**
 * The replay clock: the market time the replay shows at a given wall time.
 *
 * `market(wall) = start + (wall − wallStart) × speed`, where `start` is `REPLAY_START` (an
 * ISO instant; unset = the wall time at start-up, so 1× replays "now") and `speed` is
 * `REPLAY_SPEED` (1 = real time; 288 = a 24-hour day in 5 minutes).
 *
 * Quotes are stamped with the wall time (`ts`), so TTL and staleness work as for live data;
 * the market time only decides *what* is replayed and whether KRX/US are in session.
 */
import type { Decimal } from './money.js';

export class ReplayClock {
  private readonly speed: number;

  /**
   * @param wallStart wall time at start-up.
   * @param start market time at `wallStart` (default: `wallStart`).
   * @param speed market seconds per wall second, > 0.
   */
  constructor(
    readonly wallStart: Date,
    readonly start: Date = wallStart,
    speed: Decimal | number = 1,
  ) {
    // A time-scale factor, not money: a float is exact enough for milliseconds.
    this.speed = typeof speed === 'number' ? speed : Number(speed.toFixed());
    if (!(this.speed > 0)) throw new Error('replay speed must be > 0');
  }

  /** Market time at wall time `wall`. */
  market(wall: Date): Date {
    return new Date(this.start.getTime() + Math.round((wall.getTime() - this.wallStart.getTime()) * this.speed));
  }

  describe(): { start: string; speed: number } {
    return { start: this.start.toISOString(), speed: this.speed };
  }
}

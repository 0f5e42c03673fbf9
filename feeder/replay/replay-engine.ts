/**
 * Where the replay is at a given market time: which recorded instant plays, and the price,
 * change and volume there. Pure (no I/O, no clock): the caller passes the market time.
 *
 * ## Mapping a market time `M` onto the recordings
 *
 * - **Crypto (24/7).** If `M` falls inside a recorded window of the instrument, that instant
 *   plays as is (so `REPLAY_START=2021-06-15T00:00:00Z` replays those exact minutes). Otherwise
 *   the longest window loops: `r = A + ((M − A) mod (B − A))`.
 * - **KRX / US, calendar on (default).** Nothing plays while the market is closed at `M`
 *   (per the market calendar). During a session, the elapsed time since that session's open
 *   is replayed from the open of a recorded session: the one on the same local date when it
 *   exists (identity inside the recorded window), else recorded session number
 *   `epochDay(date) mod N` among the full recorded sessions, so consecutive days play
 *   consecutive recorded days and the week loops. After the recorded session's last bar the
 *   last close holds until the close.
 * - **KRX / US, `REPLAY_IGNORE_CALENDAR=true`.** Prices play around the clock: the recorded
 *   bars are laid end to end (trading time only) and loop, so a stock moves even at night.
 *
 * ## Within a bar
 * A bar of duration `d` starting at `t` is walked open → low → high → close (a rising bar) or
 * open → high → low → close (a falling one), in three equal legs, linearly; at `t + d` the price
 * is the recorded close. Prices are rounded to the instrument's tick precision
 * ({@link priceDecimals}). Volume grows linearly through the bar, accumulated over the day.
 * A daily bar (no intraday file) is walked the same way over the whole session.
 */
import type { MarketCalendar } from '../../core/calendar.js';
import { Decimal } from '../../core/money.js';
import type { QuoteCurrency } from '../quote.js';
import type { Bar, InstrumentSeries, RecordedSession } from './replay-library.js';
import { barPrice, regularOpen } from './replay-library.js';

/** The replayed state of an instrument at a market time. */
export interface ReplayPoint {
  price: Decimal;
  /** Percent against the previous recorded close, 2 decimals. */
  changePct: Decimal;
  /** Accumulated volume of the recorded day up to the recorded instant. */
  volume: Decimal;
  /** The recorded instant (ms). */
  recordedAt: number;
  /** Source label of the bar (`yahoo-1m`, `fdr-1d-interp`…). */
  label: string;
}

export interface ReplayOptions {
  calendar: MarketCalendar;
  ignoreCalendar: boolean;
}

/** Decimals a replayed price keeps: KRX whole won, US 4 (cents and sub-penny prints), coins by size. */
export function priceDecimals(currency: QuoteCurrency, price: Decimal): number {
  if (currency === 'USD') return 4;
  if (currency === 'KRW') return price.gte(1000) ? 0 : 2;
  if (price.gte(100)) return 0;
  if (price.gte(1)) return 2;
  return 8;
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. */
export function epochDay(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** Index of the last bar in [lo, hi] starting at or before `t`, or lo − 1. */
function lastAtOrBefore(bars: readonly Bar[], t: number, lo: number, hi: number): number {
  let found = lo - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = bars[mid];
    if (b === undefined) break;
    if (b.t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

interface DecimalBar {
  o: Decimal;
  h: Decimal;
  l: Decimal;
  c: Decimal;
  v: Decimal;
}

/**
 * Replays one instrument. Keeps small caches (the current bar's decimals, each day's
 * volume prefix) so a tick costs a handful of decimal operations.
 */
export class InstrumentReplay {
  private cachedIndex = -1;
  private cached: DecimalBar | undefined;
  private readonly dayVolume = new Map<string, Decimal[]>();
  private readonly dayStart = new Map<string, number>();
  private readonly sessionByDate: Map<string, RecordedSession>;
  private readonly primary: [number, number] | undefined;
  private readonly loop: { prefix: number[]; total: number } | undefined;

  constructor(readonly series: InstrumentSeries) {
    this.sessionByDate = new Map(series.sessions.map((s) => [s.date, s]));
    this.primary = [...series.windows].sort((a, b) => this.span(b) - this.span(a))[0];
    if (series.market !== 'CRYPTO') {
      const prefix: number[] = [];
      let total = 0;
      for (const b of series.bars) {
        prefix.push(total);
        total += b.dur;
      }
      this.loop = { prefix, total };
    }
  }

  /** The replayed point at market time `at`, or null when the market is closed (or no data). */
  at(at: Date, options: ReplayOptions): ReplayPoint | null {
    const m = at.getTime();
    const s = this.series;
    if (s.bars.length === 0) return null;
    if (s.market === 'CRYPTO') return this.cryptoAt(m);
    if (options.ignoreCalendar) return this.loopAt(m);
    if (!options.calendar.isOpen(s.market, at)) return null;
    const session = options.calendar.sessionAt(s.market, at);
    if (session === null) return null;
    const recorded = this.sessionByDate.get(session.date) ?? this.pickSession(session.date);
    if (recorded === undefined) return null;
    const recordedOpen = options.calendar.sessionOn(s.market, recorded.date)?.open.getTime() ?? regularOpen(s.market, recorded.date);
    const r = recordedOpen + (m - session.open.getTime());
    let i = lastAtOrBefore(s.bars, r, recorded.first, recorded.last);
    if (i < recorded.first) {
      i = recorded.first;
      return this.point(i, s.bars[i]?.t ?? r);
    }
    return this.point(i, r);
  }

  private span([a, b]: [number, number]): number {
    const first = this.series.bars[a];
    const last = this.series.bars[b];
    return first === undefined || last === undefined ? 0 : last.t + last.dur - first.t;
  }

  private cryptoAt(m: number): ReplayPoint | null {
    const bars = this.series.bars;
    const i = lastAtOrBefore(bars, m, 0, bars.length - 1);
    const b = bars[i];
    if (b !== undefined && m < b.t + b.dur) return this.point(i, m);
    const w = this.primary;
    if (w === undefined) return null;
    const start = bars[w[0]]?.t ?? 0;
    const r = start + mod(m - start, this.span(w));
    return this.point(lastAtOrBefore(bars, r, w[0], w[1]), r);
  }

  private loopAt(m: number): ReplayPoint | null {
    const bars = this.series.bars;
    const i = lastAtOrBefore(bars, m, 0, bars.length - 1);
    const b = bars[i];
    if (b !== undefined && m < b.t + b.dur) return this.point(i, m);
    const loop = this.loop;
    const first = bars[0];
    if (loop === undefined || first === undefined || loop.total <= 0) return null;
    const pos = mod(m - first.t, loop.total);
    let lo = 0;
    let hi = loop.prefix.length - 1;
    let j = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((loop.prefix[mid] ?? 0) <= pos) {
        j = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const bar = bars[j];
    if (bar === undefined) return null;
    return this.point(j, bar.t + (pos - (loop.prefix[j] ?? 0)));
  }

  private pickSession(date: string): RecordedSession | undefined {
    const full = this.series.fullSessions;
    if (full.length === 0) return undefined;
    return full[mod(epochDay(date), full.length)];
  }

  private decimals(i: number, bar: Bar): DecimalBar {
    if (i !== this.cachedIndex || this.cached === undefined) {
      const o = barPrice(bar, bar.o);
      const c = barPrice(bar, bar.c);
      // Vendors' high/low sometimes miss open/close by float noise: widen them.
      this.cached = {
        o,
        h: Decimal.max(barPrice(bar, bar.h), o, c),
        l: Decimal.min(barPrice(bar, bar.l), o, c),
        c,
        v: new Decimal(bar.v),
      };
      this.cachedIndex = i;
    }
    return this.cached;
  }

  /** Volume of the bar's day before bar `i`. */
  private volumeBefore(i: number, bar: Bar): Decimal {
    let prefix = this.dayVolume.get(bar.day);
    if (prefix === undefined) {
      const bars = this.series.bars;
      let start = i;
      while (start > 0 && bars[start - 1]?.day === bar.day) start -= 1;
      prefix = [];
      let acc = new Decimal(0);
      for (let k = start; bars[k]?.day === bar.day; k += 1) {
        prefix.push(acc);
        acc = acc.plus(bars[k]?.v ?? '0');
      }
      // Keep only a few days cached (a loop revisits them in order).
      if (this.dayVolume.size > 8) this.dayVolume.clear();
      this.dayVolume.set(bar.day, prefix);
      this.dayStart.set(bar.day, start);
    }
    return prefix[i - (this.dayStart.get(bar.day) ?? i)] ?? new Decimal(0);
  }

  private point(i: number, r: number): ReplayPoint | null {
    const bar = this.series.bars[i];
    if (bar === undefined) return null;
    const d = this.decimals(i, bar);
    const elapsed = Math.min(Math.max(r - bar.t, 0), bar.dur);
    const f = new Decimal(elapsed).div(bar.dur);
    const path = d.c.gte(d.o) ? [d.o, d.l, d.h, d.c] : [d.o, d.h, d.l, d.c];
    const g = f.times(3);
    // Which of the three legs (0, 1, 2) of the bar's o→l/h→h/l→c path `f` falls on.
    const leg = g.gte(2) ? 2 : g.gte(1) ? 1 : 0;
    const from = path[leg] ?? d.o;
    const to = path[leg + 1] ?? d.c;
    const raw = from.plus(to.minus(from).times(g.minus(leg)));
    const price = raw.decimalPlaces(priceDecimals(this.series.currency, raw), Decimal.ROUND_HALF_UP);
    const volume = this.volumeBefore(i, bar).plus(d.v.times(f)).decimalPlaces(8, Decimal.ROUND_DOWN);
    const prev = this.series.prevClose.get(bar.day) ?? d.o;
    const changePct = price.minus(prev).div(prev).times(100).decimalPlaces(2, Decimal.ROUND_HALF_UP);
    return { price, changePct, volume, recordedAt: bar.t + elapsed, label: this.series.labels[bar.src] ?? 'recorded' };
  }
}

/**
 * KRW per USD on a New York date from the FRED series: the last observation on or before the
 * date; before the series, its first value; after it, its last (rates are not looped: a rate
 * from decades ago would misprice every USD instrument).
 */
export function fxAt(fx: readonly { date: string; rate: Decimal }[], nyDate: string): { rate: Decimal; date: string } | null {
  const first = fx[0];
  if (first === undefined) return null;
  let lo = 0;
  let hi = fx.length - 1;
  let found = first;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = fx[mid];
    if (o === undefined) break;
    if (o.date <= nyDate) {
      found = o;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return { rate: found.rate, date: found.date };
}

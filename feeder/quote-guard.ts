/**
 * The sanity guard every quote passes before it is written (issue #3 "bad upstream data").
 *
 * Drops, with a reason: a price that is not a plain decimal (`NaN`, `""`, `"1e5"`, garbage),
 * zero or negative, too large for `NUMERIC(20,8)`, or that moved more than `maxJumpPct`
 * percent from the ticker's last accepted price. A non-positive price is never returned.
 *
 * A jump is not necessarily an error (a split, a replay loop wrapping around): when
 * `confirmTicks` quotes in a row agree with the new level (each within `maxJumpPct` of the
 * first of them), the guard re-bases on it and accepts. One bad print is dropped; a real
 * level change is accepted after `confirmTicks` − 1 dropped quotes.
 *
 * Pure (no I/O): state is the last accepted price per ticker.
 */
import { Decimal, MAX_ABS } from '../core/money.js';
import type { DropReason, FeedQuote, SourceQuote } from './quote.js';

const PLAIN = /^[+-]?\d+(\.\d+)?$/;

export interface QuoteGuardOptions {
  /** Largest accepted move between two quotes of one ticker, in percent (e.g. 30). */
  maxJumpPct: Decimal;
  /** Consecutive quotes at a new level that re-base the guard (≥ 1; 1 = never drop jumps twice). */
  confirmTicks: number;
}

/** An accepted quote, with its price and volume as decimals for the candle aggregator. */
export type GuardVerdict = { ok: true; quote: FeedQuote; price: Decimal; volume: Decimal } | { ok: false; reason: DropReason; detail: string };

function parsePlain(text: string): Decimal | null {
  const t = text.trim();
  if (!PLAIN.test(t)) return null;
  return new Decimal(t);
}

const CANONICAL = /^(0|[1-9]\d*)(\.\d*[1-9])?$/;
const SIMPLE = /^[+-]?\d+(\.\d+)?$/;

/**
 * Decimal text with at most `dp` decimals, trailing zeros trimmed (`"73578.65500000"` →
 * `"73578.655"`); null when not a plain decimal. Text already in that form is returned as is
 * (no decimal arithmetic: this runs for every quote of every tick).
 */
function normaliseText(text: string, dp: number): string | null {
  const t = text.trim();
  if (!SIMPLE.test(t)) return null;
  const dot = t.indexOf('.');
  const canonical = t.startsWith('-') ? CANONICAL.test(t.slice(1)) && t !== '-0' : CANONICAL.test(t);
  if (canonical && (dot < 0 || t.length - dot - 1 <= dp)) return t;
  const r = new Decimal(t).decimalPlaces(dp, Decimal.ROUND_HALF_UP);
  return r.isZero() ? '0' : r.toFixed();
}

export class QuoteGuard {
  /** Last accepted price and the band a next price must fall in. */
  private readonly last = new Map<string, { price: Decimal; lo: Decimal; hi: Decimal }>();
  private readonly pending = new Map<string, { price: Decimal; count: number }>();
  private readonly limit: Decimal;

  constructor(private readonly options: QuoteGuardOptions) {
    this.limit = options.maxJumpPct.div(100);
  }

  /**
   * Validate and normalise one quote. `ts` is the production time written into the quote.
   * @returns the quote to write, or why it was dropped.
   */
  check(q: SourceQuote, ts: Date): GuardVerdict {
    const price = parsePlain(q.price);
    if (price === null) return { ok: false, reason: 'malformed', detail: `price ${JSON.stringify(q.price.slice(0, 40))} is not a decimal` };
    if (price.lte(0)) return { ok: false, reason: 'non_positive', detail: `price ${price.toFixed()} is not positive` };
    const rounded = price.decimalPlaces(8, Decimal.ROUND_HALF_UP);
    if (rounded.isZero()) return { ok: false, reason: 'non_positive', detail: `price ${price.toFixed()} rounds to zero` };
    if (rounded.gte(MAX_ABS)) return { ok: false, reason: 'malformed', detail: `price ${price.toFixed()} is out of range` };

    const jump = this.jumpCheck(q.ticker_id, rounded);
    if (jump !== null) return { ok: false, reason: 'jump', detail: jump };

    const priceText = normaliseText(q.price, 8) ?? rounded.toFixed();
    const volumeText = normaliseText(q.volume, 8);
    const volume = volumeText === null || volumeText.startsWith('-') ? '0' : volumeText;
    const quote: FeedQuote = {
      ticker_id: q.ticker_id,
      price: priceText,
      currency: q.currency,
      change_pct: normaliseText(q.change_pct, 4) ?? '0',
      volume,
      ts: ts.toISOString(),
      source: q.source,
    };
    if (q.recorded_at !== undefined) quote.recorded_at = q.recorded_at;
    return { ok: true, quote, price: rounded, volume: new Decimal(volume) };
  }

  /** Forget a ticker (its next quote is accepted as a new baseline). */
  reset(tickerId: string): void {
    this.last.delete(tickerId);
    this.pending.delete(tickerId);
  }

  private within(a: Decimal, b: Decimal): boolean {
    return a.minus(b).abs().lte(b.times(this.limit));
  }

  private accept(tickerId: string, price: Decimal): void {
    const band = price.times(this.limit);
    this.last.set(tickerId, { price, lo: price.minus(band), hi: price.plus(band) });
    this.pending.delete(tickerId);
  }

  /** Null when accepted (state updated); the drop detail otherwise. */
  private jumpCheck(tickerId: string, price: Decimal): string | null {
    const last = this.last.get(tickerId);
    if (last === undefined) {
      this.accept(tickerId, price);
      return null;
    }
    if (price.gte(last.lo) && price.lte(last.hi)) {
      if (!price.eq(last.price)) this.accept(tickerId, price);
      return null;
    }
    const candidate = this.pending.get(tickerId);
    const count = candidate !== undefined && this.within(price, candidate.price) ? candidate.count + 1 : 1;
    if (count >= this.options.confirmTicks) {
      this.accept(tickerId, price);
      return null;
    }
    this.pending.set(tickerId, { price: candidate !== undefined && count > 1 ? candidate.price : price, count });
    const pct = price.minus(last.price).div(last.price).times(100).decimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed();
    return `price ${price.toFixed()} moved ${pct}% from ${last.price.toFixed()} (limit ${this.options.maxJumpPct.toFixed()}%)`;
  }
}

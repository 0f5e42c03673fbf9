/**
 * The feeder's shapes: what a source hands over ({@link SourceQuote}, raw decimal strings as
 * the upstream wrote them) and what is written to Redis ({@link FeedQuote}, the SPEC §4 quote
 * plus the replay's recorded instant).
 */
import type { FxRate, Quote } from '../core/ports.js';

/** Instrument currency of a quote (SPEC §2). */
export type QuoteCurrency = Quote['currency'];

/**
 * One price as a source read it, before validation. Numbers are the upstream's own decimal
 * text (`"73578.65500000"`, `"-0.55"`), never JS numbers; the {@link QuoteGuard} parses them.
 */
export interface SourceQuote {
  ticker_id: string;
  currency: QuoteCurrency;
  /** Last trade price in the instrument currency (KRW, USD; KRW for coins). */
  price: string;
  /** Change against the previous close, in percent (`"-0.55"` = −0.55 %). Empty when unknown. */
  change_pct: string;
  /** Accumulated volume of the trading day (shares or coins). Empty when unknown. */
  volume: string;
  /** `replay:yahoo-1m`, `upbit`, `kis:FHKST01010100`, `synthetic`… */
  source: string;
  /** Replay only: the recorded instant this price comes from (ISO-8601). */
  recorded_at?: string;
}

/** The JSON written to `price:{TICKER_ID}` and published on `market_updates`. */
export interface FeedQuote extends Quote {
  /** Replay only: the recorded instant the price was taken from. */
  recorded_at?: string;
}

/** A quote a source could not use, reported once per poll with why. */
export interface DroppedQuote {
  ticker_id: string;
  reason: DropReason;
  detail: string;
}

/** Why a quote was dropped (a label of the `gaemi_feeder_quotes_dropped_total` metric). */
export type DropReason = 'malformed' | 'non_positive' | 'jump' | 'upstream_error' | 'rate_limited';

/** What one poll of a source produced. */
export interface PollResult {
  quotes: SourceQuote[];
  /** A fresh USD/KRW rate (`ts` = now), when the source provides one. */
  fx?: FxRate;
  dropped?: DroppedQuote[];
}

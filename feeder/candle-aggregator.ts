/**
 * 1-minute and 1-day candles built from accepted quotes (SPEC §4 "Build 1m and 1d candles").
 *
 * The aggregator keeps, per (ticker, interval, bucket), the *delta since the last flush*: the
 * first and last price, high, low and the traded volume of the quotes seen. A flush hands the
 * deltas to {@link CandleRepository.upsert}, which merges them into the stored row (keep the
 * stored open, widen high/low, replace close, add volume), so restarts and several flushes
 * per bucket add up to the right candle. A failed flush is given back with {@link restore}.
 *
 * Buckets: `1m` starts on the UTC minute of the quote's `ts`; `1d` starts at local midnight of
 * the market (KRX: Asia/Seoul, US: America/New_York, crypto and Human ETFs: UTC, the day
 * Upbit and Binance candles use).
 *
 * Volume: quotes carry the day's accumulated volume; a candle gets the increase since the
 * ticker's previous quote (a decrease means a new trading day: the whole new value counts).
 *
 * Pure: no I/O.
 */
import { DateTime } from 'luxon';
import { marketOfTicker } from '../core/calendar.js';
import { Decimal } from '../core/money.js';

export type CandleInterval = '1m' | '1d';

/** One candle delta to merge into `candles`. Prices are in the instrument currency. */
export interface CandleDelta {
  ticker_id: string;
  interval: CandleInterval;
  bucket_start: Date;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
  source: string;
}

const ZONES: Record<string, string> = { KRX: 'Asia/Seoul', US: 'America/New_York', CRYPTO: 'UTC', HUMAN: 'UTC' };

const dayCache = new Map<string, number>();

/**
 * Start of the `1d` bucket of `ts` for a ticker (local midnight of its market). Cached per
 * zone and hour (this runs for every quote of every tick; offsets only change on the hour).
 */
export function dayBucketStart(tickerId: string, ts: Date): Date {
  const zone = ZONES[tickerId.slice(0, tickerId.indexOf('-'))] ?? ZONES[marketOfTicker(tickerId)] ?? 'UTC';
  const hour = Math.floor(ts.getTime() / 3_600_000);
  const key = `${zone}|${hour}`;
  let start = dayCache.get(key);
  if (start === undefined) {
    start = DateTime.fromMillis(hour * 3_600_000, { zone }).startOf('day').toMillis();
    if (dayCache.size > 1_000) dayCache.clear();
    dayCache.set(key, start);
  }
  return new Date(start);
}

/** Start of the `1m` bucket of `ts`. */
export function minuteBucketStart(ts: Date): Date {
  return new Date(Math.floor(ts.getTime() / 60_000) * 60_000);
}

export class CandleAggregator {
  private deltas = new Map<string, CandleDelta>();
  private readonly lastVolume = new Map<string, Decimal>();

  /** Fold one accepted quote in. `price` > 0, `volume` ≥ 0 (the day's accumulated volume). */
  add(tickerId: string, price: Decimal, dayVolume: Decimal, ts: Date, source: string): void {
    const prev = this.lastVolume.get(tickerId);
    this.lastVolume.set(tickerId, dayVolume);
    let traded: Decimal;
    if (prev === undefined) traded = new Decimal(0);
    else if (dayVolume.gte(prev)) traded = dayVolume.minus(prev);
    else traded = dayVolume;
    this.fold(tickerId, '1m', minuteBucketStart(ts), price, traded, source);
    this.fold(tickerId, '1d', dayBucketStart(tickerId, ts), price, traded, source);
  }

  /** Take every pending delta (the aggregator starts empty again). */
  drain(): CandleDelta[] {
    const out = [...this.deltas.values()];
    this.deltas = new Map();
    return out;
  }

  /** Give back deltas whose flush failed; they merge with what arrived since, in time order. */
  restore(failed: readonly CandleDelta[]): void {
    for (const d of failed) {
      const key = `${d.ticker_id}|${d.interval}|${d.bucket_start.getTime()}`;
      const newer = this.deltas.get(key);
      if (newer === undefined) {
        this.deltas.set(key, d);
        continue;
      }
      this.deltas.set(key, {
        ...d,
        high: Decimal.max(d.high, newer.high),
        low: Decimal.min(d.low, newer.low),
        close: newer.close,
        volume: d.volume.plus(newer.volume),
        source: newer.source,
      });
    }
  }

  /** Number of pending deltas. */
  size(): number {
    return this.deltas.size;
  }

  private fold(tickerId: string, interval: CandleInterval, bucket: Date, price: Decimal, traded: Decimal, source: string): void {
    const key = `${tickerId}|${interval}|${bucket.getTime()}`;
    const d = this.deltas.get(key);
    if (d === undefined) {
      this.deltas.set(key, { ticker_id: tickerId, interval, bucket_start: bucket, open: price, high: price, low: price, close: price, volume: traded, source });
      return;
    }
    if (price.gt(d.high)) d.high = price;
    if (price.lt(d.low)) d.low = price;
    d.close = price;
    d.volume = d.volume.plus(traded);
    d.source = source;
  }
}

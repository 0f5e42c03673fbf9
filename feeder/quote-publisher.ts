/**
 * The write side of the feeder (SPEC §4): validated quotes → Redis `price:{TICKER_ID}` (TTL
 * `FEED_PRICE_TTL_MS`, 5 s) and channel `market_updates`, in one pipeline per poll; the
 * USD/KRW rate → `fx:USDKRW`; accepted prices → the candle aggregator.
 *
 * Every dropped quote costs one log line (`quote dropped`, with source, ticker, reason) and
 * one `gaemi_feeder_quotes_dropped_total` increment; nothing of it reaches Redis.
 */
import type { Logger } from 'pino';
import type { FxRate } from '../core/ports.js';
import { Decimal } from '../core/money.js';
import type { Redis } from '../platform/redis.js';
import { FX_KEY, MARKET_UPDATES_CHANNEL, priceKey } from '../platform/redis.js';
import type { CandleAggregator } from './candle-aggregator.js';
import type { FeederMetrics } from './metrics.js';
import type { DroppedQuote, FeedQuote, SourceQuote } from './quote.js';
import type { QuoteGuard } from './quote-guard.js';

const FX_RE = /^\d{1,12}(\.\d{1,8})?$/;

/**
 * Server-side loop for one chunk of quotes: `SET KEYS[i] ARGV[i+2] PX ARGV[1]` then
 * `PUBLISH ARGV[2] ARGV[i+2]`. One command per chunk instead of two per quote: building and
 * parsing thousands of pipelined commands costs the client far more than Redis (see
 * `bench/feeder.bench.ts`: 4,000 pipelined commands p50 17.8 ms against 4.6 ms this way).
 * Chunks of {@link SCRIPT_CHUNK} keep each script run well under a millisecond of Redis time
 * and let the client build one chunk while Redis runs the previous one. The keys are passed as
 * KEYS (no hidden key access).
 */
const WRITE_SCRIPT = `local ttl = ARGV[1]
local channel = ARGV[2]
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 2], 'PX', ttl)
  redis.call('PUBLISH', channel, ARGV[i + 2])
end
return #KEYS`;
const SCRIPT_CHUNK = 250;
const SCRIPT_NAME = 'gaemiFeedWrite';

type ScriptCall = (numKeys: number, ...args: string[]) => unknown;

export interface QuotePublisherOptions {
  /** Best a connection of its own without auto-pipelining (see {@link WRITE_SCRIPT}). */
  redis: Redis;
  guard: QuoteGuard;
  candles: CandleAggregator;
  metrics: FeederMetrics;
  logger: Logger;
  /** TTL of `price:{TICKER_ID}`, ms (SPEC: 5,000). */
  ttlMs: number;
  /**
   * Write through the Lua script (default true). The in-memory Redis stand-in uses plain
   * pipelined SET/PUBLISH instead.
   */
  useScript?: boolean;
}

/** What one publish did. */
export interface PublishOutcome {
  written: number;
  dropped: number;
  /** Wall time of the Redis round trip, ms. */
  redisMs: number;
}

export class QuotePublisher {
  private readonly useScript: boolean;

  constructor(private readonly o: QuotePublisherOptions) {
    this.useScript = o.useScript ?? true;
    if (this.useScript && !(SCRIPT_NAME in o.redis)) o.redis.defineCommand(SCRIPT_NAME, { lua: WRITE_SCRIPT });
  }

  /**
   * Validate, write and publish one poll's quotes (and FX rate), stamped `ts`.
   * @throws when Redis fails (the caller counts it as a failed poll).
   */
  async publish(source: string, quotes: readonly SourceQuote[], ts: Date, fx?: FxRate, dropped: readonly DroppedQuote[] = []): Promise<PublishOutcome> {
    for (const d of dropped) this.drop(source, d);
    const accepted: FeedQuote[] = [];
    const decimals: { price: Decimal; volume: Decimal }[] = [];
    for (const q of quotes) {
      const verdict = this.o.guard.check(q, ts);
      if (verdict.ok) {
        accepted.push(verdict.quote);
        decimals.push(verdict);
      }
      else this.drop(source, { ticker_id: q.ticker_id, reason: verdict.reason, detail: verdict.detail });
    }
    let fxJson: string | undefined;
    if (fx !== undefined) {
      if (FX_RE.test(fx.rate) && new Decimal(fx.rate).gt(0)) fxJson = JSON.stringify(fx);
      else this.drop(source, { ticker_id: 'USDKRW', reason: 'malformed', detail: `rate ${JSON.stringify(fx.rate)}` });
    }
    if (accepted.length === 0 && fxJson === undefined) return { written: 0, dropped: quotes.length + dropped.length, redisMs: 0 };

    const started = performance.now();
    if (this.useScript) {
      // One script call per chunk, each sent as soon as it is built (on a connection without
      // auto-pipelining, Redis runs chunk 1 while chunk 2 is being serialised).
      const ttl = String(this.o.ttlMs);
      const writes: Promise<unknown>[] = [];
      const script = (this.o.redis as unknown as Record<string, ScriptCall>)[SCRIPT_NAME];
      for (let i = 0; script !== undefined && i < accepted.length; i += SCRIPT_CHUNK) {
        const chunk = accepted.slice(i, i + SCRIPT_CHUNK);
        writes.push(Promise.resolve(script.call(this.o.redis, chunk.length, ...chunk.map((q) => priceKey(q.ticker_id)), ttl, MARKET_UPDATES_CHANNEL, ...chunk.map((q) => JSON.stringify(q)))));
      }
      if (fxJson !== undefined) writes.push(this.o.redis.set(FX_KEY, fxJson));
      const failed = (await Promise.allSettled(writes)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    } else {
      const pipeline = this.o.redis.pipeline();
      for (const q of accepted) {
        const json = JSON.stringify(q);
        pipeline.set(priceKey(q.ticker_id), json, 'PX', this.o.ttlMs);
        pipeline.publish(MARKET_UPDATES_CHANNEL, json);
      }
      if (fxJson !== undefined) pipeline.set(FX_KEY, fxJson);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null);
      if (failed?.[0]) throw failed[0];
    }
    const redisMs = performance.now() - started;
    this.o.metrics.redisWrite.observe(redisMs / 1000);
    if (fxJson !== undefined && fx !== undefined) this.o.metrics.fxWritten(new Date(fx.ts));
    if (accepted.length > 0) this.o.metrics.written.inc({ source }, accepted.length);

    accepted.forEach((q, i) => {
      const d = decimals[i];
      if (d !== undefined) this.o.candles.add(q.ticker_id, d.price, d.volume, ts, q.source);
    });
    return { written: accepted.length, dropped: quotes.length - accepted.length + dropped.length, redisMs };
  }

  private drop(source: string, d: DroppedQuote): void {
    this.o.metrics.dropped.inc({ source, reason: d.reason });
    this.o.logger.warn({ source, ticker_id: d.ticker_id, reason: d.reason, detail: d.detail }, 'quote dropped');
  }
}

/**
 * Runs one market-data source: poll every `FEED_INTERVAL_MS`, hand the result to the
 * {@link QuotePublisher}, keep health numbers; on failure back off exponentially with jitter
 * (`interval × 2^n`, capped by `FEED_BACKOFF_MAX_MS`, times a random 0.5–1 factor) without
 * touching the other sources. An error may ask for a longer pause (`retryAfterMs`, e.g. KIS
 * EGW00133: one token a minute).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import type { FeederMetrics } from './metrics.js';
import type { PollResult } from './quote.js';
import type { QuotePublisher } from './quote-publisher.js';

/** A market-data source. `poll` must honour `signal` (abort = stop or timeout). */
export interface QuoteSource {
  /** `replay`, `ccxt:upbit`, `kis`, `synthetic`. */
  readonly name: string;
  /** One round: fetch (or compute) the current quotes. */
  poll(now: Date, signal: AbortSignal): Promise<PollResult>;
  /** Tickers this source covers now. */
  tickers(): number;
  /** Resolves when the source can poll (data loaded); awaited before the first poll's clock is read. */
  ready?(): Promise<void>;
  /** Extra health details (replay clock, token state…). */
  details?(): Record<string, unknown>;
  close?(): Promise<void>;
}

/** An error that tells the runner how long to wait before the next try. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly kind: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SourceError';
  }
}

/**
 * `promise`, or a rejection as soon as `signal` aborts (the promise then runs on unobserved).
 * For work that cannot be cancelled (a library load, a ccxt call) so stop stays prompt.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Health of one source, as shown in `/readyz` under `feeder.details.sources`. */
export interface SourceHealth {
  name: string;
  up: boolean;
  last_success_at: string | null;
  last_success_age_ms: number | null;
  polls: number;
  errors: number;
  consecutive_errors: number;
  last_error: string | null;
  backoff_ms: number;
  tickers: number;
  quotes_written: number;
  quotes_dropped: number;
  [key: string]: unknown;
}

export interface SourceRunnerOptions {
  source: QuoteSource;
  publisher: QuotePublisher;
  clock: Clock;
  logger: Logger;
  metrics: FeederMetrics;
  intervalMs: number;
  timeoutMs: number;
  backoffMaxMs: number;
  healthMaxAgeMs: number;
  /** Random numbers in [0, 1) for jitter (injectable for tests). */
  random?: () => number;
}

export class SourceRunner {
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private lastSuccess: number | null = null;
  private polls = 0;
  private errors = 0;
  private consecutive = 0;
  private lastError: string | null = null;
  private backoffMs = 0;
  private written = 0;
  private dropped = 0;
  private readonly untrack: () => void;
  private isReady = false;
  private readonly startedAt: number;

  constructor(private readonly o: SourceRunnerOptions) {
    this.startedAt = o.clock.now().getTime();
    this.untrack = o.metrics.track({
      name: o.source.name,
      lastSuccessAgeSeconds: () => (this.lastSuccess === null ? null : (o.clock.now().getTime() - this.lastSuccess) / 1000),
      tickers: () => o.source.tickers(),
    });
  }

  get name(): string {
    return this.o.source.name;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stop polling (an in-flight poll is aborted) and close the source. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
    this.untrack();
    await this.o.source.close?.();
  }

  health(): SourceHealth {
    const now = this.o.clock.now().getTime();
    const age = this.lastSuccess === null ? null : now - this.lastSuccess;
    // A source is up once it has succeeded recently; a fresh one gets one max-age of grace.
    const up = age === null ? this.consecutive === 0 && now - this.startedAt < this.o.healthMaxAgeMs : age <= this.o.healthMaxAgeMs;
    return {
      name: this.o.source.name,
      up,
      last_success_at: this.lastSuccess === null ? null : new Date(this.lastSuccess).toISOString(),
      last_success_age_ms: age,
      polls: this.polls,
      errors: this.errors,
      consecutive_errors: this.consecutive,
      last_error: this.lastError,
      backoff_ms: this.backoffMs,
      tickers: this.o.source.tickers(),
      quotes_written: this.written,
      quotes_dropped: this.dropped,
      ...(this.o.source.details?.() ?? {}),
    };
  }

  /** One poll and publish; exposed for tests and benchmarks. */
  async pollOnce(): Promise<void> {
    if (!this.isReady && this.o.source.ready !== undefined) {
      await abortable(this.o.source.ready(), this.stopper.signal);
    }
    this.isReady = true;
    const now = this.o.clock.now();
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const signal = AbortSignal.any([this.stopper.signal, timeout]);
    this.polls += 1;
    const result = await abortable(this.o.source.poll(now, signal), signal);
    const outcome = await this.o.publisher.publish(this.o.source.name, result.quotes, now, result.fx, result.dropped ?? []);
    this.written += outcome.written;
    this.dropped += outcome.dropped;
    this.lastSuccess = this.o.clock.now().getTime();
    this.consecutive = 0;
    this.backoffMs = 0;
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    const random = this.o.random ?? Math.random;
    while (!signal.aborted) {
      const started = performance.now();
      let wait: number;
      try {
        await this.pollOnce();
        wait = Math.max(0, this.o.intervalMs - (performance.now() - started));
      } catch (error) {
        if (signal.aborted) break;
        this.errors += 1;
        this.consecutive += 1;
        this.o.metrics.errors.inc({ source: this.o.source.name });
        const message = error instanceof Error ? error.message : String(error);
        this.lastError = message;
        const exp = Math.min(this.o.backoffMaxMs, this.o.intervalMs * 2 ** Math.min(this.consecutive, 20));
        const jittered = Math.round(exp * (0.5 + random() / 2));
        const asked = error instanceof SourceError && error.retryAfterMs !== undefined ? error.retryAfterMs : 0;
        wait = Math.max(jittered, asked);
        this.backoffMs = wait;
        this.o.logger.warn(
          { source: this.o.source.name, err: message, kind: error instanceof SourceError ? error.kind : 'error', consecutive: this.consecutive, backoff_ms: wait },
          'market-data source failed; backing off',
        );
      }
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        break; // aborted: stopping
      }
    }
  }
}

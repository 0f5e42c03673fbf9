/**
 * Prometheus metrics of the feeder (prom-client, the process-wide default registry, so any
 * `/metrics` route of the process serves them).
 *
 * - `gaemi_feeder_quotes_written_total{source}`: quotes written to Redis.
 * - `gaemi_feeder_quotes_dropped_total{source,reason}`: quotes dropped (bad data, jumps, upstream errors).
 * - `gaemi_feeder_source_errors_total{source}`: failed polls.
 * - `gaemi_feeder_source_last_success_age_seconds{source}`: seconds since the last good poll.
 * - `gaemi_feeder_source_tickers{source}`: tickers a source covers.
 * - `gaemi_feeder_redis_write_seconds`: one pipelined write of a poll's quotes (SET + PUBLISH).
 * - `gaemi_feeder_candle_flush_seconds`: one candle upsert statement.
 * - `gaemi_feeder_fx_age_seconds`: seconds since the last USD/KRW write.
 */
import client from 'prom-client';
import type { Registry } from 'prom-client';

/** A live source's numbers, read when metrics are scraped. */
export interface SourceGauge {
  name: string;
  lastSuccessAgeSeconds(): number | null;
  tickers(): number;
}

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The feeder's metric handles. Several feeders in one process (tests) share them. */
export class FeederMetrics {
  readonly written: client.Counter<'source'>;
  readonly dropped: client.Counter<'source' | 'reason'>;
  readonly errors: client.Counter<'source'>;
  readonly redisWrite: client.Histogram;
  readonly candleFlush: client.Histogram;
  private static readonly gauges = new Set<SourceGauge>();
  private static fxWrittenAt: number | null = null;

  constructor(registry: Registry = client.register) {
    const registers = [registry];
    this.written = getOrCreate(registry, 'gaemi_feeder_quotes_written_total', () =>
      new client.Counter({ name: 'gaemi_feeder_quotes_written_total', help: 'Quotes written to Redis', labelNames: ['source'], registers }),
    );
    this.dropped = getOrCreate(registry, 'gaemi_feeder_quotes_dropped_total', () =>
      new client.Counter({ name: 'gaemi_feeder_quotes_dropped_total', help: 'Quotes dropped as bad data', labelNames: ['source', 'reason'], registers }),
    );
    this.errors = getOrCreate(registry, 'gaemi_feeder_source_errors_total', () =>
      new client.Counter({ name: 'gaemi_feeder_source_errors_total', help: 'Failed polls of a market-data source', labelNames: ['source'], registers }),
    );
    this.redisWrite = getOrCreate(registry, 'gaemi_feeder_redis_write_seconds', () =>
      new client.Histogram({
        name: 'gaemi_feeder_redis_write_seconds',
        help: 'One pipelined Redis write of a poll (SET price keys + PUBLISH market_updates)',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
        registers,
      }),
    );
    this.candleFlush = getOrCreate(registry, 'gaemi_feeder_candle_flush_seconds', () =>
      new client.Histogram({
        name: 'gaemi_feeder_candle_flush_seconds',
        help: 'One candle upsert statement',
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        registers,
      }),
    );
    getOrCreate(registry, 'gaemi_feeder_source_last_success_age_seconds', () =>
      new client.Gauge({
        name: 'gaemi_feeder_source_last_success_age_seconds',
        help: 'Seconds since the last successful poll of a source',
        labelNames: ['source'],
        registers,
        collect() {
          this.reset();
          for (const g of FeederMetrics.gauges) {
            const age = g.lastSuccessAgeSeconds();
            if (age !== null) this.set({ source: g.name }, age);
          }
        },
      }),
    );
    getOrCreate(registry, 'gaemi_feeder_source_tickers', () =>
      new client.Gauge({
        name: 'gaemi_feeder_source_tickers',
        help: 'Tickers covered by a source',
        labelNames: ['source'],
        registers,
        collect() {
          this.reset();
          for (const g of FeederMetrics.gauges) this.set({ source: g.name }, g.tickers());
        },
      }),
    );
    getOrCreate(registry, 'gaemi_feeder_fx_age_seconds', () =>
      new client.Gauge({
        name: 'gaemi_feeder_fx_age_seconds',
        help: 'Seconds since the feeder last wrote fx:USDKRW',
        registers,
        collect() {
          this.reset();
          if (FeederMetrics.fxWrittenAt !== null) this.set((Date.now() - FeederMetrics.fxWrittenAt) / 1000);
        },
      }),
    );
  }

  /** Report a source's gauges until the returned function is called. */
  track(gauge: SourceGauge): () => void {
    FeederMetrics.gauges.add(gauge);
    return () => FeederMetrics.gauges.delete(gauge);
  }

  fxWritten(at: Date): void {
    FeederMetrics.fxWrittenAt = at.getTime();
  }
}

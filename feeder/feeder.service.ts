/**
 * Feeder service: market data → Redis prices and PostgreSQL candles (SPEC §4).
 *
 * Starts the sources chosen by `MARKET_DATA_SOURCE`:
 * - `replay` (default): recorded real data from `REPLAY_DIR` ({@link ReplaySource}), USD/KRW from FRED;
 * - `live`: crypto through ccxt (`CCXT_EXCHANGE`, default Upbit); KRX and US through KIS when
 *   `KIS_APP_KEY` and `KIS_APP_SECRET` are set, else through the replay (with a warning);
 *   USD/KRW from KIS on the real server, else Upbit `USDT/KRW` (KIS mock), else FRED (replay);
 * - `synthetic`: a random walk over the catalogue or `SYNTHETIC_TICKERS` tickers.
 *
 * Each source runs on its own ({@link SourceRunner}: poll every `FEED_INTERVAL_MS`, back-off
 * with jitter on failure). Quotes go through the {@link QuoteGuard} to Redis `price:{ID}`
 * (TTL `FEED_PRICE_TTL_MS`) and `market_updates`; candles are flushed to PostgreSQL once per
 * interval in one statement. Health: component `feeder` in `/readyz`, with per-source
 * details; metrics at `/metrics`. `stop()` returns within about a second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import client from 'prom-client';
import type { Logger } from 'pino';
import type { Infra } from '../platform/runtime.js';
import type { RunningService, ServiceStarter } from '../platform/process.js';
import { CandleAggregator } from './candle-aggregator.js';
import { CandleRepository } from './candle.repository.js';
import { loadFeedInstruments, parseTickerList } from './catalogue.js';
import { CcxtSource } from './ccxt/ccxt.source.js';
import { KisClient } from './kis/kis-client.js';
import { KisTokenProvider } from './kis/kis-token.js';
import { KisSource } from './kis/kis.source.js';
import { RateLimiter } from './kis/rate-limiter.js';
import { FeederMetrics } from './metrics.js';
import { QuoteGuard } from './quote-guard.js';
import { QuotePublisher } from './quote-publisher.js';
import { ReplayClock } from '../core/replay-clock.js';
import { ReplaySource } from './replay/replay.source.js';
import type { QuoteSource } from './source-runner.js';
import { SourceRunner } from './source-runner.js';
import { SyntheticSource, syntheticInstruments } from './synthetic/synthetic.source.js';

/**
 * `GET /metrics` with the process's default prom-client registry, for the standalone feeder
 * process (`npm run start:feeder`, a home-site process that is not exposed). In the
 * all-in-one process the api serves `/metrics` behind admin auth instead (SPEC §9: not public).
 */
export const serveFeederMetrics: ServiceStarter = (_infra, http) => {
  http.app.get('/metrics', async (_req, res) => {
    res.set('content-type', client.register.contentType);
    res.send(await client.register.metrics());
  });
  return Promise.resolve({ name: 'feeder-metrics', stop: () => Promise.resolve() });
};

/** The sources `MARKET_DATA_SOURCE` asks for, built from the configuration. */
export async function buildSources(infra: Infra, logger: Logger): Promise<QuoteSource[]> {
  const c = infra.config;
  const only = parseTickerList(c.FEED_TICKERS);
  const replay = (options: { tickers?: string[]; fx: boolean }) =>
    new ReplaySource({
      dir: c.REPLAY_DIR,
      // The process's replay clock, so the engine judges market hours on the same market time.
      clock: infra.replayClock ?? new ReplayClock(infra.clock.now(), c.REPLAY_START === undefined ? undefined : new Date(c.REPLAY_START), c.REPLAY_SPEED),
      calendar: infra.calendar,
      ignoreCalendar: c.REPLAY_IGNORE_CALENDAR,
      logger,
      fx: options.fx,
      ...(options.tickers === undefined ? {} : { tickers: options.tickers }),
    });
  switch (c.MARKET_DATA_SOURCE) {
    case 'replay':
      return [replay({ fx: true, ...(only === undefined ? {} : { tickers: only }) })];
    case 'synthetic': {
      const catalogue = await loadFeedInstruments(infra.db.sequelize, only);
      return [new SyntheticSource(syntheticInstruments(catalogue, c.SYNTHETIC_TICKERS), { seed: c.SYNTHETIC_SEED, volatility: c.SYNTHETIC_VOLATILITY })];
    }
    case 'live': {
      const instruments = await loadFeedInstruments(infra.db.sequelize, only);
      const kisKeys = c.KIS_APP_KEY !== undefined && c.KIS_APP_SECRET !== undefined ? { key: c.KIS_APP_KEY, secret: c.KIS_APP_SECRET } : undefined;
      const sources: QuoteSource[] = [
        new CcxtSource({
          exchangeId: c.CCXT_EXCHANGE,
          instruments,
          batchSize: c.CCXT_BATCH_SIZE,
          timeoutMs: c.FEED_SOURCE_TIMEOUT_MS,
          fx: kisKeys !== undefined && c.KIS_ENV === 'mock',
          ...(c.CCXT_BASE_URL === undefined ? {} : { baseUrl: c.CCXT_BASE_URL }),
        }),
      ];
      if (kisKeys !== undefined) {
        const rate = c.KIS_RATE_LIMIT_PER_S > 0 ? c.KIS_RATE_LIMIT_PER_S : c.KIS_ENV === 'real' ? 20 : 2;
        const tokens = new KisTokenProvider({
          redis: infra.redis.client,
          baseUrl: c.KIS_BASE_URL,
          appKey: kisKeys.key,
          appSecret: kisKeys.secret,
          timeoutMs: c.FEED_SOURCE_TIMEOUT_MS,
          refreshBeforeMs: c.KIS_TOKEN_REFRESH_BEFORE_MS,
        });
        const client = new KisClient({ baseUrl: c.KIS_BASE_URL, appKey: kisKeys.key, appSecret: kisKeys.secret, tokens, limiter: new RateLimiter(rate), timeoutMs: c.FEED_SOURCE_TIMEOUT_MS });
        sources.push(
          new KisSource({ client, instruments, calendar: infra.calendar, perPoll: Math.max(1, Math.floor((rate * c.FEED_INTERVAL_MS) / 1000)), fx: c.KIS_ENV === 'real' }),
        );
      } else {
        logger.warn('KIS_APP_KEY/KIS_APP_SECRET unset: KRX and US prices (and USD/KRW) come from the replay');
        const scheduled = instruments.filter((i) => i.market !== 'CRYPTO').map((i) => i.id);
        sources.push(replay({ tickers: scheduled, fx: true }));
      }
      return sources;
    }
  }
}

/** Flushes candle deltas to PostgreSQL every interval; a failed flush is retried with the next. */
class CandleFlusher {
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  lastFlushAt: Date | null = null;
  lastError: string | null = null;
  failures = 0;

  constructor(
    private readonly candles: CandleAggregator,
    private readonly repo: CandleRepository,
    private readonly metrics: FeederMetrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.loop ??= (async () => {
      while (!this.stopper.signal.aborted) {
        try {
          await sleep(this.intervalMs, undefined, { signal: this.stopper.signal });
        } catch {
          break; // stopping
        }
        await this.flush();
      }
    })();
  }

  async flush(): Promise<void> {
    const deltas = this.candles.drain();
    if (deltas.length === 0) return;
    const started = performance.now();
    try {
      await this.repo.upsert(deltas);
      this.metrics.candleFlush.observe((performance.now() - started) / 1000);
      this.lastFlushAt = new Date();
      this.lastError = null;
    } catch (error) {
      this.candles.restore(deltas);
      this.failures += 1;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn({ err: this.lastError, rows: deltas.length }, 'candle flush failed; retrying with the next one');
    }
  }

  /** Stop the loop and flush what is pending, waiting at most `budgetMs`. */
  async stop(budgetMs: number): Promise<void> {
    this.stopper.abort();
    await this.loop;
    await Promise.race([this.flush(), sleep(budgetMs)]);
  }
}

export const startFeeder: ServiceStarter = async (infra) => {
  const c = infra.config;
  const logger = infra.logger.child({ service: 'feeder' });
  const metrics = new FeederMetrics();
  const candles = new CandleAggregator();
  const guard = new QuoteGuard({ maxJumpPct: c.FEED_MAX_JUMP_PCT, confirmTicks: c.FEED_JUMP_CONFIRM_TICKS });
  // Its own connection, without auto-pipelining: the tick's script calls go out as they are built.
  const writer = infra.redis.embedded ? infra.redis.client : infra.redis.connection({ autoPipelining: false });
  const publisher = new QuotePublisher({ redis: writer, guard, candles, metrics, logger, ttlMs: c.FEED_PRICE_TTL_MS, useScript: !infra.redis.embedded });
  const sources = await buildSources(infra, logger);
  const runners = sources.map(
    (source) =>
      new SourceRunner({
        source,
        publisher,
        clock: infra.clock,
        logger,
        metrics,
        intervalMs: c.FEED_INTERVAL_MS,
        timeoutMs: Math.max(c.FEED_SOURCE_TIMEOUT_MS, c.FEED_INTERVAL_MS),
        backoffMaxMs: c.FEED_BACKOFF_MAX_MS,
        healthMaxAgeMs: c.FEED_HEALTH_MAX_AGE_MS,
      }),
  );
  const flusher = new CandleFlusher(candles, new CandleRepository(infra.db.sequelize), metrics, logger, c.FEED_INTERVAL_MS);

  infra.health.register({
    name: 'feeder',
    mode: 'internal',
    check: () => {
      const list = runners.map((r) => r.health());
      const up = list.some((s) => s.up);
      return Promise.resolve({
        up,
        ...(up ? {} : { error: 'no market-data source has succeeded recently' }),
        details: {
          market_data_source: c.MARKET_DATA_SOURCE,
          sources: list,
          candles: { pending: candles.size(), last_flush_at: flusher.lastFlushAt?.toISOString() ?? null, failures: flusher.failures, last_error: flusher.lastError },
        },
      });
    },
  });
  for (const r of runners) r.start();
  flusher.start();
  logger.info({ market_data_source: c.MARKET_DATA_SOURCE, sources: runners.map((r) => r.name) }, 'feeder started');

  const service: RunningService = {
    name: 'feeder',
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
      await flusher.stop(500);
      infra.health.unregister('feeder');
    },
  };
  return service;
};

/**
 * The replay source (`MARKET_DATA_SOURCE=replay`, the default): recorded real prices from
 * `REPLAY_DIR`, mapped onto the present by the {@link ReplayClock} and the rules of
 * {@link ./replay-engine}. Also writes USD/KRW from the FRED DEXKOUS series with a fresh `ts`.
 *
 * The library loads in the background at construction; polls wait for it (the first poll
 * takes as long as loading, about a second or two). A missing or unreadable directory makes
 * every poll fail, which shows in health and backs off like any failing source.
 */
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { MarketCalendar } from '../../core/calendar.js';
import type { FxRate } from '../../core/ports.js';
import type { PollResult, SourceQuote } from '../quote.js';
import type { QuoteSource } from '../source-runner.js';
import { SourceError } from '../source-runner.js';
import type { ReplayClock } from '../../core/replay-clock.js';
import { InstrumentReplay, fxAt } from './replay-engine.js';
import type { ReplayLibrary } from './replay-library.js';
import { loadReplayLibrary } from './replay-library.js';

export interface ReplaySourceOptions {
  dir: string;
  clock: ReplayClock;
  calendar: MarketCalendar;
  ignoreCalendar: boolean;
  logger: Logger;
  /** Only these ticker ids (unset = every instrument with data). */
  tickers?: readonly string[];
  /** Write USD/KRW (default true). */
  fx?: boolean;
  /** Load from this library instead of `dir` (tests). */
  library?: ReplayLibrary;
}

export class ReplaySource implements QuoteSource {
  readonly name = 'replay';
  private readonly loading: Promise<{ library: ReplayLibrary; replays: InstrumentReplay[] }>;
  private loaded: { library: ReplayLibrary; replays: InstrumentReplay[] } | undefined;
  private lastMarketTime: Date | undefined;
  private lastQuoted = 0;

  constructor(private readonly o: ReplaySourceOptions) {
    this.loading = (o.library ? Promise.resolve(o.library) : loadReplayLibrary(o.dir)).then((library) => {
      const wanted = o.tickers === undefined ? null : new Set(o.tickers);
      const replays = [...library.instruments.values()]
        .filter((s) => wanted === null || wanted.has(s.tickerId))
        .map((s) => new InstrumentReplay(s));
      for (const f of library.skippedFiles) o.logger.warn({ file: f.file, reason: f.reason }, 'replay file skipped');
      o.logger.info(
        {
          dir: library.dir,
          instruments: replays.map((r) => `${r.series.tickerId}:${r.series.mode}`),
          fx_observations: library.fx.length,
          ...o.clock.describe(),
        },
        'replay library loaded',
      );
      this.loaded = { library, replays };
      return this.loaded;
    });
    // A failed load is reported by each poll; keep it from being an unhandled rejection.
    this.loading.catch(() => undefined);
  }

  /** Resolves once the library is loaded (rejects when it cannot be). */
  async ready(): Promise<void> {
    await this.loading;
  }

  tickers(): number {
    return this.loaded?.replays.length ?? 0;
  }

  details(): Record<string, unknown> {
    return {
      market_time: this.lastMarketTime?.toISOString() ?? null,
      ...this.o.clock.describe(),
      ignore_calendar: this.o.ignoreCalendar,
      quoted_last_poll: this.lastQuoted,
      instruments: this.loaded?.replays.map((r) => r.series.tickerId) ?? [],
    };
  }

  async poll(now: Date, signal: AbortSignal): Promise<PollResult> {
    let state: { library: ReplayLibrary; replays: InstrumentReplay[] };
    try {
      state = this.loaded ?? (await this.loading);
    } catch (error) {
      throw new SourceError(`cannot load replay data from ${this.o.dir}: ${error instanceof Error ? error.message : String(error)}`, 'load', undefined, { cause: error });
    }
    signal.throwIfAborted();
    const market = this.o.clock.market(now);
    this.lastMarketTime = market;
    const options = { calendar: this.o.calendar, ignoreCalendar: this.o.ignoreCalendar };
    const quotes: SourceQuote[] = [];
    for (const replay of state.replays) {
      const p = replay.at(market, options);
      if (p === null) continue;
      quotes.push({
        ticker_id: replay.series.tickerId,
        currency: replay.series.currency,
        price: p.price.toFixed(),
        change_pct: p.changePct.toFixed(),
        volume: p.volume.toFixed(),
        source: `replay:${p.label}`,
        recorded_at: new Date(p.recordedAt).toISOString(),
      });
    }
    this.lastQuoted = quotes.length;
    const result: PollResult = { quotes };
    if (this.o.fx !== false) {
      const nyDate = DateTime.fromJSDate(market, { zone: 'America/New_York' }).toISODate() ?? market.toISOString().slice(0, 10);
      const rate = fxAt(state.library.fx, nyDate);
      if (rate !== null) {
        const fx: FxRate = { pair: 'USDKRW', rate: rate.rate.toFixed(), ts: now.toISOString(), source: `replay:fred-dexkous@${rate.date}` };
        result.fx = fx;
      }
    }
    return result;
  }
}

/**
 * KRX and US quotes from KIS (`MARKET_DATA_SOURCE=live` with `KIS_APP_KEY`/`KIS_APP_SECRET`).
 *
 * Each poll asks for as many tickers as the rate limit allows in one feeder interval
 * (`rate × FEED_INTERVAL_MS / 1000`, at least one), round-robin over the tickers whose market
 * is open now, so with 20 requests/s and 40 open tickers each is refreshed every 2 s; on the
 * mock server (2/s) fewer tickers stay fresh: narrow them with `FEED_TICKERS`.
 *
 * Per-ticker failures (an `EGW00201`, a 5xx, a malformed body, an empty `last`) drop that
 * ticker's quote with a reason; when every request of a poll fails the poll fails (back-off).
 * Token failures (`EGW00133`, waiting for another process's issue) fail the poll with the
 * pause they need. On the real server, USD/KRW comes from `price-detail` `t_rate`.
 */
import type { MarketCalendar } from '../../core/calendar.js';
import type { FxRate } from '../../core/ports.js';
import type { FeedInstrument } from '../catalogue.js';
import type { DroppedQuote, PollResult, SourceQuote } from '../quote.js';
import type { QuoteSource } from '../source-runner.js';
import { SourceError } from '../source-runner.js';
import type { KisClient, KisOutput } from './kis-client.js';
import { KisError } from './kis-client.js';
import { kisSymbol, usExchangeOf } from './us-exchanges.js';

export interface KisSourceOptions {
  client: KisClient;
  instruments: readonly FeedInstrument[];
  calendar: MarketCalendar;
  /** Requests per poll (rate × interval). */
  perPoll: number;
  /** Fetch USD/KRW (`price-detail`, real server only). */
  fx: boolean;
}

function field(o: KisOutput, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v.trim() : '';
}

export class KisSource implements QuoteSource {
  readonly name = 'kis';
  private cursor = 0;
  private readonly covered: FeedInstrument[];

  constructor(private readonly o: KisSourceOptions) {
    this.covered = o.instruments.filter((i) => i.market === 'KRX' || i.market === 'US');
  }

  tickers(): number {
    return this.covered.length;
  }

  details(): Record<string, unknown> {
    return { requests: Object.fromEntries(this.o.client.sent) };
  }

  async poll(now: Date, signal: AbortSignal): Promise<PollResult> {
    const open = this.covered.filter((i) => this.o.calendar.isOpen(i.market, now));
    const fxWanted = this.o.fx;
    const budget = Math.max(1, this.o.perPoll - (fxWanted ? 1 : 0));
    const batch: FeedInstrument[] = [];
    for (let k = 0; k < Math.min(budget, open.length); k += 1) {
      const next = open[(this.cursor + k) % open.length];
      if (next !== undefined) batch.push(next);
    }
    this.cursor = open.length === 0 ? 0 : (this.cursor + batch.length) % open.length;

    if (batch.length === 0 && !fxWanted) return { quotes: [] };
    // Token trouble (EGW00133, another process issuing) fails the poll once, with its pause.
    await this.o.client.ensureToken(signal);
    const quotes: SourceQuote[] = [];
    const dropped: DroppedQuote[] = [];
    const errors: unknown[] = [];
    const jobs = batch.map(async (instrument) => {
      try {
        quotes.push(await this.quote(instrument, signal));
      } catch (error) {
        if (error instanceof SourceError) throw error; // token trouble: the whole poll waits
        errors.push(error);
        const code = error instanceof KisError ? error.code : 'error';
        dropped.push({
          ticker_id: instrument.id,
          reason: code === 'EGW00201' ? 'rate_limited' : code === 'malformed' ? 'malformed' : 'upstream_error',
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    });
    let fx: FxRate | undefined;
    if (fxWanted) {
      jobs.push(
        (async () => {
          try {
            const out = await this.o.client.overseasDetail('NAS', 'AAPL', signal);
            const rate = field(out, 't_rate');
            if (rate !== '') fx = { pair: 'USDKRW', rate, ts: new Date().toISOString(), source: 'kis:HHDFS76200200' };
          } catch (error) {
            if (error instanceof SourceError) throw error;
            errors.push(error);
            dropped.push({ ticker_id: 'USDKRW', reason: 'upstream_error', detail: error instanceof Error ? error.message : String(error) });
          }
        })(),
      );
    }
    const settled = await Promise.allSettled(jobs);
    const fatal = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (fatal !== undefined) throw fatal.reason;
    const attempted = batch.length + (fxWanted ? 1 : 0);
    if (attempted > 0 && errors.length === attempted) {
      const first = errors[0];
      const code = first instanceof KisError ? first.code : 'error';
      throw new SourceError(`every KIS request of the poll failed: ${first instanceof Error ? first.message : String(first)}`, code, code === 'EGW00201' ? 1_000 : undefined);
    }
    const result: PollResult = { quotes, dropped };
    if (fx !== undefined) result.fx = fx;
    return result;
  }

  private async quote(instrument: FeedInstrument, signal: AbortSignal): Promise<SourceQuote> {
    if (instrument.market === 'KRX') {
      const out = await this.o.client.domesticPrice(instrument.symbol, signal);
      return {
        ticker_id: instrument.id,
        currency: instrument.currency,
        price: field(out, 'stck_prpr'),
        change_pct: field(out, 'prdy_ctrt'),
        volume: field(out, 'acml_vol'),
        source: 'kis:FHKST01010100',
      };
    }
    const out = await this.o.client.overseasPrice(usExchangeOf(instrument.symbol), kisSymbol(instrument.symbol), signal);
    return {
      ticker_id: instrument.id,
      currency: instrument.currency,
      price: field(out, 'last'),
      change_pct: field(out, 'rate'),
      volume: field(out, 'tvol'),
      source: 'kis:HHDFS00000300',
    };
  }
}

/**
 * Crypto prices from an exchange through ccxt (`CCXT_EXCHANGE`, default Upbit, KRW markets).
 *
 * - Markets are loaded once (`loadMarkets`, retried with the source's back-off); the catalogue's
 *   coins that the exchange lists as `<COIN>/KRW` are covered.
 * - Every poll calls `fetchTickers` in batches of `CCXT_BATCH_SIZE` symbols, one after the
 *   other, under ccxt's own rate limiter (`enableRateLimit`).
 * - Prices are read from the raw exchange strings: the exchange's `parseJson` is overridden so
 *   every JSON number of a response keeps its source digits as a string (`trade_price:
 *   73578.65500000` → `"73578.65500000"`), and the quote is built from `ticker.info`
 *   (Upbit: `trade_price`, `signed_change_rate` × 100, `acc_trade_volume` since 00:00 UTC).
 *   For another exchange without those fields, ccxt's unified `last`/`percentage`/`baseVolume`
 *   are used through `numberToString`.
 * - USD/KRW: with `fx: true`, the exchange's `USDT/KRW` ticker gives the rate (source
 *   `upbit:USDT/KRW`; a USDT price, so it includes the local premium).
 *
 * Tests and proxies: `CCXT_BASE_URL` replaces the exchange's `urls.api` (every API group, e.g.
 * Upbit's `public` and `private`), so the real ccxt code talks to a local server.
 */
import type { Dict, Exchange, Market, Ticker } from 'ccxt';
import type { FxRate } from '../../core/ports.js';
import { Decimal } from '../../core/money.js';
import type { FeedInstrument } from '../catalogue.js';
import type { DroppedQuote, PollResult, SourceQuote } from '../quote.js';
import { quoteJsonNumbers } from '../raw-json.js';
import type { QuoteSource } from '../source-runner.js';
import { SourceError } from '../source-runner.js';

export interface CcxtSourceOptions {
  exchangeId: string;
  instruments: readonly FeedInstrument[];
  batchSize: number;
  timeoutMs: number;
  /** Replaces every `urls.api` entry of the exchange (tests, proxies). */
  baseUrl?: string;
  /** Also produce USD/KRW from `USDT/KRW`. */
  fx: boolean;
}

type ExchangeClass = new (config: Record<string, unknown>) => Exchange;

/** Build the exchange with raw-string JSON parsing. ccxt is imported on first use (it is large). */
export async function createRawExchange(id: string, config: Record<string, unknown>): Promise<Exchange> {
  const ccxt = (await import('ccxt')) as unknown as Record<string, unknown>;
  const Base = ccxt[id];
  if (typeof Base !== 'function') throw new SourceError(`ccxt has no exchange "${id}"`, 'config');
  const BaseClass = Base as ExchangeClass;
  class RawJsonExchange extends BaseClass {
    override parseJson(jsonString: string): unknown {
      try {
        return JSON.parse(quoteJsonNumbers(jsonString)) as unknown;
      } catch {
        return undefined; // not JSON: ccxt hands back the raw body; the poll sees no tickers
      }
    }

    /** One unparsable ticker (`"NaN"` price…) must not sink the batch: keep its raw info. */
    override parseTicker(ticker: Dict, market?: Market): Ticker {
      try {
        return super.parseTicker(ticker, market);
      } catch {
        const id = typeof ticker['market'] === 'string' ? ticker['market'] : undefined;
        const symbol = this.safeSymbol(id, market);
        return { symbol, info: ticker } as Ticker;
      }
    }
  }
  return new RawJsonExchange(config);
}

function str(info: Record<string, unknown>, key: string): string | undefined {
  const v = info[key];
  return typeof v === 'string' ? v : undefined;
}

export class CcxtSource implements QuoteSource {
  readonly name: string;
  private exchange: Exchange | undefined;
  private covered: FeedInstrument[] = [];
  private fxSymbol: string | undefined;

  constructor(private readonly o: CcxtSourceOptions) {
    this.name = `ccxt:${o.exchangeId}`;
  }

  tickers(): number {
    return this.covered.length;
  }

  details(): Record<string, unknown> {
    return { exchange: this.o.exchangeId, markets_loaded: this.exchange !== undefined && this.covered.length > 0 };
  }

  /** Import ccxt and load the markets (before the first poll reads the clock). */
  async ready(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<Exchange> {
    if (this.exchange !== undefined && this.covered.length > 0) return this.exchange;
    const config: Record<string, unknown> = { enableRateLimit: true, timeout: this.o.timeoutMs };
    if (this.o.baseUrl !== undefined) {
      const probe = await createRawExchange(this.o.exchangeId, {});
      const api = probe.urls['api'] as unknown;
      const groups = typeof api === 'object' && api !== null ? Object.keys(api) : ['public'];
      config['urls'] = { api: Object.fromEntries(groups.map((g) => [g, this.o.baseUrl])) };
    }
    const exchange = this.exchange ?? (await createRawExchange(this.o.exchangeId, config));
    this.exchange = exchange;
    const markets = await exchange.loadMarkets();
    this.covered = this.o.instruments.filter((i) => i.market === 'CRYPTO' && markets[`${i.symbol}/KRW`] !== undefined);
    this.fxSymbol = this.o.fx && markets['USDT/KRW'] !== undefined ? 'USDT/KRW' : undefined;
    return exchange;
  }

  async poll(now: Date, signal: AbortSignal): Promise<PollResult> {
    const exchange = await this.connect();
    const symbols = this.covered.map((i) => `${i.symbol}/KRW`);
    if (this.fxSymbol !== undefined) symbols.push(this.fxSymbol);
    const quotes: SourceQuote[] = [];
    const dropped: DroppedQuote[] = [];
    let fx: FxRate | undefined;
    const byId = new Map(this.covered.map((i) => [`${i.symbol}/KRW`, i]));
    for (let i = 0; i < symbols.length; i += this.o.batchSize) {
      signal.throwIfAborted();
      const batch = symbols.slice(i, i + this.o.batchSize);
      const tickers = await exchange.fetchTickers(batch);
      if (batch.every((symbol) => tickers[symbol] === undefined)) {
        throw new SourceError(`${this.o.exchangeId} answered none of ${batch.length} requested tickers (malformed or empty answer)`, 'malformed');
      }
      for (const symbol of batch) {
        const t: Ticker | undefined = tickers[symbol];
        if (symbol === this.fxSymbol) {
          const rate = t === undefined ? undefined : this.price(exchange, t);
          if (rate !== undefined) fx = { pair: 'USDKRW', rate, ts: now.toISOString(), source: `${this.o.exchangeId}:${symbol}` };
          continue;
        }
        const instrument = byId.get(symbol);
        if (instrument === undefined) continue;
        if (t === undefined) {
          dropped.push({ ticker_id: instrument.id, reason: 'upstream_error', detail: `${symbol} missing from the exchange's answer` });
          continue;
        }
        quotes.push({
          ticker_id: instrument.id,
          currency: instrument.currency,
          price: this.price(exchange, t) ?? '',
          change_pct: this.changePct(exchange, t),
          volume: this.volume(exchange, t),
          source: this.o.exchangeId,
        });
      }
    }
    const result: PollResult = { quotes, dropped };
    if (fx !== undefined) result.fx = fx;
    return result;
  }

  private info(t: Ticker): Record<string, unknown> {
    return typeof t.info === 'object' && t.info !== null ? (t.info as Record<string, unknown>) : {};
  }

  private price(exchange: Exchange, t: Ticker): string | undefined {
    return str(this.info(t), 'trade_price') ?? (t.last === undefined ? undefined : exchange.numberToString(t.last));
  }

  private changePct(exchange: Exchange, t: Ticker): string {
    const rate = str(this.info(t), 'signed_change_rate');
    if (rate !== undefined && /^[+-]?\d+(\.\d+)?$/.test(rate)) return new Decimal(rate).times(100).toFixed();
    return t.percentage === undefined ? '' : exchange.numberToString(t.percentage);
  }

  private volume(exchange: Exchange, t: Ticker): string {
    return str(this.info(t), 'acc_trade_volume') ?? (t.baseVolume === undefined ? '' : exchange.numberToString(t.baseVolume));
  }
}

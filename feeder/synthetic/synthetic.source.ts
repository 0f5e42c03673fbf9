/**
 * Synthetic prices for load tests (`MARKET_DATA_SOURCE=synthetic`): a geometric random walk
 * per ticker, `p ← p × exp(σ·z)` with `z` standard normal from a seeded generator
 * (`SYNTHETIC_SEED`), `σ` = `SYNTHETIC_VOLATILITY` per tick. Any number of tickers: the
 * catalogue, or `SYNTHETIC_TICKERS` ids (`CRYPTO-COIN-S1`, `CRYPTO-COIN-S2`, … after the
 * catalogue's own). Quotes every ticker on every poll, whatever the market calendar.
 */
import { Decimal } from '../../core/money.js';
import type { FxRate } from '../../core/ports.js';
import type { FeedInstrument } from '../catalogue.js';
import type { PollResult, SourceQuote } from '../quote.js';
import { priceDecimals } from '../replay/replay-engine.js';
import type { QuoteSource } from '../source-runner.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START: Record<FeedInstrument['market'], string> = { KRX: '50000', US: '100', CRYPTO: '10000' };

interface Walk {
  instrument: FeedInstrument;
  price: Decimal;
  open: Decimal;
  volume: Decimal;
}

/** Instruments for `count` synthetic tickers: the catalogue first, then generated coins. */
export function syntheticInstruments(catalogue: readonly FeedInstrument[], count: number): FeedInstrument[] {
  if (count <= 0) return [...catalogue];
  const out = catalogue.slice(0, count);
  for (let i = 1; out.length < count; i += 1) {
    out.push({ id: `CRYPTO-COIN-S${i}`, market: 'CRYPTO', symbol: `S${i}`, currency: 'KRW-COIN' });
  }
  return out;
}

export class SyntheticSource implements QuoteSource {
  readonly name = 'synthetic';
  private readonly walks: Walk[];
  private readonly random: () => number;
  private readonly sigma: number;
  private fx = new Decimal('1350');

  constructor(instruments: readonly FeedInstrument[], options: { seed: number; volatility: Decimal }) {
    this.random = seededRandom(options.seed);
    // σ is a dimensionless volatility, not money.
    this.sigma = Number(options.volatility.toFixed());
    this.walks = instruments.map((instrument) => {
      const p = new Decimal(START[instrument.market]);
      return { instrument, price: p, open: p, volume: new Decimal(0) };
    });
  }

  tickers(): number {
    return this.walks.length;
  }

  private normal(): number {
    // Box–Muller; 1 − u keeps log away from 0.
    const u = 1 - this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private step(p: Decimal, currency: FeedInstrument['currency']): Decimal {
    const factor = new Decimal(Math.exp(this.sigma * this.normal()).toFixed(12));
    const next = p.times(factor);
    const rounded = next.decimalPlaces(priceDecimals(currency, next), Decimal.ROUND_HALF_UP);
    return rounded.gt(0) ? rounded : p;
  }

  poll(now: Date, signal: AbortSignal): Promise<PollResult> {
    signal.throwIfAborted();
    const quotes: SourceQuote[] = this.walks.map((w) => {
      w.price = this.step(w.price, w.instrument.currency);
      w.volume = w.volume.plus(Math.floor(this.random() * 100));
      return {
        ticker_id: w.instrument.id,
        currency: w.instrument.currency,
        price: w.price.toFixed(),
        change_pct: w.price.minus(w.open).div(w.open).times(100).decimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(),
        volume: w.volume.toFixed(),
        source: 'synthetic',
      };
    });
    this.fx = this.step(this.fx, 'KRW').decimalPlaces(2, Decimal.ROUND_HALF_UP);
    const fx: FxRate = { pair: 'USDKRW', rate: this.fx.toFixed(), ts: now.toISOString(), source: 'synthetic' };
    return Promise.resolve({ quotes, fx });
  }
}

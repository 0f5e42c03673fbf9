/**
 * Prices for valuation: the live quote (Redis `price:{ID}`) when there is one, else the
 * last candle close in PostgreSQL (markets that are closed have no live quote).
 */
import type { Sequelize } from 'sequelize';
import { Decimal, fromDb } from '../../core/money.js';
import type { QuoteCache } from '../../core/ports.js';
import { rows } from '../sql.js';
import type { PricePoint } from './valuation.js';

export class PriceBook {
  constructor(
    private readonly quotes: QuoteCache,
    private readonly sequelize: Sequelize,
  ) {}

  async pricesFor(tickerIds: readonly string[]): Promise<Map<string, PricePoint>> {
    const out = new Map<string, PricePoint>();
    if (tickerIds.length === 0) return out;
    const live = await this.quotes.getQuotes(tickerIds);
    for (const [id, q] of live) {
      try {
        out.set(id, { price: new Decimal(q.price), ts: q.ts, source: 'live' });
      } catch {
        // a malformed cache entry is no price; the candle fallback below covers it
      }
    }
    const missing = tickerIds.filter((id) => !out.has(id));
    if (missing.length > 0) {
      const closes = await rows<{ ticker_id: string; close: string; bucket_start: Date }>(
        this.sequelize,
        `SELECT DISTINCT ON (ticker_id) ticker_id, close, bucket_start FROM candles
          WHERE ticker_id = ANY($1::text[]) ORDER BY ticker_id, bucket_start DESC`,
        [missing],
      );
      for (const c of closes) out.set(c.ticker_id, { price: fromDb(c.close), ts: c.bucket_start.toISOString(), source: 'last_close' });
    }
    return out;
  }

  /** KRW per USD, or null when the feed has not written a rate. */
  async usdKrw(): Promise<Decimal | null> {
    const fx = await this.quotes.getFx();
    if (fx === null) return null;
    try {
      return new Decimal(fx.rate);
    } catch {
      return null;
    }
  }
}

/**
 * Prices as the bot shows and values them: the feeder's live quote in Redis
 * (`price:{TICKER_ID}`, TTL 5 s) when there is one, else the close of the newest 1m/1d
 * candle in PostgreSQL (markets closed, feed away); and the USD/KRW rate (`fx:USDKRW`, else
 * the rate of the latest USD fill).
 */
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { Decimal, fromDb } from '../core/money.js';
import type { Clock, Quote, QuoteCache } from '../core/ports.js';
import type { Currency } from '../core/ticker.js';
import type { KnownPrice } from './valuation.js';

/** A price to show. `changePct` is a percentage (e.g. `1.23` for +1.23 %). */
export interface PricePoint {
  tickerId: string;
  price: Decimal;
  currency: Currency | null;
  changePct: Decimal | null;
  /** When the price was observed (quote time, or the candle's bucket start). */
  at: Date;
  basis: 'live' | 'candle';
  /** Feed source (`upbit`, `kis`, `replay`…) or `candle:1m` / `candle:1d`. */
  source: string;
}

/** USD/KRW used for valuation. */
export interface FxPoint {
  rate: Decimal;
  at: Date;
  basis: 'live' | 'last_fill';
}

interface CandleRow {
  id: string;
  m_close: string | null;
  m_at: Date | null;
  d_close: string | null;
  d_at: Date | null;
  prev_close: string | null;
}

const DECIMAL_RE = /^-?[0-9]+(\.[0-9]+)?$/;

function dec(text: string | undefined | null): Decimal | null {
  if (typeof text !== 'string' || !DECIMAL_RE.test(text)) return null;
  return new Decimal(text);
}

function fromQuote(q: Quote): PricePoint | null {
  const price = dec(q.price);
  const at = new Date(q.ts);
  if (price === null || !price.isGreaterThan(0) || Number.isNaN(at.getTime())) return null;
  return { tickerId: q.ticker_id, price, currency: q.currency, changePct: dec(q.change_pct), at, basis: 'live', source: q.source };
}

/** Reads prices for display and valuation. */
export class PriceBook {
  constructor(
    private readonly quotes: QuoteCache,
    private readonly sequelize: Sequelize,
    private readonly clock: Clock,
  ) {}

  /** Latest price of each id: live quote, else newest candle close. Ids with neither are absent. */
  async latest(ids: readonly string[]): Promise<Map<string, PricePoint>> {
    const out = new Map<string, PricePoint>();
    if (ids.length === 0) return out;
    const live = await this.quotes.getQuotes(ids);
    for (const [id, q] of live) {
      const p = fromQuote(q);
      if (p) out.set(id, p);
    }
    const missing = ids.filter((id) => !out.has(id));
    if (missing.length > 0) for (const [id, p] of await this.candleCloses(missing)) out.set(id, p);
    return out;
  }

  /** {@link latest} as valuation inputs. */
  async known(ids: readonly string[]): Promise<Map<string, KnownPrice>> {
    const out = new Map<string, KnownPrice>();
    for (const [id, p] of await this.latest(ids)) out.set(id, { price: p.price, basis: p.basis });
    return out;
  }

  /**
   * The newest candle close of each id (1m or 1d, whichever is newer), and the change
   * against the previous day's close when there is one.
   */
  async candleCloses(ids: readonly string[]): Promise<Map<string, PricePoint>> {
    const rows = await this.sequelize.query<CandleRow>(
      `SELECT t.id,
              m.close AS m_close, m.bucket_start AS m_at,
              d.close AS d_close, d.bucket_start AS d_at,
              p.close AS prev_close
         FROM unnest($1::text[]) AS t(id)
         LEFT JOIN LATERAL (SELECT close, bucket_start FROM candles
                             WHERE ticker_id = t.id AND interval = '1m'
                             ORDER BY bucket_start DESC LIMIT 1) m ON true
         LEFT JOIN LATERAL (SELECT close, bucket_start FROM candles
                             WHERE ticker_id = t.id AND interval = '1d'
                             ORDER BY bucket_start DESC LIMIT 1) d ON true
         LEFT JOIN LATERAL (SELECT close FROM candles
                             WHERE ticker_id = t.id AND interval = '1d'
                               AND bucket_start < COALESCE(date_trunc('day', m.bucket_start), d.bucket_start)
                             ORDER BY bucket_start DESC LIMIT 1) p ON true`,
      { bind: [[...ids]], type: QueryTypes.SELECT },
    );
    const out = new Map<string, PricePoint>();
    for (const r of rows) {
      const useMinute = r.m_close !== null && r.m_at !== null && (r.d_at === null || r.m_at.getTime() >= r.d_at.getTime());
      const closeText = useMinute ? r.m_close : r.d_close;
      const at = useMinute ? r.m_at : r.d_at;
      if (closeText === null || at === null) continue;
      const price = fromDb(closeText);
      const prev = r.prev_close === null ? null : fromDb(r.prev_close);
      const changePct = prev !== null && prev.isGreaterThan(0) ? price.minus(prev).div(prev).times(100) : null;
      out.set(r.id, { tickerId: r.id, price, currency: null, changePct, at, basis: 'candle', source: useMinute ? 'candle:1m' : 'candle:1d' });
    }
    return out;
  }

  /** USD/KRW: the live rate, else the rate of the newest USD fill, else null. */
  async usdKrw(): Promise<FxPoint | null> {
    const fx = await this.quotes.getFx();
    const rate = dec(fx?.rate);
    if (fx && rate !== null && rate.isGreaterThan(0)) return { rate, at: new Date(fx.ts), basis: 'live' };
    const rows = await this.sequelize.query<{ applied_exchange_rate: string; filled_at: Date }>(
      `SELECT applied_exchange_rate, filled_at FROM orders
        WHERE status = 'FILLED' AND applied_exchange_rate IS NOT NULL
        ORDER BY filled_at DESC LIMIT 1`,
      { type: QueryTypes.SELECT },
    );
    const row = rows[0];
    if (row === undefined) return null;
    return { rate: fromDb(row.applied_exchange_rate), at: row.filled_at, basis: 'last_fill' };
  }

  /** Milliseconds since `at` by this book's clock. */
  ageMs(at: Date): number {
    return this.clock.now().getTime() - at.getTime();
  }
}

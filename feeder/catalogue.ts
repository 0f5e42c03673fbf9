/**
 * The instruments the live and synthetic sources cover: active rows of `tickers` (Human ETFs
 * excluded: their price is the in-engine order book), optionally narrowed by `FEED_TICKERS`.
 */
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { QuoteCurrency } from './quote.js';

export interface FeedInstrument {
  id: string;
  market: 'KRX' | 'US' | 'CRYPTO';
  symbol: string;
  currency: QuoteCurrency;
}

/** Parse `FEED_TICKERS` (`"CRYPTO-COIN-BTC, US-STOCK-AAPL"`) into ids; undefined = all. */
export function parseTickerList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  return ids.length === 0 ? undefined : ids;
}

/** Active KRX, US and crypto tickers, in catalogue order, narrowed to `only` when given. */
export async function loadFeedInstruments(sequelize: Sequelize, only?: readonly string[]): Promise<FeedInstrument[]> {
  const rows = await sequelize.query<FeedInstrument>(
    `SELECT id, market, symbol, currency FROM tickers WHERE active AND market IN ('KRX', 'US', 'CRYPTO') ORDER BY created_at, id`,
    { type: QueryTypes.SELECT },
  );
  if (only === undefined) return rows;
  const wanted = new Set(only);
  return rows.filter((r) => wanted.has(r.id));
}

/**
 * Market data (SPEC §9): the ticker catalogue with search, the latest price of a ticker
 * (Redis `price:{ID}`, fresh for 5 s), and candles from PostgreSQL.
 */
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import { fromDb, toJsonString } from '../../core/money.js';
import type { Clock, QuoteCache } from '../../core/ports.js';
import { searchTickers } from '../../core/ticker.js';
import type { CatalogueEntry } from '../../core/ticker.js';
import { errorBodySchema, sendError } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { decimalOut, isoInstant, queryBool, text } from '../http/schemas.js';
import { rows } from '../sql.js';
import type { TickerCatalogue } from './catalogue.js';

export const tickerSchema = z
  .object({
    id: z.string().meta({ example: 'KRX-STOCK-005930' }),
    market: z.enum(['KRX', 'US', 'CRYPTO', 'HUMAN']),
    type: z.enum(['STOCK', 'COIN', 'ETF']),
    symbol: z.string(),
    name_ko: z.string(),
    name_en: z.string(),
    currency: z.enum(['KRW', 'USD', 'KRW-COIN']),
    aliases: z.array(z.string()),
    active: z.boolean(),
  })
  .meta({ id: 'Ticker' });

export const quoteSchema = z
  .object({
    ticker_id: z.string(),
    price: decimalOut,
    currency: z.enum(['KRW', 'USD', 'KRW-COIN']),
    change_pct: decimalOut,
    volume: decimalOut,
    ts: z.string(),
    source: z.string(),
    age_ms: z.number().int().meta({ description: 'milliseconds since the quote was taken' }),
    stale: z.boolean().meta({ description: 'older than PRICE_STALE_MS: no order fills against it' }),
  })
  .meta({ id: 'Quote' });

export const candleSchema = z
  .object({ t: z.string(), open: decimalOut, high: decimalOut, low: decimalOut, close: decimalOut, volume: decimalOut })
  .meta({ id: 'Candle' });

/** Ticker id in a path: canonical shape, checked before any lookup. */
export const tickerIdParam = z.object({
  id: z
    .string()
    .max(64)
    .regex(/^[A-Za-z]+-[A-Za-z]+-[A-Za-z0-9.]+$/, 'must be a ticker id like KRX-STOCK-005930')
    .transform((s) => s.toUpperCase()),
});

export function tickerView(e: CatalogueEntry): z.infer<typeof tickerSchema> {
  return { id: e.id, market: e.market, type: e.type, symbol: e.symbol, name_ko: e.nameKo, name_en: e.nameEn, currency: e.currency, aliases: e.aliases, active: e.active };
}

const err = (description: string) => ({ description, schema: errorBodySchema });

export function marketRoutes(deps: { catalogue: TickerCatalogue; quotes: QuoteCache; sequelize: Sequelize; clock: Clock; priceStaleMs: number }): AnyRoute[] {
  const { catalogue, quotes, sequelize, clock } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/market/tickers',
      tags: ['market'],
      summary: 'The ticker catalogue, optionally searched (symbol, Korean or English name, alias)',
      auth: 'read',
      query: z.object({
        q: text(0, 64).optional(),
        market: z.enum(['KRX', 'US', 'CRYPTO', 'HUMAN']).optional(),
        include_inactive: queryBool.default(false),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'tickers', schema: z.object({ tickers: z.array(tickerSchema) }) } },
      handler: ({ query }) => {
        let found: readonly CatalogueEntry[] =
          query.q !== undefined && query.q !== '' ? searchTickers(catalogue.entries(), query.q, 1000) : catalogue.entries();
        if (!query.include_inactive) found = found.filter((e) => e.active);
        if (query.market !== undefined) found = found.filter((e) => e.market === query.market);
        return Promise.resolve({ status: 200, body: { tickers: found.slice(0, query.limit).map(tickerView) } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/market/price/{id}',
      tags: ['market'],
      summary: 'Latest price of a ticker',
      auth: 'read',
      params: tickerIdParam,
      responses: {
        200: { description: 'the latest quote', schema: quoteSchema },
        404: err('unknown ticker'),
        503: err('no fresh price (the feed has not written one within its TTL)'),
      },
      handler: async ({ params, res }) => {
        if (catalogue.get(params.id) === undefined) {
          sendError(res, ErrorCode.UNKNOWN_TICKER, `${params.id} is not in the catalogue`, { ticker_id: params.id });
          return 'handled';
        }
        const q = await quotes.getQuote(params.id);
        if (q === null) {
          sendError(res, ErrorCode.STALE_PRICE, `no fresh price for ${params.id}`, { ticker_id: params.id });
          return 'handled';
        }
        const age = Math.max(0, clock.now().getTime() - Date.parse(q.ts));
        return { status: 200, body: { ...q, age_ms: Number.isFinite(age) ? age : 0, stale: !(age <= deps.priceStaleMs) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/market/candles/{id}',
      tags: ['market'],
      summary: 'Candles (1m or 1d) of a ticker, oldest first',
      auth: 'read',
      params: tickerIdParam,
      query: z.object({
        interval: z.enum(['1m', '1d']).default('1m'),
        from: isoInstant.optional(),
        to: isoInstant.optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(500),
      }),
      responses: {
        200: { description: 'candles', schema: z.object({ ticker_id: z.string(), interval: z.enum(['1m', '1d']), candles: z.array(candleSchema) }) },
        404: err('unknown ticker'),
      },
      handler: async ({ params, query, res }) => {
        if (catalogue.get(params.id) === undefined) {
          sendError(res, ErrorCode.UNKNOWN_TICKER, `${params.id} is not in the catalogue`, { ticker_id: params.id });
          return 'handled';
        }
        // The newest `limit` candles in the range, returned oldest first.
        const found = await rows<{ bucket_start: Date; open: string; high: string; low: string; close: string; volume: string }>(
          sequelize,
          `SELECT * FROM (
             SELECT bucket_start, open, high, low, close, volume FROM candles
              WHERE ticker_id = $1 AND interval = $2
                AND ($3::timestamptz IS NULL OR bucket_start >= $3) AND ($4::timestamptz IS NULL OR bucket_start <= $4)
              ORDER BY bucket_start DESC LIMIT $5) c
           ORDER BY bucket_start`,
          [params.id, query.interval, query.from ?? null, query.to ?? null, query.limit],
        );
        const d = (s: string) => toJsonString(fromDb(s));
        return {
          status: 200,
          body: {
            ticker_id: params.id,
            interval: query.interval,
            candles: found.map((c) => ({ t: c.bucket_start.toISOString(), open: d(c.open), high: d(c.high), low: d(c.low), close: d(c.close), volume: d(c.volume) })),
          },
        };
      },
    }),
  ];
}

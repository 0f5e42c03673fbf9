/**
 * `GET /portfolio` (the caller's cash and holdings valued at current prices) and `GET /rank`
 * (leaderboards: equity, PnL, realized PnL).
 */
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import { toJsonString } from '../../core/money.js';
import type { Decimal } from '../../core/money.js';
import { errorBodySchema, sendError } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { decimalOut } from '../http/schemas.js';
import type { PortfolioRepository } from './portfolio.repository.js';
import type { PriceBook } from './prices.js';
import { valuePortfolio } from './valuation.js';

const holdingSchema = z
  .object({
    ticker_id: z.string(),
    quantity: decimalOut,
    reserved_quantity: decimalOut,
    currency: z.enum(['KRW', 'USD', 'KRW-COIN']),
    average_price: decimalOut,
    average_cost_krw: decimalOut,
    price: decimalOut.nullable(),
    price_ts: z.string().nullable(),
    price_source: z.enum(['live', 'last_close']).nullable(),
    market_value_krw: decimalOut,
    cost_basis_krw: decimalOut,
    unrealized_pnl_krw: decimalOut,
    realized_pnl_krw: decimalOut,
    priced: z.boolean(),
  })
  .meta({ id: 'Holding' });

export const portfolioSchema = z
  .object({
    user_id: z.string(),
    cash_krw: decimalOut,
    reserved_krw: decimalOut,
    available_krw: decimalOut,
    holdings: z.array(holdingSchema),
    long_value_krw: decimalOut,
    short_value_krw: decimalOut,
    equity_krw: decimalOut,
    gross_exposure_krw: decimalOut,
    realized_pnl_krw: decimalOut,
    unrealized_pnl_krw: decimalOut,
    usd_krw: decimalOut.nullable(),
  })
  .meta({ id: 'Portfolio' });

export const RANK_BOARDS = ['equity', 'pnl', 'realized'] as const;
export type RankBoard = (typeof RANK_BOARDS)[number];

const rankEntrySchema = z
  .object({ rank: z.number().int(), nickname: z.string(), equity_krw: decimalOut, pnl_krw: decimalOut, realized_pnl_krw: decimalOut, is_me: z.boolean() })
  .meta({ id: 'RankEntry' });

export interface RankEntry {
  rank: number;
  userId: string;
  nickname: string;
  equity: Decimal;
  pnl: Decimal;
  realized: Decimal;
}

/** Every player valued and ranked on `board` (ties: earlier nickname first). */
export async function rankPlayers(portfolios: PortfolioRepository, prices: PriceBook, board: RankBoard): Promise<RankEntry[]> {
  const all = await portfolios.load(null);
  const tickers = [...new Set(all.flatMap((w) => w.positions.filter((p) => !p.quantity.isZero()).map((p) => p.tickerId)))];
  const book = await prices.pricesFor(tickers);
  const fx = await prices.usdKrw();
  const scored = all.map((w) => {
    const { totals } = valuePortfolio(w.cash, w.reserved, w.positions, book, fx);
    return { userId: w.userId, nickname: w.nickname, equity: totals.equity, pnl: totals.equity.minus(w.contributed), realized: totals.realized };
  });
  const key = (e: (typeof scored)[number]) => (board === 'equity' ? e.equity : board === 'pnl' ? e.pnl : e.realized);
  scored.sort((a, b) => key(b).comparedTo(key(a)) || a.nickname.localeCompare(b.nickname));
  return scored.map((e, i) => ({ ...e, rank: i + 1 }));
}

const err = (description: string) => ({ description, schema: errorBodySchema });

export function portfolioRoutes(deps: { portfolios: PortfolioRepository; prices: PriceBook }): AnyRoute[] {
  const { portfolios, prices } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/portfolio',
      tags: ['portfolio'],
      summary: 'Your cash and holdings valued at current prices (KRW)',
      description: 'Prices: the live quote, else the last candle close (`price_source`). Positions with no price at all are valued at cost (`priced: false`).',
      auth: 'read',
      responses: { 200: { description: 'portfolio', schema: portfolioSchema }, 404: err('no wallet yet') },
      handler: async ({ principal, res }) => {
        const [mine] = await portfolios.load(principal.userId);
        if (mine === undefined) {
          sendError(res, ErrorCode.NOT_FOUND, 'you have no wallet yet; it is created with your first order');
          return 'handled';
        }
        const open = mine.positions.filter((p) => !p.quantity.isZero()).map((p) => p.tickerId);
        const book = await prices.pricesFor(open);
        const fx = mine.positions.some((p) => p.currency === 'USD' && !p.quantity.isZero()) ? await prices.usdKrw() : null;
        const { view } = valuePortfolio(mine.cash, mine.reserved, mine.positions, book, fx);
        return { status: 200, body: { user_id: principal.userId, ...view } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/rank',
      tags: ['portfolio'],
      summary: 'Leaderboard',
      description: '`equity` (cash + positions), `pnl` (equity minus starting cash, bailouts and adjustments), `realized` (realized PnL). Includes your own place as `me`.',
      auth: 'read',
      query: z.object({ board: z.enum(RANK_BOARDS).default('equity'), limit: z.coerce.number().int().min(1).max(100).default(20) }),
      responses: {
        200: {
          description: 'leaderboard',
          schema: z.object({ board: z.enum(RANK_BOARDS), players: z.number().int(), entries: z.array(rankEntrySchema), me: rankEntrySchema.nullable() }),
        },
      },
      handler: async ({ principal, query }) => {
        const ranked = await rankPlayers(portfolios, prices, query.board);
        const show = (e: RankEntry) => ({
          rank: e.rank,
          nickname: e.nickname,
          equity_krw: toJsonString(e.equity),
          pnl_krw: toJsonString(e.pnl),
          realized_pnl_krw: toJsonString(e.realized),
          is_me: e.userId === principal.userId,
        });
        const me = ranked.find((e) => e.userId === principal.userId);
        return { status: 200, body: { board: query.board, players: ranked.length, entries: ranked.slice(0, query.limit).map(show), me: me === undefined ? null : show(me) } };
      },
    }),
  ];
}

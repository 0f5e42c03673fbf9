/**
 * Read-only queries of the bot over PostgreSQL: a player's wallet and positions, orders,
 * names for the leaderboard. The bot writes no money state (SPEC §1: the engine does).
 * NUMERIC columns arrive as strings and become decimals via `fromDb`.
 */
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { fromDb } from '../core/money.js';
import type { Decimal } from '../core/money.js';
import type { Currency } from '../core/ticker.js';
import type { Holding } from './valuation.js';

/** A player's row and cash. */
export interface PlayerAccount {
  userId: string;
  displayName: string;
  isBankrupt: boolean;
  isSuspended: boolean;
  balanceKrw: Decimal;
  reservedKrw: Decimal;
  holdings: Holding[];
}

/** An order as `/orders` lists it. Money fields are decimals or null. */
export interface OrderView {
  id: string;
  tickerId: string;
  side: 'BUY' | 'SELL';
  type: string;
  status: 'PENDING' | 'FILLED' | 'CANCELLED' | 'FAILED';
  quantity: Decimal | null;
  notionalKrw: Decimal | null;
  limitPrice: Decimal | null;
  price: Decimal | null;
  filledQuantity: Decimal | null;
  failReason: string | null;
  createdAt: Date;
}

interface PortfolioRow {
  user_id: string;
  ticker_id: string;
  currency: Currency;
  quantity: string;
  average_price: string;
  average_cost_krw: string;
  realized_pnl_krw: string;
}

interface OrderRow {
  id: string;
  ticker_id: string;
  side: 'BUY' | 'SELL';
  type: string;
  status: 'PENDING' | 'FILLED' | 'CANCELLED' | 'FAILED';
  quantity: string | null;
  notional_krw: string | null;
  limit_price: string | null;
  price: string | null;
  filled_quantity: string | null;
  fail_reason: string | null;
  created_at: Date;
}

const opt = (s: string | null): Decimal | null => (s === null ? null : fromDb(s));

function toHolding(r: PortfolioRow): Holding {
  return {
    tickerId: r.ticker_id,
    currency: r.currency,
    quantity: fromDb(r.quantity),
    averagePrice: fromDb(r.average_price),
    averageCostKrw: fromDb(r.average_cost_krw),
    realizedPnlKrw: fromDb(r.realized_pnl_krw),
  };
}

function toOrder(r: OrderRow): OrderView {
  return {
    id: r.id,
    tickerId: r.ticker_id,
    side: r.side,
    type: r.type,
    status: r.status,
    quantity: opt(r.quantity),
    notionalKrw: opt(r.notional_krw),
    limitPrice: opt(r.limit_price),
    price: opt(r.price),
    filledQuantity: opt(r.filled_quantity),
    failReason: r.fail_reason,
    createdAt: r.created_at,
  };
}

const ORDER_COLUMNS =
  'id, ticker_id, side, type, status, quantity, notional_krw, limit_price, price, filled_quantity, fail_reason, created_at';

/** The bot's queries. */
export class AccountRepository {
  constructor(private readonly sequelize: Sequelize) {}

  /** The accounts of `userIds` that exist (players with a wallet), with every portfolio row. */
  async accounts(userIds: readonly string[]): Promise<Map<string, PlayerAccount>> {
    const out = new Map<string, PlayerAccount>();
    if (userIds.length === 0) return out;
    const users = await this.sequelize.query<{
      id: string;
      username: string;
      nickname: string | null;
      is_bankrupt: boolean;
      is_suspended: boolean;
      balance_krw: string;
      reserved_krw: string;
    }>(
      `SELECT u.id, u.username, u.nickname, u.is_bankrupt, u.is_suspended, w.balance_krw, w.reserved_krw
         FROM users u JOIN wallets w ON w.user_id = u.id
        WHERE u.id = ANY($1::uuid[])`,
      { bind: [[...userIds]], type: QueryTypes.SELECT },
    );
    for (const u of users) {
      out.set(u.id, {
        userId: u.id,
        displayName: u.nickname ?? u.username,
        isBankrupt: u.is_bankrupt,
        isSuspended: u.is_suspended,
        balanceKrw: fromDb(u.balance_krw),
        reservedKrw: fromDb(u.reserved_krw),
        holdings: [],
      });
    }
    if (out.size === 0) return out;
    const rows = await this.sequelize.query<PortfolioRow>(
      `SELECT user_id, ticker_id, currency, quantity, average_price, average_cost_krw, realized_pnl_krw
         FROM portfolios WHERE user_id = ANY($1::uuid[]) ORDER BY user_id, ticker_id`,
      { bind: [[...out.keys()]], type: QueryTypes.SELECT },
    );
    for (const r of rows) out.get(r.user_id)?.holdings.push(toHolding(r));
    return out;
  }

  /** One account, or null when the player has never traded (not registered yet). */
  async account(userId: string): Promise<PlayerAccount | null> {
    return (await this.accounts([userId])).get(userId) ?? null;
  }

  /** Ids of every player with a wallet, in pages of `pageSize` (for the full leaderboard rebuild). */
  async *allUserIds(pageSize = 1000): AsyncGenerator<string[]> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.sequelize.query<{ user_id: string }>(
        'SELECT user_id FROM wallets WHERE user_id > $1 ORDER BY user_id LIMIT $2',
        { bind: [after, pageSize], type: QueryTypes.SELECT },
      );
      if (rows.length === 0) return;
      yield rows.map((r) => r.user_id);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < pageSize) return;
      after = last.user_id;
    }
  }

  /** Players with an open position in any of `tickerIds`. */
  async holdersOf(tickerIds: readonly string[]): Promise<string[]> {
    if (tickerIds.length === 0) return [];
    const rows = await this.sequelize.query<{ user_id: string }>(
      'SELECT DISTINCT user_id FROM portfolios WHERE ticker_id = ANY($1::text[]) AND quantity <> 0',
      { bind: [[...tickerIds]], type: QueryTypes.SELECT },
    );
    return rows.map((r) => r.user_id);
  }

  /** Display names (nickname, else username) of `userIds`. */
  async names(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.sequelize.query<{ id: string; username: string; nickname: string | null }>(
      'SELECT id, username, nickname FROM users WHERE id = ANY($1::uuid[])',
      { bind: [[...userIds]], type: QueryTypes.SELECT },
    );
    return new Map(rows.map((r) => [r.id, r.nickname ?? r.username]));
  }

  /** The player's newest orders (pending first), at most `limit`. */
  async recentOrders(userId: string, limit: number): Promise<OrderView[]> {
    const rows = await this.sequelize.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1
        ORDER BY (status = 'PENDING') DESC, created_at DESC LIMIT $2`,
      { bind: [userId, limit], type: QueryTypes.SELECT },
    );
    return rows.map(toOrder);
  }

  /** The player's pending orders whose id starts with `idPrefix` (autocomplete), newest first. */
  async pendingOrders(userId: string, idPrefix: string, limit: number): Promise<OrderView[]> {
    const prefix = idPrefix.toLowerCase().replace(/[^0-9a-f-]/g, '');
    const rows = await this.sequelize.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders
        WHERE user_id = $1 AND status = 'PENDING' AND id::text LIKE $2
        ORDER BY created_at DESC LIMIT $3`,
      { bind: [userId, `${prefix}%`, limit], type: QueryTypes.SELECT },
    );
    return rows.map(toOrder);
  }

  /** One of the player's orders, or null (another player's order is not found either). */
  async order(userId: string, orderId: string): Promise<OrderView | null> {
    const rows = await this.sequelize.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND user_id = $2`, {
      bind: [orderId, userId],
      type: QueryTypes.SELECT,
    });
    const row = rows[0];
    return row === undefined ? null : toOrder(row);
  }
}

/**
 * Wallets and positions read for valuation: one player (`GET /portfolio`) or everyone
 * (`GET /rank`).
 */
import type { Sequelize } from 'sequelize';
import { fromDb } from '../../core/money.js';
import type { Decimal } from '../../core/money.js';
import type { Currency } from '../../core/ticker.js';
import { rows } from '../sql.js';
import type { PositionInput } from './valuation.js';

export interface WalletWithPositions {
  userId: string;
  nickname: string;
  cash: Decimal;
  reserved: Decimal;
  /** KRW put in from outside the game: starting cash, bailouts, admin adjustments. */
  contributed: Decimal;
  positions: PositionInput[];
}

interface WalletRow {
  user_id: string;
  nickname: string;
  balance_krw: string;
  reserved_krw: string;
  contributed: string | null;
}

interface PositionRow {
  user_id: string;
  ticker_id: string;
  quantity: string;
  reserved_quantity: string;
  average_price: string;
  average_cost_krw: string;
  realized_pnl_krw: string;
  currency: Currency;
}

export class PortfolioRepository {
  constructor(private readonly sequelize: Sequelize) {}

  /** One user (`userId`), or every player (role USER) with a wallet. */
  async load(userId: string | null): Promise<WalletWithPositions[]> {
    const wallets = await rows<WalletRow>(
      this.sequelize,
      `SELECT w.user_id, COALESCE(u.nickname, u.username) AS nickname, w.balance_krw, w.reserved_krw,
              (SELECT sum(l.amount)::text FROM ledger_entries l
                WHERE l.user_id = w.user_id AND l.asset = 'KRW' AND l.kind IN ('STARTING_CASH', 'BAILOUT', 'ADJUSTMENT', 'SEASON_RESET')) AS contributed
         FROM wallets w JOIN users u ON u.id = w.user_id
        WHERE ($1::uuid IS NULL AND u.role = 'USER') OR w.user_id = $1`,
      [userId],
    );
    const positions = await rows<PositionRow>(
      this.sequelize,
      `SELECT user_id, ticker_id, quantity, reserved_quantity, average_price, average_cost_krw, realized_pnl_krw, currency
         FROM portfolios WHERE ($1::uuid IS NULL OR user_id = $1) ORDER BY ticker_id`,
      [userId],
    );
    const byUser = new Map<string, PositionInput[]>();
    for (const p of positions) {
      const list = byUser.get(p.user_id) ?? [];
      list.push({
        tickerId: p.ticker_id,
        quantity: fromDb(p.quantity),
        reservedQuantity: fromDb(p.reserved_quantity),
        averagePrice: fromDb(p.average_price),
        averageCostKrw: fromDb(p.average_cost_krw),
        realizedPnlKrw: fromDb(p.realized_pnl_krw),
        currency: p.currency,
      });
      byUser.set(p.user_id, list);
    }
    return wallets.map((w) => ({
      userId: w.user_id,
      nickname: w.nickname,
      cash: fromDb(w.balance_krw),
      reserved: fromDb(w.reserved_krw),
      contributed: w.contributed === null ? fromDb('0') : fromDb(w.contributed),
      positions: byUser.get(w.user_id) ?? [],
    }));
  }
}

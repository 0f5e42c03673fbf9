/**
 * Reading orders (`orders`) for players (their own only) and admins (everyone's).
 * Amounts leave as decimal strings.
 */
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { fromDb, toJsonString } from '../../core/money.js';
import { decimalOut } from '../http/schemas.js';
import { row, rows } from '../sql.js';

export const ORDER_STATUSES = ['PENDING', 'FILLED', 'CANCELLED', 'FAILED'] as const;

export const orderSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    username: z.string().optional(),
    ticker_id: z.string(),
    side: z.enum(['BUY', 'SELL']),
    type: z.enum(['MARKET', 'LIMIT', 'STOP_LOSS', 'TAKE_PROFIT', 'STOP_LIMIT', 'TRAILING_STOP']),
    status: z.enum(ORDER_STATUSES),
    quantity: decimalOut.nullable(),
    notional_krw: decimalOut.nullable(),
    limit_price: decimalOut.nullable(),
    stop_price: decimalOut.nullable(),
    price: decimalOut.nullable().meta({ description: 'fill price, instrument currency' }),
    filled_quantity: decimalOut.nullable(),
    filled_notional_krw: decimalOut.nullable(),
    fee: decimalOut.nullable().meta({ description: 'KRW' }),
    realized_pnl: decimalOut.nullable().meta({ description: 'KRW' }),
    applied_exchange_rate: decimalOut.nullable().meta({ description: 'KRW per USD, USD instruments only' }),
    fail_reason: z.string().nullable(),
    source: z.enum(['discord', 'api', 'admin', 'bot']),
    placed_at: z.string().nullable(),
    created_at: z.string(),
    filled_at: z.string().nullable(),
  })
  .meta({ id: 'Order' });

export type OrderView = z.infer<typeof orderSchema>;

interface OrderRow {
  id: string;
  user_id: string;
  username?: string;
  ticker_id: string;
  side: OrderView['side'];
  type: OrderView['type'];
  status: OrderView['status'];
  quantity: string | null;
  notional_krw: string | null;
  limit_price: string | null;
  stop_price: string | null;
  price: string | null;
  filled_quantity: string | null;
  filled_notional_krw: string | null;
  fee: string | null;
  realized_pnl: string | null;
  applied_exchange_rate: string | null;
  fail_reason: string | null;
  source: OrderView['source'];
  placed_at: Date | null;
  created_at: Date;
  filled_at: Date | null;
}

const dec = (s: string | null) => (s === null ? null : toJsonString(fromDb(s)));
const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function view(r: OrderRow): OrderView {
  const v: OrderView = {
    id: r.id,
    user_id: r.user_id,
    ticker_id: r.ticker_id,
    side: r.side,
    type: r.type,
    status: r.status,
    quantity: dec(r.quantity),
    notional_krw: dec(r.notional_krw),
    limit_price: dec(r.limit_price),
    stop_price: dec(r.stop_price),
    price: dec(r.price),
    filled_quantity: dec(r.filled_quantity),
    filled_notional_krw: dec(r.filled_notional_krw),
    fee: dec(r.fee),
    realized_pnl: dec(r.realized_pnl),
    applied_exchange_rate: dec(r.applied_exchange_rate),
    fail_reason: r.fail_reason,
    source: r.source,
    placed_at: iso(r.placed_at),
    created_at: r.created_at.toISOString(),
    filled_at: iso(r.filled_at),
  };
  if (r.username !== undefined) v.username = r.username;
  return v;
}

const COLUMNS = `o.id, o.user_id, o.ticker_id, o.side, o.type, o.status, o.quantity, o.notional_krw, o.limit_price, o.stop_price,
  o.price, o.filled_quantity, o.filled_notional_krw, o.fee, o.realized_pnl, o.applied_exchange_rate, o.fail_reason,
  o.source, o.placed_at, o.created_at, o.filled_at`;

export interface OrderFilter {
  userId?: string;
  status?: (typeof ORDER_STATUSES)[number];
  tickerId?: string;
  side?: 'BUY' | 'SELL';
  failReason?: string;
  from?: string;
  to?: string;
  /** Admin search text: username / nickname substring, or an exact order or user id. */
  q?: string;
  limit: number;
  offset: number;
}

export class OrderQueries {
  constructor(private readonly sequelize: Sequelize) {}

  async find(id: string): Promise<OrderView | null> {
    const r = await row<OrderRow>(this.sequelize, `SELECT ${COLUMNS}, u.username FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1`, [id]);
    return r === null ? null : view(r);
  }

  /** Newest first. */
  async search(f: OrderFilter): Promise<OrderView[]> {
    const q = f.q?.trim() ?? '';
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const found = await rows<OrderRow>(
      this.sequelize,
      `SELECT ${COLUMNS}, u.username FROM orders o JOIN users u ON u.id = o.user_id
        WHERE ($1::uuid IS NULL OR o.user_id = $1)
          AND ($2::text IS NULL OR o.status = $2)
          AND ($3::text IS NULL OR o.ticker_id = $3)
          AND ($4::text IS NULL OR o.side = $4)
          AND ($5::text IS NULL OR o.fail_reason = $5)
          AND ($6::timestamptz IS NULL OR o.created_at >= $6)
          AND ($7::timestamptz IS NULL OR o.created_at <= $7)
          AND ($8 = '' OR o.id::text = lower($8) OR o.user_id::text = lower($8) OR u.username ILIKE $9 OR u.nickname ILIKE $9)
        ORDER BY o.created_at DESC, o.id
        LIMIT $10 OFFSET $11`,
      [f.userId ?? null, f.status ?? null, f.tickerId ?? null, f.side ?? null, f.failReason ?? null, f.from ?? null, f.to ?? null, q, pattern, f.limit, f.offset],
    );
    return found.map(view);
  }

  /** Failure reasons with counts over the last `hours` (admin orders page). */
  failureSummary(hours: number): Promise<{ fail_reason: string; count: number }[]> {
    return rows<{ fail_reason: string; count: number }>(
      this.sequelize,
      `SELECT fail_reason, count(*)::int AS count FROM orders
        WHERE status = 'FAILED' AND created_at >= now() - make_interval(hours => $1)
        GROUP BY fail_reason ORDER BY count DESC, fail_reason`,
      [hours],
    );
  }
}

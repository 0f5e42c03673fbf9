/**
 * The daily report (SPEC.md §8): equity snapshots at the end of a KST day, the day's gainer
 * and loser by equity change, and the volume king by number of fills.
 *
 * - Equity (SPEC §5) = cash (`wallets.balance_krw`, which includes reserved cash) + Σ
 *   quantity × price over positions (a short's negative quantity subtracts). Price: the live
 *   quote (`price:{ID}`), else the last candle close before the day's end, else the
 *   position's average cost in KRW. USD prices × USD/KRW (`fx:USDKRW`, else the last
 *   applied rate of a fill). Amounts are exact decimals, rounded to 8 places at the end.
 * - Change = this day's equity − the latest earlier snapshot, or − STARTING_CASH_KRW for a
 *   player without one (a new player).
 * - Gainer: the largest change if positive; loser: the smallest if negative (ties: the
 *   nickname first in order, then the id). Volume king: most FILLED orders with
 *   `filled_at` in the day (ties: who reached it first).
 */
import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { DailyReportData } from '../core/events.js';
import { Decimal, fromDb, roundAmount, toDbString, toJsonString } from '../core/money.js';
import type { QuoteCache } from '../core/ports.js';

interface PlayerRow {
  id: string;
  name: string;
  balance_krw: string;
}

interface PositionRow {
  user_id: string;
  ticker_id: string;
  quantity: string;
  average_cost_krw: string;
  currency: 'KRW' | 'USD' | 'KRW-COIN';
}

export interface PlayerEquity {
  user_id: string;
  nickname: string;
  equity: Decimal;
  previous: Decimal;
  change: Decimal;
}

export interface DailyReportInput {
  sequelize: Sequelize;
  quotes: QuoteCache;
  startingCash: Decimal;
}

const DECIMAL_RE = /^-?[0-9]+(?:\.[0-9]+)?$/;
const dec = (s: string | null | undefined): Decimal | null => (typeof s === 'string' && DECIMAL_RE.test(s.trim()) ? new Decimal(s.trim()) : null);

/** Every player's equity at the end of `day` and their change over it (reads only). */
export async function measureEquity(input: DailyReportInput, day: string, end: Date): Promise<PlayerEquity[]> {
  const seq = input.sequelize;
  const players = await seq.query<PlayerRow>(
    `SELECT u.id, COALESCE(u.nickname, u.username) AS name, w.balance_krw
       FROM users u JOIN wallets w ON w.user_id = u.id
      ORDER BY u.id`,
    { type: QueryTypes.SELECT },
  );
  if (players.length === 0) return [];
  const positions = await seq.query<PositionRow>(
    'SELECT user_id, ticker_id, quantity, average_cost_krw, currency FROM portfolios WHERE quantity <> 0',
    { type: QueryTypes.SELECT },
  );
  const tickerIds = [...new Set(positions.map((p) => p.ticker_id))];
  const prices = new Map<string, Decimal>();
  const live = await input.quotes.getQuotes(tickerIds);
  for (const [id, q] of live) {
    const p = dec(q.price);
    if (p !== null && p.gt(0)) prices.set(id, p);
  }
  const missing = tickerIds.filter((id) => !prices.has(id));
  if (missing.length > 0) {
    const closes = await seq.query<{ ticker_id: string; close: string }>(
      `SELECT DISTINCT ON (ticker_id) ticker_id, close FROM candles
        WHERE ticker_id = ANY($1::text[]) AND bucket_start < $2
        ORDER BY ticker_id, bucket_start DESC`,
      { bind: [missing, end.toISOString()], type: QueryTypes.SELECT },
    );
    for (const c of closes) prices.set(c.ticker_id, fromDb(c.close));
  }
  let fx: Decimal | null = null;
  if (positions.some((p) => p.currency === 'USD')) {
    fx = dec((await input.quotes.getFx())?.rate);
    if (fx === null || !fx.gt(0)) {
      const [last] = await seq.query<{ rate: string }>(
        `SELECT applied_exchange_rate AS rate FROM orders
          WHERE applied_exchange_rate IS NOT NULL AND status = 'FILLED' ORDER BY filled_at DESC LIMIT 1`,
        { type: QueryTypes.SELECT },
      );
      fx = last === undefined ? null : fromDb(last.rate);
    }
  }
  const held = new Map<string, Decimal>();
  for (const p of positions) {
    const qty = fromDb(p.quantity);
    const price = prices.get(p.ticker_id);
    let value: Decimal;
    if (price !== undefined && p.currency !== 'USD') {
      value = qty.times(price);
    } else if (price !== undefined && fx !== null) {
      value = qty.times(price).times(fx);
    } else {
      value = qty.times(fromDb(p.average_cost_krw)); // no price at all: value at cost
    }
    held.set(p.user_id, (held.get(p.user_id) ?? new Decimal(0)).plus(value));
  }
  const previousRows = await seq.query<{ user_id: string; equity_krw: string }>(
    `SELECT DISTINCT ON (user_id) user_id, equity_krw FROM equity_snapshots
      WHERE day < $1::date ORDER BY user_id, day DESC`,
    { bind: [day], type: QueryTypes.SELECT },
  );
  const previous = new Map(previousRows.map((r) => [r.user_id, fromDb(r.equity_krw)]));
  return players.map((pl) => {
    const equity = roundAmount(fromDb(pl.balance_krw).plus(held.get(pl.id) ?? new Decimal(0)));
    const before = previous.get(pl.id) ?? input.startingCash;
    return { user_id: pl.id, nickname: pl.name, equity, previous: before, change: equity.minus(before) };
  });
}

/** Write the day's snapshots (replacing a forced run's earlier ones for the same day). */
export async function writeSnapshots(seq: Sequelize, t: Transaction, day: string, players: readonly PlayerEquity[]): Promise<void> {
  if (players.length === 0) return;
  await seq.query(
    `INSERT INTO equity_snapshots (user_id, day, equity_krw, taken_at)
     SELECT u, $1::date, e, now() FROM unnest($2::uuid[], $3::numeric[]) AS x(u, e)
     ON CONFLICT (user_id, day) DO UPDATE SET equity_krw = EXCLUDED.equity_krw, taken_at = EXCLUDED.taken_at`,
    { bind: [day, players.map((p) => p.user_id), players.map((p) => toDbString(p.equity))], transaction: t },
  );
}

const byName = (a: PlayerEquity, b: PlayerEquity) => a.nickname.localeCompare(b.nickname) || a.user_id.localeCompare(b.user_id);

/** The report's data from measured equity and the day's fills. */
export async function composeReport(
  seq: Sequelize,
  day: string,
  bounds: { start: Date; end: Date },
  players: readonly PlayerEquity[],
  forced: boolean,
): Promise<DailyReportData> {
  const sorted = [...players].sort((a, b) => b.change.comparedTo(a.change) || byName(a, b));
  const top = sorted[0];
  const bottom = [...players].sort((a, b) => a.change.comparedTo(b.change) || byName(a, b))[0];
  const entry = (p: PlayerEquity) => ({
    user_id: p.user_id,
    nickname: p.nickname,
    pnl_krw: toJsonString(p.change),
    equity_krw: toJsonString(p.equity),
  });
  const [king] = await seq.query<{ user_id: string; name: string; n: number }>(
    `SELECT o.user_id, COALESCE(u.nickname, u.username) AS name, count(*)::int AS n, min(o.filled_at) AS first_fill
       FROM orders o JOIN users u ON u.id = o.user_id
      WHERE o.status = 'FILLED' AND o.filled_at >= $1 AND o.filled_at < $2
      GROUP BY o.user_id, u.nickname, u.username
      ORDER BY n DESC, first_fill ASC, o.user_id
      LIMIT 1`,
    { bind: [bounds.start.toISOString(), bounds.end.toISOString()], type: QueryTypes.SELECT },
  );
  return {
    day,
    start: bounds.start.toISOString(),
    end: bounds.end.toISOString(),
    players: players.length,
    gainer: top !== undefined && top.change.gt(0) ? entry(top) : null,
    loser: bottom !== undefined && bottom.change.lt(0) ? entry(bottom) : null,
    volume_king: king === undefined ? null : { user_id: king.user_id, nickname: king.name, trade_count: king.n },
    forced,
  };
}

/**
 * Valuing a player's cash and positions in KRW (pure). SPEC §5: equity
 * E = cash + Σ long value − Σ short value; gross exposure G = Σ |value|.
 *
 * A position without a price (no live quote and no candle yet, or a USD position with no
 * USD/KRW rate) is valued at its cost basis and flagged `priced: false`, so equity is never
 * silently zero. Market values are rounded half-up to 8 decimals (KRW).
 */
import { ZERO, roundAmount, sum, toJsonString } from '../../core/money.js';
import type { Decimal } from '../../core/money.js';
import type { Currency } from '../../core/ticker.js';

export interface PositionInput {
  tickerId: string;
  /** Shares or coins; negative is short. */
  quantity: Decimal;
  reservedQuantity: Decimal;
  /** Average entry price, instrument currency. */
  averagePrice: Decimal;
  /** Average entry cost per share, KRW. */
  averageCostKrw: Decimal;
  realizedPnlKrw: Decimal;
  currency: Currency;
}

/** A price in the instrument's currency and where it came from. */
export interface PricePoint {
  price: Decimal;
  ts: string;
  source: 'live' | 'last_close';
}

export interface HoldingValue {
  ticker_id: string;
  quantity: string;
  reserved_quantity: string;
  currency: Currency;
  average_price: string;
  average_cost_krw: string;
  price: string | null;
  price_ts: string | null;
  price_source: 'live' | 'last_close' | null;
  market_value_krw: string;
  cost_basis_krw: string;
  unrealized_pnl_krw: string;
  realized_pnl_krw: string;
  priced: boolean;
}

export interface Valuation {
  cash_krw: string;
  reserved_krw: string;
  available_krw: string;
  holdings: HoldingValue[];
  long_value_krw: string;
  short_value_krw: string;
  equity_krw: string;
  gross_exposure_krw: string;
  realized_pnl_krw: string;
  unrealized_pnl_krw: string;
  /** KRW per USD used, or null when no rate was needed or known. */
  usd_krw: string | null;
}

/** Numbers of a valuation for ranking (not rounded for display). */
export interface ValuationTotals {
  equity: Decimal;
  realized: Decimal;
}

/**
 * Value `positions` (zero quantities are skipped) with `prices` (by ticker id) and
 * `usdKrw` (KRW per USD).
 */
export function valuePortfolio(
  cash: Decimal,
  reserved: Decimal,
  positions: readonly PositionInput[],
  prices: ReadonlyMap<string, PricePoint>,
  usdKrw: Decimal | null,
): { view: Valuation; totals: ValuationTotals } {
  const holdings: HoldingValue[] = [];
  const values: Decimal[] = [];
  const realized: Decimal[] = [];
  const unrealized: Decimal[] = [];
  let usedFx = false;
  for (const p of positions) {
    realized.push(p.realizedPnlKrw);
    if (p.quantity.isZero()) continue;
    const cost = roundAmount(p.quantity.times(p.averageCostKrw));
    const point = prices.get(p.tickerId);
    let priceKrw: Decimal | null = null;
    if (point !== undefined) {
      if (p.currency === 'USD') {
        if (usdKrw !== null) {
          priceKrw = point.price.times(usdKrw);
          usedFx = true;
        }
      } else priceKrw = point.price;
    }
    const value = priceKrw === null ? cost : roundAmount(p.quantity.times(priceKrw));
    values.push(value);
    unrealized.push(value.minus(cost));
    holdings.push({
      ticker_id: p.tickerId,
      quantity: toJsonString(p.quantity),
      reserved_quantity: toJsonString(p.reservedQuantity),
      currency: p.currency,
      average_price: toJsonString(p.averagePrice),
      average_cost_krw: toJsonString(p.averageCostKrw),
      price: point === undefined ? null : toJsonString(point.price),
      price_ts: point?.ts ?? null,
      price_source: point?.source ?? null,
      market_value_krw: toJsonString(value),
      cost_basis_krw: toJsonString(cost),
      unrealized_pnl_krw: toJsonString(value.minus(cost)),
      realized_pnl_krw: toJsonString(p.realizedPnlKrw),
      priced: priceKrw !== null,
    });
  }
  const long = sum(values.filter((v) => v.isPositive() && !v.isZero()));
  const short = sum(values.filter((v) => v.isNegative())).abs();
  const equity = cash.plus(long).minus(short);
  const realizedTotal = sum(realized);
  return {
    view: {
      cash_krw: toJsonString(cash),
      reserved_krw: toJsonString(reserved),
      available_krw: toJsonString(cash.minus(reserved)),
      holdings,
      long_value_krw: toJsonString(long),
      short_value_krw: toJsonString(short),
      equity_krw: toJsonString(equity),
      gross_exposure_krw: toJsonString(long.plus(short)),
      realized_pnl_krw: toJsonString(realizedTotal),
      unrealized_pnl_krw: toJsonString(unrealized.length === 0 ? ZERO : sum(unrealized)),
      usd_krw: usedFx && usdKrw !== null ? toJsonString(usdKrw) : null,
    },
    totals: { equity, realized: realizedTotal },
  };
}

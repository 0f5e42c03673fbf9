/**
 * Valuing a player's account in KRW: holdings at current prices, equity, unrealized and
 * realized PnL (SPEC §5: equity E = cash + Σ long value − Σ short value; quantities are
 * signed, so E = cash + Σ quantity × price in KRW). Pure: no I/O, decimals only.
 */
import { Decimal, ZERO, roundAmount, sum } from '../core/money.js';
import type { Currency } from '../core/ticker.js';

/** One position as stored in `portfolios` (quantity signed: negative is short). */
export interface Holding {
  tickerId: string;
  currency: Currency;
  quantity: Decimal;
  /** Average price in the instrument's currency. */
  averagePrice: Decimal;
  /** Average cost per unit in KRW (FX of the buys included). */
  averageCostKrw: Decimal;
  realizedPnlKrw: Decimal;
}

/** How a holding's price was found. */
export type PriceBasis = 'live' | 'candle' | 'cost';

/** A holding valued in KRW. */
export interface ValuedHolding extends Holding {
  /** Price used, in the instrument's currency. */
  price: Decimal;
  basis: PriceBasis;
  /** quantity × price (× USD/KRW for USD), 8 decimals; negative for shorts. */
  valueKrw: Decimal;
  /** valueKrw − quantity × averageCostKrw. */
  unrealizedKrw: Decimal;
}

/** The account valued. All KRW, 8 decimals. */
export interface AccountValue {
  cashKrw: Decimal;
  holdings: ValuedHolding[];
  /** cash + Σ valueKrw. */
  equityKrw: Decimal;
  /** Σ |valueKrw|. */
  grossExposureKrw: Decimal;
  unrealizedKrw: Decimal;
  /** Σ realizedPnlKrw over every row, open or closed. */
  realizedKrw: Decimal;
}

/** A price known for a ticker, and whether it is a live quote or a candle close. */
export interface KnownPrice {
  price: Decimal;
  basis: 'live' | 'candle';
}

/**
 * Value `holdings` with `prices` (instrument currency) and `usdKrw` (KRW per USD).
 * A holding without a price is valued at its average price (basis `cost`); a USD holding
 * without a rate is valued at its average KRW cost. Rows with zero quantity add only
 * their realized PnL.
 */
export function valueAccount(
  cashKrw: Decimal,
  holdings: readonly Holding[],
  prices: ReadonlyMap<string, KnownPrice>,
  usdKrw: Decimal | null,
): AccountValue {
  const valued: ValuedHolding[] = [];
  for (const h of holdings) {
    if (h.quantity.isZero()) continue;
    const known = prices.get(h.tickerId);
    const price = known?.price ?? h.averagePrice;
    let basis: PriceBasis = known?.basis ?? 'cost';
    let valueKrw: Decimal;
    if (h.currency === 'USD') {
      if (usdKrw === null) {
        valueKrw = roundAmount(h.quantity.times(h.averageCostKrw));
        basis = 'cost';
      } else {
        valueKrw = roundAmount(h.quantity.times(price).times(usdKrw));
      }
    } else {
      valueKrw = roundAmount(h.quantity.times(price));
    }
    const unrealizedKrw = valueKrw.minus(roundAmount(h.quantity.times(h.averageCostKrw)));
    valued.push({ ...h, price, basis, valueKrw, unrealizedKrw });
  }
  const holdingsValue = sum(valued.map((v) => v.valueKrw));
  return {
    cashKrw,
    holdings: valued,
    equityKrw: cashKrw.plus(holdingsValue),
    grossExposureKrw: sum(valued.map((v) => v.valueKrw.abs())),
    unrealizedKrw: sum(valued.map((v) => v.unrealizedKrw)),
    realizedKrw: holdings.reduce((acc, h) => acc.plus(h.realizedPnlKrw), new Decimal(ZERO)),
  };
}

/**
 * Settlement of one order against one price: the game's trading rules, pure (SPEC §2, §5).
 *
 * {@link settle} decides whether an order fills and, when it does, everything that moves:
 * the fill (quantity, price, KRW notional, fee, realized PnL, FX rate), the account and the
 * position after it, and the double-entry ledger legs — which sum to zero per asset by
 * construction. The engine calls it inside the settling transaction, with the wallet and
 * position rows locked, and writes what it returns.
 *
 * Rules and rounding (SPEC §2, §5):
 * - Execution price: MARKET orders fill at the quote's price, in the instrument's currency.
 *   USD instruments convert at the `fx:USDKRW` rate: `price_krw = price × rate` (exact), and
 *   the order records `applied_exchange_rate`. KRW and KRW-COIN instruments use rate 1.
 * - Notional (KRW) = `price_krw × quantity`, rounded half-up to 8 decimals.
 * - Fee = `feeFor(notional, TRADING_FEE_RATE)`, rounded UP to 8 decimals, paid to `house:fees`.
 * - BUY by quantity costs `notional + fee`. BUY by `notional_krw` N: the largest quantity
 *   (8 decimals, rounded down) whose `notional + fee ≤ N`.
 * - SELL by quantity receives `notional − fee`. SELL by `notional_krw` N sells
 *   `floor8(N / price_krw)` shares (N is the gross value). SELL `all` sells the whole position.
 * - Average price (instrument currency, fees excluded) and average cost (KRW per share, buy
 *   fees included) are volume-weighted on buys, rounded half-up to 8 decimals, kept on sells,
 *   and reset to 0 when the position closes.
 * - Realized PnL (KRW) on a sell = `(notional − fee) − quantity × average_cost_krw`, rounded
 *   half-up to 8 decimals: a round trip at one price shows both fees as the loss.
 * - Ledger, one compound entry per fill (`txn_id` = order id): the player's cash moves once by
 *   the signed cash delta (TRADE), `market:<T>` takes the notional (TRADE) and `house:fees`
 *   the fee (FEE); shares move between `market:<T>` and the player (TRADE). The market
 *   account is the counterparty of every market fill.
 *
 * Rejections, checked in this order: `ACCOUNT_SUSPENDED`, `UNKNOWN_TICKER`,
 * `UNSUPPORTED_ORDER_TYPE`, `MARKET_CLOSED`, `STALE_PRICE`, `STALE_FX`, `INVALID_QUANTITY`,
 * `INSUFFICIENT_FUNDS` / `INSUFFICIENT_SHARES`.
 *
 * Designed to grow: the execution price is chosen per order type ({@link executionPrice}: a
 * LIMIT fills at its limit or better), positions are signed (negative = short) and carry
 * their own average, and the funds check is one function where margin (`MAX_LEVERAGE`) will
 * plug in. Shorting, reservations of pending orders and liquidation come in later issues.
 */
import { ErrorCode, err, ok } from './errors.js';
import type { Result } from './errors.js';
import type { Market } from './calendar.js';
import type { OrderSide, OrderSize, OrderType } from './order-message.js';
import type { FxRate, Quote } from './ports.js';
import { MAX_ABS, MIN_UNIT, ZERO, divDown, feeFor, parsePrice, roundAmount } from './money.js';
import type { Decimal } from './money.js';
import type { Currency } from './ticker.js';

/** Why {@link settle} refused an order: the order's `fail_reason`. */
export type SettleRejectCode =
  | ErrorCode.ACCOUNT_SUSPENDED
  | ErrorCode.UNKNOWN_TICKER
  | ErrorCode.UNSUPPORTED_ORDER_TYPE
  | ErrorCode.MARKET_CLOSED
  | ErrorCode.STALE_PRICE
  | ErrorCode.STALE_FX
  | ErrorCode.INVALID_QUANTITY
  | ErrorCode.INSUFFICIENT_FUNDS
  | ErrorCode.INSUFFICIENT_SHARES;

/** The order as settlement sees it (terms already validated by `orderTermsOf`). */
export interface SettleOrder {
  readonly orderId: string;
  readonly userId: string;
  readonly tickerId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly size: OrderSize;
  /** Limit price in the instrument's currency (LIMIT and STOP_LIMIT; unused by MARKET). */
  readonly limitPrice: Decimal | null;
}

/** An instrument of the `tickers` catalogue. */
export interface Instrument {
  readonly tickerId: string;
  readonly market: Market;
  readonly currency: Currency;
  readonly active: boolean;
}

/** A player's cash (KRW), as locked in `wallets`. */
export interface Account {
  /** Cash in KRW, ≥ 0. */
  readonly balanceKrw: Decimal;
  /** KRW held by pending orders (not spendable). */
  readonly reservedKrw: Decimal;
  readonly suspended: boolean;
}

/** A player's position in one instrument, as locked in `portfolios`. */
export interface Position {
  /** Shares or coins; negative means short (SPEC §3). */
  readonly quantity: Decimal;
  /** Shares held by pending sell orders. */
  readonly reservedQuantity: Decimal;
  /** Average entry price in the instrument's currency, fees excluded. */
  readonly averagePrice: Decimal;
  /** Average entry cost in KRW per share, buy fees included. */
  readonly averageCostKrw: Decimal;
  /** Realized PnL so far, KRW. */
  readonly realizedPnlKrw: Decimal;
  readonly currency: Currency;
}

/** A flat position in `currency` (what a player holds before the first fill). */
export function emptyPosition(currency: Currency): Position {
  return { quantity: ZERO, reservedQuantity: ZERO, averagePrice: ZERO, averageCostKrw: ZERO, realizedPnlKrw: ZERO, currency };
}

/** Everything {@link settle} needs besides the order, the prices and the rows. */
export interface SettleParams {
  /** The engine's clock time of settlement. */
  readonly now: Date;
  /** The instrument, or null when the catalogue has no such ticker. */
  readonly instrument: Instrument | null;
  /** Whether the instrument's market is open at `now` (from the market calendar). */
  readonly marketOpen: boolean;
  /** `TRADING_FEE_RATE`, a fraction (0.001 = 0.1 %). */
  readonly feeRate: Decimal;
  /** `PRICE_STALE_MS`: a quote older than this fails with `STALE_PRICE`. */
  readonly priceStaleMs: number;
  /** `FX_STALE_MS`: a USD/KRW rate older than this fails USD orders with `STALE_FX`. */
  readonly fxStaleMs: number;
  /** `WHALE_ALERT_THRESHOLD_KRW`: a fill whose notional reaches it is a whale trade. */
  readonly whaleThresholdKrw: Decimal;
}

/** Ledger account of a user (`user:<uuid>`). */
export const userAccount = (userId: string): string => `user:${userId}`;
/** Ledger account of the market counterparty of a ticker (`market:<TICKER>`). */
export const marketAccount = (tickerId: string): string => `market:${tickerId}`;
/** Ledger account collecting trading fees. */
export const HOUSE_FEES_ACCOUNT = 'house:fees';
/** Ledger account that mints starting cash. */
export const MINT_ACCOUNT = 'system:mint';

/** One ledger row to write (`ledger_entries`). `amount` is non-zero, signed. */
export interface LedgerLeg {
  readonly account: string;
  /** Set exactly when `account` is `user:<id>`. */
  readonly userId: string | null;
  /** `KRW` or a ticker id. */
  readonly asset: string;
  readonly amount: Decimal;
  readonly kind: 'TRADE' | 'FEE' | 'STARTING_CASH';
}

/** A filled order: what moved and the state after it. */
export interface Fill {
  readonly side: OrderSide;
  /** Shares or coins filled, > 0, ≤ 8 decimals. */
  readonly quantity: Decimal;
  /** Execution price in the instrument's currency. */
  readonly price: Decimal;
  readonly currency: Currency;
  /** KRW per unit of the instrument's currency applied (null for KRW instruments). */
  readonly appliedExchangeRate: Decimal | null;
  /** KRW value of the fill before fee, > 0, 8 decimals. */
  readonly notionalKrw: Decimal;
  /** Fee in KRW, ≥ 0, rounded up to 8 decimals. */
  readonly feeKrw: Decimal;
  /** Signed change of cash: `−(notional + fee)` on a buy, `notional − fee` on a sell. */
  readonly cashDeltaKrw: Decimal;
  /** Realized PnL of this fill in KRW (0 on a buy that opens or adds). */
  readonly realizedPnlKrw: Decimal;
  /** Whether the notional reaches the whale threshold. */
  readonly whale: boolean;
  readonly account: Account;
  readonly position: Position;
  /** Ledger rows, summing to zero per asset. */
  readonly legs: readonly LedgerLeg[];
}

/** Half of the smallest step: notionals round half-up to 8 decimals. */
const HALF_UNIT = MIN_UNIT.div(2);

type Reject = { readonly ok: false; readonly error: { readonly code: SettleRejectCode; readonly message: string; readonly details?: Record<string, unknown> } };

const reject = (code: SettleRejectCode, message: string, details?: Record<string, unknown>): Reject => err(code, message, details);

/** Age of an ISO timestamp at `now` in ms, or null when unreadable. */
function ageMs(ts: string, now: Date): number | null {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? null : now.getTime() - t;
}

/** Whether a timestamped value is usable at `now`: readable and `-staleMs ≤ age ≤ staleMs`. */
function fresh(ts: string, now: Date, staleMs: number): boolean {
  const age = ageMs(ts, now);
  return age !== null && age <= staleMs && age >= -staleMs;
}

/**
 * The price at which `order` executes against `quotePrice`, or null when it does not
 * execute now. MARKET: the quote. Other types: not settled by this engine yet.
 */
export function executionPrice(order: Pick<SettleOrder, 'type'>, quotePrice: Decimal): Decimal | null {
  switch (order.type) {
    case 'MARKET':
      return quotePrice;
    case 'LIMIT':
    case 'STOP_LOSS':
    case 'TAKE_PROFIT':
    case 'STOP_LIMIT':
    case 'TRAILING_STOP':
      return null;
  }
}

/**
 * The largest quantity (8 decimals) whose `round8(q × priceKrw) + feeFor(notional) ≤ budget`,
 * or zero. Exact, in two steps: the largest 8-dp notional `n` whose fee still fits
 * (`n = floor8(budget / (1 + rate))`, lowered by at most a few 10^-8 for the fee's rounding
 * up — fees grow with the notional, so every smaller notional fits too), then the largest
 * quantity whose notional rounds (half-up) to at most `n`: `q × priceKrw < n + 0.5 × 10^-8`.
 */
export function quantityForBudget(budgetKrw: Decimal, priceKrw: Decimal, feeRate: Decimal): Decimal {
  let notional = divDown(budgetKrw, feeRate.plus(1));
  for (let i = 0; i < 10 && notional.isGreaterThan(0) && notional.plus(feeFor(notional, feeRate)).isGreaterThan(budgetKrw); i += 1) {
    notional = notional.minus(MIN_UNIT);
  }
  if (!notional.isGreaterThan(0)) return ZERO;
  const bound = notional.plus(HALF_UNIT);
  let q = divDown(bound, priceKrw);
  if (q.times(priceKrw).isGreaterThanOrEqualTo(bound)) q = q.minus(MIN_UNIT);
  for (let i = 0; i < 10 && q.isGreaterThan(0); i += 1) {
    const n = roundAmount(q.times(priceKrw));
    if (n.plus(feeFor(n, feeRate)).isLessThanOrEqualTo(budgetKrw)) return q;
    q = q.minus(MIN_UNIT);
  }
  return ZERO;
}

/**
 * Settle `order` at the current quote.
 *
 * @param quote the latest `price:{TICKER}` quote, or null when there is none (expired).
 * @param fx the latest `fx:USDKRW` rate, or null; only read for USD instruments.
 * @param account the player's wallet, locked.
 * @param position the player's position in the ticker, locked; null when there is none.
 * @returns the {@link Fill}, or a rejection whose `code` becomes the order's `fail_reason`
 *   and whose `message` is shown to the player.
 */
export function settle(
  order: SettleOrder,
  quote: Quote | null,
  fx: FxRate | null,
  account: Account,
  position: Position | null,
  params: SettleParams,
): Result<Fill, SettleRejectCode> {
  if (account.suspended) return reject(ErrorCode.ACCOUNT_SUSPENDED, 'your account is suspended; orders are refused');
  const instrument = params.instrument;
  if (instrument === null || !instrument.active) {
    return reject(ErrorCode.UNKNOWN_TICKER, `${order.tickerId} is not a listed instrument`, { ticker_id: order.tickerId });
  }
  if (order.type !== 'MARKET') {
    return reject(ErrorCode.UNSUPPORTED_ORDER_TYPE, `${order.type} orders are not accepted yet; use a market order`);
  }
  if (!params.marketOpen) {
    return reject(ErrorCode.MARKET_CLOSED, `the ${instrument.market} market is closed`, { market: instrument.market });
  }

  const quotePrice = quote !== null && quote.ticker_id === order.tickerId ? parsePrice(quote.price) : null;
  if (quote === null || quotePrice === null || !quotePrice.ok || !fresh(quote.ts, params.now, params.priceStaleMs)) {
    return reject(ErrorCode.STALE_PRICE, `no price of ${order.tickerId} fresher than ${params.priceStaleMs} ms`, {
      quote_ts: quote?.ts ?? null,
    });
  }
  const price = executionPrice(order, quotePrice.value);
  if (price === null) {
    return reject(ErrorCode.UNSUPPORTED_ORDER_TYPE, `${order.type} orders are not accepted yet; use a market order`);
  }

  let rate: Decimal | null = null;
  if (instrument.currency === 'USD') {
    const parsed = fx === null ? null : parsePrice(fx.rate);
    if (fx === null || parsed === null || !parsed.ok || !fresh(fx.ts, params.now, params.fxStaleMs)) {
      return reject(ErrorCode.STALE_FX, `no USD/KRW rate fresher than ${params.fxStaleMs} ms`, { fx_ts: fx?.ts ?? null });
    }
    rate = parsed.value;
  }
  const priceKrw = rate === null ? price : price.times(rate);
  const held = position ?? emptyPosition(instrument.currency);
  const availableShares = held.quantity.minus(held.reservedQuantity);
  const availableCash = account.balanceKrw.minus(account.reservedKrw);

  // How many shares.
  let quantity: Decimal;
  switch (order.size.kind) {
    case 'quantity':
      quantity = order.size.quantity;
      break;
    case 'notional':
      quantity =
        order.side === 'BUY'
          ? quantityForBudget(order.size.notionalKrw, priceKrw, params.feeRate)
          : divDown(order.size.notionalKrw, priceKrw);
      if (quantity.isZero()) {
        return reject(ErrorCode.INVALID_QUANTITY, `the amount is too small to trade one unit step of ${order.tickerId}`, {
          price_krw: roundAmount(priceKrw).toFixed(),
        });
      }
      break;
    case 'all':
      if (order.side !== 'SELL') return reject(ErrorCode.INVALID_QUANTITY, 'quantity "all" is only for selling');
      if (!availableShares.isGreaterThan(0)) {
        return reject(ErrorCode.INSUFFICIENT_SHARES, `you hold no ${order.tickerId} to sell`, { held: availableShares.toFixed() });
      }
      quantity = availableShares;
      break;
  }
  const notionalKrw = roundAmount(quantity.times(priceKrw));
  if (notionalKrw.isZero()) {
    return reject(ErrorCode.INVALID_QUANTITY, 'the order is worth less than 0.00000001 KRW', { quantity: quantity.toFixed() });
  }
  if (notionalKrw.isGreaterThanOrEqualTo(MAX_ABS)) {
    return reject(ErrorCode.INVALID_QUANTITY, 'the order is too large', { notional_krw: notionalKrw.toFixed() });
  }
  const feeKrw = feeFor(notionalKrw, params.feeRate);

  let cashDeltaKrw: Decimal;
  let realizedPnlKrw = ZERO;
  let after: Position;
  if (order.side === 'BUY') {
    const cost = notionalKrw.plus(feeKrw);
    if (cost.isGreaterThan(availableCash)) {
      return reject(ErrorCode.INSUFFICIENT_FUNDS, 'not enough cash for this order and its fee', {
        needed_krw: cost.toFixed(),
        available_krw: availableCash.toFixed(),
      });
    }
    cashDeltaKrw = cost.negated();
    const newQty = held.quantity.plus(quantity);
    after = {
      ...held,
      quantity: newQty,
      averagePrice: roundAmount(held.quantity.times(held.averagePrice).plus(quantity.times(price)).div(newQty)),
      averageCostKrw: roundAmount(held.quantity.times(held.averageCostKrw).plus(cost).div(newQty)),
    };
  } else {
    if (quantity.isGreaterThan(availableShares)) {
      return reject(ErrorCode.INSUFFICIENT_SHARES, `you hold ${availableShares.toFixed()} ${order.tickerId} to sell`, {
        wanted: quantity.toFixed(),
        held: availableShares.toFixed(),
      });
    }
    const proceeds = notionalKrw.minus(feeKrw);
    cashDeltaKrw = proceeds;
    realizedPnlKrw = roundAmount(proceeds.minus(quantity.times(held.averageCostKrw)));
    const newQty = held.quantity.minus(quantity);
    after = {
      ...held,
      quantity: newQty,
      averagePrice: newQty.isZero() ? ZERO : held.averagePrice,
      averageCostKrw: newQty.isZero() ? ZERO : held.averageCostKrw,
      realizedPnlKrw: held.realizedPnlKrw.plus(realizedPnlKrw),
    };
  }

  // One compound entry: the player's cash moves once (notional and fee together), split
  // between the market (notional) and the house (fee); shares move market ↔ player.
  const user = userAccount(order.userId);
  const market = marketAccount(order.tickerId);
  const shareSign = order.side === 'BUY' ? 1 : -1;
  const legs: LedgerLeg[] = [
    { account: user, userId: order.userId, asset: 'KRW', amount: cashDeltaKrw, kind: 'TRADE' },
    { account: market, userId: null, asset: 'KRW', amount: notionalKrw.times(shareSign), kind: 'TRADE' },
    { account: user, userId: order.userId, asset: order.tickerId, amount: quantity.times(shareSign), kind: 'TRADE' },
    { account: market, userId: null, asset: order.tickerId, amount: quantity.times(-shareSign), kind: 'TRADE' },
  ];
  if (!feeKrw.isZero()) legs.push({ account: HOUSE_FEES_ACCOUNT, userId: null, asset: 'KRW', amount: feeKrw, kind: 'FEE' });

  return ok({
    side: order.side,
    quantity,
    price,
    currency: instrument.currency,
    appliedExchangeRate: rate,
    notionalKrw,
    feeKrw,
    cashDeltaKrw,
    realizedPnlKrw,
    whale: notionalKrw.isGreaterThanOrEqualTo(params.whaleThresholdKrw),
    account: { ...account, balanceKrw: account.balanceKrw.plus(cashDeltaKrw) },
    position: after,
    legs,
  });
}

/** Ledger legs that mint a new player's starting cash (`system:mint → user`, STARTING_CASH). */
export function startingCashLegs(userId: string, amountKrw: Decimal): LedgerLeg[] {
  return [
    { account: MINT_ACCOUNT, userId: null, asset: 'KRW', amount: amountKrw.negated(), kind: 'STARTING_CASH' },
    { account: userAccount(userId), userId, asset: 'KRW', amount: amountKrw, kind: 'STARTING_CASH' },
  ];
}


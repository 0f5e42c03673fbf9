import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { Decimal, feeFor, roundAmount } from './money.js';
import type { OrderSide, OrderSize } from './order-message.js';
import type { FxRate, Quote } from './ports.js';
import { emptyPosition, quantityForBudget, settle } from './settle.js';
import type { Account, Fill, Instrument, LedgerLeg, Position, SettleOrder, SettleParams } from './settle.js';

const NOW = new Date('2026-11-25T15:00:00.000Z');
const USER = '11111111-2222-5333-8444-555555555555';
const BTC: Instrument = { tickerId: 'CRYPTO-COIN-BTC', market: 'CRYPTO', currency: 'KRW-COIN', active: true };
const AAPL: Instrument = { tickerId: 'US-STOCK-AAPL', market: 'US', currency: 'USD', active: true };
const d = (x: string) => new Decimal(x);

const params = (over: Partial<SettleParams> = {}): SettleParams => ({
  now: NOW,
  instrument: BTC,
  marketOpen: true,
  feeRate: d('0.001'),
  priceStaleMs: 5_000,
  fxStaleMs: 60_000,
  whaleThresholdKrw: d('10000000'),
  ...over,
});
const quote = (price: string, over: Partial<Quote> = {}): Quote => ({
  ticker_id: BTC.tickerId,
  price,
  currency: 'KRW-COIN',
  change_pct: '0',
  volume: '0',
  ts: NOW.toISOString(),
  source: 'test',
  ...over,
});
const fx = (rate: string, ageMs = 0): FxRate => ({ pair: 'USDKRW', rate, ts: new Date(NOW.getTime() - ageMs).toISOString(), source: 'test' });
const account = (cash: string): Account => ({ balanceKrw: d(cash), reservedKrw: d('0'), suspended: false });
const order = (side: OrderSide, size: OrderSize, over: Partial<SettleOrder> = {}): SettleOrder => ({
  orderId: '99999999-2222-4333-8444-555555555555',
  userId: USER,
  tickerId: BTC.tickerId,
  side,
  type: 'MARKET',
  size,
  limitPrice: null,
  ...over,
});
const qty = (q: string): OrderSize => ({ kind: 'quantity', quantity: d(q) });
const krw = (n: string): OrderSize => ({ kind: 'notional', notionalKrw: d(n) });

function sumsPerAsset(legs: readonly LedgerLeg[]): Map<string, Decimal> {
  const m = new Map<string, Decimal>();
  for (const l of legs) m.set(l.asset, (m.get(l.asset) ?? d('0')).plus(l.amount));
  return m;
}
function filled(r: ReturnType<typeof settle>): Fill {
  if (!r.ok) throw new Error(`expected a fill, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('GIVEN a player with cash buying BTC at market', () => {
  it('THEN the fill costs notional + fee (rounded up), the position and average cost are set, and the ledger balances', () => {
    const f = filled(settle(order('BUY', qty('0.5')), quote('100000000'), null, account('100000000'), null, params()));
    expect(f.notionalKrw.toFixed()).toBe('50000000');
    expect(f.feeKrw.toFixed()).toBe('50000');
    expect(f.cashDeltaKrw.toFixed()).toBe('-50050000');
    expect(f.account.balanceKrw.toFixed()).toBe('49950000');
    expect(f.position.quantity.toFixed()).toBe('0.5');
    expect(f.position.averagePrice.toFixed()).toBe('100000000');
    expect(f.position.averageCostKrw.toFixed()).toBe('100100000');
    expect(f.whale).toBe(true);
    for (const s of sumsPerAsset(f.legs).values()) expect(s.isZero()).toBe(true);
    expect(f.legs.filter((l) => l.account === 'house:fees').map((l) => l.amount.toFixed())).toEqual(['50000']);
  });

  it('THEN buying by KRW amount spends at most the amount, fee included, and as much of it as 8 decimals allow', () => {
    const f = filled(settle(order('BUY', krw('1000000')), quote('123456789.12'), null, account('100000000'), null, params()));
    const cost = f.notionalKrw.plus(f.feeKrw);
    expect(cost.isLessThanOrEqualTo('1000000')).toBe(true);
    const oneMore = f.quantity.plus('0.00000001');
    const n = roundAmount(oneMore.times('123456789.12'));
    expect(n.plus(feeFor(n, d('0.001'))).isGreaterThan('1000000')).toBe(true);
  });

  it('THEN selling realizes PnL against the average cost, fees on both sides included', () => {
    const bought = filled(settle(order('BUY', qty('1')), quote('1000'), null, account('10000'), null, params()));
    const sold = filled(settle(order('SELL', qty('1')), quote('1100'), null, bought.account, bought.position, params()));
    // proceeds 1100 − fee 1.1 − cost 1000 × 1 − buy fee 1 = 97.9
    expect(sold.realizedPnlKrw.toFixed()).toBe('97.9');
    expect(sold.position.quantity.isZero()).toBe(true);
    expect(sold.position.averagePrice.isZero()).toBe(true);
    expect(sold.account.balanceKrw.toFixed()).toBe('10097.9');
  });

  it('THEN a USD stock converts at the FX rate and records it', () => {
    const f = filled(
      settle(order('BUY', qty('2'), { tickerId: AAPL.tickerId }), quote('200.5', { ticker_id: AAPL.tickerId, currency: 'USD' }), fx('1400.25'), account('1000000'), null, params({ instrument: AAPL })),
    );
    expect(f.appliedExchangeRate?.toFixed()).toBe('1400.25');
    expect(f.notionalKrw.toFixed()).toBe('561500.25');
    expect(f.position.averagePrice.toFixed()).toBe('200.5');
    expect(f.currency).toBe('USD');
  });
});

describe('GIVEN orders that must be refused', () => {
  const cases: [string, () => ReturnType<typeof settle>, ErrorCode][] = [
    ['a suspended account', () => settle(order('BUY', qty('1')), quote('1'), null, { ...account('10'), suspended: true }, null, params()), ErrorCode.ACCOUNT_SUSPENDED],
    ['an unknown ticker', () => settle(order('BUY', qty('1')), quote('1'), null, account('10'), null, params({ instrument: null })), ErrorCode.UNKNOWN_TICKER],
    ['an inactive ticker', () => settle(order('BUY', qty('1')), quote('1'), null, account('10'), null, params({ instrument: { ...BTC, active: false } })), ErrorCode.UNKNOWN_TICKER],
    ['a LIMIT order', () => settle(order('BUY', qty('1'), { type: 'LIMIT' }), quote('1'), null, account('10'), null, params()), ErrorCode.UNSUPPORTED_ORDER_TYPE],
    ['a closed market', () => settle(order('BUY', qty('1')), quote('1'), null, account('10'), null, params({ marketOpen: false })), ErrorCode.MARKET_CLOSED],
    ['no quote', () => settle(order('BUY', qty('1')), null, null, account('10'), null, params()), ErrorCode.STALE_PRICE],
    ['a 6 s old quote', () => settle(order('BUY', qty('1')), quote('1', { ts: new Date(NOW.getTime() - 6_000).toISOString() }), null, account('10'), null, params()), ErrorCode.STALE_PRICE],
    ['a quote of another ticker', () => settle(order('BUY', qty('1')), quote('1', { ticker_id: 'CRYPTO-COIN-ETH' }), null, account('10'), null, params()), ErrorCode.STALE_PRICE],
    ['a malformed price', () => settle(order('BUY', qty('1')), quote('NaN'), null, account('10'), null, params()), ErrorCode.STALE_PRICE],
    ['USD without FX', () => settle(order('BUY', qty('1'), { tickerId: AAPL.tickerId }), quote('1', { ticker_id: AAPL.tickerId }), null, account('10000'), null, params({ instrument: AAPL })), ErrorCode.STALE_FX],
    ['USD with stale FX', () => settle(order('BUY', qty('1'), { tickerId: AAPL.tickerId }), quote('1', { ticker_id: AAPL.tickerId }), fx('1400', 61_000), account('10000'), null, params({ instrument: AAPL })), ErrorCode.STALE_FX],
    ['a quantity worth under 1e-8 KRW', () => settle(order('BUY', qty('0.00000001')), quote('0.1'), null, account('10'), null, params()), ErrorCode.INVALID_QUANTITY],
    ['an amount too small for one unit step', () => settle(order('BUY', krw('0.00000001')), quote('100'), null, account('10'), null, params()), ErrorCode.INVALID_QUANTITY],
    ['not enough cash for the fee', () => settle(order('BUY', qty('1')), quote('10'), null, account('10'), null, params()), ErrorCode.INSUFFICIENT_FUNDS],
    ['selling more than held', () => settle(order('SELL', qty('2')), quote('10'), null, account('10'), { ...emptyPosition('KRW-COIN'), quantity: d('1') }, params()), ErrorCode.INSUFFICIENT_SHARES],
    ['selling all of nothing', () => settle(order('SELL', { kind: 'all' }), quote('10'), null, account('10'), null, params()), ErrorCode.INSUFFICIENT_SHARES],
    ['selling reserved shares', () => settle(order('SELL', qty('1')), quote('10'), null, account('10'), { ...emptyPosition('KRW-COIN'), quantity: d('1'), reservedQuantity: d('0.5') }, params()), ErrorCode.INSUFFICIENT_SHARES],
  ];
  it.each(cases)('THEN %s is refused with its code', (_what, run, code) => {
    const r = run();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(5);
    }
  });
});

describe('GIVEN random sequences of market orders on one position', () => {
  it('THEN cash never goes negative, the ledger balances per asset every time, and cash equals start − Σbuy costs + Σsell proceeds', () => {
    const step = fc.record({
      side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
      size: fc.oneof(
        fc.integer({ min: 1, max: 500_000_000 }).map((n): OrderSize => ({ kind: 'quantity', quantity: new Decimal(n).shiftedBy(-8) })),
        fc.integer({ min: 1, max: 50_000_000 }).map((n): OrderSize => ({ kind: 'notional', notionalKrw: new Decimal(n) })),
        fc.constant<OrderSize>({ kind: 'all' }),
      ),
      price: fc.integer({ min: 1, max: 10_000_000_000 }).map((n) => new Decimal(n).shiftedBy(-3).toFixed()),
      feeBps: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let acct = account('100000000');
        let pos: Position | null = null;
        let expectedCash = d('100000000');
        let expectedQty = d('0');
        for (const s of steps) {
          const r = settle(order(s.side, s.size), quote(s.price), null, acct, pos, params({ feeRate: new Decimal(s.feeBps).shiftedBy(-4) }));
          if (!r.ok) continue;
          const f = r.value;
          for (const sum of sumsPerAsset(f.legs).values()) expect(sum.isZero()).toBe(true);
          expect(f.legs.every((l) => (l.account.startsWith('user:') ? l.userId === USER : l.userId === null))).toBe(true);
          expect(f.quantity.isGreaterThan(0)).toBe(true);
          expect(f.feeKrw.isEqualTo(feeFor(f.notionalKrw, new Decimal(s.feeBps).shiftedBy(-4)))).toBe(true);
          if (s.size.kind === 'notional' && s.side === 'BUY') expect(f.notionalKrw.plus(f.feeKrw).isLessThanOrEqualTo(s.size.notionalKrw)).toBe(true);
          expectedCash = s.side === 'BUY' ? expectedCash.minus(f.notionalKrw).minus(f.feeKrw) : expectedCash.plus(f.notionalKrw).minus(f.feeKrw);
          expectedQty = s.side === 'BUY' ? expectedQty.plus(f.quantity) : expectedQty.minus(f.quantity);
          acct = f.account;
          pos = f.position;
          expect(acct.balanceKrw.isNegative()).toBe(false);
          expect(pos.quantity.isNegative()).toBe(false);
          expect(acct.balanceKrw.isEqualTo(expectedCash)).toBe(true);
          expect(pos.quantity.isEqualTo(expectedQty)).toBe(true);
          expect((acct.balanceKrw.decimalPlaces() ?? 0) <= 8 && (pos.quantity.decimalPlaces() ?? 0) <= 8).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('THEN quantityForBudget is the largest 8-dp quantity that fits the budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 11 }), fc.integer({ min: 1, max: 10 ** 12 }), fc.integer({ min: 0, max: 1000 }), (budget, price, bps) => {
        const b = new Decimal(budget).shiftedBy(-2);
        const p = new Decimal(price).shiftedBy(-4);
        const rate = new Decimal(bps).shiftedBy(-4);
        const q = quantityForBudget(b, p, rate);
        const cost = (x: Decimal) => {
          const n = roundAmount(x.times(p));
          return n.plus(feeFor(n, rate));
        };
        if (q.isGreaterThan(0)) expect(cost(q).isLessThanOrEqualTo(b)).toBe(true);
        expect(cost(q.plus('0.00000001')).isGreaterThan(b)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, ZERO } from '../../core/money.js';
import type { PositionInput, PricePoint } from './valuation.js';
import { valuePortfolio } from './valuation.js';

const d = (s: string) => new Decimal(s);
const pos = (tickerId: string, quantity: string, averageCostKrw: string, currency: PositionInput['currency'] = 'KRW'): PositionInput => ({
  tickerId,
  quantity: d(quantity),
  reservedQuantity: ZERO,
  averagePrice: d(averageCostKrw),
  averageCostKrw: d(averageCostKrw),
  realizedPnlKrw: ZERO,
  currency,
});
const live = (price: string): PricePoint => ({ price: d(price), ts: '2025-05-12T00:00:00.000Z', source: 'live' });

describe('GIVEN a long, a short and a USD position', () => {
  const positions = [pos('KRX-STOCK-005930', '10', '70000'), pos('CRYPTO-COIN-BTC', '-0.5', '100000000', 'KRW-COIN'), pos('US-STOCK-AAPL', '2', '260000', 'USD')];
  const prices = new Map([
    ['KRX-STOCK-005930', live('72000')],
    ['CRYPTO-COIN-BTC', live('90000000')],
    ['US-STOCK-AAPL', live('200.5')],
  ]);

  it('THEN equity is cash + longs − shorts, gross is the sum of absolute values, USD converted at the rate', () => {
    const { view } = valuePortfolio(d('1000000'), d('1000'), positions, prices, d('1350'));
    // long: 10 × 72,000 = 720,000 and 2 × 200.5 × 1,350 = 541,350; short: 0.5 × 90,000,000 = 45,000,000
    expect(view.long_value_krw).toBe('1261350');
    expect(view.short_value_krw).toBe('45000000');
    expect(view.equity_krw).toBe('-42738650');
    expect(view.gross_exposure_krw).toBe('46261350');
    expect(view.available_krw).toBe('999000');
    expect(view.usd_krw).toBe('1350');
    const btc = view.holdings.find((x) => x.ticker_id === 'CRYPTO-COIN-BTC');
    // short from 100,000,000 to 90,000,000: +5,000,000 unrealized
    expect(btc?.unrealized_pnl_krw).toBe('5000000');
  });

  it('THEN with no USD/KRW rate the USD position is valued at cost and flagged unpriced', () => {
    const { view } = valuePortfolio(d('0'), ZERO, positions, prices, null);
    const aapl = view.holdings.find((x) => x.ticker_id === 'US-STOCK-AAPL');
    expect(aapl).toMatchObject({ priced: false, market_value_krw: '520000', unrealized_pnl_krw: '0' });
  });
});

describe('GIVEN any positions and prices', () => {
  it('THEN equity = cash + long − short and gross = long + short, exactly', () => {
    const amount = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => new Decimal(n).div(1000));
    const price = fc.integer({ min: 1, max: 100_000_000 }).map((n) => new Decimal(n).div(100));
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, price, fc.option(price)), { maxLength: 8 }), fc.integer({ min: 0, max: 1_000_000_000 }), (rows, cash) => {
        const positions = rows.map(([q, cost], i) => ({ ...pos(`CRYPTO-COIN-T${i}`, '0', '0', 'KRW-COIN'), quantity: q, averageCostKrw: cost }));
        const prices = new Map<string, PricePoint>();
        rows.forEach(([, , p], i) => {
          if (p !== null) prices.set(`CRYPTO-COIN-T${i}`, { price: p, ts: 'x', source: 'live' });
        });
        const { view, totals } = valuePortfolio(new Decimal(cash), ZERO, positions, prices, null);
        const long = d(view.long_value_krw);
        const short = d(view.short_value_krw);
        expect(totals.equity.eq(new Decimal(cash).plus(long).minus(short))).toBe(true);
        expect(d(view.gross_exposure_krw).eq(long.plus(short))).toBe(true);
        expect(long.isNegative() || short.isNegative()).toBe(false);
        const values = view.holdings.map((x) => d(x.market_value_krw));
        expect(values.reduce((a, b) => a.plus(b), ZERO).eq(long.minus(short))).toBe(true);
      }),
    );
  });
});

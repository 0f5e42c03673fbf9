/**
 * Pure parts of the bot: signature checks, the REST base split, error lines for every code,
 * display formats, trade validation and account valuation (no services).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.js';
import { Decimal } from '../core/money.js';
import { TICKER_CATALOGUE } from '../db/seeds/tickers.js';
import { resolveTicker } from '../core/ticker.js';
import { restOptionsOf } from './discord-rest.js';
import { ERROR_TEXT, errorLine, formatAge, formatKst, formatPrice, krw, langOf } from './messages.js';
import { createInteractionVerifier } from './signature.js';
import { signatureHeaders, testKey } from './testing/interactions.js';
import { validateTrade } from './trade.commands.js';
import { valueAccount } from './valuation.js';
import type { Holding } from './valuation.js';

describe('GIVEN an Ed25519 verifier', () => {
  const key = testKey();
  const now = 1_747_148_400;
  const verify = createInteractionVerifier(key.publicKeyHex, { maxAgeS: 300, clock: { now: () => new Date(now * 1000) } });
  const body = '{"type":1}';
  const h = signatureHeaders(key, body, now);
  it('THEN a good signature passes', () => {
    expect(verify(Buffer.from(body), h['x-signature-ed25519'], h['x-signature-timestamp'])).toBe('ok');
  });
  it('THEN another key, another body, junk or missing headers fail', () => {
    const other = signatureHeaders(testKey(), body, now);
    expect(verify(Buffer.from(body), other['x-signature-ed25519'], other['x-signature-timestamp'])).toBe('bad_signature');
    expect(verify(Buffer.from('{"type":2}'), h['x-signature-ed25519'], h['x-signature-timestamp'])).toBe('bad_signature');
    expect(verify(Buffer.from(body), 'zz', h['x-signature-timestamp'])).toBe('bad_signature');
    expect(verify(Buffer.from(body), h['x-signature-ed25519'], '12ab')).toBe('bad_timestamp');
    expect(verify(Buffer.from(body), undefined, undefined)).toBe('missing_headers');
  });
  it('THEN a validly signed but old (or far-future) timestamp is a replay', () => {
    for (const ts of [now - 301, now + 301]) {
      const old = signatureHeaders(key, body, ts);
      expect(verify(Buffer.from(body), old['x-signature-ed25519'], old['x-signature-timestamp'])).toBe('stale_timestamp');
    }
  });
});

describe('GIVEN DISCORD_API_BASE values', () => {
  it('THEN @discordjs/rest gets api and version split at /vN', () => {
    expect(restOptionsOf('https://discord.com/api/v10')).toEqual({ api: 'https://discord.com/api', version: '10' });
    expect(restOptionsOf('http://127.0.0.1:5555/api/v10/')).toEqual({ api: 'http://127.0.0.1:5555/api', version: '10' });
    expect(restOptionsOf('http://proxy.local/discord')).toEqual({ api: 'http://proxy.local/discord', version: '10' });
  });
});

describe('GIVEN every error code', () => {
  it.each(Object.values(ErrorCode))('THEN %s has a one-line Korean and English explanation', (code) => {
    for (const lang of ['ko', 'en'] as const) {
      const line = errorLine({ code, message: '' }, lang);
      expect(line).toMatch(/^⚠️ \S/);
      expect(line).not.toContain('\n');
    }
    expect(ERROR_TEXT[code].ko).not.toBe(ERROR_TEXT[code].en);
  });
  it('THEN the language follows the locale (Korean by default)', () => {
    expect(langOf('ko')).toBe('ko');
    expect(langOf('en-US')).toBe('en');
    expect(langOf('ja')).toBe('en');
    expect(langOf(undefined)).toBe('ko');
  });
  it('THEN multi-line messages are flattened and long ones shortened', () => {
    const line = errorLine({ code: ErrorCode.INTERNAL, message: `a\nb\n${'x'.repeat(1000)}` }, 'en');
    expect(line).not.toContain('\n');
    expect(line.length).toBeLessThanOrEqual(300);
  });
});

describe('GIVEN display formats', () => {
  it('THEN KRW is whole won with separators, USD has cents, times are Seoul time', () => {
    expect(krw(new Decimal('1234567.5'), 'ko')).toBe('1,234,568원');
    expect(krw(new Decimal('1234567.4'), 'en')).toBe('₩1,234,567');
    expect(formatPrice(new Decimal('212.5'), 'USD')).toBe('$212.50');
    expect(formatPrice(new Decimal('0.12345'), 'USD')).toBe('$0.12345');
    expect(formatPrice(new Decimal('143000000'), 'KRW-COIN')).toBe('143,000,000 KRW');
    expect(formatKst(new Date('2025-05-13T15:00:00Z'))).toBe('2025-05-14 00:00 KST');
    expect(formatAge(3_400, 'ko')).toBe('3초 전');
    expect(formatAge(125_000, 'en')).toBe('2 min ago');
  });
});

describe('GIVEN /buy and /sell options', () => {
  const catalogue = { resolve: (q: string) => resolveTicker(TICKER_CATALOGUE, q) };
  const v = (side: 'BUY' | 'SELL', o: { ticker?: string; quantity?: string; amount?: string; limit?: string }) =>
    validateTrade(side, { ticker: o.ticker, quantity: o.quantity, amount: o.amount, limit: o.limit }, catalogue);
  it('THEN a symbol, name or id resolves and a decimal string stays exact', () => {
    const r = v('BUY', { ticker: '삼성전자', quantity: '1,000.12345678' });
    expect(r.ok && r.value.entry.id).toBe('KRX-STOCK-005930');
    expect(r.ok && r.value.size.kind === 'quantity' && r.value.size.quantity.toFixed()).toBe('1000.12345678');
    const s = v('SELL', { ticker: 'btc', quantity: 'ALL', limit: '150000000' });
    expect(s.ok && s.value.size.kind).toBe('all');
    expect(s.ok && s.value.limit?.toFixed()).toBe('150000000');
  });
  it('THEN wrong sizes are refused with the matching code', () => {
    const code = (r: ReturnType<typeof v>) => (r.ok ? 'ok' : r.error.code);
    expect(code(v('BUY', { ticker: 'btc' }))).toBe(ErrorCode.INVALID_INPUT);
    expect(code(v('BUY', { ticker: 'btc', quantity: '1', amount: '1' }))).toBe(ErrorCode.INVALID_INPUT);
    expect(code(v('BUY', { ticker: 'btc', quantity: 'all' }))).toBe(ErrorCode.INVALID_QUANTITY);
    expect(code(v('BUY', { ticker: 'btc', amount: '0' }))).toBe(ErrorCode.INVALID_AMOUNT);
    expect(code(v('BUY', { ticker: 'btc', quantity: '1', limit: 'abc' }))).toBe(ErrorCode.INVALID_PRICE);
    expect(code(v('BUY', { ticker: 'zzzz', quantity: '1' }))).toBe(ErrorCode.UNKNOWN_TICKER);
    expect(code(v('BUY', { ticker: '   ', quantity: '1' }))).toBe(ErrorCode.UNKNOWN_TICKER);
  });
  it('THEN no arbitrary text crashes validation', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 80 }), (ticker, quantity) => {
        const r = v('SELL', { ticker, quantity });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('GIVEN an account to value', () => {
  const h = (tickerId: string, currency: Holding['currency'], quantity: string, avg: string, avgKrw: string, realized = '0'): Holding => ({
    tickerId,
    currency,
    quantity: new Decimal(quantity),
    averagePrice: new Decimal(avg),
    averageCostKrw: new Decimal(avgKrw),
    realizedPnlKrw: new Decimal(realized),
  });
  it('THEN equity is cash plus signed holdings in KRW, USD through the rate, missing prices at cost', () => {
    const v = valueAccount(
      new Decimal('1000000'),
      [
        h('KRX-STOCK-005930', 'KRW', '10', '50000', '50000', '1500'),
        h('US-STOCK-AAPL', 'USD', '2', '200', '270000'),
        h('CRYPTO-COIN-BTC', 'KRW-COIN', '-0.01', '100000000', '100000000'),
        h('KRX-STOCK-000660', 'KRW', '0', '0', '0', '-700'),
        h('KRX-STOCK-035420', 'KRW', '3', '180000', '180000'),
      ],
      new Map([
        ['KRX-STOCK-005930', { price: new Decimal('55000'), basis: 'live' as const }],
        ['US-STOCK-AAPL', { price: new Decimal('210'), basis: 'live' as const }],
        ['CRYPTO-COIN-BTC', { price: new Decimal('90000000'), basis: 'candle' as const }],
      ]),
      new Decimal('1400'),
    );
    // 1,000,000 + 550,000 + 588,000 − 900,000 + 540,000 (NAVER at cost)
    expect(v.equityKrw.toFixed()).toBe('1778000');
    expect(v.unrealizedKrw.toFixed()).toBe(String(50_000 + 48_000 + 100_000));
    expect(v.realizedKrw.toFixed()).toBe('800');
    expect(v.grossExposureKrw.toFixed()).toBe('2578000');
    expect(v.holdings.map((x) => x.basis)).toEqual(['live', 'live', 'candle', 'cost']);
  });
  it('THEN equity always equals cash plus the sum of holding values (property)', () => {
    const amount = fc.bigInt({ min: 0n, max: 10n ** 14n }).map((n) => new Decimal(n.toString()).shiftedBy(-4));
    fc.assert(
      fc.property(amount, fc.array(fc.tuple(amount, amount, fc.boolean()), { maxLength: 8 }), (cash, rows) => {
        const holdings = rows.map(([q, p, short], i) => h(`KRX-STOCK-${String(100000 + i)}`, 'KRW', (short ? q.negated() : q).toFixed(), p.toFixed(), p.toFixed()));
        const prices = new Map(holdings.map((x, i) => [x.tickerId, { price: rows[i]?.[1] ?? new Decimal(1), basis: 'live' as const }]));
        const v = valueAccount(cash, holdings, prices, null);
        const total = v.holdings.reduce((acc, x) => acc.plus(x.valueKrw), cash);
        expect(v.equityKrw.isEqualTo(total)).toBe(true);
        expect(v.unrealizedKrw.isZero()).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

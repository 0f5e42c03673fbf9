import { describe, expect, it } from 'vitest';
import { Decimal } from '../core/money.js';
import type { SourceQuote } from './quote.js';
import { QuoteGuard } from './quote-guard.js';

const ts = new Date('2026-01-05T01:00:00Z');
const q = (price: string, over: Partial<SourceQuote> = {}): SourceQuote => ({
  ticker_id: 'CRYPTO-COIN-BTC',
  currency: 'KRW-COIN',
  price,
  change_pct: '1.5',
  volume: '12.5',
  source: 'test',
  ...over,
});

describe('GIVEN a quote guard with a 30% jump bound and 3 confirming ticks', () => {
  const guard = () => new QuoteGuard({ maxJumpPct: new Decimal('30'), confirmTicks: 3 });

  it('THEN a good quote is normalised and stamped with ts', () => {
    const v = guard().check(q('73578.65500000', { change_pct: '3.44811178', volume: '4.22369565' }), ts);
    expect(v.ok).toBe(true);
    expect(v.ok && v.price.toFixed()).toBe('73578.655');
    expect(v.ok ? { ok: true, quote: v.quote } : v).toEqual({
      ok: true,
      quote: { ticker_id: 'CRYPTO-COIN-BTC', price: '73578.655', currency: 'KRW-COIN', change_pct: '3.4481', volume: '4.22369565', ts: ts.toISOString(), source: 'test' },
    });
  });

  it.each([
    ['', 'malformed'],
    ['NaN', 'malformed'],
    ['abc', 'malformed'],
    ['1e5', 'malformed'],
    ['Infinity', 'malformed'],
    ['0', 'non_positive'],
    ['0.000000001', 'non_positive'],
    ['-5', 'non_positive'],
    ['1000000000000', 'malformed'],
  ])('THEN price %j is dropped as %s', (price, reason) => {
    const v = guard().check(q(price), ts);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toBe(reason);
  });

  it('THEN a single price spike is dropped and the old level goes on', () => {
    const g = guard();
    expect(g.check(q('100'), ts).ok).toBe(true);
    const spike = g.check(q('200'), ts);
    expect(spike.ok).toBe(false);
    if (!spike.ok) expect(spike.detail).toContain('moved 100%');
    expect(g.check(q('101'), ts).ok).toBe(true);
  });

  it('THEN a lasting new level is accepted after the confirming ticks', () => {
    const g = guard();
    g.check(q('100'), ts);
    expect(g.check(q('10'), ts).ok).toBe(false);
    expect(g.check(q('10.1'), ts).ok).toBe(false);
    expect(g.check(q('10.05'), ts).ok).toBe(true);
    expect(g.check(q('10.2'), ts).ok).toBe(true);
  });

  it('THEN prices with more than 8 decimals are rounded and plain text passes through', () => {
    const g = guard();
    const a = g.check(q('100.123456789'), ts);
    expect(a.ok && a.quote.price).toBe('100.12345679');
    const b = g.check(q('+100.50', { change_pct: '-0.00', volume: '007' }), ts);
    expect(b.ok && [b.quote.price, b.quote.change_pct, b.quote.volume]).toEqual(['100.5', '0', '7']);
  });

  it('THEN bad change and volume fields do not block the price', () => {
    const v = guard().check(q('5', { change_pct: 'x', volume: '-3' }), ts);
    expect(v.ok && v.quote.change_pct === '0' && v.quote.volume === '0').toBe(true);
  });
});

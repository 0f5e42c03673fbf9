import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { orderEventId, orderTermsOf, parseOrderMessage, playerIdOf, uuidV5 } from './order-message.js';

const valid = () => ({
  schema: 1,
  order_id: randomUUID(),
  user_id: playerIdOf('123456789012345678'),
  ticker_id: 'CRYPTO-COIN-BTC',
  side: 'BUY',
  type: 'MARKET',
  quantity: '0.5',
  source: 'discord',
  placed_at: '2026-11-27T10:00:00.000Z',
  player: { discord_user_id: '123456789012345678', username: 'ant', nickname: '개미' },
});

describe('GIVEN RFC 4122 name-based ids', () => {
  it('THEN uuidV5 matches the published test vector (DNS namespace, "python.org")', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
  it('THEN a Discord user always maps to the same player id, and different users to different ids', () => {
    expect(playerIdOf('42')).toBe(playerIdOf('42'));
    expect(playerIdOf('42')).not.toBe(playerIdOf('43'));
    expect(playerIdOf('42')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('THEN a malformed Discord id is refused', () => {
    expect(() => playerIdOf('abc')).toThrow(TypeError);
  });
  it('THEN order event ids are stable per order and type', () => {
    const id = randomUUID();
    expect(orderEventId(id, 'order_failed')).toBe(orderEventId(id.toUpperCase(), 'order_failed'));
    expect(orderEventId(id, 'order_failed')).not.toBe(orderEventId(id, 'order_filled'));
  });
});

describe('GIVEN a received order message', () => {
  it('THEN a valid one parses, ids lower-cased, unknown extra fields dropped', () => {
    const m = { ...valid(), order_id: randomUUID().toUpperCase(), extra: 'ignored' };
    const r = parseOrderMessage(m);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.order_id).toBe(m.order_id.toLowerCase());
      expect('extra' in r.value).toBe(false);
    }
  });
  it.each([
    ['text', 'not json'],
    ['null', null],
    ['an array', [1, 2]],
    ['another schema version', { ...valid(), schema: 2 }],
    ['a bad order id', { ...valid(), order_id: 'x' }],
    ['a bad side', { ...valid(), side: 'HOLD' }],
    ['no placed_at', { ...valid(), placed_at: undefined }],
    ['a bad player', { ...valid(), player: { discord_user_id: 'me', username: 'ant' } }],
  ])('THEN %s is poison (INVALID_INPUT with a reason)', (_what, raw) => {
    const r = parseOrderMessage(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(ErrorCode.INVALID_INPUT);
      expect(r.error.message.length).toBeGreaterThan(10);
    }
  });
});

describe('GIVEN the terms of an order', () => {
  it('THEN quantity, KRW amount and "all" (sell only) are understood', () => {
    expect(orderTermsOf({ side: 'BUY', quantity: '1.5' })).toMatchObject({ ok: true, value: { size: { kind: 'quantity' } } });
    expect(orderTermsOf({ side: 'BUY', notional_krw: '10,000' })).toMatchObject({ ok: true, value: { size: { kind: 'notional' } } });
    expect(orderTermsOf({ side: 'SELL', quantity: 'ALL' })).toMatchObject({ ok: true, value: { size: { kind: 'all' } } });
  });
  it.each([
    ['neither size', { side: 'BUY' as const }],
    ['both sizes', { side: 'BUY' as const, quantity: '1', notional_krw: '1' }],
    ['all on a buy', { side: 'BUY' as const, quantity: 'all' }],
    ['a negative quantity', { side: 'BUY' as const, quantity: '-1' }],
    ['zero', { side: 'SELL' as const, quantity: '0' }],
    ['nine decimals', { side: 'BUY' as const, quantity: '0.000000001' }],
    ['a float number', { side: 'BUY' as const, quantity: 0.5 }],
    ['a huge amount', { side: 'BUY' as const, notional_krw: '1000000000000' }],
  ])('THEN %s fails with INVALID_QUANTITY', (_what, terms) => {
    expect(orderTermsOf(terms)).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_QUANTITY } });
  });
  it('THEN a bad limit price fails with INVALID_PRICE', () => {
    expect(orderTermsOf({ side: 'BUY', quantity: '1', limit_price: 'abc' })).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PRICE } });
  });
});

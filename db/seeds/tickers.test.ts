import { describe, expect, it } from 'vitest';
import { currencyOf, formatTickerId, parseTickerId, resolveTicker } from '../../core/ticker.js';
import type { MarketCode } from '../../core/ticker.js';
import { TICKER_CATALOGUE } from './tickers.js';

/** The instruments with replay data in shared/data/market/ (see its SOURCES.md). */
const REPLAY_INSTRUMENTS = [
  'CRYPTO-COIN-BTC',
  'CRYPTO-COIN-ETH',
  'KRX-STOCK-005930',
  'KRX-STOCK-000660',
  'US-STOCK-AAPL',
  'US-STOCK-NVDA',
  'US-STOCK-TSLA',
];

const count = (market: MarketCode) => TICKER_CATALOGUE.filter((e) => e.market === market).length;

describe('GIVEN the seed ticker catalogue', () => {
  it('THEN every id parses and agrees with the entry', () => {
    for (const e of TICKER_CATALOGUE) {
      const r = parseTickerId(e.id);
      expect(r.ok ? r.value : r.error.message).toEqual({ market: e.market, type: e.type, symbol: e.symbol, id: e.id });
      expect(formatTickerId(e.market, e.type, e.symbol)).toBe(e.id);
    }
  });

  it('THEN ids are unique', () => {
    const ids = TICKER_CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('THEN symbols are unique within a market', () => {
    const keys = TICKER_CATALOGUE.map((e) => `${e.market}:${e.symbol}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('THEN names are non-empty and trimmed, aliases lower case, trimmed and non-empty', () => {
    for (const e of TICKER_CATALOGUE) {
      for (const name of [e.nameKo, e.nameEn]) {
        expect(name.trim(), e.id).toBe(name);
        expect(name.length, e.id).toBeGreaterThan(0);
      }
      expect(/[가-힣A-Z0-9]/.test(e.nameKo), `${e.id} Korean name`).toBe(true);
      for (const alias of e.aliases) {
        expect(alias, e.id).toBe(alias.trim().toLowerCase());
        expect(alias.length, e.id).toBeGreaterThan(0);
      }
    }
  });

  it('THEN the currency matches currencyOf and every entry is active', () => {
    for (const e of TICKER_CATALOGUE) {
      expect(e.currency, e.id).toBe(currencyOf(e));
      expect(e.active, e.id).toBe(true);
    }
  });

  it('THEN it holds at least 30 KRX, 30 US and 20 crypto instruments and no Human ETF', () => {
    expect(count('KRX')).toBeGreaterThanOrEqual(30);
    expect(count('US')).toBeGreaterThanOrEqual(30);
    expect(count('CRYPTO')).toBeGreaterThanOrEqual(20);
    expect(count('HUMAN')).toBe(0);
  });

  it('THEN the instruments of shared/data/market are present', () => {
    const ids = new Set(TICKER_CATALOGUE.map((e) => e.id));
    for (const id of REPLAY_INSTRUMENTS) expect(ids.has(id), id).toBe(true);
  });

  it('THEN Samsung Electronics and SK hynix carry their real names', () => {
    expect(TICKER_CATALOGUE.find((e) => e.id === 'KRX-STOCK-005930')).toMatchObject({
      nameKo: '삼성전자',
      nameEn: 'Samsung Electronics',
    });
    expect(TICKER_CATALOGUE.find((e) => e.id === 'KRX-STOCK-000660')).toMatchObject({
      nameKo: 'SK하이닉스',
      nameEn: 'SK hynix',
    });
  });

  it('THEN every symbol, name and alias resolves to its own entry (no alias collides with another entry)', () => {
    for (const e of TICKER_CATALOGUE) {
      for (const text of [e.id, e.symbol, e.nameKo, e.nameEn, ...e.aliases]) {
        const r = resolveTicker(TICKER_CATALOGUE, text);
        expect(r.ok ? r.value.id : r.error.message, `${e.id} via ${text}`).toBe(e.id);
      }
    }
  });

  it('THEN the catalogue and its entries are frozen', () => {
    expect(Object.isFrozen(TICKER_CATALOGUE)).toBe(true);
    for (const e of TICKER_CATALOGUE) expect(Object.isFrozen(e)).toBe(true);
  });
});

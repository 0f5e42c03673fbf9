import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from './errors.js';
import {
  MARKET_CODES,
  MAX_TICKER_ID_LENGTH,
  TICKER_RULES,
  currencyOf,
  formatTickerId,
  isTickerId,
  normaliseSearchText,
  parseTickerId,
  resolveTicker,
  searchTickers,
} from './ticker.js';
import type { CatalogueEntry, MarketCode, TickerId } from './ticker.js';
import { TICKER_CATALOGUE } from '../db/seeds/tickers.js';

function parsed(text: string): TickerId {
  const r = parseTickerId(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.error.message}`);
  return r.value;
}

function rejection(text: string) {
  const r = parseTickerId(text);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return r.error;
}

function entry(id: string, nameKo: string, nameEn: string, aliases: string[] = [], active = true): CatalogueEntry {
  const t = parsed(id);
  return { ...t, nameKo, nameEn, currency: currencyOf(t), aliases, active };
}

const ids = (entries: readonly CatalogueEntry[]) => entries.map((e) => e.id);

describe('GIVEN a valid ticker id of each market', () => {
  it.each([
    ['KRX-STOCK-005930', 'KRX', 'STOCK', '005930'],
    ['KRX-STOCK-0126Z0', 'KRX', 'STOCK', '0126Z0'],
    ['US-STOCK-AAPL', 'US', 'STOCK', 'AAPL'],
    ['US-STOCK-BRK.B', 'US', 'STOCK', 'BRK.B'],
    ['US-STOCK-V', 'US', 'STOCK', 'V'],
    ['CRYPTO-COIN-BTC', 'CRYPTO', 'COIN', 'BTC'],
    ['CRYPTO-COIN-1INCH', 'CRYPTO', 'COIN', '1INCH'],
    ['HUMAN-ETF-GAEMI', 'HUMAN', 'ETF', 'GAEMI'],
    ['HUMAN-ETF-AB', 'HUMAN', 'ETF', 'AB'],
    ['HUMAN-ETF-ABCDEFGHIJ12', 'HUMAN', 'ETF', 'ABCDEFGHIJ12'],
  ])('THEN %s parses into its parts', (text, market, type, symbol) => {
    expect(parsed(text)).toEqual({ market, type, symbol, id: text });
    expect(isTickerId(text)).toBe(true);
  });

  it('THEN surrounding whitespace is ignored by parse but not by isTickerId', () => {
    expect(parsed('  KRX-STOCK-005930\n').id).toBe('KRX-STOCK-005930');
    expect(parsed('\u00a0US-STOCK-AAPL\t').id).toBe('US-STOCK-AAPL');
    expect(isTickerId(' KRX-STOCK-005930')).toBe(false);
  });

  it('THEN currencyOf maps KRX→KRW, US→USD, CRYPTO→KRW-COIN, HUMAN→KRW', () => {
    expect(currencyOf(parsed('KRX-STOCK-005930'))).toBe('KRW');
    expect(currencyOf(parsed('US-STOCK-AAPL'))).toBe('USD');
    expect(currencyOf(parsed('CRYPTO-COIN-BTC'))).toBe('KRW-COIN');
    expect(currencyOf(parsed('HUMAN-ETF-GAEMI'))).toBe('KRW');
  });

  it('THEN the longest possible id is 24 characters', () => {
    expect(MAX_TICKER_ID_LENGTH).toBe(24);
    expect(parsed('CRYPTO-COIN-ABCDEFGHIJKL').id).toHaveLength(24);
  });
});

describe('GIVEN text that is not a ticker id', () => {
  it.each([
    ['lower case', 'krx-stock-005930', 'LOWER_CASE'],
    ['mixed case', 'US-STOCK-Aapl', 'LOWER_CASE'],
    ['lower-case symbol of a valid market', 'CRYPTO-COIN-btc', 'LOWER_CASE'],
    ['coin on KRX', 'KRX-COIN-BTC', 'WRONG_TYPE'],
    ['ETF on US', 'US-ETF-X', 'WRONG_TYPE'],
    ['stock on CRYPTO', 'CRYPTO-STOCK-BTC', 'WRONG_TYPE'],
    ['stock on HUMAN', 'HUMAN-STOCK-GAEMI', 'WRONG_TYPE'],
    ['unknown market', 'NYSE-STOCK-AAPL', 'UNKNOWN_MARKET'],
    ['empty', '', 'EMPTY'],
    ['only whitespace', '   \n ', 'EMPTY'],
    ['a bare symbol', 'AAPL', 'BAD_SHAPE'],
    ['two parts', 'US-AAPL', 'BAD_SHAPE'],
    ['four parts', 'US-STOCK-BRK-B', 'BAD_SHAPE'],
    ['empty symbol', 'US-STOCK-', 'BAD_SYMBOL'],
    ['5-digit KRX code', 'KRX-STOCK-05930', 'BAD_SYMBOL'],
    ['7-digit KRX code', 'KRX-STOCK-0059300', 'BAD_SYMBOL'],
    ['11-character US symbol', 'US-STOCK-ABCDEFGHIJK', 'BAD_SYMBOL'],
    ['leading dot', 'US-STOCK-.B', 'BAD_SYMBOL'],
    ['trailing dot', 'US-STOCK-BRK.', 'BAD_SYMBOL'],
    ['double dot', 'US-STOCK-BRK..B', 'BAD_SYMBOL'],
    ['dot in a coin', 'CRYPTO-COIN-B.TC', 'BAD_SYMBOL'],
    ['1-character Human ETF', 'HUMAN-ETF-A', 'BAD_SYMBOL'],
    ['13-character Human ETF', 'HUMAN-ETF-ABCDEFGHIJKLM', 'BAD_SYMBOL'],
    ['too long', 'CRYPTO-COIN-ABCDEFGHIJKLM', 'TOO_LONG'],
    ['inner space', 'US-STOCK-A APL', 'BAD_CHARACTERS'],
    ['underscore', 'US_STOCK_AAPL', 'BAD_CHARACTERS'],
    ['Korean', '삼성전자', 'BAD_CHARACTERS'],
    ['full-width digits', 'KRX-STOCK-００５９３０', 'BAD_CHARACTERS'],
    ['SQL', "X'; DROP TABLE--", 'BAD_CHARACTERS'],
    ['SQL tautology', "' OR 1=1 --", 'BAD_CHARACTERS'],
    ['zero-width space', 'US-STOCK-AA\u200bPL', 'BAD_CHARACTERS'],
    ['NUL', 'US-STOCK-AAPL\u0000', 'BAD_CHARACTERS'],
  ])('THEN %s (%j) is rejected with INVALID_TICKER', (_label, text, reason) => {
    const e = rejection(text);
    expect(e.code).toBe(ErrorCode.INVALID_TICKER);
    expect(e.details?.['reason']).toBe(reason);
    expect(isTickerId(text)).toBe(false);
  });

  it('THEN the message names the expected shape and an example', () => {
    const e = rejection('hello');
    expect(e.message).toContain('[MARKET]-[TYPE]-[SYMBOL]');
    expect(e.message).toContain('KRX-STOCK-005930');
  });

  it('THEN lower case is rejected with the capitalised form offered', () => {
    const e = rejection('krx-stock-005930');
    expect(e.message).toContain('KRX-STOCK-005930');
    expect(e.details?.['upperCase']).toBe('KRX-STOCK-005930');
  });

  it('THEN a wrong type names the right one', () => {
    expect(rejection('KRX-COIN-BTC').message).toContain('KRX instruments have type STOCK');
  });

  it('THEN a 4,000-character string is rejected quickly and not echoed in full', () => {
    const text = 'A'.repeat(4_000);
    const started = performance.now();
    const e = rejection(text);
    expect(performance.now() - started).toBeLessThan(50);
    expect(e.details?.['reason']).toBe('TOO_LONG');
    expect(e.message.length).toBeLessThan(300);
    expect(String(e.details?.['input']).length).toBeLessThanOrEqual(41);
  });

  it('THEN a non-string at run time is rejected, not thrown', () => {
    expect(parseTickerId(42 as unknown as string).ok).toBe(false);
    expect(isTickerId(undefined as unknown as string)).toBe(false);
  });

  it('THEN no string of any content makes parse throw, and what parses is canonical', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom(...'KRXUSCOINT-.0159ab ') })), (text) => {
        const r = parseTickerId(text);
        if (r.ok) {
          expect(r.value.id).toBe(text.trim());
          expect(isTickerId(r.value.id)).toBe(true);
        } else {
          expect(r.error.code).toBe(ErrorCode.INVALID_TICKER);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const alnum = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...ALNUM), minLength, maxLength });

const validParts: fc.Arbitrary<[MarketCode, string]> = fc.oneof(
  alnum(6, 6).map((s): [MarketCode, string] => ['KRX', s]),
  fc
    .array(alnum(1, 10), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('.'))
    .filter((s) => s.length <= 10)
    .map((s): [MarketCode, string] => ['US', s]),
  alnum(1, 12).map((s): [MarketCode, string] => ['CRYPTO', s]),
  alnum(2, 12).map((s): [MarketCode, string] => ['HUMAN', s]),
);

describe('GIVEN generated valid market, type and symbol', () => {
  it('THEN formatTickerId then parseTickerId round-trips exactly (1,000+ runs)', () => {
    fc.assert(
      fc.property(validParts, fc.constantFrom('', ' ', '\t\n'), ([market, symbol], pad) => {
        const type = TICKER_RULES[market].type;
        const id = formatTickerId(market, type, symbol);
        expect(id).toBe(`${market}-${type}-${symbol}`);
        expect(parsed(`${pad}${id}${pad}`)).toEqual({ market, type, symbol, id });
        expect(isTickerId(id)).toBe(true);
        const again = parsed(id);
        expect(formatTickerId(again.market, again.type, again.symbol)).toBe(id);
      }),
      { numRuns: 2_000 },
    );
  });

  it('THEN the same symbol under any other type of the market is rejected', () => {
    fc.assert(
      fc.property(validParts, fc.constantFrom('STOCK' as const, 'COIN' as const, 'ETF' as const), ([market, symbol], type) => {
        fc.pre(type !== TICKER_RULES[market].type);
        expect(() => formatTickerId(market, type, symbol)).toThrow(AppError);
      }),
      { numRuns: 1_000 },
    );
  });

  it('THEN a lower-cased id with letters is rejected as LOWER_CASE', () => {
    fc.assert(
      fc.property(validParts, ([market, symbol]) => {
        const id = formatTickerId(market, TICKER_RULES[market].type, symbol);
        expect(rejection(id.toLowerCase()).details?.['reason']).toBe('LOWER_CASE');
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('GIVEN formatTickerId with invalid parts', () => {
  it.each([
    ['KRX', 'COIN', 'BTC'],
    ['US', 'ETF', 'X'],
    ['HUMAN', 'ETF', 'A'],
    ['US', 'STOCK', 'aapl'],
    ['US', 'STOCK', 'AAPL '],
    ['KRX', 'STOCK', ''],
  ] as const)('THEN %s-%s-%j throws AppError(INVALID_TICKER)', (market, type, symbol) => {
    try {
      formatTickerId(market, type, symbol);
      expect.unreachable('formatTickerId should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe(ErrorCode.INVALID_TICKER);
    }
  });

  it('THEN every market has a distinct rule with a parseable example', () => {
    for (const m of MARKET_CODES) expect(parsed(TICKER_RULES[m].example).market).toBe(m);
  });
});

describe('GIVEN the seed catalogue and player input', () => {
  const first = (q: string) => searchTickers(TICKER_CATALOGUE, q)[0]?.id;

  it.each([
    ['btc', 'CRYPTO-COIN-BTC'],
    ['BTC', 'CRYPTO-COIN-BTC'],
    ['bitcoin', 'CRYPTO-COIN-BTC'],
    ['비트코인', 'CRYPTO-COIN-BTC'],
    ['samsung', 'KRX-STOCK-005930'],
    ['005930', 'KRX-STOCK-005930'],
    ['삼성전자', 'KRX-STOCK-005930'],
    ['삼 성 전 자', 'KRX-STOCK-005930'],
    ['삼전', 'KRX-STOCK-005930'],
    ['krx-stock-005930', 'KRX-STOCK-005930'],
    ['apple', 'US-STOCK-AAPL'],
    ['AAPL', 'US-STOCK-AAPL'],
    ['애플', 'US-STOCK-AAPL'],
    ['nvidia', 'US-STOCK-NVDA'],
    ['tesla', 'US-STOCK-TSLA'],
    ['테슬라', 'US-STOCK-TSLA'],
    ['hynix', 'KRX-STOCK-000660'],
    ['SK Hynix', 'KRX-STOCK-000660'],
    ['하이닉스', 'KRX-STOCK-000660'],
    ['brk.b', 'US-STOCK-BRK.B'],
    ['eth', 'CRYPTO-COIN-ETH'],
    ['ＡＡＰＬ', 'US-STOCK-AAPL'],
  ])('THEN searching %j ranks %s first', (query, id) => {
    expect(first(query)).toBe(id);
  });

  it('THEN Korean typed as decomposed jamo (NFD) matches', () => {
    const nfd = '삼성전자'.normalize('NFD');
    expect(nfd).not.toBe('삼성전자');
    expect(first(nfd)).toBe('KRX-STOCK-005930');
  });

  it('THEN 삼성 lists Samsung companies by prefix, 삼성전자 first and before 삼성SDI', () => {
    const hits = ids(searchTickers(TICKER_CATALOGUE, '삼성'));
    expect(hits[0]).toBe('KRX-STOCK-005930');
    expect(hits.indexOf('KRX-STOCK-005930')).toBeLessThan(hits.indexOf('KRX-STOCK-006400'));
    expect(hits.every((id) => TICKER_CATALOGUE.find((e) => e.id === id)?.nameKo.includes('삼성'))).toBe(true);
  });

  it('THEN an exact name beats a longer name with that prefix (kakao → 카카오 before 카카오뱅크)', () => {
    expect(ids(searchTickers(TICKER_CATALOGUE, 'kakao')).slice(0, 2)).toEqual([
      'KRX-STOCK-035720',
      'KRX-STOCK-323410',
    ]);
  });

  it('THEN the empty query returns the first active entries, up to the limit', () => {
    expect(searchTickers(TICKER_CATALOGUE, '')).toEqual(TICKER_CATALOGUE.slice(0, 25));
    expect(searchTickers(TICKER_CATALOGUE, '   ', 3)).toEqual(TICKER_CATALOGUE.slice(0, 3));
  });

  it('THEN results never exceed the limit, and a zero limit gives none', () => {
    expect(searchTickers(TICKER_CATALOGUE, 's').length).toBe(25);
    expect(searchTickers(TICKER_CATALOGUE, 's', 5).length).toBe(5);
    expect(searchTickers(TICKER_CATALOGUE, 's', 0)).toEqual([]);
  });

  it('THEN nonsense and 4,000-character queries find nothing', () => {
    expect(searchTickers(TICKER_CATALOGUE, 'zzzzqqq')).toEqual([]);
    expect(searchTickers(TICKER_CATALOGUE, 'a'.repeat(4_000))).toEqual([]);
    expect(searchTickers(TICKER_CATALOGUE, "'; DROP TABLE tickers; --")).toEqual([]);
  });

  it.each([
    ['삼전', 'KRX-STOCK-005930'],
    ['samsung', 'KRX-STOCK-005930'],
    ['KRX-STOCK-005930', 'KRX-STOCK-005930'],
    ['005930', 'KRX-STOCK-005930'],
    ['btc', 'CRYPTO-COIN-BTC'],
    ['Apple', 'US-STOCK-AAPL'],
    ['엔비디아', 'US-STOCK-NVDA'],
    [' tesla ', 'US-STOCK-TSLA'],
  ])('THEN resolving %j gives %s', (query, id) => {
    const r = resolveTicker(TICKER_CATALOGUE, query);
    expect(r.ok && r.value.id).toBe(id);
  });

  it('THEN resolving a partial name is UNKNOWN_TICKER with up to 5 suggestions, best first', () => {
    const r = resolveTicker(TICKER_CATALOGUE, '삼성');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(ErrorCode.UNKNOWN_TICKER);
    const suggestions = r.error.details?.['suggestions'];
    expect(Array.isArray(suggestions) && suggestions.length).toBe(5);
    expect(Array.isArray(suggestions) && suggestions[0]).toBe('KRX-STOCK-005930');
    expect(r.error.message).toContain('삼성전자 (KRX-STOCK-005930)');
  });

  it('THEN resolving a misspelling suggests close names', () => {
    const r = resolveTicker(TICKER_CATALOGUE, 'samsnug');
    expect(!r.ok && r.error.details?.['suggestions']).toContain('KRX-STOCK-005930');
    const t = resolveTicker(TICKER_CATALOGUE, 'teslq');
    expect(!t.ok && t.error.details?.['suggestions']).toContain('US-STOCK-TSLA');
  });

  it('THEN resolving nonsense, empty or huge input is UNKNOWN_TICKER with no suggestions', () => {
    for (const q of ['qqqqqqqqqq', '', '   ', 'x'.repeat(4_000)]) {
      const r = resolveTicker(TICKER_CATALOGUE, q);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe(ErrorCode.UNKNOWN_TICKER);
      expect(r.error.details?.['suggestions']).toEqual([]);
      expect(r.error.message.length).toBeLessThan(200);
    }
  });

  it('THEN a well-formed id not in the catalogue is UNKNOWN_TICKER', () => {
    const r = resolveTicker(TICKER_CATALOGUE, 'HUMAN-ETF-NOBODY');
    expect(!r.ok && r.error.code).toBe(ErrorCode.UNKNOWN_TICKER);
  });
});

describe('GIVEN a small catalogue with ties and inactive entries', () => {
  const catalogue: CatalogueEntry[] = [
    entry('US-STOCK-COIN', '코인베이스', 'Coinbase Global', ['coinbase']),
    entry('HUMAN-ETF-COIN', '코인왕', 'Coin King'),
    entry('CRYPTO-COIN-LUNA', '루나', 'Terra Luna', ['terra'], false),
    entry('CRYPTO-COIN-LUNA2', '루나2', 'Terra Luna 2', ['terra2']),
    entry('KRX-STOCK-111111', '코인상사', 'Coin Trading', ['coin']),
  ];

  it('THEN an exact symbol beats an exact alias, and equal tiers keep catalogue order', () => {
    expect(ids(searchTickers(catalogue, 'coin'))).toEqual([
      'US-STOCK-COIN',
      'HUMAN-ETF-COIN',
      'KRX-STOCK-111111',
      'CRYPTO-COIN-LUNA2',
    ]);
  });

  it('THEN the exact id beats everything', () => {
    expect(ids(searchTickers(catalogue, 'human-etf-coin'))[0]).toBe('HUMAN-ETF-COIN');
  });

  it('THEN inactive entries are left out of search', () => {
    expect(ids(searchTickers(catalogue, 'luna'))).toEqual(['CRYPTO-COIN-LUNA2']);
    expect(ids(searchTickers(catalogue, ''))).not.toContain('CRYPTO-COIN-LUNA');
  });

  it('THEN a symbol shared by two entries is ambiguous and lists both', () => {
    const r = resolveTicker(catalogue, 'coin');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(ErrorCode.UNKNOWN_TICKER);
    expect(r.error.details?.['ambiguous']).toBe(true);
    expect(r.error.details?.['suggestions']).toEqual(['US-STOCK-COIN', 'HUMAN-ETF-COIN']);
  });

  it('THEN an inactive entry still resolves exactly, so callers can say it is delisted', () => {
    const r = resolveTicker(catalogue, 'terra');
    expect(r.ok && r.value).toMatchObject({ id: 'CRYPTO-COIN-LUNA', active: false });
  });

  it('THEN normaliseSearchText folds case, width, whitespace and Hangul composition', () => {
    expect(normaliseSearchText(' Ｓam sung\t')).toBe('samsung');
    expect(normaliseSearchText('삼성'.normalize('NFD'))).toBe('삼성');
  });
});

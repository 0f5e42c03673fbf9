/**
 * Ticker ids and the resolver for what players type.
 *
 * A ticker id is `[MARKET]-[TYPE]-[SYMBOL]`, all capitals (SPEC §2): `KRX-STOCK-005930`,
 * `US-STOCK-AAPL`, `CRYPTO-COIN-BTC`, `HUMAN-ETF-<SYMBOL>`. Anything else is rejected with a
 * clear {@link ErrorCode.INVALID_TICKER} error. Players may instead type a symbol or a name
 * (`삼성전자`, `samsung`, `btc`); {@link searchTickers} (autocomplete) and
 * {@link resolveTicker} turn that into a catalogue entry.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { AppError, ErrorCode, err, ok } from './errors.js';
import type { Result } from './errors.js';

/** Market part of a ticker id. */
export type MarketCode = 'KRX' | 'US' | 'CRYPTO' | 'HUMAN';

/** Instrument-type part of a ticker id. Each market has exactly one type (see {@link TICKER_RULES}). */
export type InstrumentType = 'STOCK' | 'COIN' | 'ETF';

/**
 * Instrument currency as recorded in portfolios (SPEC §2): `KRW` for KRX and Human ETFs,
 * `USD` for US stocks, `KRW-COIN` for crypto quoted on KRW markets.
 */
export type Currency = 'KRW' | 'USD' | 'KRW-COIN';

/** A parsed, canonical ticker id. `id` is always `${market}-${type}-${symbol}`. */
export interface TickerId {
  market: MarketCode;
  type: InstrumentType;
  symbol: string;
  id: string;
}

/** The rule of one market: its only instrument type, its symbol shape, and its currency. */
export interface TickerRule {
  readonly type: InstrumentType;
  /** Whole-symbol pattern (anchored). */
  readonly symbol: RegExp;
  /** Longest symbol allowed. */
  readonly maxSymbolLength: number;
  /** Human description of the symbol shape, used in error messages. */
  readonly symbolShape: string;
  readonly example: string;
  readonly currency: Currency;
}

/**
 * The valid market/type combinations and their symbol shapes.
 *
 * - `KRX-STOCK-<6 of A–Z0–9>`: KRX short codes are 6 characters; most are digits (`005930`)
 *   but codes issued since 2024 may contain letters (`0126Z0`).
 * - `US-STOCK-<1–10 of A–Z0–9 and .>`: the dot separates share classes (`BRK.B`); it may not
 *   lead, trail or repeat.
 * - `CRYPTO-COIN-<1–12 of A–Z0–9>`: the exchange's asset code (`BTC`, `1INCH`).
 * - `HUMAN-ETF-<2–12 of A–Z0–9>`: chosen by the player at IPO (SPEC §2).
 */
export const TICKER_RULES: Readonly<Record<MarketCode, TickerRule>> = Object.freeze({
  KRX: {
    type: 'STOCK',
    symbol: /^[0-9A-Z]{6}$/,
    maxSymbolLength: 6,
    symbolShape: 'exactly 6 characters of A-Z and 0-9',
    example: 'KRX-STOCK-005930',
    currency: 'KRW',
  },
  US: {
    type: 'STOCK',
    symbol: /^(?=.{1,10}$)[0-9A-Z]+(?:\.[0-9A-Z]+)*$/,
    maxSymbolLength: 10,
    symbolShape: "1 to 10 characters of A-Z, 0-9 and '.' (not first, last or doubled)",
    example: 'US-STOCK-AAPL',
    currency: 'USD',
  },
  CRYPTO: {
    type: 'COIN',
    symbol: /^[0-9A-Z]{1,12}$/,
    maxSymbolLength: 12,
    symbolShape: '1 to 12 characters of A-Z and 0-9',
    example: 'CRYPTO-COIN-BTC',
    currency: 'KRW-COIN',
  },
  HUMAN: {
    type: 'ETF',
    symbol: /^[0-9A-Z]{2,12}$/,
    maxSymbolLength: 12,
    symbolShape: '2 to 12 characters of A-Z and 0-9',
    example: 'HUMAN-ETF-GAEMI',
    currency: 'KRW',
  },
});

/** Every market code, in display order. */
export const MARKET_CODES: readonly MarketCode[] = Object.freeze(['KRX', 'US', 'CRYPTO', 'HUMAN']);

/** Every instrument type. */
export const INSTRUMENT_TYPES: readonly InstrumentType[] = Object.freeze(['STOCK', 'COIN', 'ETF']);

/** Longest possible ticker id (`CRYPTO-COIN-` plus 12 characters). */
export const MAX_TICKER_ID_LENGTH: number = Math.max(
  ...MARKET_CODES.map((m) => `${m}-${TICKER_RULES[m].type}-`.length + TICKER_RULES[m].maxSymbolLength),
);

/** Why a text is not a ticker id; carried in `details.reason` of the failure. */
export type TickerIdFailureReason =
  | 'NOT_A_STRING'
  | 'EMPTY'
  | 'TOO_LONG'
  | 'LOWER_CASE'
  | 'BAD_CHARACTERS'
  | 'BAD_SHAPE'
  | 'UNKNOWN_MARKET'
  | 'WRONG_TYPE'
  | 'BAD_SYMBOL';

const SHAPE_HINT =
  'expected [MARKET]-[TYPE]-[SYMBOL] in capitals, e.g. KRX-STOCK-005930, US-STOCK-AAPL, CRYPTO-COIN-BTC or HUMAN-ETF-GAEMI';

/** Longest piece of player input echoed back in messages and details. */
const ECHO_LIMIT = 40;

function echo(text: string): string {
  return text.length <= ECHO_LIMIT ? text : `${text.slice(0, ECHO_LIMIT)}…`;
}

function isMarketCode(text: string): text is MarketCode {
  return Object.prototype.hasOwnProperty.call(TICKER_RULES, text);
}

function fail(reason: TickerIdFailureReason, input: string, message: string, extra: Record<string, unknown> = {}) {
  return err(ErrorCode.INVALID_TICKER, message, { reason, input: echo(input), ...extra });
}

/** Validate an exact (untrimmed) text as a canonical ticker id. */
function parseCanonical(text: string): Result<TickerId> {
  if (text.length === 0) return fail('EMPTY', text, `Ticker id is empty: ${SHAPE_HINT}.`);
  if (text.length > MAX_TICKER_ID_LENGTH) {
    return fail(
      'TOO_LONG',
      text,
      `Ticker id is too long (${text.length} characters, at most ${MAX_TICKER_ID_LENGTH}): ${SHAPE_HINT}.`,
    );
  }
  if (/[^0-9A-Z.-]/.test(text)) {
    const upper = text.toUpperCase();
    if (/[a-z]/.test(text) && upper !== text && parseCanonical(upper).ok) {
      return fail(
        'LOWER_CASE',
        text,
        `Ticker id "${echo(text)}" must be all capitals ("${upper}"): ${SHAPE_HINT}.`,
        { upperCase: upper },
      );
    }
    return fail(
      'BAD_CHARACTERS',
      text,
      `Ticker id "${echo(text)}" may contain only A-Z, 0-9, '-' and '.': ${SHAPE_HINT}.`,
    );
  }
  const parts = text.split('-');
  const [market, type, symbol] = parts;
  if (parts.length !== 3 || market === undefined || type === undefined || symbol === undefined) {
    return fail('BAD_SHAPE', text, `Ticker id "${text}" must have three parts separated by '-': ${SHAPE_HINT}.`);
  }
  if (!isMarketCode(market)) {
    return fail(
      'UNKNOWN_MARKET',
      text,
      `Ticker id "${text}" has unknown market "${market}"; markets are ${MARKET_CODES.join(', ')}: ${SHAPE_HINT}.`,
    );
  }
  const rule = TICKER_RULES[market];
  if (type !== rule.type) {
    return fail(
      'WRONG_TYPE',
      text,
      `Ticker id "${text}": ${market} instruments have type ${rule.type}, not "${type}" (e.g. ${rule.example}).`,
    );
  }
  if (!rule.symbol.test(symbol)) {
    return fail(
      'BAD_SYMBOL',
      text,
      `Ticker id "${text}": a ${market}-${rule.type} symbol is ${rule.symbolShape} (e.g. ${rule.example}).`,
    );
  }
  return ok({ market, type: rule.type, symbol, id: text });
}

/**
 * Parse a ticker id typed or stored as text.
 *
 * Leading and trailing whitespace is ignored; everything else must be exact (SPEC §2: all
 * capitals, one of the combinations of {@link TICKER_RULES}). Lower case is rejected, with the
 * capitalised form in the message and in `details.upperCase`. Never throws.
 *
 * @returns the parsed id, or {@link ErrorCode.INVALID_TICKER} whose message names the expected
 *   shape with an example and whose `details` hold `reason` ({@link TickerIdFailureReason}) and
 *   the (shortened) `input`.
 */
export function parseTickerId(text: string): Result<TickerId> {
  if (typeof text !== 'string') {
    return err(ErrorCode.INVALID_TICKER, `Ticker id must be text: ${SHAPE_HINT}.`, { reason: 'NOT_A_STRING' });
  }
  return parseCanonical(text.trim());
}

/**
 * Build the canonical id `${market}-${type}-${symbol}`.
 *
 * @throws AppError(INVALID_TICKER) when the parts do not form a valid id (wrong type for the
 *   market, bad symbol, lower case, surrounding whitespace…). Use {@link parseTickerId} for input.
 */
export function formatTickerId(market: MarketCode, type: InstrumentType, symbol: string): string {
  const id = `${market}-${type}-${symbol}`;
  const parsed = parseCanonical(id);
  if (!parsed.ok) {
    throw new AppError(ErrorCode.INVALID_TICKER, parsed.error.message, { context: parsed.error.details ?? {} });
  }
  return id;
}

/** True when `text` is exactly a canonical ticker id (no surrounding whitespace allowed). */
export function isTickerId(text: string): boolean {
  return typeof text === 'string' && parseCanonical(text).ok;
}

/** Instrument currency of a ticker (SPEC §2): KRX→KRW, US→USD, CRYPTO→KRW-COIN, HUMAN→KRW. */
export function currencyOf(t: Pick<TickerId, 'market'>): Currency {
  return TICKER_RULES[t.market].currency;
}

// ---------------------------------------------------------------------------------------------
// Catalogue search (autocomplete) and resolution
// ---------------------------------------------------------------------------------------------

/** One instrument of the catalogue (the `tickers` table of SPEC §3, and the seed data). */
export interface CatalogueEntry {
  /** Canonical ticker id. */
  id: string;
  market: MarketCode;
  type: InstrumentType;
  symbol: string;
  /** Korean name as Korean media and exchanges write it (`삼성전자`, `애플`). */
  nameKo: string;
  /** English name (`Samsung Electronics`, `Apple`). */
  nameEn: string;
  currency: Currency;
  /** Other names players type: lower-case English short names and Korean nicknames. */
  aliases: string[];
  /** Inactive entries (delisted, suspended) are left out of search results. */
  active: boolean;
}

/** Longest normalised query considered; longer ones cannot match any name. */
const MAX_QUERY_LENGTH = 64;

/**
 * Normalise text for matching: Unicode NFKC (composes Hangul typed as jamo sequences, e.g. NFD
 * text from macOS, and folds full-width Latin letters and digits), lower case, and every
 * whitespace character removed.
 */
export function normaliseSearchText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
}

/** Match tiers, best first. */
const enum Tier {
  ExactId = 0,
  ExactSymbol = 1,
  ExactName = 2,
  SymbolPrefix = 3,
  NamePrefix = 4,
  Substring = 5,
}

/** Lowest tier that still counts as an exact match for {@link resolveTicker}. */
const LAST_EXACT_TIER = Tier.ExactName;

/** Normalised match keys of one entry. */
interface SearchKeys {
  readonly id: string;
  readonly symbol: string;
  /** Korean name, English name and aliases. */
  readonly names: readonly string[];
}

/** Keys of frozen entries (such as the seed catalogue), which cannot change under the cache. */
const frozenKeys = new WeakMap<CatalogueEntry, SearchKeys>();

function keysOf(entry: CatalogueEntry): SearchKeys {
  const cached = frozenKeys.get(entry);
  if (cached !== undefined) return cached;
  const keys: SearchKeys = {
    id: normaliseSearchText(entry.id),
    symbol: normaliseSearchText(entry.symbol),
    names: [entry.nameKo, entry.nameEn, ...entry.aliases].map(normaliseSearchText).filter((n) => n.length > 0),
  };
  if (Object.isFrozen(entry) && Object.isFrozen(entry.aliases)) frozenKeys.set(entry, keys);
  return keys;
}

/** Best tier at which `entry` matches the normalised, non-empty query `q`, or undefined. */
function tierOf(entry: CatalogueEntry, q: string): Tier | undefined {
  const { id, symbol, names } = keysOf(entry);
  if (id === q) return Tier.ExactId;
  if (symbol === q) return Tier.ExactSymbol;
  if (names.includes(q)) return Tier.ExactName;
  if (symbol.startsWith(q)) return Tier.SymbolPrefix;
  if (names.some((n) => n.startsWith(q))) return Tier.NamePrefix;
  if (id.includes(q) || names.some((n) => n.includes(q))) return Tier.Substring;
  return undefined;
}

function ranked(catalogue: readonly CatalogueEntry[], q: string, includeInactive: boolean) {
  const hits: { entry: CatalogueEntry; tier: Tier; index: number }[] = [];
  catalogue.forEach((entry, index) => {
    if (!includeInactive && !entry.active) return;
    const tier = tierOf(entry, q);
    if (tier !== undefined) hits.push({ entry, tier, index });
  });
  return hits.sort((a, b) => a.tier - b.tier || a.index - b.index);
}

/**
 * Search the catalogue for what a player typed (Discord autocomplete, at most 25 choices).
 *
 * Only active entries are returned. Ranking, best first: exact id; exact symbol; exact Korean or
 * English name or alias; prefix of the symbol; prefix of a name or alias; substring of the id,
 * a name or an alias. Ties keep catalogue order. Matching is case-insensitive, ignores
 * whitespace and compares Unicode-normalised text (see {@link normaliseSearchText}).
 * An empty query returns the first `limit` active entries.
 */
export function searchTickers(catalogue: readonly CatalogueEntry[], query: string, limit = 25): CatalogueEntry[] {
  if (!Number.isFinite(limit) || limit < 1) return [];
  const n = Math.floor(limit);
  const q = normaliseSearchText(typeof query === 'string' ? query : '');
  if (q.length === 0) return catalogue.filter((e) => e.active).slice(0, n);
  if (q.length > MAX_QUERY_LENGTH) return [];
  return ranked(catalogue, q, false)
    .slice(0, n)
    .map((h) => h.entry);
}

/** Levenshtein distance, giving up (returning `max + 1`) once it must exceed `max`. */
function boundedDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** Up to `limit` ids to suggest for an unknown query: search hits, else close spellings. */
function suggestionsFor(catalogue: readonly CatalogueEntry[], q: string, limit: number): CatalogueEntry[] {
  const hits = ranked(catalogue, q, false).slice(0, limit);
  if (hits.length > 0 || q.length === 0 || q.length > MAX_QUERY_LENGTH) return hits.map((h) => h.entry);
  const max = Math.max(1, Math.floor(q.length / 3));
  const close: { entry: CatalogueEntry; distance: number; index: number }[] = [];
  catalogue.forEach((entry, index) => {
    if (!entry.active) return;
    const { symbol, names } = keysOf(entry);
    const keys = [symbol, ...names];
    const distance = Math.min(...keys.map((k) => boundedDistance(q, k, max)));
    if (distance <= max) close.push({ entry, distance, index });
  });
  return close
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .slice(0, limit)
    .map((c) => c.entry);
}

function describe(entry: CatalogueEntry): string {
  return `${entry.nameKo} (${entry.id})`;
}

/**
 * Resolve player input (id, symbol, name or alias) to exactly one catalogue entry.
 *
 * Only exact matches count (exact id, then exact symbol, then exact name or alias; the best tier
 * wins). Inactive entries are found too, so a caller can say "delisted" rather than "unknown";
 * when several entries tie, active ones are preferred. Matching is as in {@link searchTickers}.
 *
 * @returns the entry, or {@link ErrorCode.UNKNOWN_TICKER} with `details.query` and
 *   `details.suggestions` (up to 5 ticker ids, best first: search hits, else close spellings);
 *   for an ambiguous input `details.ambiguous` is true and the suggestions are the candidates.
 */
export function resolveTicker(catalogue: readonly CatalogueEntry[], query: string): Result<CatalogueEntry> {
  const text = typeof query === 'string' ? query : '';
  const q = normaliseSearchText(text);
  if (q.length === 0) {
    return err(ErrorCode.UNKNOWN_TICKER, 'Type a ticker symbol, name or id (e.g. 삼성전자, AAPL, btc).', {
      query: '',
      suggestions: [],
    });
  }
  const exact = q.length > MAX_QUERY_LENGTH ? [] : ranked(catalogue, q, true).filter((h) => h.tier <= LAST_EXACT_TIER);
  const best = exact[0];
  if (best !== undefined) {
    let candidates = exact.filter((h) => h.tier === best.tier).map((h) => h.entry);
    if (candidates.some((e) => e.active)) candidates = candidates.filter((e) => e.active);
    const [only] = candidates;
    if (only !== undefined && candidates.length === 1) return ok(only);
    const shown = candidates.slice(0, 5);
    return err(
      ErrorCode.UNKNOWN_TICKER,
      `"${echo(text.trim())}" matches several instruments: ${shown.map(describe).join(', ')}. Use the ticker id.`,
      { query: echo(text.trim()), suggestions: shown.map((e) => e.id), ambiguous: true },
    );
  }
  const suggestions = suggestionsFor(catalogue, q, 5);
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map(describe).join(', ')}?` : '';
  return err(ErrorCode.UNKNOWN_TICKER, `Unknown ticker "${echo(text.trim())}".${hint}`, {
    query: echo(text.trim()),
    suggestions: suggestions.map((e) => e.id),
  });
}

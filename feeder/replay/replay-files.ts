/**
 * Readers for the recorded market data in `shared/data/market/` (see its `SOURCES.md`),
 * read in place and never modified.
 *
 * File names say what a file holds: `<market>-<instrument>-<interval>[-<provider>]-…`
 * ({@link classifyFile}). Contents are recognised by their header, not their name
 * ({@link readTable}): a UTF-8 BOM, CRLF or no trailing newline, an unnamed pandas index
 * column, yfinance's three header lines (`Price…` / `Ticker…` / `Datetime,,,`), JSON arrays
 * (raw Upbit API responses, newest first), Upbit/Binance/FDR/Yahoo/Tiingo column names, and
 * blank FRED values on US holidays (skipped, never read as 0). Rows are returned oldest first.
 *
 * Times: an explicit offset is honoured; a naive date-time is UTC for crypto and the
 * exchange's zone for KRX (Asia/Seoul) and US (America/New_York) files. A daily row keeps its
 * date (`YYYY-MM-DD`; for Tiingo's `2024-04-01 00:00:00+00:00` the date part). An intraday file
 * labelled by bar *end* (Alpha Vantage: 09:31–16:00) is detected and shifted to bar starts.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { Decimal } from '../../core/money.js';
import { quoteJsonNumbers } from '../raw-json.js';

/** What a file name says about its contents. */
export interface FileInfo {
  file: string;
  kind: 'instrument' | 'fx';
  /** `CRYPTO-COIN-BTC`, `KRX-STOCK-005930`, `US-STOCK-AAPL`; empty for FX. */
  tickerId: string;
  market: 'CRYPTO' | 'KRX' | 'US' | 'FX';
  /** `1m`, `5m`, `1d`… */
  interval: string;
  intervalMs: number;
  daily: boolean;
  /** Currency of the prices in the file. */
  quote: 'KRW' | 'USD' | 'USDT';
  /** `binance`, `upbit`, `yahoo`, `fdr`, `tiingo`, `fred`, or `recorded` when the name gives none. */
  provider: string;
}

/**
 * One OHLCV row. `t` is the bar's start (ms); `date` is set on daily rows. Prices and volume
 * stay the file's decimal text (validated: prices positive, volume non-negative) and become
 * {@link Decimal}s only when a bar is replayed, which keeps loading fast.
 */
export interface RawBar {
  t: number;
  date: string | null;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** One FRED observation: KRW per 1 USD on a New York business day. */
export interface FxObservation {
  date: string;
  rate: Decimal;
}

export interface Parsed<T> {
  rows: T[];
  /** Data rows that could not be used (blank, malformed, non-positive prices). */
  skipped: number;
}

const NAME_RE = /^(crypto|krx|us|fx)-(.+?)-(\d+)([mhd])(?:-([a-z]+))?(?:-|\.)/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Exchange zone and regular session (local minutes) of scheduled markets, for parsing. */
const SCHEDULED: Record<'KRX' | 'US', { zone: string; open: number; close: number }> = {
  KRX: { zone: 'Asia/Seoul', open: 9 * 60, close: 15 * 60 + 30 },
  US: { zone: 'America/New_York', open: 9 * 60 + 30, close: 16 * 60 },
};

/** Classify a file by its name; null when it is not market data this reader knows. */
export function classifyFile(file: string): FileInfo | null {
  const m = NAME_RE.exec(file.toLowerCase());
  if (m === null || !/\.(csv|json)$/i.test(file)) return null;
  const [, marketRaw = '', what = '', nText = '', unit = '', providerRaw] = m;
  const n = Number.parseInt(nText, 10);
  const intervalMs = n * (UNIT_MS[unit] ?? 0);
  if (!(intervalMs > 0)) return null;
  const base = {
    file,
    interval: `${n}${unit}`,
    intervalMs,
    daily: unit === 'd',
    provider: providerRaw ?? 'recorded',
  };
  const parts = what.split('-');
  if (marketRaw === 'fx') {
    if (what !== 'usd-krw') return null;
    return { ...base, kind: 'fx', tickerId: '', market: 'FX', quote: 'KRW' };
  }
  if (marketRaw === 'crypto') {
    let symbol: string | undefined;
    let quote: FileInfo['quote'];
    if (parts.length === 2 && parts[0] === 'krw') {
      symbol = parts[1];
      quote = 'KRW';
    } else if (parts.length === 2 && (parts[1] === 'usdt' || parts[1] === 'krw')) {
      symbol = parts[0];
      quote = parts[1] === 'usdt' ? 'USDT' : 'KRW';
    } else return null;
    if (symbol === undefined || !/^[a-z0-9]{1,12}$/.test(symbol)) return null;
    return { ...base, kind: 'instrument', tickerId: `CRYPTO-COIN-${symbol.toUpperCase()}`, market: 'CRYPTO', quote };
  }
  if (marketRaw === 'krx') {
    const code = parts[0];
    if (code === undefined || !/^[0-9a-z]{6}$/.test(code)) return null;
    return { ...base, kind: 'instrument', tickerId: `KRX-STOCK-${code.toUpperCase()}`, market: 'KRX', quote: 'KRW' };
  }
  const symbol = parts[0];
  if (symbol === undefined || !/^[a-z0-9.]{1,10}$/.test(symbol)) return null;
  return { ...base, kind: 'instrument', tickerId: `US-STOCK-${symbol.toUpperCase()}`, market: 'US', quote: 'USD' };
}

/** A table of strings: the header (as written) and the data rows. */
export interface Table {
  header: string[];
  rows: string[][];
}

function readCsv(body: string): string[][] {
  const records: unknown = parseCsv(body, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  return Array.isArray(records) ? records.map((r: unknown) => (Array.isArray(r) ? r.map(String) : [])) : [];
}

/** Read a CSV or JSON-array file into a {@link Table}. Throws on a file that is neither. */
export function readTable(text: string): Table {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('[')) {
    const parsed: unknown = JSON.parse(quoteJsonNumbers(body));
    if (!Array.isArray(parsed)) throw new Error('JSON market data must be an array of objects');
    const objects = parsed.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o));
    const header = objects[0] === undefined ? [] : Object.keys(objects[0]);
    const rows = objects.map((o) => header.map((k) => {
      const v = o[k];
      return typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
    }));
    return { header, rows };
  }
  // Plain files (no quoting) are split directly, several times faster than the full parser.
  const records = body.includes('"')
    ? readCsv(body)
    : body
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .map((line) => line.split(',').map((c) => c.trim()));
  const [first, second, third] = records;
  if (first === undefined) return { header: [], rows: [] };
  // yfinance multi-index CSV: Price,Close,… / Ticker,AAPL,… / Datetime,,,,,
  if (first[0] === 'Price' && second?.[0] === 'Ticker' && third !== undefined && third.slice(1).every((c) => c === '')) {
    return { header: [third[0] ?? 'Datetime', ...first.slice(1)], rows: records.slice(3) };
  }
  return { header: first, rows: records.slice(1) };
}

function column(header: readonly string[], names: readonly string[]): number {
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const n of names) {
    const i = lower.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}

const DECIMAL_RE = /^[+-]?\d+(\.\d+)?$/;

/** The text when it is a positive plain decimal, else null. */
export function positiveText(text: string | undefined): string | null {
  if (text === undefined) return null;
  const t = text.trim();
  return DECIMAL_RE.test(t) && !t.startsWith('-') && /[1-9]/.test(t) ? t : null;
}

function nonNegativeText(text: string | undefined): string {
  if (text === undefined) return '0';
  const t = text.trim();
  return DECIMAL_RE.test(t) && !t.startsWith('-') ? t : '0';
}

const TIME_COLUMNS = ['candle_date_time_utc', 'datetime', 'date', 'timestamp', 'observation_date'];

function zoneOf(info: FileInfo): string {
  return info.market === 'KRX' || info.market === 'US' ? SCHEDULED[info.market].zone : 'UTC';
}

const NAIVE_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const OFFSET_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * UTC offset (minutes) of `zone` on a local date, at noon: sessions never straddle a DST
 * change (those happen at night), so one offset per date is exact for trading hours.
 */
function offsetOn(zone: string, date: string, cache: Map<string, number>): number {
  const key = `${zone}|${date}`;
  let off = cache.get(key);
  if (off === undefined) {
    off = DateTime.fromISO(`${date}T12:00:00`, { zone }).offset;
    cache.set(key, off);
  }
  return off;
}

/** Parse an intraday instant; null when malformed. Fast paths avoid luxon per row. */
function parseInstant(text: string, zone: string, cache: Map<string, number>): number | null {
  const s = text.trim();
  if (OFFSET_RE.test(s)) {
    const t = Date.parse(s.replace(' ', 'T'));
    return Number.isNaN(t) ? null : t;
  }
  const m = NAIVE_RE.exec(s);
  if (m === null) return null;
  const [, date = '', time = ''] = m;
  const t = Date.parse(`${date}T${time}Z`);
  if (Number.isNaN(t)) return null;
  return zone === 'UTC' ? t : t - offsetOn(zone, date, cache) * 60_000;
}

/**
 * Parse an instrument file (OHLCV). Rows come back oldest first, one per bar start.
 * @throws Error when the header lacks a time or price column.
 */
export function parseBars(text: string, info: FileInfo): Parsed<RawBar> {
  const { header, rows } = readTable(text);
  const ti = column(header, TIME_COLUMNS);
  const oi = column(header, ['open', 'opening_price']);
  const hi = column(header, ['high', 'high_price']);
  const li = column(header, ['low', 'low_price']);
  const ci = column(header, ['close', 'trade_price']);
  const vi = column(header, ['volume', 'candle_acc_trade_volume']);
  if (ti < 0 || oi < 0 || hi < 0 || li < 0 || ci < 0) {
    throw new Error(`${info.file}: no time/open/high/low/close columns in header ${JSON.stringify(header)}`);
  }
  const zone = zoneOf(info);
  const offsets = new Map<string, number>();
  const out: RawBar[] = [];
  let skipped = 0;
  for (const r of rows) {
    const time = r[ti] ?? '';
    const open = positiveText(r[oi]);
    const high = positiveText(r[hi]);
    const low = positiveText(r[li]);
    const close = positiveText(r[ci]);
    if (open === null || high === null || low === null || close === null) {
      skipped += 1;
      continue;
    }
    let t: number | null;
    let date: string | null = null;
    if (info.daily) {
      date = /^\d{4}-\d{2}-\d{2}/.exec(time.trim())?.[0] ?? null;
      t = date === null ? null : Date.parse(`${date}T00:00:00Z`);
    } else {
      t = parseInstant(time, zone, offsets);
    }
    if (t === null || Number.isNaN(t)) {
      skipped += 1;
      continue;
    }
    out.push({ t, date, open, high, low, close, volume: vi < 0 ? '0' : nonNegativeText(r[vi]) });
  }
  out.sort((a, b) => a.t - b.t);
  const unique = out.filter((b, i) => i === 0 || b.t !== out[i - 1]?.t);
  skipped += out.length - unique.length;
  if (!info.daily && (info.market === 'KRX' || info.market === 'US')) shiftEndLabelled(unique, info);
  return { rows: unique, skipped };
}

/**
 * Bars labelled by their end (first bar at open + interval, last at the close) are moved to
 * their start, so a bar never reaches past the session close.
 */
function shiftEndLabelled(bars: RawBar[], info: FileInfo): void {
  if (info.market !== 'KRX' && info.market !== 'US') return;
  const { zone, open, close } = SCHEDULED[info.market];
  const step = info.intervalMs / 60_000;
  let endLabelled = false;
  let startsAtOpen = false;
  for (const b of bars) {
    const local = DateTime.fromMillis(b.t, { zone });
    const minute = local.hour * 60 + local.minute;
    if (minute === open) startsAtOpen = true;
    if (minute + step > close) endLabelled = true;
  }
  if (endLabelled && !startsAtOpen) for (const b of bars) b.t -= info.intervalMs;
}

/** Parse the FRED DEXKOUS file. Blank values (US holidays) are skipped, never read as 0. */
export function parseFx(text: string, file = 'fx'): Parsed<FxObservation> {
  const { header, rows } = readTable(text);
  const di = column(header, ['observation_date', 'date']);
  const vi = column(header, ['dexkous', 'value', 'rate']);
  if (di < 0 || vi < 0) throw new Error(`${file}: no observation_date/DEXKOUS columns in header ${JSON.stringify(header)}`);
  const out: FxObservation[] = [];
  let skipped = 0;
  for (const r of rows) {
    const date = /^\d{4}-\d{2}-\d{2}$/.exec((r[di] ?? '').trim())?.[0];
    const rate = positiveText(r[vi]);
    if (date === undefined || rate === null) {
      skipped += 1;
      continue;
    }
    out.push({ date, rate: new Decimal(rate) });
  }
  out.sort((a, b) => a.date.localeCompare(b.date));
  return { rows: out, skipped };
}

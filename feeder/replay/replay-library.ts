/**
 * The replay library: every recorded file of `REPLAY_DIR`, merged into one price series per
 * instrument, in the instrument's currency, plus the USD/KRW series.
 *
 * Per instrument:
 * - **Intraday** files (1m, 5m…) make the series. Where files overlap, a file already in the
 *   instrument's currency wins (Upbit KRW-BTC over Binance BTC/USDT), then the finer interval.
 * - **Daily** files are used for the previous close (change %) and, only when an instrument
 *   has no intraday file at all, as the series itself: each day becomes one bar spanning the
 *   session (KRX 09:00–15:30, US 09:30–16:00 local; crypto the UTC day), interpolated within
 *   the day; its source label ends in `-interp` so quotes say so.
 * - USDT prices are converted to KRW at the FRED DEXKOUS rate of the bar's UTC date (the last
 *   observation on or before it); the label says `×dexkous`. The Upbit "kimchi premium" is not
 *   added: such prices are the world price in KRW.
 *
 * The loader does file I/O; everything it returns is plain data for {@link ./replay-engine}.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { marketOfTicker } from '../../core/calendar.js';
import { currencyOf } from '../../core/ticker.js';
import { Decimal } from '../../core/money.js';
import type { QuoteCurrency } from '../quote.js';
import type { FileInfo, FxObservation, RawBar } from './replay-files.js';
import { classifyFile, parseBars, parseFx } from './replay-files.js';

/**
 * One bar of a series: start `t` (ms), duration `dur` (ms), OHLCV as the file's decimal text.
 * Prices are in the file's currency; multiply by `fx` (KRW per USDT) when it is set.
 */
export interface Bar {
  t: number;
  dur: number;
  o: string;
  h: string;
  l: string;
  c: string;
  v: string;
  fx: Decimal | null;
  /** Index into {@link InstrumentSeries.labels}. */
  src: number;
  /** Trading day of the bar: local date (KRX, US) or UTC date (crypto). */
  day: string;
}

/** A price of a bar in the instrument currency (8 decimals). */
export function barPrice(bar: Bar, text: string): Decimal {
  const x = new Decimal(text);
  return bar.fx === null ? x : x.times(bar.fx).decimalPlaces(8, Decimal.ROUND_HALF_UP);
}

export type ReplayMarket = 'CRYPTO' | 'KRX' | 'US';

/** A recorded session (KRX/US): the bars of one local trading date. */
export interface RecordedSession {
  date: string;
  first: number;
  last: number;
}

export interface InstrumentSeries {
  tickerId: string;
  market: ReplayMarket;
  currency: QuoteCurrency;
  mode: 'intraday' | 'daily';
  bars: Bar[];
  /** Source labels, e.g. `yahoo-1m`, `binance-1m×dexkous`, `fdr-1d-interp`. */
  labels: string[];
  /** Previous trading day's close by day key (for change %). */
  prevClose: Map<string, Decimal>;
  /** Crypto: maximal runs of consecutive bars, as [first, last] bar indexes. */
  windows: [number, number][];
  /** KRX/US: recorded sessions, in order. */
  sessions: RecordedSession[];
  /** KRX/US: sessions long enough (≥ half a regular session) to stand in for another day. */
  fullSessions: RecordedSession[];
  /** Files that fed the series. */
  files: string[];
}

export interface ReplayLibrary {
  dir: string;
  instruments: Map<string, InstrumentSeries>;
  fx: FxObservation[];
  /** Files skipped (unknown name or unreadable), with why. */
  skippedFiles: { file: string; reason: string }[];
  /** Data rows skipped per file (blank, malformed, non-positive). */
  skippedRows: Record<string, number>;
}

/** Regular sessions used to place daily bars (local time, minutes after midnight). */
const SESSION: Record<'KRX' | 'US', { zone: string; open: number; close: number }> = {
  KRX: { zone: 'Asia/Seoul', open: 9 * 60, close: 15 * 60 + 30 },
  US: { zone: 'America/New_York', open: 9 * 60 + 30, close: 16 * 60 },
};

/** Zone whose calendar date is a bar's trading day. */
export function dayZone(market: ReplayMarket): string {
  return market === 'CRYPTO' ? 'UTC' : SESSION[market].zone;
}

/** Regular session length of a scheduled market, ms. */
export function regularSessionMs(market: 'KRX' | 'US'): number {
  return (SESSION[market].close - SESSION[market].open) * 60_000;
}

/** The regular open instant of a local trading date (DST-safe). */
export function regularOpen(market: 'KRX' | 'US', date: string): number {
  const s = SESSION[market];
  return DateTime.fromISO(date, { zone: s.zone }).set({ hour: Math.floor(s.open / 60), minute: s.open % 60 }).toMillis();
}

/** KRW per USD on a date: the last observation on or before it (the first one before the series). */
export function fxOn(fx: readonly FxObservation[], date: string): Decimal | null {
  let lo = 0;
  let hi = fx.length - 1;
  let found: FxObservation | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = fx[mid];
    if (o === undefined) break;
    if (o.date <= date) {
      found = o;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return (found ?? fx[0])?.rate ?? null;
}

interface Loaded {
  info: FileInfo;
  bars: RawBar[];
  /** KRW per USDT by bar (USDT files only). */
  rates: (Decimal | null)[];
}

/** KRW-per-USDT factor of each bar (null for files already in their currency). */
function ratesFor(bars: RawBar[], info: FileInfo, fx: readonly FxObservation[]): (Decimal | null)[] | null {
  if (info.quote !== 'USDT') return bars.map(() => null);
  if (fx.length === 0) return null;
  return bars.map((b) => fxOn(fx, b.date ?? new Date(b.t).toISOString().slice(0, 10)));
}

function label(info: FileInfo, interp: boolean): string {
  return `${info.provider}-${info.interval}${info.quote === 'USDT' ? '×dexkous' : ''}${interp ? '-interp' : ''}`;
}

/** Trading day of instant `t` in `zone` (offset looked up once per UTC date). */
function dayOf(t: number, zone: string, cache: Map<string, number>): string {
  const utcDate = new Date(t).toISOString().slice(0, 10);
  if (zone === 'UTC') return utcDate;
  let off = cache.get(utcDate);
  if (off === undefined) {
    off = DateTime.fromISO(`${utcDate}T12:00:00`, { zone }).offset;
    cache.set(utcDate, off);
  }
  return new Date(t + off * 60_000).toISOString().slice(0, 10);
}

/**
 * Merge intraday files: native-currency files first, then finer intervals; a bar that
 * overlaps one already taken is dropped.
 */
function mergeIntraday(files: Loaded[], labels: string[]): Omit<Bar, 'day'>[] {
  const ordered = [...files].sort(
    (a, b) => Number(a.info.quote === 'USDT') - Number(b.info.quote === 'USDT') || a.info.intervalMs - b.info.intervalMs,
  );
  const taken: Omit<Bar, 'day'>[] = [];
  let spans: [number, number][] = [];
  const overlaps = (t: number, end: number): boolean => {
    let lo = 0;
    let hi = spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = spans[mid];
      if (s === undefined) break;
      if (end <= s[0]) hi = mid - 1;
      else if (t >= s[1]) lo = mid + 1;
      else return true;
    }
    return false;
  };
  for (const f of ordered) {
    const src = labels.push(label(f.info, false)) - 1;
    const kept: Omit<Bar, 'day'>[] = [];
    f.bars.forEach((b, i) => {
      if (overlaps(b.t, b.t + f.info.intervalMs)) return;
      kept.push({ t: b.t, dur: f.info.intervalMs, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, fx: f.rates[i] ?? null, src });
    });
    taken.push(...kept);
    taken.sort((a, b) => a.t - b.t);
    spans = [];
    for (const b of taken) {
      const last = spans[spans.length - 1];
      if (last !== undefined && b.t <= last[1]) last[1] = Math.max(last[1], b.t + b.dur);
      else spans.push([b.t, b.t + b.dur]);
    }
  }
  return taken;
}

/** Daily rows by date, native currency first. */
interface DailyRow {
  bar: RawBar;
  info: FileInfo;
  fx: Decimal | null;
}

function mergeDaily(files: Loaded[]): Map<string, DailyRow> {
  const byDate = new Map<string, DailyRow>();
  const ordered = [...files].sort((a, b) => Number(a.info.quote === 'USDT') - Number(b.info.quote === 'USDT'));
  for (const f of ordered) {
    f.bars.forEach((b, i) => {
      if (b.date !== null && !byDate.has(b.date)) byDate.set(b.date, { bar: b, info: f.info, fx: f.rates[i] ?? null });
    });
  }
  return byDate;
}

function buildSeries(tickerId: string, intraday: Loaded[], daily: Loaded[]): InstrumentSeries | null {
  const m = marketOfTicker(tickerId);
  if (m === 'HUMAN') return null;
  const market: ReplayMarket = m;
  const zone = dayZone(market);
  const labels: string[] = [];
  const dailyRows = mergeDaily(daily);
  let raw: Omit<Bar, 'day'>[];
  let mode: InstrumentSeries['mode'];
  if (intraday.length > 0) {
    raw = mergeIntraday(intraday, labels);
    mode = 'intraday';
  } else {
    mode = 'daily';
    const srcOf = new Map<string, number>();
    raw = [...dailyRows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, { bar, info, fx }]) => {
        const key = label(info, true);
        let src = srcOf.get(key);
        if (src === undefined) {
          src = labels.push(key) - 1;
          srcOf.set(key, src);
        }
        const t = market === 'CRYPTO' ? DateTime.fromISO(date, { zone: 'UTC' }).toMillis() : regularOpen(market, date);
        const dur = market === 'CRYPTO' ? 86_400_000 : regularSessionMs(market);
        return { t, dur, o: bar.open, h: bar.high, l: bar.low, c: bar.close, v: bar.volume, fx, src };
      });
  }
  if (raw.length === 0) return null;

  const offsets = new Map<string, number>();
  const bars: Bar[] = raw.map((b) => ({ ...b, day: dayOf(b.t, zone, offsets) }));

  // Previous close per trading day: the daily file's previous row, else the series' own.
  const prevClose = new Map<string, Decimal>();
  const dailyDates = [...dailyRows.keys()].sort();
  let lastSeries: Bar | undefined;
  let di = 0;
  for (const b of bars) {
    if (b.day !== lastSeries?.day) {
      while (di < dailyDates.length && (dailyDates[di] ?? '') < b.day) di += 1;
      const row = di > 0 ? dailyRows.get(dailyDates[di - 1] ?? '') : undefined;
      const rowClose = row === undefined ? undefined : row.fx === null ? new Decimal(row.bar.close) : new Decimal(row.bar.close).times(row.fx);
      const seriesClose = lastSeries === undefined ? undefined : barPrice(lastSeries, lastSeries.c);
      // A daily file may be split-adjusted while the intraday file is not (TSLA 2019): use the
      // daily close only when it is within a factor 1.5 of this day's open.
      const open = barPrice(b, b.o);
      const plausible = rowClose !== undefined && rowClose.lte(open.times(1.5)) && rowClose.gte(open.div(1.5));
      const pc = plausible ? rowClose : (seriesClose ?? open);
      if (pc !== undefined) prevClose.set(b.day, pc.decimalPlaces(8, Decimal.ROUND_HALF_UP));
    }
    lastSeries = b;
  }

  const windows: [number, number][] = [];
  const sessions: RecordedSession[] = [];
  if (market === 'CRYPTO') {
    let start = 0;
    for (let i = 1; i <= bars.length; i += 1) {
      const prev = bars[i - 1];
      const cur = bars[i];
      if (cur === undefined || prev === undefined || cur.t > prev.t + prev.dur * 2) {
        windows.push([start, i - 1]);
        start = i;
      }
    }
  } else {
    for (let i = 0; i < bars.length; i += 1) {
      const b = bars[i];
      if (b === undefined) continue;
      const last = sessions[sessions.length - 1];
      if (last !== undefined && last.date === b.day) last.last = i;
      else sessions.push({ date: b.day, first: i, last: i });
    }
  }
  const full =
    market === 'CRYPTO'
      ? []
      : sessions.filter((s) => {
          let covered = 0;
          for (let i = s.first; i <= s.last; i += 1) covered += bars[i]?.dur ?? 0;
          return covered * 2 >= regularSessionMs(market);
        });
  return {
    tickerId,
    market,
    currency: currencyOf({ market }),
    mode,
    bars,
    labels,
    prevClose,
    windows,
    sessions,
    fullSessions: full.length > 0 ? full : sessions,
    files: [...intraday, ...daily].map((f) => f.info.file),
  };
}

/**
 * Load every recognised file of `dir`. Unknown names and unreadable files are listed in
 * `skippedFiles` (never fatal); a directory with no usable file gives an empty library.
 * @throws Error when `dir` cannot be read.
 */
export async function loadReplayLibrary(dir: string): Promise<ReplayLibrary> {
  const names = (await readdir(dir)).sort();
  const skippedFiles: ReplayLibrary['skippedFiles'] = [];
  const skippedRows: Record<string, number> = {};
  const infos: FileInfo[] = [];
  for (const name of names) {
    if (name.toLowerCase().endsWith('.md')) continue;
    const info = classifyFile(name);
    if (info === null) skippedFiles.push({ file: name, reason: 'file name not recognised' });
    else infos.push(info);
  }
  const texts = new Map<string, string>();
  await Promise.all(
    infos.map(async (info) => {
      texts.set(info.file, await readFile(path.join(dir, info.file), 'utf8'));
    }),
  );

  let fx: FxObservation[] = [];
  for (const info of infos.filter((i) => i.kind === 'fx')) {
    try {
      const parsed = parseFx(texts.get(info.file) ?? '', info.file);
      skippedRows[info.file] = parsed.skipped;
      fx = [...fx, ...parsed.rows].sort((a, b) => a.date.localeCompare(b.date));
    } catch (error) {
      skippedFiles.push({ file: info.file, reason: error instanceof Error ? error.message : String(error) });
    }
  }

  const byTicker = new Map<string, { intraday: Loaded[]; daily: Loaded[] }>();
  for (const info of infos.filter((i) => i.kind === 'instrument')) {
    try {
      const parsed = parseBars(texts.get(info.file) ?? '', info);
      skippedRows[info.file] = parsed.skipped;
      const rates = ratesFor(parsed.rows, info, fx);
      if (rates === null) {
        skippedFiles.push({ file: info.file, reason: 'USDT prices need the DEXKOUS file to convert to KRW' });
        continue;
      }
      const entry = byTicker.get(info.tickerId) ?? { intraday: [], daily: [] };
      (info.daily ? entry.daily : entry.intraday).push({ info, bars: parsed.rows, rates });
      byTicker.set(info.tickerId, entry);
    } catch (error) {
      skippedFiles.push({ file: info.file, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const instruments = new Map<string, InstrumentSeries>();
  for (const [tickerId, { intraday, daily }] of byTicker) {
    const series = buildSeries(tickerId, intraday, daily);
    if (series !== null) instruments.set(tickerId, series);
  }
  return { dir, instruments, fx, skippedFiles, skippedRows };
}

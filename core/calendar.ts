/**
 * Market calendar: when each market is open for trading.
 *
 * Pure: no I/O. The holiday tables are data (`db/seeds/holidays/*.json`, editable by admins)
 * and are passed to {@link MarketCalendar}'s constructor.
 *
 * Rules (SPEC.md §4):
 * - KRX: regular session 09:00–15:30 Asia/Seoul, Monday–Friday, except the closures in the
 *   table. Special sessions (first trading day of the year 10:00–15:30, CSAT day 10:00–16:30)
 *   come from the table's `special` list. Source: KRX market-operation rules
 *   (유가증권시장업무규정 제4조/제5조) and KRX closure notices.
 * - US (NYSE): regular session 09:30–16:00 America/New_York, Monday–Friday, except the
 *   closures in the table; early closes at 13:00 come from `special`. Source: NYSE Rule 7.2
 *   and the NYSE Group holiday and early-closings calendar.
 * - CRYPTO and HUMAN (Human ETFs): always open (24/7).
 *
 * Sessions are half-open intervals `[open, close)`: the open instant is open, the close
 * instant is closed. Wall-clock times are converted with luxon in the table's IANA zone, so
 * US daylight-saving changes are handled (a 09:30 open is 13:30 UTC in EDT, 14:30 UTC in EST).
 * Beyond the years a table covers, every weekday is treated as a trading day.
 */
import { DateTime, IANAZone } from 'luxon';
import { AppError, ErrorCode } from './errors.js';

/** A market as the first segment of a ticker id (`KRX-STOCK-005930` → `KRX`). */
export type Market = 'KRX' | 'US' | 'CRYPTO' | 'HUMAN';

/** A market that keeps exchange hours and has a holiday table. */
export type ScheduledMarket = 'KRX' | 'US';

/**
 * One market's holiday table, as stored in `db/seeds/holidays/{krx,nyse}.json`.
 *
 * - `timezone`: IANA zone of the exchange (`Asia/Seoul`, `America/New_York`).
 * - `regular`: the normal session as local wall-clock `HH:MM` (24 h), open < close.
 * - `closed`: local dates (`YYYY-MM-DD`) on which the market does not open at all.
 * - `special`: local dates with non-regular hours (late open, early close); a date may not
 *   be both closed and special.
 */
export interface HolidayTable {
  market: ScheduledMarket;
  timezone: string;
  regular: { open: string; close: string };
  source?: string;
  closed: { date: string; name: string }[];
  special: { date: string; open: string; close: string; name: string }[];
}

/**
 * One trading session of a scheduled market.
 * `date` is the local trading date (`YYYY-MM-DD` in the exchange's zone);
 * `open` and `close` are instants, the session being `[open, close)`.
 * `name` is set on special sessions (for example "Early close: Christmas Eve").
 */
export interface Session {
  market: Market;
  date: string;
  open: Date;
  close: Date;
  name?: string;
}

/**
 * A market's state at an instant.
 * - `nextOpen`: when closed, the next session's open (strictly after the instant); when open,
 *   the open of the session after the current one. `null` for 24/7 markets (they never open
 *   because they never close) or when no session is found within the look-ahead window.
 * - `nextClose`: when open, the current session's close; when closed, the next session's
 *   close. `null` for 24/7 markets.
 */
export interface MarketStatus {
  market: Market;
  isOpen: boolean;
  nextOpen: Date | null;
  nextClose: Date | null;
}

/** How many local days ahead the calendar searches for the next session. */
export const LOOKAHEAD_DAYS = 30;

/** The longest date range {@link MarketCalendar.tradingDaysBetween} accepts, in days. */
export const MAX_RANGE_DAYS = 3660;

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

interface HoursOfDay {
  openMin: number;
  closeMin: number;
  name?: string;
}

interface CompiledTable {
  market: ScheduledMarket;
  zone: string;
  regular: HoursOfDay;
  closed: ReadonlyMap<string, string>;
  special: ReadonlyMap<string, HoursOfDay>;
}

function configError(message: string, context: Record<string, unknown>): AppError {
  return new AppError(ErrorCode.CONFIG_INVALID, `Invalid holiday table: ${message}`, { context });
}

/** `HH:MM` → minutes after local midnight, or null when malformed. */
function parseTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = TIME_RE.exec(value);
  if (m === null) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** True for a real calendar date written `YYYY-MM-DD`. */
function isLocalDate(value: unknown): value is string {
  return typeof value === 'string' && DATE_RE.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compileHours(
  open: unknown,
  close: unknown,
  where: string,
  market: string,
): { openMin: number; closeMin: number } {
  const openMin = parseTime(open);
  const closeMin = parseTime(close);
  if (openMin === null || closeMin === null) {
    throw configError(`${where}: times must be HH:MM`, { market, open, close });
  }
  if (openMin >= closeMin) {
    throw configError(`${where}: open must be before close`, { market, open, close });
  }
  return { openMin, closeMin };
}

/** Validate one table (it may come from an admin edit) and index it by date. */
function compileTable(table: unknown): CompiledTable {
  if (!isRecord(table)) throw configError('table must be an object', {});
  const market = table['market'];
  if (market !== 'KRX' && market !== 'US') {
    throw configError('market must be KRX or US', { market });
  }
  const zone = table['timezone'];
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
    throw configError('timezone must be an IANA zone', { market, timezone: zone });
  }
  const regularRaw = table['regular'];
  if (!isRecord(regularRaw)) throw configError('regular hours missing', { market });
  const regular = compileHours(regularRaw['open'], regularRaw['close'], 'regular', market);

  const closedRaw = table['closed'];
  const specialRaw = table['special'];
  if (!Array.isArray(closedRaw) || !Array.isArray(specialRaw)) {
    throw configError('closed and special must be arrays', { market });
  }
  const closed = new Map<string, string>();
  for (const entry of closedRaw as unknown[]) {
    if (!isRecord(entry) || !isLocalDate(entry['date']) || typeof entry['name'] !== 'string') {
      throw configError('closed entries need a YYYY-MM-DD date and a name', { market, entry });
    }
    if (closed.has(entry['date'])) {
      throw configError('duplicate closed date', { market, date: entry['date'] });
    }
    closed.set(entry['date'], entry['name']);
  }
  const special = new Map<string, HoursOfDay>();
  for (const entry of specialRaw as unknown[]) {
    if (!isRecord(entry) || !isLocalDate(entry['date']) || typeof entry['name'] !== 'string') {
      throw configError('special entries need a YYYY-MM-DD date, open, close and a name', { market, entry });
    }
    const date = entry['date'];
    if (special.has(date) || closed.has(date)) {
      throw configError('special date duplicated or also closed', { market, date });
    }
    const hours = compileHours(entry['open'], entry['close'], `special ${date}`, market);
    special.set(date, { ...hours, name: entry['name'] });
  }
  return { market, zone, regular, closed, special };
}

function assertValidInstant(at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new AppError(ErrorCode.INVALID_INPUT, 'Invalid instant', { context: { at: String(at) } });
  }
}

function assertLocalDate(localDate: string): void {
  if (!isLocalDate(localDate)) {
    throw new AppError(ErrorCode.INVALID_INPUT, `Invalid local date ${JSON.stringify(localDate)}, expected YYYY-MM-DD`, {
      context: { localDate },
    });
  }
}

/** The instant of local wall-clock `minutes` after midnight on `day` (DST-safe: sets fields, no duration math). */
function atWallClock(day: DateTime, minutes: number): Date {
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 }).toJSDate();
}

function isAlwaysOpen(market: Market): market is 'CRYPTO' | 'HUMAN' {
  return market === 'CRYPTO' || market === 'HUMAN';
}

/**
 * Trading hours of every market, built from the holiday tables.
 *
 * All instants are JS `Date`s (UTC instants); all local dates are `YYYY-MM-DD` strings in the
 * exchange's zone. Throws `AppError(INVALID_INPUT)` on an invalid `Date` or date string, and
 * `AppError(CONFIG_INVALID)` when a scheduled market has no table.
 */
export class MarketCalendar {
  private readonly tables: ReadonlyMap<ScheduledMarket, CompiledTable>;

  /**
   * @param tables one table per scheduled market (KRX and US).
   * @throws AppError(CONFIG_INVALID) when a table is malformed (bad zone, bad `HH:MM`, open
   *   not before close, invalid or duplicate dates, a date both closed and special) or when
   *   two tables are given for one market.
   */
  constructor(tables: readonly HolidayTable[]) {
    const compiled = new Map<ScheduledMarket, CompiledTable>();
    for (const table of tables) {
      const c = compileTable(table);
      if (compiled.has(c.market)) throw configError('two tables for one market', { market: c.market });
      compiled.set(c.market, c);
    }
    this.tables = compiled;
  }

  /** True when `market` is open at instant `at` (sessions are `[open, close)`). */
  isOpen(market: Market, at: Date): boolean {
    assertValidInstant(at);
    if (isAlwaysOpen(market)) return true;
    return this.sessionAt(market, at) !== null;
  }

  /**
   * The session in progress at `at`, or null when the market is closed.
   * Always null for 24/7 markets (they have no sessions; use {@link isOpen}).
   */
  sessionAt(market: Market, at: Date): Session | null {
    assertValidInstant(at);
    if (isAlwaysOpen(market)) return null;
    const table = this.table(market);
    const localDate = DateTime.fromJSDate(at, { zone: table.zone }).toISODate();
    if (localDate === null) return null;
    const session = this.sessionOn(market, localDate);
    if (session === null) return null;
    const t = at.getTime();
    return session.open.getTime() <= t && t < session.close.getTime() ? session : null;
  }

  /** Open/closed now, with the next open and close (see {@link MarketStatus}). */
  status(market: Market, at: Date): MarketStatus {
    return {
      market,
      isOpen: this.isOpen(market, at),
      nextOpen: this.nextOpen(market, at),
      nextClose: this.nextClose(market, at),
    };
  }

  /**
   * The session on a local trading date, or null on weekends and closures.
   * @param localDate `YYYY-MM-DD` in the exchange's zone.
   * @throws AppError(INVALID_INPUT) on a malformed date.
   */
  sessionOn(market: ScheduledMarket, localDate: string): Session | null {
    assertLocalDate(localDate);
    const table = this.table(market);
    const day = DateTime.fromISO(localDate, { zone: table.zone });
    if (day.weekday > 5) return null; // luxon: 6 = Saturday, 7 = Sunday
    if (table.closed.has(localDate)) return null;
    const hours = table.special.get(localDate) ?? table.regular;
    const session: Session = {
      market,
      date: localDate,
      open: atWallClock(day, hours.openMin),
      close: atWallClock(day, hours.closeMin),
    };
    if (hours.name !== undefined) session.name = hours.name;
    return session;
  }

  /** True when `localDate` (`YYYY-MM-DD`, exchange zone) has a session. */
  isTradingDay(market: ScheduledMarket, localDate: string): boolean {
    return this.sessionOn(market, localDate) !== null;
  }

  /**
   * The next session open strictly after `at` (when the market is open now, that is the
   * open of the following session). Null for 24/7 markets, or when no session starts within
   * {@link LOOKAHEAD_DAYS} local days.
   */
  nextOpen(market: Market, at: Date): Date | null {
    return this.nextSessionStartingAfter(market, at)?.open ?? null;
  }

  /**
   * The close of the current session when open, else the close of the next session.
   * Null for 24/7 markets, or when no session is found within {@link LOOKAHEAD_DAYS}.
   */
  nextClose(market: Market, at: Date): Date | null {
    const current = this.sessionAt(market, at);
    if (current !== null) return current.close;
    return this.nextSessionStartingAfter(market, at)?.close ?? null;
  }

  /**
   * Trading dates from `fromLocalDate` to `toLocalDate`, both inclusive, in order.
   * @throws AppError(INVALID_INPUT) on malformed dates or a range longer than
   *   {@link MAX_RANGE_DAYS}. An empty array when `from` is after `to`.
   */
  tradingDaysBetween(market: ScheduledMarket, fromLocalDate: string, toLocalDate: string): string[] {
    assertLocalDate(fromLocalDate);
    assertLocalDate(toLocalDate);
    const from = DateTime.fromISO(fromLocalDate, { zone: 'UTC' });
    const to = DateTime.fromISO(toLocalDate, { zone: 'UTC' });
    const span = to.diff(from, 'days').days;
    if (span > MAX_RANGE_DAYS) {
      throw new AppError(ErrorCode.INVALID_INPUT, `Date range longer than ${MAX_RANGE_DAYS} days`, {
        context: { fromLocalDate, toLocalDate },
      });
    }
    const days: string[] = [];
    for (let i = 0; i <= span; i++) {
      const date = from.plus({ days: i }).toISODate();
      if (date !== null && this.isTradingDay(market, date)) days.push(date);
    }
    return days;
  }

  /** The first session whose open is strictly after `at`, within the look-ahead window. */
  private nextSessionStartingAfter(market: Market, at: Date): Session | null {
    assertValidInstant(at);
    if (isAlwaysOpen(market)) return null;
    const table = this.table(market);
    const start = DateTime.fromJSDate(at, { zone: table.zone }).startOf('day');
    for (let i = 0; i <= LOOKAHEAD_DAYS; i++) {
      const date = start.plus({ days: i }).toISODate();
      if (date === null) continue;
      const session = this.sessionOn(market, date);
      if (session !== null && session.open.getTime() > at.getTime()) return session;
    }
    return null;
  }

  private table(market: ScheduledMarket): CompiledTable {
    const table = this.tables.get(market);
    if (table === undefined) {
      throw new AppError(ErrorCode.CONFIG_INVALID, `No holiday table for market ${market}`, {
        context: { market },
      });
    }
    return table;
  }
}

const TICKER_RE = /^(KRX|US|CRYPTO|HUMAN)-[A-Z]+-[A-Z0-9][A-Z0-9.]*$/;

/**
 * The market of a ticker id `[MARKET]-[TYPE]-[SYMBOL]` (SPEC.md §2), all caps:
 * `KRX-STOCK-005930` → `KRX`, `US-STOCK-AAPL` → `US`, `CRYPTO-COIN-BTC` → `CRYPTO`,
 * `HUMAN-ETF-X1` → `HUMAN`. Checks the shape only, not that the ticker exists.
 * @throws AppError(INVALID_TICKER) for anything else.
 */
export function marketOfTicker(tickerId: string): Market {
  const m = typeof tickerId === 'string' ? TICKER_RE.exec(tickerId) : null;
  const market = m?.[1];
  if (market === 'KRX' || market === 'US' || market === 'CRYPTO' || market === 'HUMAN') return market;
  throw new AppError(ErrorCode.INVALID_TICKER, `Invalid ticker id "${String(tickerId)}"`, {
    context: { tickerId },
  });
}

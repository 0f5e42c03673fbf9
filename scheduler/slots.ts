/**
 * Which scheduled jobs are due, as pure functions of the market calendar and the time
 * (SPEC.md §8): the daily report at 00:00 Asia/Seoul, and market open/close notices for KRX
 * and US at each session's open and close.
 *
 * A job occurrence is a slot `(job, slot)` — the key of `job_runs` — due at an instant `at`.
 * Sessions come from {@link MarketCalendar}, so weekends, holidays, late opens and early
 * closes are the calendar's, and US times follow daylight saving (09:30 New York is 13:30
 * UTC in EDT, 14:30 UTC in EST). Seoul keeps no daylight saving.
 */
import { DateTime, IANAZone } from 'luxon';
import type { MarketCalendar, ScheduledMarket, Session } from '../core/calendar.js';

/** Jobs of the scheduler (the `job` column of `job_runs`). */
export type JobName = 'daily_report' | 'market_open' | 'market_close';

/** The zone of the daily report and of every time shown in Discord (SPEC §2). */
export const REPORT_ZONE = 'Asia/Seoul';

/** Markets with sessions, in the order their notices are emitted. */
export const NOTICE_MARKETS: readonly ScheduledMarket[] = ['KRX', 'US'];

/** One due occurrence of a job. */
export type DueSlot =
  | { job: 'daily_report'; slot: string; at: Date; day: string }
  | { job: 'market_open' | 'market_close'; slot: string; at: Date; market: ScheduledMarket; session: Session };

/** How far back a slot may still run after its instant (a process down at the time catches up). */
export interface SlotWindows {
  /** Daily report grace, ms (default 2 h). */
  dailyReportMs: number;
  /** Market notice grace, ms (default 10 min: a late "market open" is noise). */
  marketNoticeMs: number;
}

export const DEFAULT_WINDOWS: SlotWindows = { dailyReportMs: 2 * 3_600_000, marketNoticeMs: 10 * 60_000 };

/**
 * `[start, end)` of a KST day as instants.
 * @param day `YYYY-MM-DD`. @throws Error on a malformed day.
 */
export function kstDayBounds(day: string): { start: Date; end: Date } {
  const start = DateTime.fromISO(day, { zone: REPORT_ZONE });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !start.isValid) throw new Error(`not a date: ${JSON.stringify(day)}`);
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

/** The KST date (`YYYY-MM-DD`) of an instant. */
export function kstDate(at: Date): string {
  return DateTime.fromJSDate(at, { zone: REPORT_ZONE }).toFormat('yyyy-MM-dd');
}

/**
 * Daily report slots due in `(from, to]`: each 00:00 Asia/Seoul in the range reports the KST
 * day that just ended; the slot is that day, `YYYY-MM-DD`.
 */
export function dailyReportSlots(from: Date, to: Date): DueSlot[] {
  const out: DueSlot[] = [];
  for (let midnight = nextKstMidnight(from.getTime()); midnight <= to.getTime(); midnight = nextKstMidnight(midnight)) {
    const day = DateTime.fromMillis(midnight - 1, { zone: REPORT_ZONE }).toFormat('yyyy-MM-dd');
    out.push({ job: 'daily_report', slot: day, at: new Date(midnight), day });
  }
  return out;
}

const DAY_MS = 86_400_000;
const reportZone = IANAZone.create(REPORT_ZONE);

/** The first 00:00 Asia/Seoul strictly after `ts` (ms). Cheap: called every minute. */
function nextKstMidnight(ts: number): number {
  const offset = reportZone.offset(ts) * 60_000;
  const candidate = Math.floor((ts + offset) / DAY_MS) * DAY_MS + DAY_MS - offset;
  // Seoul keeps a fixed offset today; should it ever change, fall back to exact zone maths.
  if (reportZone.offset(candidate) * 60_000 === offset) return candidate;
  return DateTime.fromMillis(ts, { zone: REPORT_ZONE }).startOf('day').plus({ days: 1 }).toMillis();
}

/** Sessions already computed per calendar (a calendar is immutable; lookups repeat every minute). */
const sessionMemo = new WeakMap<MarketCalendar, Map<string, Session | null>>();

function sessionOn(calendar: MarketCalendar, market: ScheduledMarket, date: string): Session | null {
  let memo = sessionMemo.get(calendar);
  if (memo === undefined) {
    memo = new Map();
    sessionMemo.set(calendar, memo);
  }
  const key = `${market}:${date}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const session = calendar.sessionOn(market, date);
  memo.set(key, session);
  return session;
}

/**
 * Market open and close slots due in `(from, to]`. Slot `KRX:2024-03-11` (market and local
 * trading date), one per job.
 */
export function marketSlots(calendar: MarketCalendar, from: Date, to: Date): DueSlot[] {
  const out: DueSlot[] = [];
  // Local dates of any zone lie within a day of the UTC dates of the range.
  const DAY = 86_400_000;
  const first = Math.floor(from.getTime() / DAY) * DAY - DAY;
  const last = Math.floor(to.getTime() / DAY) * DAY + DAY;
  for (const market of NOTICE_MARKETS) {
    for (let d = first; d <= last; d += DAY) {
      const session = sessionOn(calendar, market, new Date(d).toISOString().slice(0, 10));
      if (session === null) continue;
      const slot = `${market}:${session.date}`;
      for (const [job, at] of [
        ['market_open', session.open],
        ['market_close', session.close],
      ] as const) {
        if (at.getTime() > from.getTime() && at.getTime() <= to.getTime()) out.push({ job, slot, at, market, session });
      }
    }
  }
  return out;
}

/** Every slot due at `now` within its window, oldest first. */
export function dueSlots(calendar: MarketCalendar, now: Date, windows: SlotWindows = DEFAULT_WINDOWS): DueSlot[] {
  const reports = dailyReportSlots(new Date(now.getTime() - windows.dailyReportMs), now);
  const notices = marketSlots(calendar, new Date(now.getTime() - windows.marketNoticeMs), now);
  return [...reports, ...notices].sort((a, b) => a.at.getTime() - b.at.getTime() || a.job.localeCompare(b.job));
}

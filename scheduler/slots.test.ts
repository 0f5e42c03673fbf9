import { describe, expect, it } from 'vitest';
import { MarketCalendar } from '../core/calendar.js';
import { loadHolidayTables } from '../db/seeds/holidays.js';
import { dailyReportSlots, dueSlots, kstDate, kstDayBounds, marketSlots } from './slots.js';
import type { DueSlot } from './slots.js';

const calendar = new MarketCalendar(loadHolidayTables());
const MINUTE = 60_000;

/** Every slot a once-a-minute tick fires between two instants (each tick looks at (previous, now]). */
function sweep(fromIso: string, toIso: string): DueSlot[] {
  const out: DueSlot[] = [];
  let prev = new Date(fromIso).getTime();
  const end = new Date(toIso).getTime();
  for (let t = prev + MINUTE; t <= end; t += MINUTE) {
    out.push(...dailyReportSlots(new Date(prev), new Date(t)), ...marketSlots(calendar, new Date(prev), new Date(t)));
    prev = t;
  }
  return out;
}

const times = (slots: DueSlot[], job: string, market?: string) =>
  slots.filter((s) => s.job === job && (market === undefined || ('market' in s && s.market === market))).map((s) => `${s.slot}@${s.at.toISOString()}`);

describe('GIVEN the daily report at 00:00 Asia/Seoul', () => {
  it('THEN each KST midnight reports the day that ended, once', () => {
    const slots = sweep('2024-03-09T14:00:00Z', '2024-03-11T16:00:00Z');
    expect(times(slots, 'daily_report')).toEqual([
      '2024-03-09@2024-03-09T15:00:00.000Z',
      '2024-03-10@2024-03-10T15:00:00.000Z',
      '2024-03-11@2024-03-11T15:00:00.000Z',
    ]);
  });

  it('THEN day bounds are KST days', () => {
    expect(kstDayBounds('2024-03-10')).toEqual({ start: new Date('2024-03-09T15:00:00Z'), end: new Date('2024-03-10T15:00:00Z') });
    expect(kstDate(new Date('2024-03-10T14:59:59Z'))).toBe('2024-03-10');
    expect(kstDate(new Date('2024-03-10T15:00:00Z'))).toBe('2024-03-11');
    expect(() => kstDayBounds('2024-02-30')).toThrow();
    expect(() => kstDayBounds('yesterday')).toThrow();
  });
});

describe('GIVEN the US daylight-saving switch days', () => {
  it('THEN in March the open moves from 14:30 to 13:30 UTC (09:30 New York), each once', () => {
    const slots = sweep('2024-03-07T00:00:00Z', '2024-03-13T00:00:00Z');
    expect(times(slots, 'market_open', 'US')).toEqual([
      'US:2024-03-07@2024-03-07T14:30:00.000Z',
      'US:2024-03-08@2024-03-08T14:30:00.000Z',
      'US:2024-03-11@2024-03-11T13:30:00.000Z',
      'US:2024-03-12@2024-03-12T13:30:00.000Z',
    ]);
    expect(times(slots, 'market_close', 'US')).toEqual([
      'US:2024-03-07@2024-03-07T21:00:00.000Z',
      'US:2024-03-08@2024-03-08T21:00:00.000Z',
      'US:2024-03-11@2024-03-11T20:00:00.000Z',
      'US:2024-03-12@2024-03-12T20:00:00.000Z',
    ]);
  });

  it('THEN in November the open moves from 13:30 back to 14:30 UTC', () => {
    const slots = sweep('2024-10-31T00:00:00Z', '2024-11-06T00:00:00Z');
    expect(times(slots, 'market_open', 'US')).toEqual([
      'US:2024-10-31@2024-10-31T13:30:00.000Z',
      'US:2024-11-01@2024-11-01T13:30:00.000Z',
      'US:2024-11-04@2024-11-04T14:30:00.000Z',
      'US:2024-11-05@2024-11-05T14:30:00.000Z',
    ]);
  });

  it('THEN the day after Thanksgiving closes early at 13:00 New York', () => {
    const slots = sweep('2024-11-28T00:00:00Z', '2024-11-30T00:00:00Z');
    expect(times(slots, 'market_close', 'US')).toEqual(['US:2024-11-29@2024-11-29T18:00:00.000Z']);
    const close = slots.find((s) => s.job === 'market_close' && s.market === 'US');
    expect(close && 'session' in close ? close.session.name : undefined).toMatch(/Early close/);
  });
});

describe('GIVEN a KRX holiday (Chuseok 2024-09-16..18)', () => {
  it('THEN KRX has no notices on the holidays while US trades on', () => {
    const slots = sweep('2024-09-12T20:00:00Z', '2024-09-20T20:00:00Z');
    expect(times(slots, 'market_open', 'KRX')).toEqual([
      'KRX:2024-09-13@2024-09-13T00:00:00.000Z',
      'KRX:2024-09-19@2024-09-19T00:00:00.000Z',
      'KRX:2024-09-20@2024-09-20T00:00:00.000Z',
    ]);
    expect(times(slots, 'market_close', 'KRX')).toEqual([
      'KRX:2024-09-13@2024-09-13T06:30:00.000Z',
      'KRX:2024-09-19@2024-09-19T06:30:00.000Z',
      'KRX:2024-09-20@2024-09-20T06:30:00.000Z',
    ]);
    expect(times(slots, 'market_open', 'US')).toContain('US:2024-09-16@2024-09-16T13:30:00.000Z');
  });

  it('THEN the first trading day of 2025 opens at 10:00 KST', () => {
    const slots = sweep('2025-01-01T20:00:00Z', '2025-01-02T08:00:00Z');
    expect(times(slots, 'market_open', 'KRX')).toEqual(['KRX:2025-01-02@2025-01-02T01:00:00.000Z']);
  });
});

describe('GIVEN a tick after downtime', () => {
  it('THEN due slots within their windows are caught up, oldest first, and older ones are not', () => {
    // 00:40 KST Monday 2024-03-11: the report of 03-10 is 40 min late (window 2 h); no notices due.
    expect(dueSlots(calendar, new Date('2024-03-10T15:40:00Z')).map((s) => `${s.job}/${s.slot}`)).toEqual(['daily_report/2024-03-10']);
    // 09:05 KST: KRX opened 5 min ago (window 10 min).
    expect(dueSlots(calendar, new Date('2024-03-11T00:05:00Z')).map((s) => `${s.job}/${s.slot}`)).toEqual(['market_open/KRX:2024-03-11']);
    // 09:20 KST: too late for a notice, and the report is past its window.
    expect(dueSlots(calendar, new Date('2024-03-11T00:20:00Z'))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { MarketCalendar, marketOfTicker } from './calendar.js';
import type { HolidayTable, Market } from './calendar.js';
import { AppError, ErrorCode } from './errors.js';
import { loadHolidayTables } from '../db/seeds/holidays.js';

const tables = loadHolidayTables();
const cal = new MarketCalendar(tables);

const utc = (iso: string): Date => new Date(iso);
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function codeOf(fn: () => unknown): ErrorCode | 'no error' | 'not an AppError' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
}

function tableOf(market: 'KRX' | 'US'): HolidayTable {
  const t = tables.find((x) => x.market === market);
  if (t === undefined) throw new Error(`no ${market} table`);
  return t;
}

describe('GIVEN the shipped holiday tables', () => {
  const years = [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027];
  const minClosures = { KRX: 8, US: 9 } as const;

  for (const market of ['KRX', 'US'] as const) {
    const t = tableOf(market);

    it(`THEN the ${market} table covers every year 2019-2027 with at least ${minClosures[market]} closures`, () => {
      for (const year of years) {
        const n = t.closed.filter((c) => c.date.startsWith(`${year}-`)).length;
        expect(n, `${market} ${year}`).toBeGreaterThanOrEqual(minClosures[market]);
      }
    });

    it(`THEN every ${market} date is a valid, unique weekday and no date is both closed and special`, () => {
      const all = [...t.closed.map((c) => c.date), ...t.special.map((s) => s.date)];
      expect(new Set(all).size).toBe(all.length);
      for (const date of all) {
        const d = DateTime.fromISO(date, { zone: t.timezone });
        expect(d.isValid, date).toBe(true);
        expect(d.toISODate(), date).toBe(date);
        expect(d.weekday, `${date} is a weekend`).toBeLessThanOrEqual(5);
        expect(d.year).toBeGreaterThanOrEqual(2019);
        expect(d.year).toBeLessThanOrEqual(2027);
      }
      for (const c of t.closed) expect(c.name.length).toBeGreaterThan(0);
    });

    it(`THEN the ${market} table names its source`, () => {
      expect(t.source?.length ?? 0).toBeGreaterThan(20);
    });
  }

  it('THEN KRX has a 10:00 first-day session and a CSAT session every year', () => {
    const t = tableOf('KRX');
    for (const year of years) {
      const specials = t.special.filter((s) => s.date.startsWith(`${year}-`));
      expect(specials.filter((s) => s.open === '10:00' && s.close === '15:30' && s.date.slice(5, 7) === '01')).toHaveLength(1);
      expect(specials.filter((s) => s.open === '10:00' && s.close === '16:30')).toHaveLength(1);
    }
  });

  it('THEN the KRX first-day session is the first trading day of each year', () => {
    for (const year of [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027]) {
      const first = cal.tradingDaysBetween('KRX', `${year}-01-01`, `${year}-01-10`)[0];
      expect(first === undefined ? null : cal.sessionOn('KRX', first)?.name, String(year)).toMatch(/First trading day/);
    }
  });

  it('THEN every NYSE early close is at 13:00', () => {
    for (const s of tableOf('US').special) {
      expect(s.open).toBe('09:30');
      expect(s.close).toBe('13:00');
    }
  });
});

describe('GIVEN the US market across daylight-saving switches', () => {
  it('THEN Monday 2024-03-11 (after spring forward) opens at 13:30 UTC and closes at 20:00 UTC', () => {
    const s = cal.sessionOn('US', '2024-03-11');
    expect(iso(s?.open ?? null)).toBe('2024-03-11T13:30:00.000Z');
    expect(iso(s?.close ?? null)).toBe('2024-03-11T20:00:00.000Z');
  });

  it('THEN Friday 2024-03-08 (before the switch) opens at 14:30 UTC, and its nextOpen after close is Monday 13:30 UTC', () => {
    expect(iso(cal.sessionOn('US', '2024-03-08')?.open ?? null)).toBe('2024-03-08T14:30:00.000Z');
    expect(iso(cal.nextOpen('US', utc('2024-03-08T21:00:00Z')))).toBe('2024-03-11T13:30:00.000Z');
  });

  it('THEN Monday 2024-11-04 (after fall back) opens at 14:30 UTC', () => {
    expect(iso(cal.sessionOn('US', '2024-11-04')?.open ?? null)).toBe('2024-11-04T14:30:00.000Z');
    expect(iso(cal.sessionOn('US', '2024-11-01')?.open ?? null)).toBe('2024-11-01T13:30:00.000Z');
    expect(iso(cal.nextOpen('US', utc('2024-11-02T12:00:00Z')))).toBe('2024-11-04T14:30:00.000Z');
  });

  it('THEN 2025 behaves the same: 2025-03-10 opens 13:30 UTC, 2025-11-03 opens 14:30 UTC', () => {
    expect(iso(cal.sessionOn('US', '2025-03-07')?.open ?? null)).toBe('2025-03-07T14:30:00.000Z');
    expect(iso(cal.sessionOn('US', '2025-03-10')?.open ?? null)).toBe('2025-03-10T13:30:00.000Z');
    expect(iso(cal.sessionOn('US', '2025-10-31')?.open ?? null)).toBe('2025-10-31T13:30:00.000Z');
    expect(iso(cal.sessionOn('US', '2025-11-03')?.open ?? null)).toBe('2025-11-03T14:30:00.000Z');
  });
});

describe('GIVEN a US early close', () => {
  it('THEN 2024-11-29 (day after Thanksgiving) closes at 18:00 UTC', () => {
    const s = cal.sessionOn('US', '2024-11-29');
    expect(iso(s?.close ?? null)).toBe('2024-11-29T18:00:00.000Z');
    expect(s?.name).toMatch(/Thanksgiving/);
    expect(cal.isOpen('US', utc('2024-11-29T17:59:59.999Z'))).toBe(true);
    expect(cal.isOpen('US', utc('2024-11-29T18:00:00.000Z'))).toBe(false);
    expect(cal.isOpen('US', utc('2024-11-29T19:00:00.000Z'))).toBe(false);
  });

  it('THEN 2024-07-03 closes at 17:00 UTC (13:00 EDT)', () => {
    expect(iso(cal.sessionOn('US', '2024-07-03')?.close ?? null)).toBe('2024-07-03T17:00:00.000Z');
    expect(iso(cal.nextClose('US', utc('2024-07-03T15:00:00Z')))).toBe('2024-07-03T17:00:00.000Z');
  });

  it('THEN 2024-12-24 closes at 18:00 UTC and 2025-07-03 at 17:00 UTC', () => {
    expect(iso(cal.sessionOn('US', '2024-12-24')?.close ?? null)).toBe('2024-12-24T18:00:00.000Z');
    expect(iso(cal.sessionOn('US', '2025-07-03')?.close ?? null)).toBe('2025-07-03T17:00:00.000Z');
  });
});

describe('GIVEN a US holiday', () => {
  for (const [date, what] of [
    ['2024-03-29', 'Good Friday'],
    ['2024-06-19', 'Juneteenth'],
    ['2025-01-09', 'the national day of mourning for President Carter'],
    ['2024-12-25', 'Christmas'],
    ['2022-06-20', 'Juneteenth observed'],
    ['2027-12-24', 'Christmas observed'],
  ] as const) {
    it(`THEN ${date} (${what}) has no session and the market is closed at midday`, () => {
      expect(cal.sessionOn('US', date)).toBeNull();
      expect(cal.isTradingDay('US', date)).toBe(false);
      expect(cal.isOpen('US', utc(`${date}T16:00:00Z`))).toBe(false);
    });
  }

  it('THEN 2022-01-01 (Saturday New Year) causes no Friday closure on 2021-12-31', () => {
    expect(cal.isTradingDay('US', '2021-12-31')).toBe(true);
  });

  it('THEN after Good Friday the next open is Monday 2024-04-01 13:30 UTC', () => {
    expect(iso(cal.nextOpen('US', utc('2024-03-28T20:00:00Z')))).toBe('2024-04-01T13:30:00.000Z');
  });
});

describe('GIVEN KRX holidays', () => {
  it('THEN Seollal 2024-02-09..12 is closed and trading resumes 2024-02-13 at 09:00 KST', () => {
    for (const d of ['2024-02-09', '2024-02-10', '2024-02-11', '2024-02-12']) {
      expect(cal.isTradingDay('KRX', d), d).toBe(false);
    }
    expect(cal.isTradingDay('KRX', '2024-02-08')).toBe(true);
    expect(iso(cal.nextOpen('KRX', utc('2024-02-08T06:30:00Z')))).toBe('2024-02-13T00:00:00.000Z');
  });

  it('THEN Chuseok 2024-09-16..18 is closed', () => {
    expect(cal.tradingDaysBetween('KRX', '2024-09-13', '2024-09-20')).toEqual(['2024-09-13', '2024-09-19', '2024-09-20']);
  });

  it('THEN 2024-10-01 (Armed Forces Day temporary holiday) is closed', () => {
    expect(cal.isTradingDay('KRX', '2024-10-01')).toBe(false);
    expect(cal.isOpen('KRX', utc('2024-10-01T02:00:00Z'))).toBe(false);
    expect(iso(cal.nextOpen('KRX', utc('2024-10-01T02:00:00Z')))).toBe('2024-10-02T00:00:00.000Z');
  });

  it('THEN the year-end closure is Dec 31, or the last weekday before it when Dec 31 is a weekend', () => {
    expect(cal.isTradingDay('KRX', '2024-12-31')).toBe(false);
    expect(cal.isTradingDay('KRX', '2024-12-30')).toBe(true);
    expect(cal.isTradingDay('KRX', '2022-12-30')).toBe(false);
    expect(cal.isTradingDay('KRX', '2023-12-29')).toBe(false);
    expect(cal.isTradingDay('KRX', '2025-12-31')).toBe(false);
  });

  it('THEN Labor Day and election days are closed', () => {
    for (const d of ['2024-05-01', '2024-04-10', '2025-06-03', '2026-06-03', '2022-03-09']) {
      expect(cal.isTradingDay('KRX', d), d).toBe(false);
    }
  });
});

describe('GIVEN the KRX first trading day of a year', () => {
  it('THEN 2025-01-02 opens at 10:00 KST (01:00 UTC) and closes at 15:30 KST', () => {
    const s = cal.sessionOn('KRX', '2025-01-02');
    expect(iso(s?.open ?? null)).toBe('2025-01-02T01:00:00.000Z');
    expect(iso(s?.close ?? null)).toBe('2025-01-02T06:30:00.000Z');
    expect(cal.isOpen('KRX', utc('2025-01-02T00:30:00Z'))).toBe(false);
    expect(cal.isOpen('KRX', utc('2025-01-02T01:00:00Z'))).toBe(true);
  });

  it('THEN the next open after the last 2024 session is 2025-01-02 10:00 KST', () => {
    expect(iso(cal.nextOpen('KRX', utc('2024-12-30T06:30:00Z')))).toBe('2025-01-02T01:00:00.000Z');
  });
});

describe('GIVEN KRX on CSAT day 2024-11-14', () => {
  it('THEN the session is 10:00-16:30 KST', () => {
    const s = cal.sessionOn('KRX', '2024-11-14');
    expect(iso(s?.open ?? null)).toBe('2024-11-14T01:00:00.000Z');
    expect(iso(s?.close ?? null)).toBe('2024-11-14T07:30:00.000Z');
    expect(cal.isOpen('KRX', utc('2024-11-14T00:30:00Z'))).toBe(false);
    expect(cal.isOpen('KRX', utc('2024-11-14T07:00:00Z'))).toBe(true);
    expect(cal.isOpen('KRX', utc('2024-11-14T07:30:00Z'))).toBe(false);
  });
});

describe('GIVEN a weekend', () => {
  it('THEN neither market has a session and both are closed', () => {
    expect(cal.sessionOn('KRX', '2024-03-09')).toBeNull();
    expect(cal.sessionOn('US', '2024-03-10')).toBeNull();
    expect(cal.isOpen('KRX', utc('2024-03-09T02:00:00Z'))).toBe(false);
    expect(cal.isOpen('US', utc('2024-03-09T16:00:00Z'))).toBe(false);
  });
});

describe('GIVEN a Friday after the close before a long weekend', () => {
  it('THEN US nextOpen skips Memorial Day to Tuesday 2024-05-28 13:30 UTC', () => {
    const status = cal.status('US', utc('2024-05-24T20:00:00Z'));
    expect(status.isOpen).toBe(false);
    expect(iso(status.nextOpen)).toBe('2024-05-28T13:30:00.000Z');
    expect(iso(status.nextClose)).toBe('2024-05-28T20:00:00.000Z');
  });

  it('THEN KRX nextOpen skips the 2025 Seollal closure (Jan 27-30) to Friday 2025-01-31 09:00 KST', () => {
    expect(iso(cal.nextOpen('KRX', utc('2025-01-24T07:00:00Z')))).toBe('2025-01-31T00:00:00.000Z');
  });

  it('THEN KRX nextOpen skips the 2025 October closures (Oct 3-9) to 2025-10-10', () => {
    expect(iso(cal.nextOpen('KRX', utc('2025-10-02T07:00:00Z')))).toBe('2025-10-10T00:00:00.000Z');
  });
});

describe('GIVEN the exact session boundaries', () => {
  const open = utc('2024-06-18T13:30:00.000Z');
  const close = utc('2024-06-18T20:00:00.000Z');

  it('THEN the open instant is open and the instant before it is closed', () => {
    expect(cal.isOpen('US', open)).toBe(true);
    expect(cal.isOpen('US', new Date(open.getTime() - 1))).toBe(false);
  });

  it('THEN the close instant is closed and the instant before it is open', () => {
    expect(cal.isOpen('US', close)).toBe(false);
    expect(cal.isOpen('US', new Date(close.getTime() - 1))).toBe(true);
  });

  it('THEN nextOpen at the open instant is the following session (open is not strictly after)', () => {
    // 2024-06-19 is Juneteenth, so the next session is Thursday 2024-06-20.
    expect(iso(cal.nextOpen('US', open))).toBe('2024-06-20T13:30:00.000Z');
    expect(iso(cal.nextOpen('US', new Date(open.getTime() - 1)))).toBe('2024-06-18T13:30:00.000Z');
  });

  it('THEN while open, status gives the current close and the next session open', () => {
    const s = cal.status('US', utc('2024-06-18T15:00:00Z'));
    expect(s).toEqual({
      market: 'US',
      isOpen: true,
      nextOpen: utc('2024-06-20T13:30:00Z'),
      nextClose: close,
    });
    expect(cal.sessionAt('US', utc('2024-06-18T15:00:00Z'))?.date).toBe('2024-06-18');
  });

  it('THEN at the close instant nextClose is the next session close', () => {
    expect(iso(cal.nextClose('US', close))).toBe('2024-06-20T20:00:00.000Z');
  });
});

describe('GIVEN 24/7 markets (CRYPTO and HUMAN)', () => {
  for (const market of ['CRYPTO', 'HUMAN'] as const) {
    it(`THEN ${market} is always open with no next open or close`, () => {
      for (const at of ['2024-03-10T07:00:00Z', '2024-12-25T00:00:00Z', '2025-01-01T23:59:59.999Z']) {
        expect(cal.isOpen(market, utc(at))).toBe(true);
        expect(cal.status(market, utc(at))).toEqual({ market, isOpen: true, nextOpen: null, nextClose: null });
      }
    });
  }
});

describe('GIVEN dates beyond the tables', () => {
  it('THEN weekdays are trading days and weekends are not', () => {
    expect(cal.isTradingDay('US', '2028-03-06')).toBe(true);
    expect(cal.isTradingDay('KRX', '2028-03-06')).toBe(true);
    expect(cal.isTradingDay('KRX', '2028-03-05')).toBe(false);
  });
});

describe('GIVEN random instants from 2019 to 2028', () => {
  const arbMarket = fc.constantFrom<'KRX' | 'US'>('KRX', 'US');
  const arbInstant = fc
    .integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2028, 0, 31) })
    .map((ms) => new Date(ms));

  it('THEN when closed, nextOpen is strictly later, open, and the market is closed just before it', () => {
    fc.assert(
      fc.property(arbMarket, arbInstant, (market, at) => {
        if (cal.isOpen(market, at)) return;
        const next = cal.nextOpen(market, at);
        expect(next).not.toBeNull();
        if (next === null) return;
        expect(next.getTime()).toBeGreaterThan(at.getTime());
        expect(cal.isOpen(market, next)).toBe(true);
        expect(cal.isOpen(market, new Date(next.getTime() - 1))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('THEN when open, nextClose is strictly later and the last millisecond before it is open', () => {
    fc.assert(
      fc.property(arbMarket, arbInstant, (market, at) => {
        if (!cal.isOpen(market, at)) return;
        const close = cal.nextClose(market, at);
        expect(close).not.toBeNull();
        if (close === null) return;
        expect(close.getTime()).toBeGreaterThan(at.getTime());
        expect(cal.isOpen(market, close)).toBe(false);
        expect(cal.isOpen(market, new Date(close.getTime() - 1))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('GIVEN ticker ids', () => {
  it('THEN marketOfTicker reads the market segment', () => {
    const cases: [string, Market][] = [
      ['KRX-STOCK-005930', 'KRX'],
      ['US-STOCK-AAPL', 'US'],
      ['CRYPTO-COIN-BTC', 'CRYPTO'],
      ['HUMAN-ETF-X', 'HUMAN'],
    ];
    for (const [id, market] of cases) expect(marketOfTicker(id)).toBe(market);
  });

  for (const bad of ['', 'krx-stock-005930', 'FOO-STOCK-X', 'KRX-005930', 'KRX-STOCK-', 'US-STOCK-AAPL ', 'KRXSTOCK005930']) {
    it(`THEN "${bad}" throws AppError(INVALID_TICKER)`, () => {
      expect(codeOf(() => marketOfTicker(bad))).toBe(ErrorCode.INVALID_TICKER);
    });
  }
});

describe('GIVEN malformed input', () => {
  const good = tableOf('US');

  it('THEN a malformed table throws AppError(CONFIG_INVALID)', () => {
    const bad: HolidayTable[] = [
      { ...good, timezone: 'Mars/Olympus' },
      { ...good, regular: { open: '9:30', close: '16:00' } },
      { ...good, regular: { open: '16:00', close: '09:30' } },
      { ...good, closed: [...good.closed, { date: '2024-02-30', name: 'nope' }] },
      { ...good, closed: [...good.closed, { date: '2024-03-29', name: 'dup' }] },
      { ...good, special: [{ date: '2024-03-29', open: '09:30', close: '13:00', name: 'closed too' }] },
      { ...good, market: 'XX' as unknown as 'US' },
    ];
    for (const t of bad) expect(codeOf(() => new MarketCalendar([t]))).toBe(ErrorCode.CONFIG_INVALID);
    expect(codeOf(() => new MarketCalendar([good, good]))).toBe(ErrorCode.CONFIG_INVALID);
  });

  it('THEN a market without a table throws AppError(CONFIG_INVALID)', () => {
    const usOnly = new MarketCalendar([good]);
    expect(codeOf(() => usOnly.isOpen('KRX', utc('2024-06-18T02:00:00Z')))).toBe(ErrorCode.CONFIG_INVALID);
    expect(usOnly.isOpen('CRYPTO', utc('2024-06-18T02:00:00Z'))).toBe(true);
  });

  it('THEN a bad local date or an invalid Date throws AppError(INVALID_INPUT)', () => {
    expect(codeOf(() => cal.sessionOn('KRX', '2024-13-01'))).toBe(ErrorCode.INVALID_INPUT);
    expect(codeOf(() => cal.isTradingDay('US', '20240618'))).toBe(ErrorCode.INVALID_INPUT);
    expect(codeOf(() => cal.isOpen('US', new Date(Number.NaN)))).toBe(ErrorCode.INVALID_INPUT);
  });
});

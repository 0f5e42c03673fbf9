import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketCalendar } from '../../core/calendar.js';
import { loadHolidayTables } from '../../db/seeds/holidays.js';
import { loadConfig } from '../../platform/config.js';
import type { ReplayOptions } from './replay-engine.js';
import { InstrumentReplay, fxAt } from './replay-engine.js';
import type { ReplayLibrary } from './replay-library.js';
import { loadReplayLibrary } from './replay-library.js';

const calendar = new MarketCalendar(loadHolidayTables());
const withCalendar: ReplayOptions = { calendar, ignoreCalendar: false };
const noCalendar: ReplayOptions = { calendar, ignoreCalendar: true };

let dir: string;
let lib: ReplayLibrary;
const replay = (id: string) => {
  const s = lib.instruments.get(id);
  if (s === undefined) throw new Error(`no ${id}`);
  return new InstrumentReplay(s);
};
const at = (id: string, iso: string, o = withCalendar) => replay(id).at(new Date(iso), o);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gaemi-replay-'));
  const files: Record<string, string> = {
    // Two 1-minute bars on Monday 2025-05-12 at the New York open (13:30 UTC, EDT).
    'us-abc-1m-test-2025.csv': 'Datetime,Open,High,Low,Close,Volume\n2025-05-12 13:30:00+00:00,100,103,99,102,600\n2025-05-12 13:31:00+00:00,102,102.5,101,101.5,300\n',
    'us-abc-1d-test-2025.csv': 'Date,Open,High,Low,Close,Volume\n2025-05-09,97,99,96,98,1000\n',
    // A KRX stock with daily data only.
    'krx-123456-foo-1d-fdr-2025.csv': 'Date,Open,High,Low,Close,Volume,Change\n2025-05-09,990,1000,980,1000,100,\n2025-05-12,1000,1100,900,1050,6500,0.05\n',
    'fx-usd-krw-1d-fred-dexkous-x.csv': 'observation_date,DEXKOUS\n2021-06-14,1117.57\n2021-06-15,1118.33\n2021-06-16,\n2021-06-17,1130.00\n',
    '\uFEFFignored.txt': 'x',
    'crypto-abc-usdt-1m-binance-2021.csv': '\uFEFFtimestamp,open,high,low,close,volume\n2021-06-15 00:00:00,10,10,10,10,1\n2021-06-15 00:01:00,10,11,10,11,2\n2021-06-15 00:02:00,11,12,11,12,3\n',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  lib = await loadReplayLibrary(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GIVEN a market time inside a recorded US session', () => {
  it('THEN the recorded instant plays as is and a rising bar walks open → low → high → close', () => {
    const points = ['13:30:00', '13:30:20', '13:30:40', '13:31:00', '13:31:30'].map((t) => at('US-STOCK-ABC', `2025-05-12T${t}Z`));
    expect(points.map((p) => p?.price.toFixed())).toEqual(['100', '99', '103', '102', '101.75']);
    expect(points[1]?.recordedAt).toBe(Date.parse('2025-05-12T13:30:20Z'));
    expect(points[0]?.label).toBe('test-1m');
  });

  it('THEN change is against the previous daily close and volume accumulates through the day', () => {
    const p = at('US-STOCK-ABC', '2025-05-12T13:31:30Z');
    expect(p?.changePct.toFixed()).toBe('3.83'); // 101.75 / 98 − 1
    expect(p?.volume.toFixed()).toBe('750'); // 600 + half of 300
  });

  it('THEN after the last recorded bar the close holds until the session ends', () => {
    expect(at('US-STOCK-ABC', '2025-05-12T19:59:00Z')?.price.toFixed()).toBe('101.5');
  });
});

describe('GIVEN the market calendar', () => {
  it('THEN nothing plays before the open, at the close, or on a weekend', () => {
    expect(at('US-STOCK-ABC', '2025-05-12T13:29:59Z')).toBeNull();
    expect(at('US-STOCK-ABC', '2025-05-12T20:00:00Z')).toBeNull();
    expect(at('US-STOCK-ABC', '2025-05-10T15:00:00Z')).toBeNull();
  });

  it('THEN a session outside the recordings replays a recorded session at the same elapsed time', () => {
    const p = at('US-STOCK-ABC', '2026-01-05T14:30:40Z'); // Monday 09:30:40 EST
    expect(p?.price.toFixed()).toBe('103');
    expect(p?.recordedAt).toBe(Date.parse('2025-05-12T13:30:40Z'));
  });

  it('THEN with REPLAY_IGNORE_CALENDAR prices play at night too', () => {
    expect(at('US-STOCK-ABC', '2025-05-13T03:00:00Z', noCalendar)).not.toBeNull();
    expect(at('US-STOCK-ABC', '2025-05-12T13:30:20Z', noCalendar)?.price.toFixed()).toBe('99');
  });
});

describe('GIVEN an instrument with only a daily file', () => {
  it('THEN the day is interpolated over the KRX session and the source says so', () => {
    const open = at('KRX-STOCK-123456', '2025-05-12T00:00:00Z'); // 09:00 KST
    const third = at('KRX-STOCK-123456', '2025-05-12T02:10:00Z'); // a third of 6 h 30 min
    const beforeClose = at('KRX-STOCK-123456', '2025-05-12T06:29:59Z');
    expect(open?.price.toFixed()).toBe('1000');
    expect(third?.price.toFixed()).toBe('900');
    expect(beforeClose?.price.gt(1040)).toBe(true);
    expect(open?.label).toBe('fdr-1d-interp');
    expect(at('KRX-STOCK-123456', '2025-05-12T06:30:00Z')).toBeNull(); // 15:30 KST: closed
  });
});

describe('GIVEN crypto quoted in USDT', () => {
  it('THEN prices are in KRW at the DEXKOUS rate of the day and the source says so', () => {
    const p = at('CRYPTO-COIN-ABC', '2021-06-15T00:01:00Z');
    expect(p?.price.toFixed()).toBe('11183'); // 10 × 1118.33, whole won
    expect(p?.label).toBe('binance-1m×dexkous');
  });

  it('THEN a time outside the window loops inside it', () => {
    const p = at('CRYPTO-COIN-ABC', '2030-01-01T00:00:00Z');
    expect(p).not.toBeNull();
    expect(p?.recordedAt).toBeGreaterThanOrEqual(Date.parse('2021-06-15T00:00:00Z'));
    expect(p?.recordedAt).toBeLessThan(Date.parse('2021-06-15T00:03:00Z'));
  });
});

describe('GIVEN the FRED series with a blank holiday row', () => {
  it('THEN the rate is the last observation on or before the date, held outside the series', () => {
    expect(fxAt(lib.fx, '2021-06-16')).toMatchObject({ date: '2021-06-15' });
    expect(fxAt(lib.fx, '2021-06-16')?.rate.toFixed()).toBe('1118.33');
    expect(fxAt(lib.fx, '2030-01-01')?.rate.toFixed()).toBe('1130');
    expect(fxAt(lib.fx, '1990-01-01')?.rate.toFixed()).toBe('1117.57');
  });
});

describe('GIVEN the real recordings', () => {
  let real: ReplayLibrary;
  beforeAll(async () => {
    real = await loadReplayLibrary(loadConfig().REPLAY_DIR);
  });
  const point = (id: string, iso: string) => {
    const s = real.instruments.get(id);
    if (s === undefined) throw new Error(`no ${id}`);
    return new InstrumentReplay(s).at(new Date(iso), withCalendar);
  };

  it('THEN the seven demo instruments are there, each from an intraday file', () => {
    const ids = ['CRYPTO-COIN-BTC', 'CRYPTO-COIN-ETH', 'KRX-STOCK-005930', 'KRX-STOCK-000660', 'US-STOCK-AAPL', 'US-STOCK-TSLA', 'US-STOCK-NVDA'];
    expect(ids.map((id) => real.instruments.get(id)?.mode)).toEqual(ids.map(() => 'intraday'));
  });

  it('THEN at a bar start the price is the recorded open (AAPL 2025-05-12 14:00 UTC, Samsung 2020-02-18 09:05 KST, Upbit BTC 2020-02-20 17:00 KST)', () => {
    expect(point('US-STOCK-AAPL', '2025-05-12T14:00:00Z')?.price.toFixed()).toBe('208.525'); // 208.52499389648438
    expect(point('KRX-STOCK-005930', '2020-02-18T00:05:00Z')?.price.toFixed()).toBe('60800');
    const btc = point('CRYPTO-COIN-BTC', '2020-02-20T08:00:00Z');
    expect(btc?.price.toFixed()).toBe('11495000');
    expect(btc?.label).toBe('upbit-1m');
  });

  it('THEN KRX does not trade at 2020-02-20 16:00 KST and the US does not at 2025-05-12 09:00 ET', () => {
    expect(point('KRX-STOCK-005930', '2020-02-20T07:00:00Z')).toBeNull();
    expect(point('US-STOCK-NVDA', '2025-05-12T13:00:00Z')).toBeNull();
  });
});

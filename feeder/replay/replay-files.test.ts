import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import type { FileInfo } from './replay-files.js';
import { classifyFile, parseBars, parseFx, readTable } from './replay-files.js';

const DIR = loadConfig().REPLAY_DIR;
const read = (name: string) => readFile(path.join(DIR, name), 'utf8');
const info = (name: string): FileInfo => {
  const i = classifyFile(name);
  if (i === null) throw new Error(`not classified: ${name}`);
  return i;
};
const iso = (t: number) => new Date(t).toISOString();

describe('GIVEN the recorded files in shared/data/market', () => {
  it('THEN every data file is recognised with its instrument, interval and currency', async () => {
    const names = (await readdir(DIR)).filter((n) => !n.endsWith('.md'));
    expect(names.length).toBe(24);
    const got = names.map((n) => {
      const i = info(n);
      return `${i.kind}:${i.tickerId}:${i.interval}:${i.quote}`;
    });
    expect(new Set(got)).toEqual(
      new Set([
        'instrument:CRYPTO-COIN-BTC:1d:USDT', 'instrument:CRYPTO-COIN-BTC:1m:USDT', 'instrument:CRYPTO-COIN-ETH:1d:USDT',
        'instrument:CRYPTO-COIN-ETH:1m:USDT', 'instrument:CRYPTO-COIN-BTC:1d:KRW', 'instrument:CRYPTO-COIN-BTC:1m:KRW',
        'instrument:CRYPTO-COIN-ETH:1d:KRW', 'fx::1d:KRW', 'instrument:KRX-STOCK-000660:1d:KRW', 'instrument:KRX-STOCK-000660:5m:KRW',
        'instrument:KRX-STOCK-005930:1d:KRW', 'instrument:KRX-STOCK-005930:5m:KRW', 'instrument:US-STOCK-AAPL:1d:USD',
        'instrument:US-STOCK-AAPL:1m:USD', 'instrument:US-STOCK-NVDA:1d:USD', 'instrument:US-STOCK-NVDA:1m:USD',
        'instrument:US-STOCK-TSLA:1d:USD', 'instrument:US-STOCK-TSLA:1m:USD',
      ]),
    );
  });

  it('THEN a CSV with a UTF-8 BOM (Binance 1m) reads its first column and exact values', async () => {
    const name = 'crypto-btc-usdt-1m-binance-2021-06-15_2021-06-29.csv';
    const text = await read(name);
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const { rows, skipped } = parseBars(text, info(name));
    expect(skipped).toBe(0);
    expect(rows.length).toBe(20_500);
    expect(rows[0]).toEqual({ t: Date.parse('2021-06-15T00:00:00Z'), date: null, open: '40516.28', high: '40521.78', low: '40447.74', close: '40473.62', volume: '188.296924' });
  });

  it('THEN a newest-first JSON API dump (Upbit minutes) comes back oldest first, numbers as written', async () => {
    const name = 'crypto-krw-btc-1m-upbit-2020-02-20-kst1700-2019.json';
    const { rows } = parseBars(await read(name), info(name));
    expect(rows.length).toBe(200);
    expect(iso(rows[0]?.t ?? 0)).toBe('2020-02-20T08:00:00.000Z');
    expect(rows[0]).toMatchObject({ open: '11495000.0', high: '11500000.0', low: '11490000.0', close: '11490000.0', volume: '9.01642515' });
    expect(iso(rows[199]?.t ?? 0)).toBe('2020-02-20T11:19:00.000Z');
  });

  it('THEN the yfinance three-line header is read and data starts on line 4', async () => {
    const name = 'us-aapl-1m-yahoo-2025-05-09_2025-05-16.csv';
    const text = await read(name);
    const table = readTable(text);
    expect(table.header).toEqual(['Datetime', 'Close', 'High', 'Low', 'Open', 'Volume']);
    const { rows } = parseBars(text, info(name));
    expect(rows.length).toBe(1940);
    const at1400 = rows.find((r) => r.t === Date.parse('2025-05-12T14:00:00Z'));
    // Columns are Close,High,Low,Open here: the reader goes by name, not position.
    expect(at1400).toMatchObject({ close: '208.654296875', open: '208.52499389648438', volume: '278978' });
  });

  it('THEN a newest-first, end-labelled Alpha Vantage file with no trailing newline is shifted to bar starts in New York time', async () => {
    const name = 'us-tsla-1m-2019-02-11_2019-02-15.csv';
    const text = await read(name);
    expect(text.endsWith('\n')).toBe(false);
    const { rows } = parseBars(text, info(name));
    expect(rows.length).toBe(1946);
    // "2019-02-11 09:31:00" (EST) labels the bar 09:30–09:31 = 14:30 UTC.
    expect(rows[0]).toMatchObject({ t: Date.parse('2019-02-11T14:30:00Z'), open: '311.685', close: '311.1' });
    expect(iso(rows[rows.length - 1]?.t ?? 0)).toBe('2019-02-15T20:59:00.000Z');
  });

  it('THEN KRX 5-minute bars keep their +09:00 offset', async () => {
    const name = 'krx-005930-samsung-5m-yahoo-2020-02-18_2020-04-16.csv';
    const { rows } = parseBars(await read(name), info(name));
    expect(rows[1]).toMatchObject({ t: Date.parse('2020-02-18T00:05:00Z'), open: '60800.0', low: '60500.0', close: '60600.0', volume: '614481' });
  });

  it('THEN daily files keep dates: Upbit CSV with a pandas index column, Tiingo raw (unadjusted) close, FDR zero rows skipped', async () => {
    const eth = 'crypto-krw-eth-1d-upbit-2022-12-05_2023-12-31.csv';
    const e = parseBars(await read(eth), info(eth));
    expect(e.rows[0]).toMatchObject({ date: '2022-12-05', open: '1712500.0', close: '1688000.0' });
    const aapl = 'us-aapl-1d-tiingo-2024-04-01_2026-03-31.csv';
    const a = parseBars(await read(aapl), info(aapl));
    expect(a.rows[0]).toMatchObject({ date: '2024-04-01', close: '170.03', open: '171.19' });
    const sam = 'krx-005930-samsung-1d-fdr-2000-08-25_2024-12-16.csv';
    const s = parseBars(await read(sam), info(sam));
    // 2018-04-30 … 05-03: the 50:1 split halt, written with zero prices.
    expect(s.skipped).toBe(3);
    expect(s.rows.some((r) => r.date === '2018-05-02')).toBe(false);
  });

  it('THEN blank FRED rows (US holidays) are skipped, never read as 0', async () => {
    const name = 'fx-usd-krw-1d-fred-dexkous-1981-04-13_2026-03-27.csv';
    const { rows, skipped } = parseFx(await read(name), name);
    expect(skipped).toBe(494);
    expect(rows.length).toBe(11_730 - 494);
    expect(rows.find((r) => r.date === '2025-07-04')).toBeUndefined();
    expect(rows.find((r) => r.date === '2025-07-03')?.rate.toFixed()).toBe('1364.65');
    expect(rows.every((r) => r.rate.gt(0))).toBe(true);
  });
});

describe('GIVEN unusual but valid CSV text', () => {
  it('THEN CRLF line ends and quoted fields are read', () => {
    const text = '"Date","Open","High","Low","Close","Volume"\r\n"2024-01-02","100.5","101","99","100","1,000"\r\n2024-01-03,100,102,98,101,5\r\n';
    const { rows, skipped } = parseBars(text, info('us-abc-1d-x.csv'));
    expect(skipped).toBe(0);
    expect(rows.map((r) => [r.date, r.open, r.volume])).toEqual([
      ['2024-01-02', '100.5', '0'],
      ['2024-01-03', '100', '5'],
    ]);
  });

  it('THEN rows with missing, non-numeric, zero or negative prices are skipped', () => {
    const text = 'timestamp,open,high,low,close,volume\n2024-01-01 00:00:00,1,1,1,1,1\n2024-01-01 00:01:00,NaN,1,1,1,1\n2024-01-01 00:02:00,1,1,1,-1,1\n2024-01-01 00:03:00,,1,1,1,1\nnot-a-date,1,1,1,1,1\n';
    const { rows, skipped } = parseBars(text, info('crypto-abc-usdt-1m-x.csv'));
    expect(rows.length).toBe(1);
    expect(skipped).toBe(4);
  });

  it('THEN a header without price columns is a clear error', () => {
    expect(() => parseBars('when,what\n1,2\n', info('crypto-abc-usdt-1m-x.csv'))).toThrow(/no time\/open\/high\/low\/close columns/);
  });

  it('THEN unknown file names are not classified', () => {
    expect(classifyFile('notes.txt')).toBeNull();
    expect(classifyFile('eur-usd-1d.csv')).toBeNull();
  });
});

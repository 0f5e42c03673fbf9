import { describe, expect, it } from 'vitest';
import { Decimal } from '../core/money.js';
import { CandleAggregator, dayBucketStart } from './candle-aggregator.js';

const d = (s: string) => new Decimal(s);

describe('GIVEN quotes of one ticker within a minute', () => {
  it('THEN the 1m and 1d deltas carry open, high, low, close and traded volume', () => {
    const agg = new CandleAggregator();
    agg.add('KRX-STOCK-005930', d('60000'), d('1000'), new Date('2026-01-05T01:00:05Z'), 'replay:yahoo-5m');
    agg.add('KRX-STOCK-005930', d('60300'), d('1500'), new Date('2026-01-05T01:00:20Z'), 'replay:yahoo-5m');
    agg.add('KRX-STOCK-005930', d('59900'), d('1700'), new Date('2026-01-05T01:00:40Z'), 'replay:yahoo-5m');
    const out = agg.drain();
    const m = out.find((x) => x.interval === '1m');
    const day = out.find((x) => x.interval === '1d');
    expect(m?.bucket_start.toISOString()).toBe('2026-01-05T01:00:00.000Z');
    expect([m?.open.toFixed(), m?.high.toFixed(), m?.low.toFixed(), m?.close.toFixed(), m?.volume.toFixed()]).toEqual(['60000', '60300', '59900', '59900', '700']);
    // KRX days start at midnight Asia/Seoul (15:00 UTC the day before).
    expect(day?.bucket_start.toISOString()).toBe('2026-01-04T15:00:00.000Z');
    expect(agg.size()).toBe(0);
  });
});

describe('GIVEN a failed flush', () => {
  it('THEN restored deltas merge with newer ones in time order', () => {
    const agg = new CandleAggregator();
    const t = new Date('2026-01-05T01:00:05Z');
    agg.add('CRYPTO-COIN-BTC', d('100'), d('0'), t, 's');
    agg.add('CRYPTO-COIN-BTC', d('90'), d('2'), t, 's');
    const failed = agg.drain();
    agg.add('CRYPTO-COIN-BTC', d('120'), d('5'), t, 's');
    agg.restore(failed);
    const m = agg.drain().find((x) => x.interval === '1m');
    expect([m?.open.toFixed(), m?.high.toFixed(), m?.low.toFixed(), m?.close.toFixed(), m?.volume.toFixed()]).toEqual(['100', '120', '90', '120', '5']);
  });
});

describe('GIVEN day buckets per market', () => {
  it('THEN US days start at New York midnight and crypto days at UTC midnight', () => {
    const t = new Date('2026-07-01T03:00:00Z');
    expect(dayBucketStart('US-STOCK-AAPL', t).toISOString()).toBe('2026-06-30T04:00:00.000Z');
    expect(dayBucketStart('CRYPTO-COIN-BTC', t).toISOString()).toBe('2026-07-01T00:00:00.000Z');
  });
});

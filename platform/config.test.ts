import { describe, expect, it } from 'vitest';
import { embeddedParts, loadConfig } from './config.js';

describe('GIVEN an empty environment', () => {
  const config = loadConfig({});
  it('THEN every SPEC default applies and money settings are decimals, not floats', () => {
    expect(config.PORT).toBe(8080);
    expect(config.STARTING_CASH_KRW.toFixed()).toBe('100000000');
    expect(config.TRADING_FEE_RATE.toFixed()).toBe('0.001');
    expect(config.MAX_LEVERAGE.toFixed()).toBe('3');
    expect(config.MAINTENANCE_MARGIN.toFixed()).toBe('0.15');
    expect(config.WHALE_ALERT_THRESHOLD_KRW.toFixed()).toBe('10000000');
    expect(config.MARKET_DATA_SOURCE).toBe('replay');
    expect(config.DISCORD_API_BASE).toBe('https://discord.com/api/v10');
  });
  it('THEN all three services are embedded', () => {
    expect(embeddedParts(config)).toEqual({ postgres: true, redis: true, amqp: true });
  });
});

describe('GIVEN bad values', () => {
  const cases: [string, string, RegExp][] = [
    ['TRADING_FEE_RATE', 'abc', /must be a decimal number/],
    ['TRADING_FEE_RATE', '0.5', /out of range/],
    ['TRADING_FEE_RATE', '1e-3', /must be a decimal number/],
    ['PORT', '99999', /whole number from 0 to 65535/],
    ['PORT', '80.5', /whole number/],
    ['MARKET_DATA_SOURCE', 'yahoo', /must be one of replay, live, synthetic/],
    ['DATABASE_URL', 'mysql://x', /must be a URL starting with postgres:\/\//],
    ['REDIS_URL', 'localhost:6379', /must be a URL starting with redis:\/\//],
    ['DISCORD_PUBLIC_KEY', 'xyz', /64 hex characters/],
    ['STARTING_CASH_KRW', '-5', /must be a decimal number/],
    ['STARTING_CASH_KRW', '1000000000000', /must be a decimal number/],
  ];
  it.each(cases)('THEN %s=%s is refused with one line naming it', (key, value, message) => {
    expect(() => loadConfig({ [key]: value })).toThrow(message);
    try {
      loadConfig({ [key]: value });
    } catch (error) {
      const text = (error as Error).message;
      expect(text.split('\n')).toHaveLength(1);
      expect(text.startsWith(`invalid configuration: ${key}=`)).toBe(true);
    }
  });
  it('THEN an empty URL means unset (embedded)', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});

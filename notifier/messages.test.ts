import { describe, expect, it } from 'vitest';
import type { DomainEvent, EventType } from '../core/events.js';
import { DEFAULT_TEMPLATES } from '../core/templates.js';
import { classify, backoffMs, secondsToMs } from './delivery-policy.js';
import { NOBODY, UNKNOWN_PLAYER, buildMessage, percentOf, routeOf, templateVars, trimDecimal, wholeWon } from './messages.js';
import type { Lookups } from './messages.js';

const USER = '3f0b8a52-5d0e-4c61-9f8e-1b2a3c4d5e6f';
const lookups: Lookups = {
  nicknames: new Map([[USER, '주식고수']]),
  tickerNames: new Map([['KRX-STOCK-005930', '삼성전자']]),
};
const ev = <T extends EventType>(type: T, data: Record<string, unknown>): DomainEvent =>
  ({ id: '00000000-0000-4000-8000-000000000001', type, occurred_at: '2024-03-11T01:00:00.000Z', data });

describe('GIVEN events built to the schema of core/events.ts', () => {
  it('THEN whale_trade renders the SPEC line with the nickname and whole-won notional, and an embed', () => {
    const e = ev('whale_trade', {
      order_id: 'o',
      user_id: USER,
      nickname: '개미왕',
      ticker_id: 'KRX-STOCK-005930',
      side: 'BUY',
      quantity: '200.00000000',
      price: '71500.00000000',
      notional_krw: '14300000.49999999',
    });
    const m = buildMessage(e, DEFAULT_TEMPLATES.whale_trade, lookups);
    expect(m?.webhook).toBe('ALERTS');
    expect(m?.body.content).toBe('🐳 [고래] 개미왕님이 KRX-STOCK-005930에 14,300,000 KRW 규모 매수 체결!');
    expect(m?.body.allowed_mentions).toEqual({ parse: [] });
    const fields = m?.body.embeds?.[0]?.fields ?? [];
    expect(fields).toContainEqual({ name: '종목', value: '삼성전자 (KRX-STOCK-005930)', inline: true });
    expect(fields).toContainEqual({ name: '수량', value: '200', inline: true });
    expect(fields).toContainEqual({ name: '체결가', value: '71,500 KRW', inline: true });
    expect(JSON.stringify(m)).not.toContain(USER);
  });

  it('THEN a SELL is 매도 and {price}/{quantity} keep their decimals', () => {
    const e = ev('whale_trade', { user_id: USER, nickname: 'n', ticker_id: 'US-STOCK-AAPL', side: 'SELL', quantity: '0.5', price: '189.25000000', notional_krw: '126000.5' });
    expect(buildMessage(e, '{side} {price} {quantity} {notional:,}', lookups)?.body.content).toBe('매도 189.25 0.5 126,001');
  });

  it('THEN a missing nickname is looked up by user id, and an unknown player is never shown as an id', () => {
    const e = ev('bailout_processed', { user_id: USER, nickname: '', amount_krw: '100000', bailout_count: 1 });
    expect(buildMessage(e, DEFAULT_TEMPLATES.bailout_processed, lookups)?.body.content).toBe('😭 [파산] 주식고수님 구제금융 처리');
    expect(buildMessage(e, DEFAULT_TEMPLATES.bailout_processed, lookups)?.webhook).toBe('HUMAN');
    const stranger = ev('liquidation', { user_id: '11111111-1111-4111-8111-111111111111', ticker_id: 'CRYPTO-COIN-BTC', equity_krw: '-1500.5', liability_krw: '25000000' });
    expect(buildMessage(stranger, DEFAULT_TEMPLATES.liquidation, lookups)?.body.content).toBe(
      `📉 [속보] ${UNKNOWN_PLAYER}님이 CRYPTO-COIN-BTC 포지션 강제 청산! (순자산 -1,501 / 부채 25,000,000)`,
    );
  });

  it('THEN ipo_listed shows the rate in percent; dividend_paid the payer and total', () => {
    const ipo = ev('ipo_listed', { ticker_id: 'HUMAN-ETF-ANT', symbol: 'ANT', issuer_user_id: USER, nickname: '개미', dividend_rate: '0.3', shares: '1000', offer_price: '10000' });
    expect(buildMessage(ipo, DEFAULT_TEMPLATES.ipo_listed, lookups)?.body.content).toBe('🆕 [IPO] ANT 상장! 배당률 30%');
    expect(buildMessage(ipo, '{dividend_rate}', lookups)?.body.content).toBe('0.3');
    const div = ev('dividend_paid', { ticker_id: 'HUMAN-ETF-ANT', payer_user_id: USER, payer_nickname: '개미', total_dividend_krw: '1234567.12345678', holders: 3 });
    expect(buildMessage(div, DEFAULT_TEMPLATES.dividend_paid, lookups)?.body.content).toBe('💰 [배당] 개미님이 총 1,234,567 KRW 배당');
    expect(buildMessage(div, DEFAULT_TEMPLATES.dividend_paid, lookups)?.webhook).toBe('HUMAN');
  });

  it('THEN the daily report renders four lines, with 없음 when nobody gained, lost or traded', () => {
    const full = ev('daily_report', {
      day: '2024-03-10',
      gainer: { user_id: USER, nickname: '승자', pnl_krw: '1234567.5', equity_krw: '101234567.5' },
      loser: { user_id: USER, nickname: '흑우', pnl_krw: '-7654321', equity_krw: '92345679' },
      volume_king: { user_id: USER, nickname: '야수', trade_count: 42 },
    });
    expect(buildMessage(full, DEFAULT_TEMPLATES.daily_report, lookups)?.body.content).toBe(
      ['📊 일일 리포트', '🥇 오늘의 승리자: 승자 (+1,234,568 KRW)', '💩 오늘의 흑우: 흑우 (-7,654,321 KRW)', '🌙 야수의 심장: 야수 (42회 체결)'].join('\n'),
    );
    const empty = ev('daily_report', { day: '2024-03-10', gainer: null, loser: null, volume_king: null });
    expect(buildMessage(empty, DEFAULT_TEMPLATES.daily_report, lookups)?.body.content.split('\n')).toEqual([
      '📊 일일 리포트',
      `🥇 오늘의 승리자: ${NOBODY} (+0 KRW)`,
      `💩 오늘의 흑우: ${NOBODY} (0 KRW)`,
      `🌙 야수의 심장: ${NOBODY} (0회 체결)`,
    ]);
  });

  it('THEN market notices show KST times (US open is 22:30 KST in EDT, 23:30 in EST)', () => {
    const edt = ev('market_open', { market: 'US', date: '2024-03-11', open_at: '2024-03-11T13:30:00.000Z', close_at: '2024-03-11T20:00:00.000Z' });
    expect(buildMessage(edt, DEFAULT_TEMPLATES.market_open, lookups)?.body.content).toBe('🔔 [개장] 미국 증시 정규장이 열렸습니다 (22:30~05:00 KST)');
    const est = ev('market_open', { market: 'US', date: '2024-03-08', open_at: '2024-03-08T14:30:00.000Z', close_at: '2024-03-08T21:00:00.000Z' });
    expect(templateVars(est, lookups).open_time).toBe('23:30');
    const krx = ev('market_close', { market: 'KRX', date: '2024-03-11', open_at: '2024-03-11T00:00:00.000Z', close_at: '2024-03-11T06:30:00.000Z' });
    expect(buildMessage(krx, DEFAULT_TEMPLATES.market_close, lookups)?.body.content).toBe('🔕 [폐장] 한국 증시 정규장이 마감되었습니다');
  });

  it('THEN a missing field leaves its placeholder as written; other event types get no message', () => {
    const e = ev('whale_trade', { nickname: '개미', ticker_id: 'KRX-STOCK-005930', side: 'BUY' });
    expect(buildMessage(e, DEFAULT_TEMPLATES.whale_trade, lookups)?.body.content).toBe('🐳 [고래] 개미님이 KRX-STOCK-005930에 {notional:,} KRW 규모 매수 체결!');
    for (const type of ['order_filled', 'order_failed', 'operator_alert', 'toString', '__proto__']) expect(routeOf(type)).toBeNull();
  });

  it('THEN a nickname trying to ping everyone cannot (allowed_mentions is empty) and content is cut at 2000', () => {
    const e = ev('bailout_processed', { user_id: USER, nickname: '@everyone', amount_krw: '1' });
    const m = buildMessage(e, '{nickname} '.repeat(400), lookups);
    expect(m?.body.allowed_mentions.parse).toEqual([]);
    expect([...(m?.body.content ?? '')].length).toBe(2000);
  });

  it('THEN number helpers are exact', () => {
    expect(wholeWon('10000000.5')).toBe('10000001');
    expect(wholeWon('-0.4')).toBe('0');
    expect(wholeWon('x')).toBe('x');
    expect(trimDecimal('10.50000000')).toBe('10.5');
    expect(percentOf('0.125')).toBe('12.5');
  });
});

describe('GIVEN answers from Discord', () => {
  const backoff = { baseMs: 1_000, maxMs: 60_000, random: () => 0.5 };
  const res = (status: number, body = '', headers: Record<string, string> = {}) => ({ status, body, headers });

  it('THEN 2xx is sent, with the message id, and a pause when the bucket is empty', () => {
    expect(classify(res(200, '{"id":"123"}'), 1, backoff)).toEqual({ kind: 'sent', messageId: '123', pauseMs: 0 });
    expect(classify(res(200, '{"id":"1"}', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '1.5' }), 1, backoff)).toEqual({
      kind: 'sent',
      messageId: '1',
      pauseMs: 1500,
    });
    expect(classify(res(204), 1, backoff)).toEqual({ kind: 'sent', messageId: null, pauseMs: 0 });
  });

  it('THEN 429 waits retry_after (body first, then Retry-After, then reset-after)', () => {
    expect(classify(res(429, '{"message":"You are being rate limited.","retry_after":0.25,"global":false}'), 3, backoff)).toMatchObject({
      kind: 'retry',
      delayMs: 250,
      rateLimited: true,
    });
    expect(classify(res(429, '', { 'retry-after': '2' }), 1, backoff)).toMatchObject({ kind: 'retry', delayMs: 2000 });
    expect(classify(res(429, 'x', { 'x-ratelimit-reset-after': '0.333' }), 1, backoff)).toMatchObject({ kind: 'retry', delayMs: 333 });
    expect(classify(res(429), 1, backoff)).toMatchObject({ kind: 'retry', rateLimited: true });
  });

  it('THEN 404/401/403 break the webhook, 400 rejects the message, 5xx and network errors back off', () => {
    expect(classify(res(404, '{"message":"Unknown Webhook","code":10015}'), 1, backoff)).toEqual({
      kind: 'broken',
      status: 404,
      reason: 'HTTP 404: Unknown Webhook (code 10015)',
    });
    expect(classify(res(401), 1, backoff).kind).toBe('broken');
    expect(classify(res(403), 1, backoff).kind).toBe('broken');
    expect(classify(res(400, '{"message":"Invalid Form Body","code":50035}'), 1, backoff).kind).toBe('rejected');
    expect(classify(res(500), 1, backoff)).toMatchObject({ kind: 'retry', delayMs: 750, rateLimited: false });
    expect(classify(res(502), 2, backoff)).toMatchObject({ kind: 'retry', delayMs: 1500 });
    expect(classify(new Error('ECONNRESET'), 1, backoff)).toMatchObject({ kind: 'retry', reason: 'network: ECONNRESET' });
  });

  it('THEN backoff doubles with jitter in [e/2, e) and is capped', () => {
    const lo = { ...backoff, random: () => 0 };
    const hi = { ...backoff, random: () => 0.999999 };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, lo))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(1, hi)).toBeLessThan(1000);
    expect(backoffMs(50, hi)).toBeLessThan(60_000);
    expect(backoffMs(50, lo)).toBe(30_000);
    expect(secondsToMs('1.0001')).toBe(1001);
    expect(secondsToMs('-1')).toBeNull();
    expect(secondsToMs('abc')).toBeNull();
  });
});

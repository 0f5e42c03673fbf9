import { describe, expect, it } from 'vitest';
import type { DomainEvent } from './events.js';
import { channelOf, eventJson, routingKeyOf } from './events.js';

const event = (): DomainEvent => ({
  id: '01a25096-ea7c-763a-b563-d1d2f2dcd4d0',
  type: 'order_filled',
  occurred_at: '2026-12-07T13:00:00.000Z',
  data: { order_id: '01a25096-ea7c-763a-b563-d1d2f2dcd4d1', quantity: '0.0001', nickname: '개미 "ant"\n', applied_exchange_rate: null },
});

describe('GIVEN an event to publish', () => {
  it('THEN its JSON is JSON.stringify of it, made once per event object and reused', () => {
    const e = event();
    const text = eventJson(e);
    expect(text).toBe(JSON.stringify(e));
    expect(JSON.parse(text)).toEqual(e);
    expect(eventJson(e)).toBe(text);
  });
  it('THEN an equal but separate event object is serialized on its own', () => {
    const a = event();
    const b = { ...event(), id: '01a25096-ea7c-763a-b563-d1d2f2dcd4d9' };
    expect(eventJson(a)).not.toBe(eventJson(b));
    expect(JSON.parse(eventJson(b))).toEqual(b);
  });
  it('THEN it goes on the channel and routing key of its type (SPEC §5)', () => {
    expect(channelOf('order_filled')).toBe('trade_events');
    expect(routingKeyOf('order_filled')).toBe('trade_events.order_filled');
    expect(routingKeyOf('operator_alert')).toBe('system_events.operator_alert');
  });
});

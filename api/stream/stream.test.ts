/**
 * The live stream (SSE) on the real Redis, with the engine settling real orders: prices from
 * `market_updates`, the caller's own order events from `trade_events` (never anyone else's),
 * one-time tickets for browsers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../../engine/engine.service.js';
import { startApiHarness } from '../testing/harness.js';
import type { ApiHarness } from '../testing/harness.js';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

interface OpenStream {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  waitFor(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  const events: SseEvent[] = [];
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const push = (e: SseEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  if (res.ok && res.body !== null) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (event !== undefined && data !== undefined) push({ event, data: JSON.parse(data) as Record<string, unknown> });
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    waitFor: (pred, timeoutMs = 10_000) => {
      const seen = events.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 500)}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    close: () => ctl.abort(),
  };
}

let h: ApiHarness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
const quote = (ticker_id: string, price: string) => ({ ticker_id, price, currency: 'KRW-COIN', change_pct: '0', volume: '1', ts: new Date().toISOString(), source: 'test' });

beforeAll(async () => {
  h = await startApiHarness({ label: 'stream', before: [startEngine] });
  alice = await h.createPlayer('alice');
  bob = await h.createPlayer('bob');
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

describe('GIVEN an authenticated stream filtered to BTC', () => {
  it('THEN BTC prices published on market_updates arrive and other tickers do not', async () => {
    const s = await openStream(`${h.base}/api/v1/stream?tickers=CRYPTO-COIN-BTC`, { Authorization: `Bearer ${alice.token}` });
    try {
      expect(s.status).toBe(200);
      expect(s.contentType).toContain('text/event-stream');
      await s.waitFor((e) => e.event === 'ready');
      const pub = h.process.infra.redis.client;
      await pub.publish('market_updates', JSON.stringify(quote('CRYPTO-COIN-ETH', '5000000')));
      await pub.publish('market_updates', JSON.stringify(quote('CRYPTO-COIN-BTC', '143000000')));
      const e = await s.waitFor((x) => x.event === 'price');
      expect(e.data).toMatchObject({ ticker_id: 'CRYPTO-COIN-BTC', price: '143000000' });
      expect(s.events.filter((x) => x.event === 'price').map((x) => x.data.ticker_id)).not.toContain('CRYPTO-COIN-ETH');
    } finally {
      s.close();
    }
  });
});

describe("GIVEN Alice's and Bob's streams and a real order of Alice's", () => {
  it("THEN Alice receives her order_filled event and Bob receives nothing of hers", async () => {
    const a = await openStream(`${h.base}/api/v1/stream?tickers=NONE-NONE-NONE`, { Authorization: `Bearer ${alice.token}` });
    const b = await openStream(`${h.base}/api/v1/stream?tickers=NONE-NONE-NONE`, { Authorization: `Bearer ${bob.token}` });
    try {
      await a.waitFor((e) => e.event === 'ready');
      await b.waitFor((e) => e.event === 'ready');
      await h.process.infra.redis.client.set('price:CRYPTO-COIN-BTC', JSON.stringify(quote('CRYPTO-COIN-BTC', '100000000')), 'EX', 600);
      const placed = await h.request<{ order_id: string }>('POST', '/api/v1/orders', { token: alice.token, body: { ticker: 'BTC', side: 'BUY', amount: '500000' } });
      expect(placed.status).toBe(202);
      const e = await a.waitFor((x) => x.event === 'order', 15_000);
      expect(e.data).toMatchObject({ type: 'order_filled', data: { order_id: placed.body.order_id, user_id: alice.id } });
      // Bob's own order proves his stream works; Alice's event never reached it.
      const mine = await h.request<{ order_id: string }>('POST', '/api/v1/orders', { token: bob.token, body: { ticker: 'BTC', side: 'BUY', amount: '300000' } });
      const be = await b.waitFor((x) => x.event === 'order', 15_000);
      expect(be.data).toMatchObject({ data: { order_id: mine.body.order_id, user_id: bob.id } });
      expect(b.events.filter((x) => x.event === 'order').map((x) => (x.data.data as { user_id: string }).user_id)).toEqual([bob.id]);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('GIVEN a browser that cannot send headers', () => {
  it('THEN a one-time ticket opens the stream once, and no credentials is 401', async () => {
    const t = await h.request<{ ticket: string; expires_in: number }>('POST', '/api/v1/stream/ticket', { token: alice.token });
    expect(t.status).toBe(201);
    expect(t.body.expires_in).toBe(60);
    const s = await openStream(`${h.base}/api/v1/stream?ticket=${t.body.ticket}`);
    expect(s.status).toBe(200);
    const ready = await s.waitFor((e) => e.event === 'ready');
    expect(ready.data.user_id).toBe(alice.id);
    s.close();
    const again = await openStream(`${h.base}/api/v1/stream?ticket=${t.body.ticket}`);
    expect(again.status).toBe(401);
    again.close();
    const none = await openStream(`${h.base}/api/v1/stream`);
    expect(none.status).toBe(401);
    none.close();
  });
});

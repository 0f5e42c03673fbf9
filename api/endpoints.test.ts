/**
 * The REST endpoints end to end, with the engine settling in the same process on the real
 * PostgreSQL, Redis and RabbitMQ: orders (202 → settled → readable), portfolio, market data,
 * leaderboard, admin (users, cash adjustment and audit log, settings, templates, tickers,
 * orders, dashboard), and the cross-cutting contract (error body, X-Request-Id, OpenAPI,
 * docs, metrics, helmet, CORS, the admin UI placeholder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../core/money.js';
import { startEngine } from '../engine/engine.service.js';
import { eventually, startApiHarness } from './testing/harness.js';
import type { ApiHarness } from './testing/harness.js';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown>; request_id: string };
}
interface Order {
  id: string;
  status: string;
  side: string;
  ticker_id: string;
  filled_quantity: string | null;
  price: string | null;
  fee: string | null;
  fail_reason: string | null;
  source: string;
}

const BTC = 'CRYPTO-COIN-BTC';
const emptyUiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaemi-noui-'));
let h: ApiHarness;
let admin: string;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

async function setPrice(tickerId: string, price: string): Promise<void> {
  const quote = { ticker_id: tickerId, price, currency: 'KRW-COIN', change_pct: '1.25', volume: '321.5', ts: new Date().toISOString(), source: 'test' };
  await h.process.infra.redis.client.set(`price:${tickerId}`, JSON.stringify(quote), 'EX', 600);
}

async function settled(token: string, id: string): Promise<Order> {
  return eventually(async () => {
    const r = await h.request<Order>('GET', `/api/v1/orders/${id}`, { token });
    return r.status === 200 && r.body.status !== 'PENDING' ? r.body : undefined;
  }, 15_000, `order ${id} settled`);
}

beforeAll(async () => {
  h = await startApiHarness({ label: 'endpoints', before: [startEngine], env: { ADMIN_UI_DIR: emptyUiDir, ADMIN_ORIGIN: 'https://admin.gaemi.test' } });
  admin = await h.adminToken();
  alice = await h.createPlayer('alice', 'alice-password');
  bob = await h.createPlayer('bob', 'bob-password');
  await setPrice(BTC, '100000000');
}, 90_000);
afterAll(async () => {
  await h?.stop();
  fs.rmSync(emptyUiDir, { recursive: true, force: true });
});

describe('GIVEN a player placing a market order', () => {
  let orderId: string;

  it('THEN POST /orders answers 202 with the order id, and the engine settles it', async () => {
    const r = await h.request<{ order_id: string; status: string }>('POST', '/api/v1/orders', {
      token: alice.token,
      body: { ticker: '비트코인', side: 'BUY', amount: '1000000' },
    });
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('ACCEPTED');
    expect(r.headers.get('location')).toBe(`/api/v1/orders/${r.body.order_id}`);
    orderId = r.body.order_id;
    const order = await settled(alice.token, orderId);
    expect(order).toMatchObject({ status: 'FILLED', side: 'BUY', ticker_id: BTC, price: '100000000', source: 'api' });
    expect(order.filled_quantity).toMatch(/^0\.00\d+$/);
    expect(typeof order.fee).toBe('string');
  });

  it('THEN the order is listed and the portfolio values the holding at the live price', async () => {
    const list = await h.request<{ orders: Order[] }>('GET', '/api/v1/orders?status=FILLED', { token: alice.token });
    expect(list.body.orders.map((o) => o.id)).toContain(orderId);
    const p = await h.request<{ cash_krw: string; equity_krw: string; holdings: { ticker_id: string; price_source: string; priced: boolean; market_value_krw: string }[] }>(
      'GET',
      '/api/v1/portfolio',
      { token: alice.token },
    );
    expect(p.status).toBe(200);
    const btc = p.body.holdings.find((x) => x.ticker_id === BTC);
    expect(btc).toMatchObject({ price_source: 'live', priced: true });
    expect(new Decimal(p.body.cash_krw).lt('100000000')).toBe(true);
    // equity = cash + holding value; every amount a decimal string
    expect(p.body.equity_krw).toMatch(/^\d+(\.\d{1,8})?$/);
  });

  it('THEN replaying the same order_id is idempotent: 202 with its status, one order', async () => {
    const id = randomUUID();
    const body = { ticker: BTC, side: 'BUY', quantity: '0.001', order_id: id };
    expect((await h.request('POST', '/api/v1/orders', { token: alice.token, body })).status).toBe(202);
    await settled(alice.token, id);
    const again = await h.request<{ status: string }>('POST', '/api/v1/orders', { token: alice.token, body });
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('FILLED');
    const [row] = await h.process.infra.db.sequelize.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE id = $1', { bind: [id], type: QueryTypes.SELECT });
    expect(row?.n).toBe(1);
  });

  it('THEN selling "all" closes the position', async () => {
    const r = await h.request<{ order_id: string }>('POST', '/api/v1/orders', { token: alice.token, body: { ticker: 'btc', side: 'SELL', quantity: 'all' } });
    expect(r.status).toBe(202);
    expect((await settled(alice.token, r.body.order_id)).status).toBe('FILLED');
    const p = await h.request<{ holdings: unknown[] }>('GET', '/api/v1/portfolio', { token: alice.token });
    expect(p.body.holdings).toEqual([]);
  });

  it('THEN bad input is refused at the edge with a clear 4xx and nothing is queued', async () => {
    const before = await h.process.infra.queueDepth();
    const cases: [unknown, number, string][] = [
      [{ ticker: BTC, side: 'BUY', quantity: '1', amount: '1000' }, 400, 'INVALID_QUANTITY'],
      [{ ticker: BTC, side: 'BUY', quantity: '-1' }, 400, 'INVALID_AMOUNT'],
      [{ ticker: BTC, side: 'BUY', quantity: '0' }, 400, 'INVALID_AMOUNT'],
      [{ ticker: BTC, side: 'BUY', quantity: '1e3' }, 400, 'INVALID_AMOUNT'],
      [{ ticker: BTC, side: 'BUY', quantity: 0.1 }, 400, 'INVALID_INPUT'],
      [{ ticker: BTC, side: 'BUY', quantity: '1.123456789' }, 400, 'INVALID_AMOUNT'],
      [{ ticker: BTC, side: 'BUY', quantity: 'all' }, 400, 'INVALID_QUANTITY'],
      [{ ticker: 'nosuchcoin', side: 'BUY', quantity: '1' }, 404, 'UNKNOWN_TICKER'],
      [{ ticker: BTC, side: 'HOLD', quantity: '1' }, 400, 'INVALID_INPUT'],
      [{ side: 'BUY', quantity: '1' }, 400, 'INVALID_INPUT'],
    ];
    for (const [body, status, code] of cases) {
      const r = await h.request<ErrorBody>('POST', '/api/v1/orders', { token: bob.token, body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect([code, 'INVALID_QUANTITY', 'INVALID_AMOUNT', 'INVALID_INPUT'], JSON.stringify(r.body)).toContain(r.body.error.code);
      if (status === 404) expect(r.body.error.code).toBe(code);
    }
    const after = await h.process.infra.queueDepth();
    expect(after.settle).toBe(before.settle);
    const mine = await h.request<{ orders: unknown[] }>('GET', '/api/v1/orders', { token: bob.token });
    expect(mine.body.orders).toEqual([]);
  });

  it('THEN a failed order carries its reason, and admins find it among failures', async () => {
    const r = await h.request<{ order_id: string }>('POST', '/api/v1/orders', { token: bob.token, body: { ticker: 'CRYPTO-COIN-ETH', side: 'BUY', amount: '50000' } });
    expect(r.status).toBe(202);
    const order = await settled(bob.token, r.body.order_id);
    expect(order.status).toBe('FAILED');
    expect(order.fail_reason).toBe('STALE_PRICE');
    const found = await h.request<{ orders: (Order & { username: string })[] }>('GET', '/api/v1/admin/orders?status=FAILED&q=bob', { token: admin });
    expect(found.body.orders.find((o) => o.id === r.body.order_id)).toMatchObject({ fail_reason: 'STALE_PRICE', username: 'bob' });
    const summary = await h.request<{ reasons: { fail_reason: string; count: number }[] }>('GET', '/api/v1/admin/orders/failures', { token: admin });
    expect(summary.body.reasons).toContainEqual({ fail_reason: 'STALE_PRICE', count: 1 });
  });

  it('THEN cancelling a filled order is 409', async () => {
    const r = await h.request<ErrorBody>('DELETE', `/api/v1/orders/${orderId}`, { token: alice.token });
    expect(r.status).toBe(409);
  });
});

describe('GIVEN market data', () => {
  it('THEN tickers search by Korean name, symbol and market', async () => {
    const r = await h.request<{ tickers: { id: string }[] }>('GET', `/api/v1/market/tickers?q=${encodeURIComponent('삼성')}`, { token: bob.token });
    expect(r.body.tickers[0]?.id).toBe('KRX-STOCK-005930');
    const us = await h.request<{ tickers: { id: string; currency: string }[] }>('GET', '/api/v1/market/tickers?market=US&limit=5', { token: bob.token });
    expect(us.body.tickers).toHaveLength(5);
    expect(us.body.tickers.every((t) => t.currency === 'USD')).toBe(true);
  });

  it('THEN the price of a ticker is the live quote with its age', async () => {
    const r = await h.request<{ price: string; stale: boolean; age_ms: number }>('GET', `/api/v1/market/price/${BTC}`, { token: bob.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ price: '100000000', stale: false });
    expect((await h.request<ErrorBody>('GET', '/api/v1/market/price/CRYPTO-COIN-NOPE', { token: bob.token })).body.error.code).toBe('UNKNOWN_TICKER');
    expect((await h.request('GET', '/api/v1/market/price/not%20a%20ticker', { token: bob.token })).status).toBe(400);
  });

  it('THEN candles come oldest first as decimal strings', async () => {
    const t0 = Date.parse('2025-05-12T00:00:00Z');
    for (let i = 0; i < 3; i += 1) {
      await h.process.infra.db.sequelize.query(
        "INSERT INTO candles (ticker_id, interval, bucket_start, open, high, low, close, volume, source) VALUES ($1, '1m', $2, 100, 110, 90, $3, 5.5, 'test')",
        { bind: ['CRYPTO-COIN-XRP', new Date(t0 + i * 60_000), String(100 + i)] },
      );
    }
    const r = await h.request<{ candles: { t: string; close: string; volume: string }[] }>('GET', '/api/v1/market/candles/CRYPTO-COIN-XRP?interval=1m&limit=2', { token: bob.token });
    expect(r.body.candles).toEqual([
      { t: '2025-05-12T00:01:00.000Z', open: '100', high: '110', low: '90', close: '101', volume: '5.5' },
      { t: '2025-05-12T00:02:00.000Z', open: '100', high: '110', low: '90', close: '102', volume: '5.5' },
    ]);
  });
});

describe('GIVEN players on the leaderboard', () => {
  it('THEN they are ranked by equity, admins left out, and the caller marked', async () => {
    const r = await h.request<{ players: number; entries: { nickname: string; is_me: boolean; equity_krw: string }[]; me: { rank: number } | null }>(
      'GET',
      '/api/v1/rank?board=equity',
      { token: bob.token },
    );
    expect(r.status).toBe(200);
    const names = r.body.entries.map((e) => e.nickname);
    expect(names).toEqual(expect.arrayContaining(['alice', 'bob']));
    expect(names).not.toContain('root_admin');
    expect(r.body.entries.find((e) => e.is_me)?.nickname).toBe('bob');
    expect(r.body.me?.rank).toBeGreaterThan(0);
    expect((await h.request('GET', '/api/v1/rank?board=pnl', { token: bob.token })).status).toBe(200);
  });
});

describe('GIVEN an admin', () => {
  it('THEN users are searchable and show their cash', async () => {
    const r = await h.request<{ users: { username: string; balance_krw: string }[] }>('GET', '/api/v1/admin/users?q=ali', { token: admin });
    expect(r.body.users.map((u) => u.username)).toEqual(['alice']);
  });

  it('THEN a cash adjustment needs a reason, moves the wallet through the ledger, and lands in the audit log', async () => {
    const noReason = await h.request<ErrorBody>('POST', `/api/v1/admin/users/${bob.id}/cash-adjustment`, { token: admin, body: { amount_krw: '5000' } });
    expect(noReason.status).toBe(400);
    const before = await h.request<{ balance_krw: string }>('GET', `/api/v1/admin/users/${bob.id}`, { token: admin });
    const r = await h.request<{ balance_before_krw: string; balance_after_krw: string; ledger_txn_id: string }>('POST', `/api/v1/admin/users/${bob.id}/cash-adjustment`, {
      token: admin,
      body: { amount_krw: '12345.5', reason: 'compensation for outage #42' },
      headers: { 'X-Request-Id': 'req-cash-adjust-0001' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('req-cash-adjust-0001');
    expect(r.body.balance_before_krw).toBe(before.body.balance_krw);
    const audit = await h.request<{ entries: { action: string; reason: string; request_id: string; actor_username: string; details: Record<string, unknown> }[] }>(
      'GET',
      `/api/v1/admin/audit-log?target_id=${bob.id}&action=user.cash_adjustment`,
      { token: admin },
    );
    expect(audit.body.entries[0]).toMatchObject({
      action: 'user.cash_adjustment',
      reason: 'compensation for outage #42',
      request_id: 'req-cash-adjust-0001',
      actor_username: 'root_admin',
      details: { amount_krw: '12345.5' },
    });
    const [ledger] = await h.process.infra.db.sequelize.query<{ total: string; n: number }>(
      "SELECT sum(amount)::text AS total, count(*)::int AS n FROM ledger_entries WHERE txn_id = $1 AND kind = 'ADJUSTMENT'",
      { bind: [r.body.ledger_txn_id], type: QueryTypes.SELECT },
    );
    expect(ledger).toMatchObject({ total: '0.00000000', n: 2 });
    const tooMuch = await h.request<ErrorBody>('POST', `/api/v1/admin/users/${bob.id}/cash-adjustment`, { token: admin, body: { amount_krw: '-999999999999', reason: 'wipe' } });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('INSUFFICIENT_FUNDS');
  });

  it('THEN settings change with validation, an audit row, and a Redis mirror', async () => {
    const r0 = await h.request<{ settings: { key: string; value: string; source: string }[] }>('GET', '/api/v1/admin/settings', { token: admin });
    expect(r0.body.settings.find((s) => s.key === 'trading_fee_rate')).toMatchObject({ value: '0.001', source: 'environment' });
    const bad = await h.request('PUT', '/api/v1/admin/settings', { token: admin, body: { trading_fee_rate: '0.5' } });
    expect(bad.status).toBe(400);
    const ok = await h.request<{ settings: { key: string; value: string; source: string }[] }>('PUT', '/api/v1/admin/settings', {
      token: admin,
      body: { trading_fee_rate: '0.0015', whale_alert_threshold_krw: '5000000', reason: 'event week' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.settings.find((s) => s.key === 'trading_fee_rate')).toMatchObject({ value: '0.0015', source: 'database' });
    expect(await h.process.infra.redis.client.hget('config:settings', 'whale_alert_threshold_krw')).toBe('5000000');
    const audit = await h.request<{ entries: { reason: string }[] }>('GET', '/api/v1/admin/audit-log?action=settings.update', { token: admin });
    expect(audit.body.entries[0]?.reason).toBe('event week');
  });

  it('THEN templates are listed, edited (Redis key of SPEC §8), previewed with the renderer, and reset', async () => {
    const list = await h.request<{ templates: { key: string }[] }>('GET', '/api/v1/admin/templates', { token: admin });
    expect(list.body.templates.map((t) => t.key)).toEqual(expect.arrayContaining(['whale_trade', 'liquidation', 'ipo_listed', 'dividend_paid', 'bailout_processed', 'daily_report']));
    const content = '🐋 {nickname} {ticker} {notional:,} KRW {side}!';
    const put = await h.request<{ content: string; is_default: boolean }>('PUT', '/api/v1/admin/templates/whale_trade', { token: admin, body: { key: 'whale_trade', content } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ content, is_default: false });
    expect(await h.process.infra.redis.client.get('config:msg_template:whale_trade')).toBe(content);
    expect((await h.request<{ content: string }>('GET', '/api/v1/admin/templates/whale_trade', { token: admin })).body.content).toBe(content);
    expect((await h.request('PUT', '/api/v1/admin/templates/whale_trade', { token: admin, body: { key: 'liquidation', content } })).status).toBe(400);
    expect((await h.request('PUT', '/api/v1/admin/templates/nope', { token: admin, body: { content } })).status).toBe(404);
    const preview = await h.request<{ rendered: string; unknown_placeholders: string[] }>('POST', '/api/v1/admin/templates/preview', {
      token: admin,
      body: { key: 'whale_trade', content: `${content} {mystery}` },
    });
    expect(preview.body.rendered).toBe('🐋 개미왕 KRX-STOCK-005930 12,500,000 KRW 매수! {mystery}');
    expect(preview.body.unknown_placeholders).toEqual(['mystery']);
    const reset = await h.request<{ is_default: boolean }>('DELETE', '/api/v1/admin/templates/whale_trade', { token: admin });
    expect(reset.body.is_default).toBe(true);
  });

  it('THEN deactivating a ticker hides it and refuses new orders for it', async () => {
    const r = await h.request<{ active: boolean }>('PATCH', '/api/v1/admin/tickers/CRYPTO-COIN-DOGE', { token: admin, body: { active: false, reason: 'delisted upstream' } });
    expect(r.status).toBe(200);
    expect(r.body.active).toBe(false);
    const search = await h.request<{ tickers: { id: string }[] }>('GET', '/api/v1/market/tickers?q=doge', { token: bob.token });
    expect(search.body.tickers.map((t) => t.id)).not.toContain('CRYPTO-COIN-DOGE');
    const order = await h.request<ErrorBody>('POST', '/api/v1/orders', { token: bob.token, body: { ticker: 'CRYPTO-COIN-DOGE', side: 'BUY', amount: '10000' } });
    expect(order.status).toBe(404);
    await h.request('PATCH', '/api/v1/admin/tickers/CRYPTO-COIN-DOGE', { token: admin, body: { active: true } });
  });

  it('THEN the dashboard reports health, queue depth, dead letters, engine lag and the outbox', async () => {
    const r = await h.request<{ health: { status: string; components: Record<string, unknown> }; queue: { settle: number; dead: number }; engine: { settled_last_5m: number; lag_p50_ms: number } }>(
      'GET',
      '/api/v1/admin/dashboard',
      { token: admin },
    );
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.health.components)).toEqual(expect.arrayContaining(['postgres', 'redis', 'amqp', 'engine', 'api']));
    expect(r.body.queue).toMatchObject({ settle: expect.any(Number) as number, dead: 0 });
    expect(r.body.engine.settled_last_5m).toBeGreaterThan(0);
    expect(r.body.engine.lag_p50_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('GIVEN the cross-cutting contract', () => {
  it('THEN every answer carries X-Request-Id, echoed when the caller sends a sane one', async () => {
    const ok = await h.request('GET', '/api/v1/openapi.json');
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await h.request('GET', '/api/v1/me', { headers: { 'X-Request-Id': 'trace-abc-12345' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-abc-12345');
    const evil = await h.request('GET', '/api/v1/me', { headers: { 'X-Request-Id': 'x y\u00e9' } });
    expect(evil.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const p of ['/metrics', '/admin/', '/api/v1/nope']) expect((await h.request('GET', p)).headers.get('x-request-id'), p).toBeTruthy();
  });

  it('THEN errors have the SPEC body and never a stack trace', async () => {
    const notFound = await h.request<ErrorBody>('GET', '/api/v1/definitely/not/here', { token: bob.token });
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toMatchObject({ code: 'NOT_FOUND', details: {}, request_id: notFound.headers.get('x-request-id') });
    const badJson = await h.request<ErrorBody>('POST', '/api/v1/orders', { token: bob.token, raw: '{"ticker": ', headers: { 'Content-Type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('INVALID_INPUT');
    expect(badJson.text).not.toMatch(/at .*\.(ts|js):\d+/);
    const huge = await h.request<ErrorBody>('POST', '/api/v1/orders', { token: bob.token, raw: JSON.stringify({ ticker: 'x'.repeat(100_000) }), headers: { 'Content-Type': 'application/json' } });
    expect(huge.status).toBe(400);
    const wrongType = await h.request<ErrorBody>('POST', '/api/v1/orders', { token: bob.token, raw: 'ticker=BTC', headers: { 'Content-Type': 'text/plain' } });
    expect(wrongType.status).toBe(400);
  });

  it('THEN the OpenAPI 3 document describes the routes with their schemas, and the docs page loads locally', async () => {
    const doc = await h.request<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } }>(
      'GET',
      '/api/v1/openapi.json',
    );
    expect(doc.body.openapi).toBe('3.0.3');
    expect(doc.body.paths['/api/v1/orders']?.post?.requestBody).toBeDefined();
    expect(Object.keys(doc.body.components.schemas)).toEqual(expect.arrayContaining(['Error', 'TokenPair', 'Order', 'PlaceOrder', 'Portfolio', 'ApiKey']));
    expect(Object.keys(doc.body.components.securitySchemes)).toEqual(['bearer', 'apiKey']);
    const page = await h.request('GET', '/api/v1/docs');
    expect(page.text).toContain('swagger-ui-bundle.js');
    const asset = await h.request('GET', '/api/v1/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
  });

  it('THEN /metrics is for admins only and counts requests by route pattern', async () => {
    expect((await h.request('GET', '/metrics')).status).toBe(401);
    expect((await h.request('GET', '/metrics', { token: bob.token })).status).toBe(403);
    const m = await h.request('GET', '/metrics', { token: admin });
    expect(m.status).toBe(200);
    expect(m.text).toContain('gaemi_api_http_requests_total{method="GET",route="/api/v1/orders/:id"');
    expect(m.text).toContain('gaemi_api_orders_queue_depth{queue="dead"} 0');
    expect(m.text).not.toMatch(/route="\/api\/v1\/orders\/[0-9a-f]{8}-/);
  });

  it('THEN helmet headers are set and CORS admits only the admin origin', async () => {
    const r = await h.request('GET', '/api/v1/openapi.json', { headers: { Origin: 'https://admin.gaemi.test' } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('access-control-allow-origin')).toBe('https://admin.gaemi.test');
    const other = await h.request('GET', '/api/v1/openapi.json', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('THEN without an admin UI build, /admin answers a page that says how to build it', async () => {
    const r = await h.request('GET', '/admin/');
    expect(r.status).toBe(503);
    expect(r.text).toContain('npm run build:admin');
  });
});

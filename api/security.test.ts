/**
 * The security suite, run against every protected route the api declares (read from its
 * own OpenAPI document, so a new route cannot escape) plus `/metrics`:
 * no credentials, expired, tampered, `alg: none`, wrong audience, wrong key, a refresh token
 * as a bearer, a logged-out token, a revoked or malformed API key → 401; wrong scope, a
 * player on admin routes, an API key on session-only routes → 403; and another player's
 * resources → 404/409, never their data.
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_AUDIENCE, TOKEN_ISSUER } from '../platform/auth/token.service.js';
import { startApiHarness, TEST_JWT_SECRET } from './testing/harness.js';
import type { ApiHarness, RequestOptions } from './testing/harness.js';

interface Operation {
  method: string;
  path: string;
  template: string;
  scope: 'read' | 'trade' | 'admin';
  sessionOnly: boolean;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { security?: Record<string, string[]>[]; 'x-required-scope'?: 'read' | 'trade' | 'admin' }>>;
}

const TICKER_PATHS = ['/api/v1/market/price/{id}', '/api/v1/market/candles/{id}', '/api/v1/admin/tickers/{id}'];

function concrete(template: string): string {
  if (TICKER_PATHS.includes(template)) return template.replace('{id}', 'CRYPTO-COIN-BTC');
  return template.replace('{id}', randomUUID()).replace('{key}', 'whale_trade');
}

let h: ApiHarness;
let ops: Operation[];
let alice: { id: string; token: string; refresh: string };
let bob: { id: string; token: string; refresh: string };
let admin: string;
let readKey: string;
let tradeKey: string;
let revokedKey: string;
let adminKey: string;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = (_sub: string) => ({ role: 'ADMIN', fam: randomUUID(), typ: 'access' });
const signOpts = (sub: string) => ({ subject: sub, jwtid: randomUUID(), issuer: TOKEN_ISSUER });

async function send(op: Operation, auth: Pick<RequestOptions, 'token' | 'apiKey'>): Promise<number> {
  if (op.template === '/api/v1/stream') {
    // A stream that opens never ends: look at the status, then hang up.
    const ctl = new AbortController();
    const headers: Record<string, string> = {};
    if (auth.token !== undefined) headers.Authorization = `Bearer ${auth.token}`;
    if (auth.apiKey !== undefined) headers['X-API-Key'] = auth.apiKey;
    const res = await fetch(`${h.base}${op.path}`, { headers, signal: ctl.signal });
    ctl.abort();
    return res.status;
  }
  const withBody = op.method !== 'GET' && op.method !== 'DELETE';
  return (await h.request(op.method, op.path, { ...auth, ...(withBody ? { body: {} } : {}) })).status;
}

beforeAll(async () => {
  h = await startApiHarness({ label: 'security', amqp: false });
  const doc = (await h.request<OpenApiDoc>('GET', '/api/v1/openapi.json')).body;
  ops = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const scope = op['x-required-scope'];
      if (scope === undefined) continue;
      const sessionOnly = (op.security ?? []).every((s) => !('apiKey' in s));
      ops.push({ method: method.toUpperCase(), template, path: concrete(template), scope, sessionOnly });
    }
  }
  ops.push({ method: 'GET', template: '/metrics', path: '/metrics', scope: 'admin', sessionOnly: false });
  const quote = { ticker_id: 'CRYPTO-COIN-BTC', price: '143250000', currency: 'KRW-COIN', change_pct: '0.5', volume: '1234.5', ts: new Date().toISOString(), source: 'test' };
  await h.process.infra.redis.client.set('price:CRYPTO-COIN-BTC', JSON.stringify(quote), 'EX', 600);
  admin = await h.adminToken();
  alice = await h.createPlayer('alice');
  bob = await h.createPlayer('bob');
  const key = async (token: string, scopes: string[]) => {
    const r = await h.request<{ key: string; id: string }>('POST', '/api/v1/api-keys', { token, body: { name: scopes.join('+'), scopes } });
    expect(r.status).toBe(201);
    return r.body;
  };
  readKey = (await key(alice.token, ['read'])).key;
  tradeKey = (await key(alice.token, ['read', 'trade'])).key;
  adminKey = (await key(admin, ['read', 'trade', 'admin'])).key;
  const revoked = await key(alice.token, ['read', 'trade']);
  expect((await h.request('DELETE', `/api/v1/api-keys/${revoked.id}`, { token: alice.token })).status).toBe(200);
  revokedKey = revoked.key;
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

describe('GIVEN every protected route', () => {
  it('THEN the OpenAPI document lists them all (auth, keys, orders, market, admin, stream)', () => {
    const templates = new Set(ops.map((o) => o.template));
    for (const t of ['/api/v1/orders', '/api/v1/portfolio', '/api/v1/api-keys', '/api/v1/admin/users', '/api/v1/admin/templates/{key}', '/api/v1/stream', '/api/v1/rank']) {
      expect(templates.has(t), t).toBe(true);
    }
    expect(ops.length).toBeGreaterThan(30);
  });

  it('THEN bad or missing credentials are 401 with the error body', async () => {
    const expired = jwt.sign({ ...claims(alice.id), exp: Math.floor(Date.now() / 1000) - 5 }, TEST_JWT_SECRET, { ...signOpts(alice.id), audience: ACCESS_AUDIENCE });
    const [head, payload, sig] = alice.token.split('.');
    const body = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${head ?? ''}.${b64({ ...body, role: 'ADMIN', sub: bob.id })}.${sig ?? ''}`;
    const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...body, exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    const wrongAudience = jwt.sign(claims(alice.id), TEST_JWT_SECRET, { ...signOpts(alice.id), audience: 'gaemi-refresh', expiresIn: 600 });
    const wrongKey = jwt.sign(claims(alice.id), 'not-the-secret-0123456789-abcdefghijklmnop', { ...signOpts(alice.id), audience: ACCESS_AUDIENCE, expiresIn: 600 });
    const hs512 = jwt.sign(claims(alice.id), TEST_JWT_SECRET, { ...signOpts(alice.id), audience: ACCESS_AUDIENCE, expiresIn: 600, algorithm: 'HS512' });
    const leaver = await h.createPlayer('leaver');
    expect((await h.request('POST', '/api/v1/logout', { token: leaver.token })).status).toBe(204);

    const cases: [string, Pick<RequestOptions, 'token' | 'apiKey'>][] = [
      ['no credentials', {}],
      ['expired', { token: expired }],
      ['tampered', { token: tampered }],
      ['alg none', { token: algNone }],
      ['wrong audience', { token: wrongAudience }],
      ['wrong signing key', { token: wrongKey }],
      ['HS512 (algorithm not pinned)', { token: hs512 }],
      ['refresh token as bearer', { token: alice.refresh }],
      ['logged-out token', { token: leaver.token }],
      ['garbage bearer', { token: 'not.a.jwt' }],
      ['revoked API key', { apiKey: revokedKey }],
      ['unknown API key', { apiKey: `gaemi_abcdefgh_${'A'.repeat(43)}` }],
      ['malformed API key', { apiKey: 'hunter2' }],
    ];
    const failures: string[] = [];
    for (const op of ops) {
      for (const [name, auth] of cases) {
        const status = await send(op, auth);
        if (status !== 401) failures.push(`${op.method} ${op.template} with ${name}: ${status}`);
      }
    }
    expect(failures).toEqual([]);
    const sample = await h.request<{ error: { code: string; request_id: string } }>('GET', '/api/v1/portfolio', { token: expired });
    expect(sample.body.error.code).toBe('UNAUTHORIZED');
    expect(sample.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('THEN a caller without the scope or role is 403, and session-only routes refuse API keys', async () => {
    const failures: string[] = [];
    for (const op of ops) {
      const expect403: [string, Pick<RequestOptions, 'token' | 'apiKey'>][] = [];
      if (op.scope === 'admin') expect403.push(['player session', { token: alice.token }], ['player trade key', { apiKey: tradeKey }]);
      if (op.scope === 'trade' || op.scope === 'admin') expect403.push(['read-only key', { apiKey: readKey }]);
      if (op.sessionOnly) expect403.push(['admin API key on a session-only route', { apiKey: adminKey }]);
      for (const [name, auth] of expect403) {
        const status = await send(op, auth);
        if (status !== 403) failures.push(`${op.method} ${op.template} with ${name}: ${status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('THEN the right credential gets past authentication on every route (positive control)', async () => {
    const failures: string[] = [];
    for (const op of ops) {
      if (op.template === '/api/v1/logout') continue; // would end the session the other cases use
      const auth = op.scope === 'admin' ? { token: admin } : { token: alice.token };
      const status = await send(op, auth);
      if (status === 401 || status === 403 || status >= 500) failures.push(`${op.method} ${op.template}: ${status}`);
      if (!op.sessionOnly) {
        const keyStatus = await send(op, { apiKey: op.scope === 'admin' ? adminKey : tradeKey });
        if (keyStatus === 401 || keyStatus === 403 || keyStatus >= 500) failures.push(`${op.method} ${op.template} by API key: ${keyStatus}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("GIVEN another player's resources", () => {
  let aliceOrder: string;
  let aliceKeyId: string;

  beforeAll(async () => {
    aliceOrder = randomUUID();
    await h.process.infra.db.sequelize.query(
      `INSERT INTO orders (id, user_id, ticker_id, side, type, status, quantity, price, filled_quantity, filled_notional_krw, fee, source, placed_at, filled_at)
       VALUES ($1, $2, 'CRYPTO-COIN-BTC', 'BUY', 'MARKET', 'FILLED', 0.5, 100000000, 0.5, 50000000, 50000, 'api', now(), now())`,
      { bind: [aliceOrder, alice.id] },
    );
    const k = await h.request<{ id: string }>('POST', '/api/v1/api-keys', { token: alice.token, body: { name: 'mine' } });
    aliceKeyId = k.body.id;
  });

  it("THEN Bob cannot read Alice's order (404, same as unknown) nor see it in his list", async () => {
    expect((await h.request('GET', `/api/v1/orders/${aliceOrder}`, { token: alice.token })).status).toBe(200);
    const r = await h.request<{ error: { code: string } }>('GET', `/api/v1/orders/${aliceOrder}`, { token: bob.token });
    expect(r.status).toBe(404);
    expect(r.text).not.toContain(alice.id);
    const list = await h.request<{ orders: unknown[] }>('GET', '/api/v1/orders', { token: bob.token });
    expect(list.body.orders).toEqual([]);
    expect((await h.request('DELETE', `/api/v1/orders/${aliceOrder}`, { token: bob.token })).status).toBe(404);
  });

  it("THEN Bob cannot reuse Alice's order id (409) and nothing is queued", async () => {
    const r = await h.request('POST', '/api/v1/orders', { token: bob.token, body: { ticker: 'BTC', side: 'SELL', quantity: '0.5', order_id: aliceOrder } });
    expect(r.status).toBe(409);
  });

  it("THEN Bob cannot rotate or revoke Alice's key, and her key still works", async () => {
    expect((await h.request('POST', `/api/v1/api-keys/${aliceKeyId}/rotate`, { token: bob.token })).status).toBe(404);
    expect((await h.request('DELETE', `/api/v1/api-keys/${aliceKeyId}`, { token: bob.token })).status).toBe(404);
    const bobs = await h.request<{ keys: { id: string }[] }>('GET', '/api/v1/api-keys', { token: bob.token });
    expect(bobs.body.keys.map((k) => k.id)).not.toContain(aliceKeyId);
    const alices = await h.request<{ keys: { id: string; revoked_at: string | null }[] }>('GET', '/api/v1/api-keys', { token: alice.token });
    expect(alices.body.keys.find((k) => k.id === aliceKeyId)?.revoked_at).toBeNull();
  });

  it("THEN the portfolio is always the caller's own", async () => {
    const mine = await h.request<{ user_id: string }>('GET', '/api/v1/portfolio', { token: bob.token });
    expect(mine.body.user_id).toBe(bob.id);
  });

  it('THEN a player cannot grant themselves the admin scope', async () => {
    const r = await h.request('POST', '/api/v1/api-keys', { token: alice.token, body: { name: 'sneaky', scopes: ['admin'] } });
    expect(r.status).toBe(403);
  });
});

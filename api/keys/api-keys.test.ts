/**
 * API keys over HTTP on the real services: plaintext shown once and stored hashed with a
 * display prefix, list, rotate, soft revoke, scopes, `last_used_at`, per-key and per-IP
 * rate limits (429 with Retry-After).
 */
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../platform/auth/api-key.js';
import { startApiHarness } from '../testing/harness.js';
import type { ApiHarness } from '../testing/harness.js';

interface Key {
  id: string;
  key?: string;
  prefix: string;
  name: string;
  scopes: string[];
  rate_limit_per_min: number;
  last_used_at: string | null;
  revoked_at: string | null;
}

let h: ApiHarness;
let player: { id: string; token: string };

beforeAll(async () => {
  // Requests from 127.0.0.1 share one per-IP budget; the per-IP test uses its own forwarded address.
  h = await startApiHarness({ label: 'apikeys', amqp: false, env: { API_RATE_LIMIT_PER_IP_PER_MIN: '200' } });
  player = await h.createPlayer('keymaster');
});
afterAll(async () => {
  await h?.stop();
});

describe('GIVEN a player creating a key', () => {
  it('THEN the key is shown once, stored only as a hash with its display prefix, and works as X-API-Key', async () => {
    const created = await h.request<Key>('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'my bot', scopes: ['read', 'trade'] } });
    expect(created.status).toBe(201);
    const key = created.body.key ?? '';
    expect(key.startsWith(`${created.body.prefix}_`)).toBe(true);
    expect(created.body).toMatchObject({ name: 'my bot', scopes: ['read', 'trade'], rate_limit_per_min: 600, last_used_at: null, revoked_at: null });

    const [stored] = await h.process.infra.db.sequelize.query<{ prefix: string; key_hash: string }>('SELECT prefix, key_hash FROM api_keys WHERE id = $1', {
      bind: [created.body.id],
      type: QueryTypes.SELECT,
    });
    expect(stored?.key_hash).toBe(hashApiKey(key));
    expect(stored?.prefix).toBe(created.body.prefix);

    const listed = await h.request<{ keys: Key[] }>('GET', '/api/v1/api-keys', { token: player.token });
    expect(listed.text).not.toContain(key);
    expect(listed.body.keys.find((k) => k.id === created.body.id)?.key).toBeUndefined();

    const me = await h.request<{ id: string; via: string; scopes: string[] }>('GET', '/api/v1/me', { apiKey: key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: player.id, via: 'api_key', scopes: ['read', 'trade'] });
    const after = await h.request<{ keys: Key[] }>('GET', '/api/v1/api-keys', { token: player.token });
    const used = after.body.keys.find((k) => k.id === created.body.id)?.last_used_at;
    expect(used).not.toBeNull();
    expect(Date.now() - Date.parse(used ?? '')).toBeLessThan(60_000);
  });

  it('THEN rotation issues a new secret with the same id and the old one stops at once', async () => {
    const created = await h.request<Key>('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'rotating' } });
    const old = created.body.key ?? '';
    expect((await h.request('GET', '/api/v1/me', { apiKey: old })).status).toBe(200);
    const rotated = await h.request<Key>('POST', `/api/v1/api-keys/${created.body.id}/rotate`, { token: player.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(created.body.id);
    expect(rotated.body.key).not.toBe(old);
    expect((await h.request('GET', '/api/v1/me', { apiKey: old })).status).toBe(401);
    expect((await h.request('GET', '/api/v1/me', { apiKey: rotated.body.key ?? '' })).status).toBe(200);
  });

  it('THEN a revoked key is refused, kept in the list with revoked_at, and cannot be rotated back', async () => {
    const created = await h.request<Key>('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'doomed' } });
    const del = await h.request<Key>('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: player.token });
    expect(del.status).toBe(200);
    expect(del.body.revoked_at).not.toBeNull();
    expect((await h.request('GET', '/api/v1/me', { apiKey: created.body.key ?? '' })).status).toBe(401);
    const live = await h.request<{ keys: Key[] }>('GET', '/api/v1/api-keys', { token: player.token });
    expect(live.body.keys.map((k) => k.id)).not.toContain(created.body.id);
    const all = await h.request<{ keys: Key[] }>('GET', '/api/v1/api-keys?include_revoked=true', { token: player.token });
    expect(all.body.keys.map((k) => k.id)).toContain(created.body.id);
    expect((await h.request('POST', `/api/v1/api-keys/${created.body.id}/rotate`, { token: player.token })).status).toBe(404);
  });

  it('THEN an expired key is refused', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const created = await h.request<Key>('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'short', expires_at: soon } });
    expect(created.status).toBe(201);
    await h.process.infra.db.sequelize.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", { bind: [created.body.id] });
    expect((await h.request('GET', '/api/v1/me', { apiKey: created.body.key ?? '' })).status).toBe(401);
    const past = await h.request('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'past', expires_at: '2001-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
  });

  it('THEN bad input is 400 and changes nothing', async () => {
    const before = await h.request<{ keys: Key[] }>('GET', '/api/v1/api-keys?include_revoked=true', { token: player.token });
    for (const body of [{}, { name: '' }, { name: 'x', scopes: [] }, { name: 'x', scopes: ['root'] }, { name: 'x', rate_limit_per_min: 0 }, { name: 'a\u0000b' }]) {
      const r = await h.request('POST', '/api/v1/api-keys', { token: player.token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const after = await h.request<{ keys: Key[] }>('GET', '/api/v1/api-keys?include_revoked=true', { token: player.token });
    expect(after.body.keys.length).toBe(before.body.keys.length);
  });
});

describe('GIVEN a key with a rate limit of 3 per minute', () => {
  it('THEN the 4th request in the minute is 429 with Retry-After and RateLimit headers', async () => {
    const created = await h.request<Key>('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'slow', rate_limit_per_min: 3 } });
    const key = created.body.key ?? '';
    const statuses: number[] = [];
    let last: Awaited<ReturnType<ApiHarness['request']>> | undefined;
    for (let i = 0; i < 4; i += 1) {
      last = await h.request('GET', '/api/v1/me', { apiKey: key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.headers.get('ratelimit-limit')).toBe('3');
    expect((last?.body as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // Another key of the same player has its own budget.
    const other = await h.request<Key>('POST', '/api/v1/api-keys', { token: player.token, body: { name: 'other' } });
    expect((await h.request('GET', '/api/v1/me', { apiKey: other.body.key ?? '' })).status).toBe(200);
  });
});

describe('GIVEN one client address over API_RATE_LIMIT_PER_IP_PER_MIN', () => {
  it('THEN it gets 429 with Retry-After while other addresses are served', async () => {
    const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < 205; i += 1) statuses.push((await h.request('GET', '/api/v1/openapi.json', from('203.0.113.7'))).status);
    expect(statuses.slice(0, 200).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(200).every((s) => s === 429)).toBe(true);
    const limited = await h.request('GET', '/api/v1/market/tickers', { token: player.token, ...from('203.0.113.7') });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.request('GET', '/api/v1/market/tickers', { token: player.token, ...from('198.51.100.9') })).status).toBe(200);
  });
});

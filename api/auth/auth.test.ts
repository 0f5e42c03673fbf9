/**
 * Sessions end to end over HTTP, on the real PostgreSQL and Redis: password login (JSON and
 * form), refresh rotation and reuse, logout, suspension, login rate limit, the initial
 * admin, and Discord OAuth2 against a local fake of Discord's documented endpoints.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playerIdOf } from '../../core/order-message.js';
import { ADMIN, startApiHarness } from '../testing/harness.js';
import type { ApiHarness } from '../testing/harness.js';

interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}
interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown>; request_id: string };
}

const DISCORD_USER = { id: '80351110224678912', username: 'nelly', discriminator: '0', global_name: 'Nelly', avatar: '8342729096ea3675442027381ff50dfe', bot: false, mfa_enabled: false, locale: 'ko', flags: 0, premium_type: 0, public_flags: 0 };

/** Fake Discord: `POST /oauth2/token` (authorization_code) and `GET /users/@me`, with the documented shapes. */
function fakeDiscord(): Promise<{ base: string; exchanges: Record<string, string>[]; close(): Promise<void> }> {
  const exchanges: Record<string, string>[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method === 'POST' && req.url === '/oauth2/token') {
        const form = Object.fromEntries(new URLSearchParams(body));
        exchanges.push({ ...form, authorization: req.headers.authorization ?? '' });
        if (form.grant_type !== 'authorization_code' || form.code !== 'good-code') return send(400, { error: 'invalid_grant', error_description: 'Invalid "code" in request.' });
        return send(200, { access_token: 'discord-user-token', token_type: 'Bearer', expires_in: 604800, refresh_token: 'discord-refresh', scope: 'identify' });
      }
      if (req.method === 'GET' && req.url === '/users/@me') {
        if (req.headers.authorization !== 'Bearer discord-user-token') return send(401, { message: '401: Unauthorized', code: 0 });
        return send(200, DISCORD_USER);
      }
      send(404, { message: '404: Not Found', code: 0 });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ base: `http://127.0.0.1:${port}`, exchanges, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

let h: ApiHarness;
let discord: Awaited<ReturnType<typeof fakeDiscord>>;

beforeAll(async () => {
  discord = await fakeDiscord();
  h = await startApiHarness({
    label: 'auth',
    amqp: false,
    env: { DISCORD_API_BASE: discord.base, DISCORD_CLIENT_ID: '123456', DISCORD_CLIENT_SECRET: 'shh', LOGIN_RATE_LIMIT_PER_MIN: '5' },
  });
});
afterAll(async () => {
  await h?.stop();
  await discord?.close();
});

describe('GIVEN the initial admin from ADMIN_USERNAME/ADMIN_PASSWORD', () => {
  it('THEN they log in with JSON and get the SPEC answer shape', async () => {
    const r = await h.request<Pair>('POST', '/api/v1/login/access-token', { body: { username: ADMIN.username, password: ADMIN.password } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
    expect(typeof r.body.access_token).toBe('string');
    expect(typeof r.body.refresh_token).toBe('string');
    expect(r.headers.get('cache-control')).toContain('no-store');
    const me = await h.request('GET', '/api/v1/me', { token: r.body.access_token });
    expect(me.body).toMatchObject({ username: ADMIN.username, role: 'ADMIN', scopes: ['read', 'trade', 'admin'] });
  });

  it('THEN they log in with a form body (OAuth2 password grant), username case-insensitive', async () => {
    const r = await h.request<Pair>('POST', '/api/v1/login/access-token', {
      form: { grant_type: 'password', username: ADMIN.username.toUpperCase(), password: ADMIN.password },
    });
    expect(r.status).toBe(200);
  });
});

describe('GIVEN wrong credentials', () => {
  it('THEN the answer is 401 with the error body and the same message whether or not the user exists', async () => {
    const wrongPw = await h.request<ErrorBody>('POST', '/api/v1/login/access-token', { body: { username: ADMIN.username, password: 'nope-nope' } });
    const noUser = await h.request<ErrorBody>('POST', '/api/v1/login/access-token', { body: { username: 'ghost', password: 'nope-nope' } });
    for (const r of [wrongPw, noUser]) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
      expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
    }
    expect(wrongPw.body.error.message).toBe(noUser.body.error.message);
  });

  it('THEN a missing field is 400 INVALID_INPUT naming the field', async () => {
    const r = await h.request<ErrorBody>('POST', '/api/v1/login/access-token', { body: { username: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_INPUT');
    expect(JSON.stringify(r.body.error.details)).toContain('body.password');
  });

  it('THEN guessing beyond LOGIN_RATE_LIMIT_PER_MIN is 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i += 1) {
      const r = await h.request('POST', '/api/v1/login/access-token', { body: { username: 'victim', password: `guess-${i}` } });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

describe('GIVEN a refresh token', () => {
  it('THEN refresh rotates: a new pair works and the old refresh token is spent', async () => {
    const p = await h.createPlayer('rotator');
    const r1 = await h.request<Pair>('POST', '/api/v1/login/refresh', { body: { refresh_token: p.refresh } });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(p.refresh);
    expect((await h.request('GET', '/api/v1/me', { token: r1.body.access_token })).status).toBe(200);
    const form = await h.request<Pair>('POST', '/api/v1/login/refresh', { form: { grant_type: 'refresh_token', refresh_token: r1.body.refresh_token } });
    expect(form.status).toBe(200);
  });

  it('THEN presenting a rotated refresh token revokes the whole family (401 everywhere after)', async () => {
    const p = await h.createPlayer('reuser');
    const r1 = await h.request<Pair>('POST', '/api/v1/login/refresh', { body: { refresh_token: p.refresh } });
    expect(r1.status).toBe(200);
    const reuse = await h.request<ErrorBody>('POST', '/api/v1/login/refresh', { body: { refresh_token: p.refresh } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.details.reason).toBe('reused');
    expect((await h.request('GET', '/api/v1/me', { token: r1.body.access_token })).status).toBe(401);
    expect((await h.request('GET', '/api/v1/me', { token: p.token })).status).toBe(401);
    expect((await h.request('POST', '/api/v1/login/refresh', { body: { refresh_token: r1.body.refresh_token } })).status).toBe(401);
    // A new login starts a new family and works.
    const again = await h.login('reuser', 'player-password-1');
    expect((await h.request('GET', '/api/v1/me', { token: again.access_token })).status).toBe(200);
  });

  it('THEN an access token is refused as a refresh token', async () => {
    const p = await h.createPlayer('mixer');
    expect((await h.request('POST', '/api/v1/login/refresh', { body: { refresh_token: p.token } })).status).toBe(401);
  });
});

describe('GIVEN a logout', () => {
  it('THEN the access token and the refresh token are dead', async () => {
    const p = await h.createPlayer('leaver');
    const out = await h.request('POST', '/api/v1/logout', { token: p.token, body: { refresh_token: p.refresh } });
    expect(out.status).toBe(204);
    expect((await h.request('GET', '/api/v1/me', { token: p.token })).status).toBe(401);
    expect((await h.request('POST', '/api/v1/login/refresh', { body: { refresh_token: p.refresh } })).status).toBe(401);
  });

  it('THEN logging out without the refresh token still kills it (the family is revoked)', async () => {
    const p = await h.createPlayer('leaver2');
    expect((await h.request('POST', '/api/v1/logout', { token: p.token })).status).toBe(204);
    expect((await h.request('POST', '/api/v1/login/refresh', { body: { refresh_token: p.refresh } })).status).toBe(401);
  });
});

describe('GIVEN a suspended user', () => {
  it('THEN their live token is refused with 403 ACCOUNT_SUSPENDED and they cannot log in; reinstated, they can', async () => {
    const p = await h.createPlayer('naughty');
    const admin = await h.adminToken();
    const s = await h.request('POST', `/api/v1/admin/users/${p.id}/suspend`, { token: admin, body: { reason: 'spamming orders' } });
    expect(s.status).toBe(200);
    const me = await h.request<ErrorBody>('GET', '/api/v1/me', { token: p.token });
    expect(me.status).toBe(403);
    expect(me.body.error.code).toBe('ACCOUNT_SUSPENDED');
    const login = await h.request<ErrorBody>('POST', '/api/v1/login/access-token', { body: { username: 'naughty', password: 'player-password-1' } });
    expect(login.status).toBe(403);
    await h.request('POST', `/api/v1/admin/users/${p.id}/suspend`, { token: admin, body: { suspended: false, reason: 'appeal accepted' } });
    expect((await h.request('GET', '/api/v1/me', { token: p.token })).status).toBe(200);
  });
});

describe('GIVEN Discord OAuth2 (DISCORD_API_BASE pointing at a local fake)', () => {
  const start = async (ret?: string) => {
    const r = await h.request('GET', `/api/v1/login/discord${ret === undefined ? '' : `?return=${ret}`}`);
    expect(r.status).toBe(302);
    const location = new URL(r.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${discord.base}/oauth2/authorize`);
    expect(location.searchParams.get('client_id')).toBe('123456');
    expect(location.searchParams.get('scope')).toBe('identify');
    return { state: location.searchParams.get('state') ?? '', redirectUri: location.searchParams.get('redirect_uri') ?? '' };
  };

  it('THEN the callback exchanges the code, links the player by Discord user id, and logs them in', async () => {
    const { state, redirectUri } = await start();
    expect(redirectUri).toBe(`${h.base}/api/v1/login/discord/callback`);
    const r = await h.request<Pair>('GET', `/api/v1/login/discord/callback?code=good-code&state=${state}`);
    expect(r.status).toBe(200);
    const exchange = discord.exchanges.at(-1);
    expect(exchange).toMatchObject({ grant_type: 'authorization_code', code: 'good-code', redirect_uri: redirectUri });
    expect(exchange?.authorization).toBe(`Basic ${Buffer.from('123456:shh').toString('base64')}`);
    const me = await h.request<{ id: string; discord_user_id: string; nickname: string }>('GET', '/api/v1/me', { token: r.body.access_token });
    expect(me.body.discord_user_id).toBe(DISCORD_USER.id);
    expect(me.body.id).toBe(playerIdOf(DISCORD_USER.id));
    expect(me.body.nickname).toBe('Nelly');
    const portfolio = await h.request<{ cash_krw: string }>('GET', '/api/v1/portfolio', { token: r.body.access_token });
    expect(portfolio.body.cash_krw).toBe('100000000');

    const second = await start();
    const r2 = await h.request<Pair>('GET', `/api/v1/login/discord/callback?code=good-code&state=${second.state}`);
    const me2 = await h.request<{ id: string }>('GET', '/api/v1/me', { token: r2.body.access_token });
    expect(me2.body.id).toBe(me.body.id);
  });

  it('THEN a state is single-use and a bad code is 401', async () => {
    const { state } = await start();
    expect((await h.request('GET', `/api/v1/login/discord/callback?code=bad-code&state=${state}`)).status).toBe(401);
    expect((await h.request('GET', `/api/v1/login/discord/callback?code=good-code&state=${state}`)).status).toBe(401);
    expect((await h.request('GET', '/api/v1/login/discord/callback?code=good-code&state=forged-state')).status).toBe(401);
  });

  it('THEN return=admin sends the browser back to the admin UI with the tokens in the fragment', async () => {
    const { state } = await start('admin');
    const r = await h.request('GET', `/api/v1/login/discord/callback?code=good-code&state=${state}`);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toMatch(/^\/admin\/#\/oauth\?access_token=[^&]+&refresh_token=[^&]+/);
  });
});

/**
 * Session tokens against the real Redis: issue, verify (algorithm, audience, expiry),
 * rotation, reuse detection revoking the family, logout.
 */
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis } from '../../test/support/redis.js';
import type { TestRedis } from '../../test/support/redis.js';
import { ACCESS_AUDIENCE, TOKEN_ISSUER, TokenService } from './token.service.js';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop';
const user = { id: '0b8f7a52-6a0e-4c1e-9e53-2d6f1c1b7a10', role: 'USER' as const };

let testRedis: TestRedis;
let redis: Redis;
let tokens: TokenService;

beforeAll(async () => {
  testRedis = await createTestRedis();
  redis = new Redis(testRedis.url);
  tokens = new TokenService({ secret: SECRET, accessTtlS: 1800, refreshTtlS: 604800, redis });
});
afterAll(async () => {
  await redis.quit();
  await testRedis.release();
});

describe('GIVEN a fresh login', () => {
  it('THEN the pair is HS256 with 30 min and 7 day lifetimes and the access token verifies', async () => {
    const pair = await tokens.issue(user);
    expect(pair.token_type).toBe('bearer');
    expect(pair.expires_in).toBe(1800);
    const header = JSON.parse(Buffer.from(pair.access_token.split('.')[0] ?? '', 'base64url').toString()) as { alg: string };
    expect(header.alg).toBe('HS256');
    const claims = tokens.verifyAccess(pair.access_token);
    expect(claims?.sub).toBe(user.id);
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(1800);
    const refresh = tokens.verifyRefresh(pair.refresh_token);
    expect((refresh?.exp ?? 0) - (refresh?.iat ?? 0)).toBe(604800);
    expect(refresh?.fam).toBe(claims?.fam);
  });

  it('THEN an access token is not a refresh token and the reverse', async () => {
    const pair = await tokens.issue(user);
    expect(tokens.verifyRefresh(pair.access_token)).toBeNull();
    expect(tokens.verifyAccess(pair.refresh_token)).toBeNull();
  });
});

describe('GIVEN forged tokens', () => {
  const base = { role: 'USER', fam: 'f', typ: 'access' };
  it('THEN alg none, another key, another audience and an expired token are all refused', () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ ...base, sub: user.id, jti: 'j', aud: ACCESS_AUDIENCE, iss: TOKEN_ISSUER, exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString('base64url')}.`;
    expect(tokens.verifyAccess(none)).toBeNull();
    const opts = { subject: user.id, jwtid: 'j', issuer: TOKEN_ISSUER, expiresIn: 60 } as const;
    expect(tokens.verifyAccess(jwt.sign(base, 'another-secret-0123456789-abcdefghijklmnop', { ...opts, audience: ACCESS_AUDIENCE }))).toBeNull();
    expect(tokens.verifyAccess(jwt.sign(base, SECRET, { ...opts, audience: 'someone-else' }))).toBeNull();
    expect(tokens.verifyAccess(jwt.sign({ ...base, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, { subject: user.id, jwtid: 'j', issuer: TOKEN_ISSUER, audience: ACCESS_AUDIENCE }))).toBeNull();
    expect(tokens.verifyAccess(jwt.sign(base, SECRET, { ...opts, audience: ACCESS_AUDIENCE, algorithm: 'HS512' }))).toBeNull();
    expect(tokens.verifyAccess(jwt.sign(base, SECRET, { ...opts, audience: ACCESS_AUDIENCE }))).not.toBeNull();
  });
});

describe('GIVEN a refresh token that was rotated', () => {
  it('THEN presenting it again revokes the whole family, the newest tokens included', async () => {
    const first = await tokens.issue(user);
    const reissue = () => Promise.resolve(user);
    const second = await tokens.rotate(first.refresh_token, reissue);
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    const third = await tokens.rotate(second.pair.refresh_token, reissue);
    expect(third.ok).toBe(true);
    if (!third.ok) return;

    const reused = await tokens.rotate(first.refresh_token, reissue);
    expect(reused).toMatchObject({ ok: false, reason: 'reused' });
    const newest = tokens.verifyAccess(third.pair.access_token);
    expect(newest).not.toBeNull();
    if (newest === null) return;
    expect(await tokens.isRevoked(newest)).toBe(true);
    expect(await tokens.rotate(third.pair.refresh_token, reissue)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('THEN two racing rotations of one token cannot both win', async () => {
    const pair = await tokens.issue(user);
    const results = await Promise.all([1, 2, 3, 4].map(() => tokens.rotate(pair.refresh_token, () => Promise.resolve(user))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });
});

describe('GIVEN a logout', () => {
  it('THEN the access token is revoked and the refresh token no longer rotates', async () => {
    const pair = await tokens.issue(user);
    const claims = tokens.verifyAccess(pair.access_token);
    if (claims === null) throw new Error('no claims');
    expect(await tokens.isRevoked(claims)).toBe(false);
    await tokens.logout(claims, pair.refresh_token);
    expect(await tokens.isRevoked(claims)).toBe(true);
    expect(await redis.ttl(`auth:bl:${claims.jti}`)).toBeGreaterThan(1700);
    expect((await tokens.rotate(pair.refresh_token, () => Promise.resolve(user))).ok).toBe(false);
  });
});

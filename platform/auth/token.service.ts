/**
 * API session tokens (SPEC §9): HS256 JWTs with the algorithm pinned, an access token
 * (default 30 min) and a rotating refresh token (default 7 days), with their revocation
 * state in Redis.
 *
 * Claims: `iss` `gaemi`, `aud` {@link ACCESS_AUDIENCE} or {@link REFRESH_AUDIENCE} (so one
 * kind can never stand in for the other), `sub` user id, `role`, `jti` (uuid), `fam` (the
 * session family: every token issued from one login shares it), `typ`.
 *
 * Redis keys (all expire on their own):
 * - `auth:fam:<fam>` → the jti of the family's one live refresh token (TTL = refresh lifetime).
 * - `auth:fam_revoked:<fam>` → present when the family is revoked (logout, or reuse of a
 *   rotated refresh token): every access and refresh token of the family is refused.
 * - `auth:bl:<jti>` → a blacklisted token, kept until the token's own expiry.
 *
 * Rotation is one atomic Lua script, so two racing refreshes with the same token cannot
 * both win: the loser looks like a reuse and revokes the family (RFC 6819 §5.2.2.3,
 * OAuth 2.0 Security BCP §4.14).
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Redis } from 'ioredis';

export const TOKEN_ISSUER = 'gaemi';
export const ACCESS_AUDIENCE = 'gaemi-api';
export const REFRESH_AUDIENCE = 'gaemi-refresh';
/** The only algorithm signed or accepted. */
export const TOKEN_ALGORITHM = 'HS256' as const;

export type Role = 'ADMIN' | 'USER';

/** Claims of a verified token. Times are seconds since the epoch. */
export interface TokenClaims {
  sub: string;
  role: Role;
  jti: string;
  fam: string;
  typ: 'access' | 'refresh';
  iat: number;
  exp: number;
}

/** The login answer of SPEC §9 / OAuth 2.0 (RFC 6749 §5.1). `expires_in` is seconds. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_expires_in: number;
}

export interface TokenServiceOptions {
  /** HS256 key, at least 32 bytes. */
  secret: string;
  accessTtlS: number;
  refreshTtlS: number;
  redis: Redis;
}

/** Why a refresh was refused. */
export type RefreshRejection = 'invalid' | 'reused' | 'revoked';

const famKey = (fam: string) => `auth:fam:${fam}`;
const famRevokedKey = (fam: string) => `auth:fam_revoked:${fam}`;
const blacklistKey = (jti: string) => `auth:bl:${jti}`;

/**
 * KEYS[1] = auth:fam:<fam>, KEYS[2] = auth:fam_revoked:<fam>;
 * ARGV[1] = presented jti, ARGV[2] = new jti, ARGV[3] = ttl ms.
 * Returns 1 (rotated), 0 (reuse: family now revoked), -1 (family already revoked).
 */
const ROTATE_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('DEL', KEYS[1])
return 0
`;

function isClaims(v: unknown): v is TokenClaims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    (c.role === 'ADMIN' || c.role === 'USER') &&
    typeof c.jti === 'string' &&
    typeof c.fam === 'string' &&
    (c.typ === 'access' || c.typ === 'refresh') &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number'
  );
}

/** Issues, verifies, rotates and revokes session tokens. */
export class TokenService {
  constructor(private readonly options: TokenServiceOptions) {
    if (Buffer.byteLength(options.secret, 'utf8') < 32) throw new TypeError('JWT secret must be at least 32 bytes');
  }

  /** Access token lifetime in seconds. */
  get accessTtlS(): number {
    return this.options.accessTtlS;
  }

  /** Options for `passport-jwt` / `jsonwebtoken.verify` of an access token (algorithm pinned). */
  accessVerifyOptions(): { algorithms: ['HS256']; audience: string; issuer: string } {
    return { algorithms: [TOKEN_ALGORITHM], audience: ACCESS_AUDIENCE, issuer: TOKEN_ISSUER };
  }

  /** The HS256 key (for `passport-jwt`). */
  get secret(): string {
    return this.options.secret;
  }

  /** Start a new session family for `user` and return its first pair. */
  async issue(user: { id: string; role: Role }): Promise<TokenPair> {
    const fam = randomUUID();
    return this.pairFor(user, fam);
  }

  private async pairFor(user: { id: string; role: Role }, fam: string, refreshJti: string = randomUUID()): Promise<TokenPair> {
    const { secret, accessTtlS, refreshTtlS } = this.options;
    const sign = (typ: 'access' | 'refresh', jti: string, audience: string, ttl: number) =>
      jwt.sign({ role: user.role, fam, typ }, secret, {
        algorithm: TOKEN_ALGORITHM,
        subject: user.id,
        jwtid: jti,
        audience,
        issuer: TOKEN_ISSUER,
        expiresIn: ttl,
      });
    const pair: TokenPair = {
      access_token: sign('access', randomUUID(), ACCESS_AUDIENCE, accessTtlS),
      refresh_token: sign('refresh', refreshJti, REFRESH_AUDIENCE, refreshTtlS),
      token_type: 'bearer',
      expires_in: accessTtlS,
      refresh_expires_in: refreshTtlS,
    };
    await this.options.redis.set(famKey(fam), refreshJti, 'EX', refreshTtlS, 'NX');
    return pair;
  }

  /** Verify an access token's signature and claims (no revocation check). `null` when invalid. */
  verifyAccess(token: string): TokenClaims | null {
    return this.verify(token, ACCESS_AUDIENCE, 'access');
  }

  /** Verify a refresh token's signature and claims (no revocation check). `null` when invalid. */
  verifyRefresh(token: string): TokenClaims | null {
    return this.verify(token, REFRESH_AUDIENCE, 'refresh');
  }

  private verify(token: string, audience: string, typ: 'access' | 'refresh'): TokenClaims | null {
    if (token.length > 4096) return null;
    try {
      const payload = jwt.verify(token, this.options.secret, { algorithms: [TOKEN_ALGORITHM], audience, issuer: TOKEN_ISSUER });
      return isClaims(payload) && payload.typ === typ ? payload : null;
    } catch {
      return null; // expired, tampered, wrong algorithm or audience: all simply "not valid"
    }
  }

  /** Whether a verified token was revoked (blacklisted itself, or its family revoked). One round trip. */
  async isRevoked(claims: Pick<TokenClaims, 'jti' | 'fam'>): Promise<boolean> {
    const [bl, fam] = await this.options.redis.mget(blacklistKey(claims.jti), famRevokedKey(claims.fam));
    return bl !== null || fam !== null;
  }

  /**
   * Exchange a refresh token for a new pair (rotation). Presenting a refresh token that was
   * already rotated revokes the whole family: the thief and the owner both have to log in again.
   * @param reissue re-reads the user (role, suspension) before a pair is issued; `null` refuses.
   */
  async rotate(
    refreshToken: string,
    reissue: (userId: string) => Promise<{ id: string; role: Role } | null>,
  ): Promise<{ ok: true; pair: TokenPair; userId: string } | { ok: false; reason: RefreshRejection; userId?: string }> {
    const claims = this.verifyRefresh(refreshToken);
    if (claims === null) return { ok: false, reason: 'invalid' };
    if ((await this.options.redis.exists(blacklistKey(claims.jti))) === 1) return { ok: false, reason: 'revoked', userId: claims.sub };
    const nextJti = randomUUID();
    const outcome = await this.options.redis.eval(
      ROTATE_LUA,
      2,
      famKey(claims.fam),
      famRevokedKey(claims.fam),
      claims.jti,
      nextJti,
      String(this.options.refreshTtlS * 1000),
    );
    if (outcome === -1) return { ok: false, reason: 'revoked', userId: claims.sub };
    if (outcome !== 1) return { ok: false, reason: 'reused', userId: claims.sub };
    const user = await reissue(claims.sub);
    if (user === null) {
      await this.revokeFamily(claims.fam);
      return { ok: false, reason: 'revoked', userId: claims.sub };
    }
    return { ok: true, pair: await this.pairFor(user, claims.fam, nextJti), userId: claims.sub };
  }

  /** Blacklist one token until its expiry. */
  async blacklist(claims: Pick<TokenClaims, 'jti' | 'exp'>): Promise<void> {
    const ttl = claims.exp - Math.floor(Date.now() / 1000);
    if (ttl > 0) await this.options.redis.set(blacklistKey(claims.jti), '1', 'EX', ttl);
  }

  /** Revoke every token of a session family (until the longest of them would expire). */
  async revokeFamily(fam: string): Promise<void> {
    await this.options.redis
      .multi()
      .set(famRevokedKey(fam), '1', 'EX', this.options.refreshTtlS)
      .del(famKey(fam))
      .exec();
  }

  /**
   * Logout: blacklist the access token and, when given and valid, the refresh token, and
   * revoke their families, so neither the pair nor any later rotation of it works again.
   */
  async logout(access: TokenClaims, refreshToken: string | undefined): Promise<void> {
    await this.blacklist(access);
    await this.revokeFamily(access.fam);
    if (refreshToken !== undefined) {
      const refresh = this.verifyRefresh(refreshToken);
      if (refresh !== null && refresh.sub === access.sub) {
        await this.blacklist(refresh);
        if (refresh.fam !== access.fam) await this.revokeFamily(refresh.fam);
      }
    }
  }
}

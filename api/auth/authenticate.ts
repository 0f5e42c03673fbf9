/**
 * Authentication with passport: two strategies, chosen by the header the caller sends.
 * - `jwt` (passport-jwt): `Authorization: Bearer <access token>`, HS256 only, issuer and
 *   audience checked, then the revocation state in Redis and the user row (suspension, role).
 * - `api-key`: `X-API-Key: gaemi_<prefix>_<secret>`, one lookup by SHA-256; revoked,
 *   expired or suspended → refused; scopes = the key's scopes ∩ the owner's role's.
 * Then the route's requirement: scope, session-only, per-key rate limit.
 *
 * Answers: no or bad credentials 401 `UNAUTHORIZED` (with `WWW-Authenticate`), suspended
 * 403 `ACCOUNT_SUSPENDED`, missing scope 403 `FORBIDDEN`, over the key's limit 429.
 */
import type { Request, Response } from 'express';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { Strategy } from 'passport-strategy';
import type { Logger } from 'pino';
import { ErrorCode } from '../../core/errors.js';
import { API_SCOPES, looksLikeApiKey } from '../../platform/auth/api-key.js';
import type { ApiScope } from '../../platform/auth/api-key.js';
import type { TokenClaims, TokenService } from '../../platform/auth/token.service.js';
import { sendError } from '../http/errors.js';
import type { AnyRoute, Authenticator } from '../http/route.js';
import type { ApiKeyRepository } from '../keys/api-key.repository.js';
import type { UserRepository } from '../users/user.repository.js';
import type { Principal } from './principal.js';
import { scopesOfRole } from './principal.js';
import type { LimitOutcome, RateLimits } from './rate-limit.js';

/** Why authentication failed, carried from a strategy to the answer. */
interface AuthFailure {
  code: ErrorCode.UNAUTHORIZED | ErrorCode.ACCOUNT_SUSPENDED;
  message: string;
}

const isFailure = (v: unknown): v is AuthFailure =>
  typeof v === 'object' && v !== null && 'code' in v && 'message' in v && typeof (v as AuthFailure).message === 'string';

/** passport-jwt reports failures as jsonwebtoken errors (or "No auth token"). */
function jwtFailureMessage(info: unknown): string {
  if (info instanceof Error) {
    if (info.name === 'TokenExpiredError') return 'access token expired; refresh it at /api/v1/login/refresh';
    if (info.message === 'No auth token') return 'missing credentials: send Authorization: Bearer <access token> or X-API-Key';
  }
  return 'invalid access token';
}

/** The `api-key` strategy: reads `X-API-Key`. */
class ApiKeyStrategy extends Strategy {
  name = 'api-key';

  constructor(private readonly verify: (key: string) => Promise<Principal | AuthFailure>) {
    super();
  }

  override authenticate(req: Request): void {
    const key = req.get('X-API-Key') ?? '';
    if (!looksLikeApiKey(key)) {
      this.fail({ code: ErrorCode.UNAUTHORIZED, message: 'invalid API key' } satisfies AuthFailure, 401);
      return;
    }
    this.verify(key).then(
      (outcome) => (isFailure(outcome) ? this.fail(outcome, 401) : this.success(outcome)),
      (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

export interface AuthenticatorDeps {
  tokens: TokenService;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  limits: RateLimits;
  /** Resolves a one-time stream ticket to a user id (routes with `allowTicket`). */
  redeemTicket(ticket: string): Promise<string | null>;
  logger: Logger;
  now(): Date;
}

/** Set the RateLimit headers (IETF draft `RateLimit-*`) and, when refused, `Retry-After`. */
export function setLimitHeaders(res: Response, outcome: LimitOutcome): void {
  res.setHeader('RateLimit-Limit', String(outcome.limit));
  if (outcome.allowed) {
    res.setHeader('RateLimit-Remaining', String(outcome.remaining));
    res.setHeader('RateLimit-Reset', String(outcome.resetS));
  } else {
    res.setHeader('RateLimit-Remaining', '0');
    res.setHeader('RateLimit-Reset', String(outcome.retryAfterS));
    res.setHeader('Retry-After', String(outcome.retryAfterS));
  }
}

/** Build the passport instance and the route authenticator. */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const pp = new passport.Passport();

  const principalOfSession = async (claims: TokenClaims): Promise<Principal | AuthFailure> => {
    if (await deps.tokens.isRevoked(claims)) return { code: ErrorCode.UNAUTHORIZED, message: 'access token revoked; log in again' };
    const user = await deps.users.findById(claims.sub);
    if (user === null) return { code: ErrorCode.UNAUTHORIZED, message: 'invalid access token' };
    if (user.is_suspended) return { code: ErrorCode.ACCOUNT_SUSPENDED, message: 'this account is suspended' };
    return { userId: user.id, username: user.username, role: user.role, scopes: new Set(scopesOfRole(user.role)), via: 'session', session: claims };
  };

  pp.use(
    'jwt',
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: deps.tokens.secret,
        ...deps.tokens.accessVerifyOptions(),
      },
      (payload: unknown, done: (error: unknown, user?: Principal | false, info?: unknown) => void) => {
        const claims = typeof payload === 'object' && payload !== null ? (payload as TokenClaims) : null;
        if (claims === null || claims.typ !== 'access' || typeof claims.fam !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') {
          done(null, false, { code: ErrorCode.UNAUTHORIZED, message: 'invalid access token' } satisfies AuthFailure);
          return;
        }
        principalOfSession(claims).then(
          (outcome) => (isFailure(outcome) ? done(null, false, outcome) : done(null, outcome)),
          (error: unknown) => done(error),
        );
      },
    ),
  );

  pp.use(
    'api-key',
    new ApiKeyStrategy(async (key) => {
      const found = await deps.apiKeys.findForAuth(key);
      const now = deps.now();
      if (found === null) return { code: ErrorCode.UNAUTHORIZED, message: 'invalid API key' };
      if (found.revoked_at !== null) return { code: ErrorCode.UNAUTHORIZED, message: 'this API key was revoked' };
      if (found.expires_at !== null && found.expires_at.getTime() <= now.getTime()) return { code: ErrorCode.UNAUTHORIZED, message: 'this API key has expired' };
      if (found.is_suspended) return { code: ErrorCode.ACCOUNT_SUSPENDED, message: 'this account is suspended' };
      await deps.apiKeys.touch(found, now);
      const allowed = new Set(scopesOfRole(found.role));
      const scopes = new Set<ApiScope>(API_SCOPES.filter((s) => found.scopes.includes(s) && allowed.has(s)));
      return {
        userId: found.user_id,
        username: found.username,
        role: found.role,
        scopes,
        via: 'api_key',
        apiKey: { id: found.id, prefix: found.prefix, rateLimitPerMin: found.rate_limit_per_min },
      } satisfies Principal;
    }),
  );

  const run = (strategy: 'jwt' | 'api-key', req: Request, res: Response): Promise<Principal | AuthFailure> =>
    new Promise((resolve, reject) => {
      const middleware = pp.authenticate(strategy, { session: false }, (error: unknown, user: Principal | false, info: unknown) => {
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error('authentication failed', { cause: error }));
        else if (user !== false && user !== undefined && user !== null) resolve(user);
        else if (isFailure(info)) resolve(info);
        else resolve({ code: ErrorCode.UNAUTHORIZED, message: strategy === 'jwt' ? jwtFailureMessage(info) : 'invalid API key' });
      }) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      middleware(req, res, (error?: unknown) => reject(error instanceof Error ? error : new Error('authentication failed')));
    });

  return async (route: AnyRoute, req: Request, res: Response): Promise<Principal | null> => {
    let outcome: Principal | AuthFailure;
    const ticket = route.allowTicket && typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
    if (ticket !== undefined) {
      const userId = /^[A-Za-z0-9_-]{20,64}$/.test(ticket) ? await deps.redeemTicket(ticket) : null;
      const user = userId === null ? null : await deps.users.findById(userId);
      if (user === null) outcome = { code: ErrorCode.UNAUTHORIZED, message: 'invalid or used stream ticket' };
      else if (user.is_suspended) outcome = { code: ErrorCode.ACCOUNT_SUSPENDED, message: 'this account is suspended' };
      else outcome = { userId: user.id, username: user.username, role: user.role, scopes: new Set(scopesOfRole(user.role)), via: 'session' };
    } else if (req.get('X-API-Key') !== undefined) {
      outcome = await run('api-key', req, res);
    } else {
      outcome = await run('jwt', req, res);
    }
    if (isFailure(outcome)) {
      sendError(res, outcome.code, outcome.message);
      return null;
    }
    const principal = outcome;
    if (principal.apiKey !== undefined) {
      const limited = await deps.limits.apiKey(principal.apiKey.id, principal.apiKey.rateLimitPerMin);
      setLimitHeaders(res, limited);
      if (!limited.allowed) {
        sendError(res, ErrorCode.RATE_LIMITED, `this API key allows ${limited.limit} requests per minute; retry in ${limited.retryAfterS} s`, {
          retry_after_s: limited.retryAfterS,
        });
        return null;
      }
    }
    if (route.sessionOnly && principal.via !== 'session') {
      sendError(res, ErrorCode.FORBIDDEN, 'this route needs a session token (log in), not an API key');
      return null;
    }
    if (route.auth !== 'public' && !principal.scopes.has(route.auth)) {
      sendError(res, ErrorCode.FORBIDDEN, `this route needs the "${route.auth}" scope`, { required_scope: route.auth });
      return null;
    }
    if (route.auth === 'admin' && principal.role !== 'ADMIN') {
      sendError(res, ErrorCode.FORBIDDEN, 'this route is for administrators');
      return null;
    }
    return principal;
  };
}

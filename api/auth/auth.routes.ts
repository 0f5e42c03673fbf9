/**
 * Session routes (SPEC §9): password login (OAuth2 password-grant shape, JSON or form),
 * refresh with rotation, logout, Discord OAuth2 login, and `GET /me`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import { DISCORD_USER_ID_RE, playerIdOf } from '../../core/order-message.js';
import { MAX_PASSWORD_LENGTH, verifyPassword } from '../../platform/auth/password.js';
import type { TokenService } from '../../platform/auth/token.service.js';
import type { Config } from '../../platform/config.js';
import { errorBodySchema, sendError } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { text } from '../http/schemas.js';
import type { UserRepository, UserRecord } from '../users/user.repository.js';
import type { RateLimits } from './rate-limit.js';
import { setLimitHeaders } from './authenticate.js';

export const tokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().meta({ description: 'access token lifetime, seconds' }),
    refresh_expires_in: z.number().int().meta({ description: 'refresh token lifetime, seconds' }),
  })
  .meta({ id: 'TokenPair' });

const loginBody = z
  .object({
    username: text(1, 64),
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
    grant_type: z.literal('password').optional(),
    scope: z.string().max(256).optional(),
  })
  .meta({ id: 'LoginRequest' });

const refreshBody = z.object({ refresh_token: z.string().min(1).max(4096), grant_type: z.literal('refresh_token').optional() }).meta({ id: 'RefreshRequest' });
const logoutBody = z.object({ refresh_token: z.string().min(1).max(4096).optional() });

export const meSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    nickname: z.string().nullable(),
    role: z.enum(['ADMIN', 'USER']),
    discord_user_id: z.string().nullable(),
    via: z.enum(['session', 'api_key']),
    scopes: z.array(z.enum(['read', 'trade', 'admin'])),
  })
  .meta({ id: 'Me' });

const err = (description: string) => ({ description, schema: errorBodySchema });

export interface AuthRoutesDeps {
  config: Config;
  tokens: TokenService;
  users: UserRepository;
  limits: RateLimits;
  redis: Redis;
  logger: Logger;
}

const oauthStateKey = (state: string) => `auth:oauth_state:${state}`;
const OAUTH_STATE_TTL_S = 600;

interface DiscordUser {
  id: string;
  username: string;
  global_name?: string | null;
}

export function authRoutes(deps: AuthRoutesDeps): AnyRoute[] {
  const { tokens, users, limits, config } = deps;
  const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

  const login = defineRoute({
    method: 'post',
    path: '/login/access-token',
    tags: ['auth'],
    summary: 'Log in with a username and password',
    description:
      'OAuth2 password-grant shape: `username` and `password`, as JSON or `application/x-www-form-urlencoded`. Answers an access token (30 min) and a refresh token (7 days). Limited per client IP and username (`LOGIN_RATE_LIMIT_PER_MIN`).',
    auth: 'public',
    form: true,
    body: loginBody,
    responses: {
      200: { description: 'tokens', schema: tokenPairSchema },
      400: err('malformed body'),
      401: err('incorrect username or password'),
      403: err('account suspended'),
      429: err('too many attempts'),
    },
    handler: async ({ body, req, res }) => {
      const limited = await limits.login(req.ip ?? 'unknown', body.username);
      setLimitHeaders(res, limited);
      if (!limited.allowed) {
        sendError(res, ErrorCode.RATE_LIMITED, `too many login attempts; retry in ${limited.retryAfterS} s`, { retry_after_s: limited.retryAfterS });
        return 'handled';
      }
      const user = await users.findByUsername(body.username);
      const good = await verifyPassword(user?.password_hash ?? null, body.password);
      if (user === null || !good) {
        sendError(res, ErrorCode.UNAUTHORIZED, 'incorrect username or password');
        return 'handled';
      }
      if (user.is_suspended) {
        sendError(res, ErrorCode.ACCOUNT_SUSPENDED, 'this account is suspended');
        return 'handled';
      }
      req.log.info({ user_id: user.id }, 'login');
      return { status: 200, body: await tokens.issue({ id: user.id, role: user.role }), headers: noStore };
    },
  });

  const refresh = defineRoute({
    method: 'post',
    path: '/login/refresh',
    tags: ['auth'],
    summary: 'Exchange a refresh token for a new pair (rotation)',
    description:
      'Each refresh token works once. Presenting one that was already exchanged revokes the whole session family (every access and refresh token descended from the same login).',
    auth: 'public',
    form: true,
    body: refreshBody,
    responses: { 200: { description: 'new tokens', schema: tokenPairSchema }, 401: err('invalid, expired, revoked or reused refresh token') },
    handler: async ({ body, req, res }) => {
      const outcome = await tokens.rotate(body.refresh_token, async (userId) => {
        const user = await users.findById(userId);
        return user === null || user.is_suspended ? null : { id: user.id, role: user.role };
      });
      if (outcome.ok) return { status: 200, body: outcome.pair, headers: noStore };
      if (outcome.reason === 'reused') {
        req.log.warn({ user_id: outcome.userId }, 'refresh token reuse: session family revoked');
        sendError(res, ErrorCode.UNAUTHORIZED, 'this refresh token was already used; every token of this login is now revoked — log in again', { reason: 'reused' });
      } else {
        sendError(res, ErrorCode.UNAUTHORIZED, outcome.reason === 'revoked' ? 'session revoked; log in again' : 'invalid or expired refresh token', { reason: outcome.reason });
      }
      return 'handled';
    },
  });

  const logout = defineRoute({
    method: 'post',
    path: '/logout',
    tags: ['auth'],
    summary: 'Log out: the access token and the refresh token stop working',
    description: 'Blacklists the access token (and the refresh token when given) in Redis until they expire, and revokes their session family.',
    auth: 'read',
    sessionOnly: true,
    form: true,
    body: logoutBody,
    responses: { 204: { description: 'logged out' }, 401: err('not logged in') },
    handler: async ({ body, principal }) => {
      if (principal.session !== undefined) await tokens.logout(principal.session, body.refresh_token);
      return { status: 204 };
    },
  });

  const me = defineRoute({
    method: 'get',
    path: '/me',
    tags: ['auth'],
    summary: 'The caller: user, role, scopes',
    auth: 'read',
    responses: { 200: { description: 'the caller', schema: meSchema } },
    handler: async ({ principal }) => {
      const user = await users.findById(principal.userId);
      return {
        status: 200,
        body: {
          id: principal.userId,
          username: principal.username,
          nickname: user?.nickname ?? null,
          role: principal.role,
          discord_user_id: user?.discord_user_id ?? null,
          via: principal.via,
          scopes: [...principal.scopes],
        } satisfies z.infer<typeof meSchema>,
      };
    },
  });

  const redirectUriOf = (origin: string) => config.DISCORD_OAUTH_REDIRECT_URI ?? `${origin}/api/v1/login/discord/callback`;

  const discordStart = defineRoute({
    method: 'get',
    path: '/login/discord',
    tags: ['auth'],
    summary: 'Start a Discord OAuth2 login (redirects to Discord)',
    description: 'With `return=admin` the callback sends the browser back to the admin UI with the tokens in the URL fragment; otherwise it answers the token pair as JSON.',
    auth: 'public',
    query: z.object({ return: z.enum(['admin', 'json']).default('json') }),
    responses: { 302: { description: 'redirect to Discord' }, 404: err('Discord login is not enabled here') },
    handler: async ({ query, req, res }) => {
      if (config.DISCORD_CLIENT_ID === undefined || config.DISCORD_CLIENT_SECRET === undefined) {
        sendError(res, ErrorCode.NOT_FOUND, 'Discord login is not enabled on this server (DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET)');
        return 'handled';
      }
      const state = randomBytes(24).toString('base64url');
      const redirectUri = redirectUriOf(`${req.protocol}://${req.get('host') ?? 'localhost'}`);
      await deps.redis.set(oauthStateKey(state), JSON.stringify({ redirectUri, return: query.return }), 'EX', OAUTH_STATE_TTL_S);
      const url = new URL(`${config.DISCORD_API_BASE.replace(/\/$/, '')}/oauth2/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.DISCORD_CLIENT_ID,
        scope: 'identify',
        state,
        redirect_uri: redirectUri,
        prompt: 'none',
      }).toString();
      res.redirect(302, url.toString());
      return 'handled';
    },
  });

  const findOrCreateDiscordUser = async (d: DiscordUser): Promise<UserRecord> => {
    const existing = await users.findByDiscordId(d.id);
    if (existing !== null) return existing;
    const nickname = (d.global_name ?? d.username).slice(0, 64) || null;
    const base = d.username.slice(0, 64) || `player_${d.id.slice(-6)}`;
    for (const username of [base, `${base.slice(0, 50)}_${d.id.slice(-8)}`, `discord_${d.id}`.slice(0, 64)]) {
      const created = await users.create({ id: playerIdOf(d.id), username, nickname, role: 'USER', discordUserId: d.id });
      if (created.ok) return created.value;
      const raced = await users.findByDiscordId(d.id); // registered meanwhile (the engine, another login)
      if (raced !== null) return raced;
    }
    throw new Error('could not register the Discord user under any username');
  };

  const discordCallback = defineRoute({
    method: 'get',
    path: '/login/discord/callback',
    tags: ['auth'],
    summary: 'Discord OAuth2 callback: links the login to the player by Discord user id',
    description:
      'Exchanges the code at `DISCORD_API_BASE/oauth2/token`, reads `DISCORD_API_BASE/users/@me`, and logs in the player with that Discord user id (the same player the bot knows, id `playerIdOf(discord id)`), registering them with the starting cash on first use.',
    auth: 'public',
    query: z.object({ code: z.string().min(1).max(512).optional(), state: z.string().min(1).max(128), error: z.string().max(256).optional() }),
    responses: {
      200: { description: 'tokens', schema: tokenPairSchema },
      302: { description: 'back to the admin UI with tokens in the URL fragment' },
      401: err('Discord refused the login, or the state is unknown'),
      503: err('Discord did not answer'),
    },
    handler: async ({ query, req, res }) => {
      const raw = await deps.redis.multi().get(oauthStateKey(query.state)).del(oauthStateKey(query.state)).exec();
      const stored = raw?.[0]?.[1];
      if (typeof stored !== 'string') {
        sendError(res, ErrorCode.UNAUTHORIZED, 'unknown or expired login state; start again at /api/v1/login/discord');
        return 'handled';
      }
      if (query.code === undefined || query.error !== undefined) {
        sendError(res, ErrorCode.UNAUTHORIZED, `Discord login was not completed${query.error === undefined ? '' : ` (${query.error})`}`);
        return 'handled';
      }
      const state = JSON.parse(stored) as { redirectUri: string; return: 'admin' | 'json' };
      const base = config.DISCORD_API_BASE.replace(/\/$/, '');
      let discordUser: DiscordUser;
      try {
        const tokenRes = await fetch(`${base}/oauth2/token`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Authorization: `Basic ${Buffer.from(`${config.DISCORD_CLIENT_ID ?? ''}:${config.DISCORD_CLIENT_SECRET ?? ''}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: query.code, redirect_uri: state.redirectUri }).toString(),
          signal: AbortSignal.timeout(10_000),
        });
        if (!tokenRes.ok) {
          req.log.warn({ status: tokenRes.status }, 'discord token exchange refused');
          sendError(res, ErrorCode.UNAUTHORIZED, 'Discord did not accept the login code');
          return 'handled';
        }
        const grant = (await tokenRes.json()) as { access_token?: unknown; token_type?: unknown };
        if (typeof grant.access_token !== 'string') throw new Error('no access_token in the Discord token answer');
        const meRes = await fetch(`${base}/users/@me`, { headers: { Authorization: `Bearer ${grant.access_token}` }, signal: AbortSignal.timeout(10_000) });
        if (!meRes.ok) {
          sendError(res, ErrorCode.UNAUTHORIZED, 'Discord did not return the user');
          return 'handled';
        }
        const me = (await meRes.json()) as Partial<DiscordUser>;
        if (typeof me.id !== 'string' || !DISCORD_USER_ID_RE.test(me.id) || typeof me.username !== 'string') throw new Error('unexpected Discord user shape');
        discordUser = { id: me.id, username: me.username, global_name: typeof me.global_name === 'string' ? me.global_name : null };
      } catch (error) {
        req.log.warn({ err: error }, 'discord login failed');
        sendError(res, ErrorCode.DEPENDENCY_UNAVAILABLE, 'Discord could not be reached; try again');
        return 'handled';
      }
      const user = await findOrCreateDiscordUser(discordUser);
      if (user.is_suspended) {
        sendError(res, ErrorCode.ACCOUNT_SUSPENDED, 'this account is suspended');
        return 'handled';
      }
      const pair = await tokens.issue({ id: user.id, role: user.role });
      req.log.info({ user_id: user.id, discord_user_id: discordUser.id }, 'discord login');
      if (state.return === 'admin') {
        const fragment = new URLSearchParams({ access_token: pair.access_token, refresh_token: pair.refresh_token, expires_in: String(pair.expires_in) });
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(302, `/admin/#/oauth?${fragment.toString()}`);
        return 'handled';
      }
      return { status: 200, body: pair, headers: noStore };
    },
  });

  return [login, refresh, logout, me, discordStart, discordCallback];
}

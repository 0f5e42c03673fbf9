/**
 * REST API service (SPEC §9) and the admin UI (SPEC §11), mounted on the process's HTTP
 * host: `/api/v1` (JSON, JWT or API key), `/metrics` (admin), `/admin` (built Preact app).
 *
 * Start-up: resolve the JWT secret, load the ticker catalogue, create the initial admin
 * from `ADMIN_USERNAME`/`ADMIN_PASSWORD` when set, mirror settings to Redis, mount routes.
 * Stop: close open streams and the Redis subscription.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, ErrorCode } from '../core/errors.js';
import { MIN_PASSWORD_LENGTH, hashPassword, verifyPassword } from '../platform/auth/password.js';
import { TokenService } from '../platform/auth/token.service.js';
import type { Config } from '../platform/config.js';
import { OrderService } from '../platform/orders/order.service.js';
import type { RunningService, ServiceStarter } from '../platform/process.js';
import type { Infra } from '../platform/runtime.js';
import { TemplateStore } from '../platform/templates/template.store.js';
import { adminRoutes } from './admin/admin.routes.js';
import { AuditRepository } from './admin/audit.repository.js';
import { SettingsRepository } from './admin/settings.repository.js';
import { mountApi } from './app.js';
import { authRoutes } from './auth/auth.routes.js';
import { createAuthenticator } from './auth/authenticate.js';
import { RateLimits } from './auth/rate-limit.js';
import { StreamTickets } from './auth/stream-tickets.js';
import { ApiMetrics } from './http/metrics.js';
import { defineRoute, RouteTable } from './http/route.js';
import { ApiKeyRepository } from './keys/api-key.repository.js';
import { apiKeyRoutes } from './keys/api-key.routes.js';
import { TickerCatalogue } from './market/catalogue.js';
import { marketRoutes } from './market/market.routes.js';
import { OrderQueries } from './orders/order.queries.js';
import { orderRoutes } from './orders/orders.routes.js';
import { PortfolioRepository } from './portfolio/portfolio.repository.js';
import { portfolioRoutes } from './portfolio/portfolio.routes.js';
import { PriceBook } from './portfolio/prices.js';
import { StreamHub } from './stream/stream.hub.js';
import { streamRoutes } from './stream/stream.routes.js';
import type { UserRepository } from './users/user.repository.js';
import { UserRepository as Users } from './users/user.repository.js';

export const API_VERSION = '1.0.0';
const CATALOGUE_RELOAD_MS = 60_000;

/**
 * The HS256 secret: `JWT_SECRET`; unset in production is a start-up error; unset elsewhere,
 * a random secret is generated once and kept in `<DATA_DIR>/jwt-secret` (mode 0600) so
 * sessions survive restarts — with a warning, since every replica must share one secret.
 */
export function resolveJwtSecret(config: Config, warn: (msg: string) => void): string {
  if (config.JWT_SECRET !== undefined) {
    if (Buffer.byteLength(config.JWT_SECRET, 'utf8') < 32) {
      throw new AppError(ErrorCode.CONFIG_INVALID, 'invalid configuration: JWT_SECRET: must be at least 32 characters (e.g. openssl rand -base64 48)');
    }
    return config.JWT_SECRET;
  }
  if (config.NODE_ENV === 'production') {
    throw new AppError(ErrorCode.CONFIG_INVALID, 'invalid configuration: JWT_SECRET: required in production (at least 32 characters)');
  }
  const file = path.join(config.DATA_DIR, 'jwt-secret');
  try {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) {
      warn(`JWT_SECRET is unset: using the development secret in ${file}`);
      return stored;
    }
  } catch {
    // absent: generated below
  }
  const secret = randomBytes(48).toString('base64url');
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  warn(`JWT_SECRET is unset: generated a development secret in ${file} (set JWT_SECRET in production and share it between api replicas)`);
  return secret;
}

/** Create (or promote and re-password) the admin named by `ADMIN_USERNAME`/`ADMIN_PASSWORD`. */
export async function ensureInitialAdmin(config: Config, users: UserRepository, log: (msg: string, extra?: Record<string, unknown>) => void): Promise<void> {
  const username = config.ADMIN_USERNAME;
  const password = config.ADMIN_PASSWORD;
  if (username === undefined && password === undefined) return;
  if (username === undefined || password === undefined) {
    throw new AppError(ErrorCode.CONFIG_INVALID, 'invalid configuration: ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError(ErrorCode.CONFIG_INVALID, `invalid configuration: ADMIN_PASSWORD: must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (!/^[\p{L}\p{N}_.-]{1,64}$/u.test(username)) {
    throw new AppError(ErrorCode.CONFIG_INVALID, 'invalid configuration: ADMIN_USERNAME: 1-64 letters, digits, _ . -');
  }
  const existing = await users.findByUsername(username);
  if (existing === null) {
    const created = await users.create({ username, role: 'ADMIN', passwordHash: await hashPassword(password) });
    if (created.ok) log('initial admin created', { username, user_id: created.value.id });
    return; // a conflict means another replica created it meanwhile
  }
  if (existing.role !== 'ADMIN' || !(await verifyPassword(existing.password_hash, password))) {
    await users.setPassword(existing.id, await hashPassword(password), 'ADMIN');
    log('initial admin updated from ADMIN_USERNAME/ADMIN_PASSWORD', { username, user_id: existing.id });
  }
}

export const startApi: ServiceStarter = async (infra: Infra, http) => {
  const { config, db, redis } = infra;
  const logger = infra.logger.child({ component: 'api' });
  const now = () => infra.clock.now();

  const secret = resolveJwtSecret(config, (msg) => logger.warn(msg));
  const tokens = new TokenService({ secret, accessTtlS: config.JWT_ACCESS_TTL_S, refreshTtlS: config.JWT_REFRESH_TTL_S, redis: redis.client });
  const settings = new SettingsRepository(db.sequelize, redis.client, config);
  const audit = new AuditRepository(db.sequelize);
  const users = new Users(db.sequelize, settings, audit);
  const apiKeys = new ApiKeyRepository(db.sequelize);
  const limits = new RateLimits(redis.client, { perIpPerMin: config.API_RATE_LIMIT_PER_IP_PER_MIN, loginPerMin: config.LOGIN_RATE_LIMIT_PER_MIN });
  const tickets = new StreamTickets(redis.client);
  const catalogue = new TickerCatalogue(db.sequelize);
  await catalogue.load();
  catalogue.start(CATALOGUE_RELOAD_MS, (error) => logger.warn({ err: error }, 'ticker catalogue reload failed'));
  const orderService = new OrderService({ orderBus: infra.orderBus, clock: infra.clock, isKnownTicker: (id) => catalogue.isTradable(id) });
  const queries = new OrderQueries(db.sequelize);
  const prices = new PriceBook(infra.quotes, db.sequelize);
  const portfolios = new PortfolioRepository(db.sequelize);
  const templates = new TemplateStore(redis.client, db.sequelize);
  const hub = new StreamHub(() => redis.subscriber(), logger);
  const metrics = new ApiMetrics(() => infra.queueDepth());

  await ensureInitialAdmin(config, users, (msg, extra) => logger.info(extra ?? {}, msg));
  await settings.mirror().catch((error: unknown) => logger.warn({ err: error }, 'could not mirror settings to Redis'));

  const routes = new RouteTable().add(
    ...authRoutes({ config, tokens, users, limits, redis: redis.client, logger }),
    ...apiKeyRoutes(apiKeys, now),
    ...orderRoutes({ orders: orderService, queries, catalogue }),
    ...portfolioRoutes({ portfolios, prices }),
    ...marketRoutes({ catalogue, quotes: infra.quotes, sequelize: db.sequelize, clock: infra.clock, priceStaleMs: config.PRICE_STALE_MS }),
    ...streamRoutes({ hub, tickets, onOpen: (d) => metrics.streams.inc(d) }),
    ...adminRoutes({
      sequelize: db.sequelize,
      users,
      audit,
      orders: queries,
      settings,
      templates,
      catalogue,
      readiness: () => infra.health.readiness(),
      queueDepth: () => infra.queueDepth(),
      now,
    }),
  );
  const metricsRoutes = new RouteTable().add(
    defineRoute({
      method: 'get',
      path: '/',
      tags: ['ops'],
      summary: 'Prometheus metrics',
      auth: 'admin',
      responses: { 200: { description: 'exposition text', contentType: 'text/plain' } },
      handler: async ({ res }) => {
        const { contentType, body } = await metrics.render();
        res.status(200).type(contentType).send(body);
        return 'handled';
      },
    }),
  );
  const authenticate = createAuthenticator({ tokens, users, apiKeys, limits, redeemTicket: (t) => tickets.redeem(t), logger, now });
  mountApi(http.app, {
    logger,
    routes,
    metricsRoutes,
    authenticate,
    limits,
    metrics,
    adminOrigin: config.ADMIN_ORIGIN,
    adminUiDir: config.ADMIN_UI_DIR,
    version: API_VERSION,
  });

  infra.health.register({
    name: 'api',
    mode: 'internal',
    check: () => Promise.resolve({ up: true, details: { routes: routes.routes.length, tickers: catalogue.entries().length, streams: hub.size } }),
  });
  const service: RunningService = {
    name: 'api',
    stop: async () => {
      catalogue.stop();
      await hub.close();
    },
  };
  return service;
};

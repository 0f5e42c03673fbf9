/**
 * The api's HTTP surface, mounted on the process's express app:
 * - `/api/v1` — the REST API (routes declared in the {@link RouteTable}), `openapi.json`, `docs`;
 * - `/metrics` — Prometheus, admin only;
 * - `/admin` — the built admin UI.
 *
 * Cross-cutting, in order: request id (`X-Request-Id`, echoed when the caller sends a sane
 * one) and pino-http JSON logs (method, route, status, time — no headers, no bodies, no
 * query strings: no secrets), helmet, CORS limited to `ADMIN_ORIGIN`, metrics, the per-IP
 * rate limit, body parsing (JSON 64 kB; forms for the login routes), routes, 404, errors.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-dist';
import { ErrorCode } from '../core/errors.js';
import { setLimitHeaders } from './auth/authenticate.js';
import type { RateLimits } from './auth/rate-limit.js';
import { adminUiRouter } from './http/admin-static.js';
import { errorHandler, sendError } from './http/errors.js';
import type { ApiMetrics } from './http/metrics.js';
import { API_PREFIX, DOCS_HTML, DOCS_INIT_JS, openApiDocument } from './http/openapi.js';
import type { Authenticator, RouteTable } from './http/route.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** pino-http: one JSON line per request with its id; URL without the query string. */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: (req, res) => `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''} ${res.statusCode}`,
    quietReqLogger: true,
  });
}

export interface MountOptions {
  logger: Logger;
  routes: RouteTable;
  /** Routes mounted at `/metrics` (path `/`): same auth and validation, not in the OpenAPI document. */
  metricsRoutes: RouteTable;
  authenticate: Authenticator;
  limits: RateLimits;
  metrics: ApiMetrics;
  adminOrigin: string | undefined;
  adminUiDir: string;
  version: string;
}

export function mountApi(app: Express, o: MountOptions): void {
  const log = requestLogger(o.logger);
  const secure = helmet();
  const corsMw = cors({
    origin: o.adminOrigin === undefined ? false : [o.adminOrigin],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Location'],
    maxAge: 600,
  });
  const perIp: RequestHandler = (req, res, next) => {
    o.limits.ip(req.ip ?? 'unknown').then(
      (outcome) => {
        if (outcome.allowed) return next();
        setLimitHeaders(res, outcome);
        sendError(res, ErrorCode.RATE_LIMITED, `too many requests from your address; retry in ${outcome.retryAfterS} s`, { retry_after_s: outcome.retryAfterS });
      },
      (error: unknown) => next(error),
    );
  };

  const doc = openApiDocument(o.routes.routes, o.version);
  const api = express.Router();
  api.use(log, secure, corsMw, o.metrics.middleware(API_PREFIX), perIp);
  api.use(express.json({ limit: '64kb', strict: true }));
  api.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  api.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  api.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_HTML);
  });
  api.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT_JS);
  });
  api.use('/docs/assets', express.static(swaggerUi.getAbsoluteFSPath(), { index: false, maxAge: '1d' }));
  o.routes.mount(api, o.authenticate);
  api.use((req, res) => {
    sendError(res, ErrorCode.NOT_FOUND, `no route ${req.method} ${API_PREFIX}${req.path}; see ${API_PREFIX}/docs`);
  });
  api.use(errorHandler());
  app.use(API_PREFIX, api);

  const metricsRouter = express.Router();
  metricsRouter.use(log, secure, o.metrics.middleware('/metrics'));
  o.metricsRoutes.mount(metricsRouter, o.authenticate);
  metricsRouter.use(errorHandler());
  app.use('/metrics', metricsRouter);

  const admin = express.Router();
  admin.use(log, secure, adminUiRouter(o.adminUiDir));
  app.use('/admin', admin);
}

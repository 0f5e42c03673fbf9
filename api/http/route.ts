/**
 * Routes are declared once, as data: method, path, auth requirement, zod schemas of params,
 * query and body, and answers. The same declaration mounts the express handler (validation
 * included) and produces the OpenAPI 3 document (`/api/v1/openapi.json`), and the security
 * tests walk the list so that no protected route escapes them.
 *
 * Handlers only parse (done here), call a service and map the result (ARCHITECTURE.md §1).
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import type { ApiScope } from '../../platform/auth/api-key.js';
import type { Principal } from '../auth/principal.js';
import { requestIdOf, sendError, zodIssues } from './errors.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `public`, or the scope a caller needs (`admin` also needs the ADMIN role). */
export type AuthRequirement = 'public' | ApiScope;

type Out<T> = T extends z.ZodType ? z.output<T> : Record<string, never>;

export interface RouteContext<P, Q, B, A extends AuthRequirement> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  principal: A extends 'public' ? Principal | null : Principal;
  req: Request;
  res: Response;
  requestId: string;
}

/** What a handler answers: a JSON body with a status, or `handled` when it wrote the response itself. */
export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'handled';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<P, Q, B, A extends AuthRequirement> {
  method: HttpMethod;
  /** OpenAPI-style path below `/api/v1`, e.g. `/orders/{id}`. */
  path: string;
  tags: string[];
  summary: string;
  description?: string;
  auth: A;
  /** Only a session token (JWT) will do: API keys are refused (key management, logout). */
  sessionOnly?: boolean;
  /** The route also accepts a one-time `?ticket=` (the SSE stream: EventSource sends no headers). */
  allowTicket?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may also be `application/x-www-form-urlencoded` (OAuth2 password login). */
  form?: boolean;
  responses: Record<number, ResponseSpec>;
  handler(ctx: RouteContext<P, Q, B, A>): Promise<Reply>;
}

/** A declared route with its types erased, as stored in a {@link RouteTable}. */
export interface AnyRoute {
  method: HttpMethod;
  path: string;
  tags: string[];
  summary: string;
  description?: string;
  auth: AuthRequirement;
  sessionOnly: boolean;
  allowTicket: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  form: boolean;
  responses: Record<number, ResponseSpec>;
  run(ctx: { params: unknown; query: unknown; body: unknown; principal: Principal | null; req: Request; res: Response; requestId: string }): Promise<Reply>;
}

/** Declare a route (typed), for {@link RouteTable.add}. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  A extends AuthRequirement = AuthRequirement,
>(spec: RouteSpec<P, Q, B, A>): AnyRoute {
  const route: AnyRoute = {
    method: spec.method,
    path: spec.path,
    tags: spec.tags,
    summary: spec.summary,
    auth: spec.auth,
    sessionOnly: spec.sessionOnly ?? false,
    allowTicket: spec.allowTicket ?? false,
    form: spec.form ?? false,
    responses: spec.responses,
    // The generic context is rebuilt from values validated against the same schemas.
    run: (ctx) => spec.handler(ctx as unknown as RouteContext<P, Q, B, A>),
  };
  if (spec.description !== undefined) route.description = spec.description;
  if (spec.params !== undefined) route.params = spec.params;
  if (spec.query !== undefined) route.query = spec.query;
  if (spec.body !== undefined) route.body = spec.body;
  return route;
}

/** Authentication of one request: resolves the principal or answers 401/403/429 itself (`null`). */
export type Authenticator = (route: AnyRoute, req: Request, res: Response) => Promise<Principal | null>;

/** Express path of an OpenAPI path: `/orders/{id}` → `/orders/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

/** The routes of the API, in declaration order. */
export class RouteTable {
  readonly routes: AnyRoute[] = [];

  add(...routes: AnyRoute[]): this {
    this.routes.push(...routes);
    return this;
  }

  /** Mount every route on `router`: authenticate, validate, run, answer. */
  mount(router: Router, authenticate: Authenticator): void {
    for (const route of this.routes) {
      const handler: RequestHandler = (req, res, next) => {
        this.handle(route, authenticate, req, res).catch((error: unknown) => next(error));
      };
      router[route.method](expressPath(route.path), handler);
    }
  }

  private async handle(route: AnyRoute, authenticate: Authenticator, req: Request, res: Response): Promise<void> {
    let principal: Principal | null = null;
    if (route.auth !== 'public') {
      principal = await authenticate(route, req, res);
      if (principal === null) return; // already answered
    }
    const parts: [string, z.ZodType | undefined, unknown][] = [
      ['params', route.params, req.params],
      ['query', route.query, req.query],
      ['body', route.body, req.body ?? {}],
    ];
    const parsed: Record<string, unknown> = { params: {}, query: {}, body: {} };
    const issues: { path: string; message: string }[] = [];
    for (const [where, schema, value] of parts) {
      if (schema === undefined) continue;
      if (where === 'body' && !isBodyAcceptable(req, route)) {
        issues.push({ path: 'body', message: route.form ? 'send JSON or a form (application/x-www-form-urlencoded)' : 'send a JSON object (Content-Type: application/json)' });
        continue;
      }
      const result = await schema.safeParseAsync(value);
      if (result.success) parsed[where] = result.data;
      else issues.push(...zodIssues(result.error, where));
    }
    if (issues.length > 0) {
      const first = issues[0];
      sendError(res, ErrorCode.INVALID_INPUT, first === undefined ? 'invalid request' : `${first.path}: ${first.message}`, { issues });
      return;
    }
    const reply = await route.run({
      params: parsed.params,
      query: parsed.query,
      body: parsed.body,
      principal,
      req,
      res,
      requestId: requestIdOf(res),
    });
    if (reply === 'handled') return;
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  }
}

function isBodyAcceptable(req: Request, route: AnyRoute): boolean {
  if (req.method === 'GET' || req.method === 'DELETE') return true;
  const contentLength = req.headers['content-length'];
  const hasBody = (contentLength !== undefined && contentLength !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return true; // empty body: the schema decides (optional fields, or "required")
  if (req.is('application/json') !== false && req.is('application/json') !== null) return true;
  return route.form && req.is('application/x-www-form-urlencoded') !== false && req.is('application/x-www-form-urlencoded') !== null;
}

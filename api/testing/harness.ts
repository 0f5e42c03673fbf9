/**
 * Test harness for the api: the real process start-up (`startProcess`) on a fresh
 * PostgreSQL database, a leased Redis database and (optionally) a RabbitMQ vhost, with the
 * api — and the engine when asked — listening on a free port. Helpers speak HTTP to it.
 * Not a test file; used by the api's `*.test.ts`.
 */
import pino from 'pino';
import { loadConfig } from '../../platform/config.js';
import { startProcess } from '../../platform/process.js';
import type { ServiceStarter, StartedProcess } from '../../platform/process.js';
import { createTestVhost } from '../../test/support/amqp.js';
import type { TestVhost } from '../../test/support/amqp.js';
import { createTestDatabase } from '../../test/support/database.js';
import type { TestDatabase } from '../../test/support/database.js';
import { createTestRedis } from '../../test/support/redis.js';
import type { TestRedis } from '../../test/support/redis.js';
import { startApi } from '../api.service.js';

export const TEST_JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ADMIN = { username: 'root_admin', password: 'correct horse battery staple' };

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  apiKey?: string;
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Raw body text (sent as is, with `headers`). */
  raw?: string;
}

export interface ApiHarness {
  base: string;
  process: StartedProcess;
  db: TestDatabase;
  redis: TestRedis;
  vhost: TestVhost | null;
  request<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<HttpAnswer<T>>;
  /** Log in and return the access and refresh tokens. */
  login(username: string, password: string): Promise<{ access_token: string; refresh_token: string }>;
  /** An admin access token (the initial admin). */
  adminToken(): Promise<string>;
  /** Create a USER through the admin API and log in as them. */
  createPlayer(username: string, password?: string): Promise<{ id: string; token: string; refresh: string }>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  label: string;
  env?: Record<string, string>;
  /** Services started before the api (e.g. the engine). */
  before?: ServiceStarter[];
  /** Use a RabbitMQ vhost (else the in-process bus). Default true. */
  amqp?: boolean;
}

export async function startApiHarness(options: HarnessOptions): Promise<ApiHarness> {
  const db = await createTestDatabase(options.label);
  const redis = await createTestRedis();
  const vhost = options.amqp === false ? null : await createTestVhost(options.label);
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    ...(vhost === null ? {} : { AMQP_URL: vhost.url }),
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    API_RATE_LIMIT_PER_IP_PER_MIN: '1000000',
    LOGIN_RATE_LIMIT_PER_MIN: '100000',
    ...(options.env ?? {}),
  });
  const logger = pino({ level: config.LOG_LEVEL });
  let proc: StartedProcess;
  try {
    proc = await startProcess(`api-${options.label}`, config, logger, [...(options.before ?? []), startApi]);
  } catch (error) {
    await db.drop().catch(() => undefined);
    await redis.release().catch(() => undefined);
    await vhost?.drop().catch(() => undefined);
    throw error;
  }
  const base = `http://127.0.0.1:${proc.http.port()}`;

  const request = async <T>(method: string, path: string, o: RequestOptions = {}): Promise<HttpAnswer<T>> => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token !== undefined) headers.Authorization = `Bearer ${o.token}`;
    if (o.apiKey !== undefined) headers['X-API-Key'] = o.apiKey;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(o.form).toString();
    } else if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }), redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };

  const login = async (username: string, password: string) => {
    const r = await request<{ access_token: string; refresh_token: string }>('POST', '/api/v1/login/access-token', { body: { username, password } });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${r.text}`);
    return r.body;
  };
  let adminAccess: string | undefined;
  const adminToken = async () => (adminAccess ??= (await login(ADMIN.username, ADMIN.password)).access_token);

  return {
    base,
    process: proc,
    db,
    redis,
    vhost,
    request,
    login,
    adminToken,
    async createPlayer(username, password = 'player-password-1') {
      const created = await request<{ id: string }>('POST', '/api/v1/admin/users', { token: await adminToken(), body: { username, password } });
      if (created.status !== 201) throw new Error(`create ${username} failed: ${created.status} ${created.text}`);
      const tokens = await login(username, password);
      return { id: created.body.id, token: tokens.access_token, refresh: tokens.refresh_token };
    },
    async stop() {
      try {
        await proc.stop();
      } finally {
        await db.drop().catch(() => undefined);
        await redis.release().catch(() => undefined);
        await vhost?.drop().catch(() => undefined);
      }
    },
  };
}

/** Poll `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms${last === undefined ? '' : `: ${last instanceof Error ? last.message : 'unknown error'}`}`);
}

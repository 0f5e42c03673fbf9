/**
 * Configuration: every environment variable of SPEC.md, parsed once at boot by one zod
 * schema. No other module reads `process.env` (ARCHITECTURE.md practice 6).
 *
 * A wrong value stops start-up with one line naming the variable and what is allowed
 * (see {@link loadConfig}). Money-like values are parsed into BigNumber, never JS numbers.
 */
import BigNumber from 'bignumber.js';
import path from 'node:path';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.js';

const DECIMAL_RE = /^\d{1,12}(\.\d{1,8})?$/;

/** A non-negative decimal string (≤ 12 integer digits, ≤ 8 decimals) → BigNumber. */
const decimal = (def: string, what: string, check?: (v: BigNumber) => boolean) =>
  z
    .string()
    .default(def)
    .refine((s) => DECIMAL_RE.test(s.trim()), { message: `must be a decimal number like ${def} (${what})` })
    .transform((s) => new BigNumber(s.trim()))
    .refine((v) => (check ? check(v) : true), { message: `is out of range (${what})` });

const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || protocols.some((p) => s.startsWith(`${p}://`)), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .default(String(def))
    .refine((s) => /^\d+$/.test(s.trim()), { message: `must be a whole number from ${min} to ${max}` })
    .transform((s) => Number.parseInt(s.trim(), 10))
    .refine((n) => n >= min && n <= max, { message: `must be a whole number from ${min} to ${max}` });

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((s) => s === 'true' || s === '1' || s === 'yes');

/**
 * The schema. Each key is an environment variable; `.describe()` text is printed in the
 * README table and in error lines.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: int(8080, 0, 65535).describe('HTTP port of the api (health, REST, interactions, admin)'),
  DATA_DIR: z.string().default('.data').describe('where embedded services keep their data'),

  DATABASE_URL: optionalUrl(['postgres', 'postgresql']).describe('PostgreSQL; unset → embedded PGlite'),
  DATABASE_POOL_MAX: int(10, 1, 200),
  REDIS_URL: optionalUrl(['redis', 'rediss']).describe('Redis; unset → in-memory stand-in'),
  AMQP_URL: optionalUrl(['amqp', 'amqps']).describe('RabbitMQ; unset → in-process queue'),

  STARTING_CASH_KRW: decimal('100000000', 'KRW', (v) => v.gt(0)),
  TRADING_FEE_RATE: decimal('0.001', 'fraction of notional, 0 to 0.1', (v) => v.lte('0.1')),
  MAX_LEVERAGE: decimal('3', 'gross exposure / equity, 1 to 100', (v) => v.gte(1) && v.lte(100)),
  MAINTENANCE_MARGIN: decimal('0.15', 'fraction of gross exposure, 0 to 1', (v) => v.lte(1)),
  WHALE_ALERT_THRESHOLD_KRW: decimal('10000000', 'KRW notional', (v) => v.gt(0)),
  PRICE_STALE_MS: int(5000, 100, 3_600_000),
  FX_STALE_MS: int(60_000, 1_000, 86_400_000).describe('a USD/KRW rate older than this (ms) fails USD orders with STALE_FX'),
  ENGINE_MAX_BATCH: int(500, 1, 5_000).describe('most orders the engine takes in one batch (group commit)'),
  ENGINE_LANES: int(4, 1, 16).describe('most settlement batches in flight at once, never two with the same player (1 with embedded PGlite)'),
  ENGINE_PARALLEL_AFTER: int(200, 1, 5_000).describe('orders waiting before a batch starts beside one already running'),
  OUTBOX_RETENTION_HOURS: int(72, 0, 87_600).describe('relayed outbox events with deterministic ids are deleted this many hours after they were written; 0 keeps them'),

  MARKET_DATA_SOURCE: z.enum(['replay', 'live', 'synthetic']).default('replay'),
  REPLAY_DIR: z.string().default(path.join('..', 'shared', 'data', 'market')),
  REPLAY_SPEED: decimal('1', 'replay clock speed, > 0', (v) => v.gt(0)),
  CCXT_EXCHANGE: z.string().default('upbit'),
  KIS_BASE_URL: z.string().url().default('https://openapi.koreainvestment.com:9443'),
  KIS_ENV: z.enum(['real', 'mock']).default('real'),
  KIS_APP_KEY: optionalString,
  KIS_APP_SECRET: optionalString,

  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_PUBLIC_KEY: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || /^[0-9a-fA-F]{64}$/.test(s), { message: 'must be 64 hex characters (Ed25519 public key)' }),
  DISCORD_GUILD_ID: optionalString,
  DISCORD_API_BASE: z.string().url().default('https://discord.com/api/v10'),
  DISCORD_ALERTS_WEBHOOK_URL: optionalUrl(['http', 'https']),
  DISCORD_HUMAN_WEBHOOK_URL: optionalUrl(['http', 'https']),
  DISCORD_CLIENT_ID: optionalString,
  DISCORD_CLIENT_SECRET: optionalString,

  JWT_SECRET: optionalString,
  ADMIN_USERNAME: optionalString,
  ADMIN_PASSWORD: optionalString,
  ADMIN_ORIGIN: optionalUrl(['http', 'https']),

  TEST_PG_ADMIN_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres').describe('tests: server where each test file creates its own database'),
  TEST_REDIS_URL: z.string().default('redis://127.0.0.1:6379').describe('tests: Redis'),
  TEST_AMQP_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672').describe('tests: RabbitMQ (each test file uses its own vhost)'),

  SHUTDOWN_TIMEOUT_MS: int(5000, 100, 60_000),
  AUTO_MIGRATE: bool(true),

  // Feeder (SPEC §4; feeder/README.md explains each).
  REPLAY_START: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s))), {
      message: 'must be an ISO-8601 instant like 2025-05-12T13:30:00Z (the replay market time at start-up)',
    })
    .describe('replay: market time at start-up; unset = now'),
  REPLAY_IGNORE_CALENDAR: bool(false).describe('replay: quote KRX/US instruments outside their sessions (demos)'),
  FEED_INTERVAL_MS: int(1000, 50, 60_000).describe('feeder tick: how often each source is polled and candles flushed'),
  FEED_PRICE_TTL_MS: int(5000, 1000, 3_600_000).describe('TTL of Redis price:{TICKER_ID} keys'),
  FEED_MAX_JUMP_PCT: decimal('30', 'largest accepted move between two quotes of a ticker, percent', (v) => v.gt(0)),
  FEED_JUMP_CONFIRM_TICKS: int(3, 1, 1000).describe('quotes in a row at a new level that re-base the jump guard'),
  FEED_TICKERS: optionalString.describe('comma-separated ticker ids the live and synthetic sources cover; unset = whole catalogue'),
  FEED_SOURCE_TIMEOUT_MS: int(5000, 100, 120_000).describe('timeout of one upstream request'),
  FEED_BACKOFF_MAX_MS: int(60_000, 1000, 3_600_000).describe('longest back-off of a failing source'),
  FEED_HEALTH_MAX_AGE_MS: int(30_000, 1000, 3_600_000).describe('a source with no success for this long is down in /readyz'),
  SYNTHETIC_TICKERS: int(0, 0, 1_000_000).describe('synthetic source: number of tickers; 0 = the catalogue'),
  SYNTHETIC_SEED: int(42, 0, 2_147_483_647),
  SYNTHETIC_VOLATILITY: decimal('0.001', 'synthetic: standard deviation of one tick log-return', (v) => v.gt(0) && v.lt(1)),
  CCXT_BASE_URL: optionalUrl(['http', 'https']).describe("override of the ccxt exchange's API base URL (tests, proxies)"),
  CCXT_BATCH_SIZE: int(100, 1, 1000).describe('symbols per ccxt fetchTickers call'),
  KIS_RATE_LIMIT_PER_S: int(0, 0, 1000).describe('KIS requests per second; 0 = 20 (real) or 2 (mock)'),
  KIS_TOKEN_REFRESH_BEFORE_MS: int(3_600_000, 0, 86_400_000).describe('reissue the KIS token this long before it expires'),

  // REST API and admin UI (SPEC §9, §11; api/README.md explains each).
  JWT_ACCESS_TTL_S: int(1800, 60, 86_400).describe('lifetime of an API access token (s); 30 min'),
  JWT_REFRESH_TTL_S: int(604_800, 300, 7_776_000).describe('lifetime of an API refresh token (s); 7 days'),
  API_RATE_LIMIT_PER_IP_PER_MIN: int(1200, 1, 1_000_000).describe('requests per minute one client IP may make to /api/v1 (429 beyond)'),
  LOGIN_RATE_LIMIT_PER_MIN: int(10, 1, 100_000).describe('login attempts per minute per client IP and username (429 beyond)'),
  DISCORD_OAUTH_REDIRECT_URI: optionalUrl(['http', 'https']).describe('OAuth2 redirect URI registered with Discord; unset = <request origin>/api/v1/login/discord/callback'),
  ADMIN_UI_DIR: z.string().default(path.join('admin-ui', 'dist')).describe('built admin UI served at /admin (npm run build:admin)'),

  // Discord bot (SPEC §7; bot/README.md explains each).
  DISCORD_GATEWAY: bool(true).describe('with DISCORD_TOKEN set, also connect to the gateway (false: token used only for REST, e.g. DMs)'),
  DISCORD_INTERACTION_MAX_AGE_S: int(300, 5, 3600).describe('signed interactions older than this (s) are refused as replays (401)'),
  DISCORD_DEFER_AFTER_MS: int(2500, 0, 2900).describe('a command not done after this (ms) is answered "thinking…" and its reply edited when done (Discord allows 3 s); 0 = always'),
  RANK_REFRESH_MS: int(60_000, 1000, 86_400_000).describe('bot: full recompute of the rank:equity leaderboard every this many ms'),
  RANK_TICK_FLUSH_MS: int(1000, 50, 60_000).describe('bot: holders of tickers that ticked are re-valued in rank:equity at most this often'),
});

/** Parsed configuration. Decimal settings are BigNumber; URLs unset mean "embedded". */
export type Config = z.infer<typeof configSchema>;

/**
 * Parse `env` (default `process.env`) once.
 * @throws AppError(CONFIG_INVALID) whose message is one line per bad variable:
 *   `TRADING_FEE_RATE=abc: must be a decimal number like 0.001 (...)`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined) input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '?');
    const raw = input[key];
    const shown = raw === undefined ? '' : `=${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}`;
    const msg =
      issue.code === 'invalid_value' && 'values' in issue
        ? `must be one of ${(issue.values as unknown[]).map(String).join(', ')}`
        : issue.message;
    return `invalid configuration: ${key}${shown}: ${msg}`;
  });
  throw new AppError(ErrorCode.CONFIG_INVALID, lines.join('\n'));
}

/** Which of the three services run embedded under this configuration. */
export function embeddedParts(config: Config): { postgres: boolean; redis: boolean; amqp: boolean } {
  return {
    postgres: config.DATABASE_URL === undefined,
    redis: config.REDIS_URL === undefined,
    amqp: config.AMQP_URL === undefined,
  };
}

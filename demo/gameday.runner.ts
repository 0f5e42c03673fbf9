/**
 * A whole game day on real input, end to end (issue 8). Shared by `npm run demo:gameday`
 * (`demo/gameday.ts`, big numbers) and `test/gameday.test.ts` (the short form `npm test` runs).
 *
 * 1. Starts every service of `main.ts` in-process (`startProcess`) on the real PostgreSQL,
 *    Redis and RabbitMQ (a fresh database, Redis db and vhost), replaying the recorded
 *    market data of `REPLAY_DIR` (crypto, KRX, US, USD/KRW) on a fast replay clock.
 * 2. Plays `players` Discord players through signed interactions on `POST /interactions`
 *    (`/buy`, `/sell`, `/price`, `/me`, `/rank`, `/orders`, `/cancel`, autocomplete, bad
 *    input) and `powerUsers` through the REST API (JWT and an API key).
 * 3. Captures everything sent to Discord: a fake Discord REST API (reply edits) and a webhook
 *    capture server (alerts, human events).
 * 4. Checks, independently of the engine's code, and prints: terminal states, ledger sums,
 *    wallets and positions recomputed from the fills, fill prices against the quotes the
 *    feeder published, whale alerts, the daily report, interaction answer times, error logs.
 *
 * Every money value is a `Decimal`; nothing waits with a sleep (polls with deadlines).
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { DateTime } from 'luxon';
import pino from 'pino';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startApi } from '../api/api.service.js';
import { startBot } from '../bot/bot.service.js';
import { FakeDiscord } from '../bot/testing/fake-discord.js';
import { autocomplete, command, signatureHeaders, testKey } from '../bot/testing/interactions.js';
import type { TestKey, TestUser } from '../bot/testing/interactions.js';
import { Decimal, feeFor, fromDb, roundAmount } from '../core/money.js';
import { startEngine } from '../engine/engine.service.js';
import { startFeeder } from '../feeder/feeder.service.js';
import { startNotifier } from '../notifier/notifier.service.js';
import { WebhookCapture } from '../notifier/webhook-capture.fixture.js';
import { loadConfig } from '../platform/config.js';
import type { Config } from '../platform/config.js';
import { startProcess } from '../platform/process.js';
import type { StartedProcess } from '../platform/process.js';
import { FX_KEY, MARKET_UPDATES_CHANNEL, priceKey } from '../platform/redis.js';
import { startScheduler } from '../scheduler/scheduler.service.js';
import { createTestVhost } from '../test/support/amqp.js';
import { createTestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';

/** Size and pace of a game day. */
export interface GamedayOptions {
  /** Discord players (≥ 50 for the proof). */
  players: number;
  /** Trading rounds each Discord player plays (each round: a few orders and looks). */
  rounds: number;
  /** REST power users (JWT + API key). */
  powerUsers: number;
  /** Keep players playing more rounds until this many wall-clock ms have passed (0: just `rounds`). */
  playMs?: number;
  /** Interactions in flight at once. */
  concurrency: number;
  /** Replay clock: market time at start-up (ISO) and speed (×). */
  replayStart: string;
  replaySpeed: string;
  /** Where to print progress and the result table (one line per call). */
  print: (line: string) => void;
  /** Extra configuration (env-style) for the process. */
  env?: Record<string, string>;
}

/** What a game day proved; `line` is the last printed line. */
export interface GamedayResult {
  players: number;
  orders: number;
  filled: number;
  failed: number;
  mismatches: number;
  maxAckMs: number;
  errorLogs: number;
  problems: string[];
  line: string;
}

const TICKERS = ['CRYPTO-COIN-BTC', 'CRYPTO-COIN-ETH', 'US-STOCK-AAPL', 'US-STOCK-NVDA', 'US-STOCK-TSLA', 'KRX-STOCK-005930', 'KRX-STOCK-000660'] as const;
const TERMINAL = new Set(['FILLED', 'FAILED', 'CANCELLED']);
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ADMIN = { username: 'gameday_admin', password: 'gameday admin password 1' };
const JWT_SECRET = 'gameday-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** A quote as the feeder publishes it on `market_updates`. */
interface SeenQuote {
  price: string;
  at: number;
}

/** Poll `check` until it returns a value, or throw at the deadline. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Run `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      if (item !== undefined) await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

interface InteractionAnswer {
  status: number;
  ms: number;
  type: number;
  content: string;
  ephemeral: boolean;
}

interface OrderRow {
  id: string;
  user_id: string;
  ticker_id: string;
  side: 'BUY' | 'SELL';
  status: string;
  fail_reason: string | null;
  price: string | null;
  filled_quantity: string | null;
  filled_notional_krw: string | null;
  fee: string | null;
  applied_exchange_rate: string | null;
  source: string;
  filled_at: Date | null;
  currency: string;
}

/** Play a game day and check it. Cleans up everything it made. */
export async function runGameday(o: GamedayOptions): Promise<GamedayResult> {
  const t0 = Date.now();
  const print = o.print;
  const problems: string[] = [];
  const problem = (s: string) => {
    problems.push(s);
    if (problems.length <= 30) print(`  MISMATCH ${s}`);
  };

  // Outside systems, faked at the network edge.
  const discord = await FakeDiscord.start();
  const hooks = new WebhookCapture();
  await hooks.start();
  const key: TestKey = testKey();

  // Real services, fresh per run.
  const [db, redisLease, vhost] = await Promise.all([createTestDatabase('gameday'), createTestRedis(), createTestVhost('gameday')]);

  // Error logs are counted (and shown); the issue asks for zero.
  const errorLines: string[] = [];
  const warnings = new Map<string, number>(); // warn message → count (shown, not counted as errors)
  const logSink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const rec = JSON.parse(line) as { level?: number; msg?: string };
          if ((rec.level ?? 0) >= 50) errorLines.push(line.slice(0, 600));
          else if (rec.level === 40) warnings.set(rec.msg ?? '?', (warnings.get(rec.msg ?? '?') ?? 0) + 1);
        } catch {
          errorLines.push(line.slice(0, 600));
        }
      }
      done();
    },
  });

  const config: Config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    REDIS_URL: redisLease.url,
    AMQP_URL: vhost.url,
    MARKET_DATA_SOURCE: 'replay',
    REPLAY_START: o.replayStart,
    REPLAY_SPEED: o.replaySpeed,
    REPLAY_IGNORE_CALENDAR: 'true',
    // Prices stay readable after the feeder stops, so the daily report and this check see the same prices.
    FEED_PRICE_TTL_MS: '600000',
    DISCORD_PUBLIC_KEY: key.publicKeyHex,
    DISCORD_API_BASE: discord.apiBase,
    DISCORD_APPLICATION_ID: '123456789012345678',
    DISCORD_ALERTS_WEBHOOK_URL: hooks.url('alerts'),
    DISCORD_HUMAN_WEBHOOK_URL: hooks.url('human'),
    JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    API_RATE_LIMIT_PER_IP_PER_MIN: '1000000',
    LOGIN_RATE_LIMIT_PER_MIN: '100000',
    ...(o.env ?? {}),
  });
  const logger = pino({ level: config.LOG_LEVEL }, logSink);
  let proc: StartedProcess | null = null;
  const watcher = new Redis(redisLease.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const reader = new Redis(redisLease.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sql = new pg.Client({ connectionString: db.url });
  let fxTimer: NodeJS.Timeout | null = null;

  try {
    // Record every quote the feeder publishes, and the USD/KRW rates it writes.
    const quotes = new Map<string, SeenQuote[]>();
    const fxRates = new Set<string>();
    await watcher.connect();
    await reader.connect();
    await sql.connect();
    watcher.on('message', (_channel: string, text: string) => {
      try {
        const q = JSON.parse(text) as { ticker_id?: string; price?: string; ts?: string };
        if (typeof q.ticker_id === 'string' && typeof q.price === 'string' && typeof q.ts === 'string') {
          const list = quotes.get(q.ticker_id) ?? [];
          list.push({ price: q.price, at: Date.parse(q.ts) });
          quotes.set(q.ticker_id, list);
        }
      } catch {
        problem(`unparsable market_updates message: ${text.slice(0, 80)}`);
      }
    });
    await watcher.subscribe(MARKET_UPDATES_CHANNEL);
    const pollFx = async () => {
      const raw = await reader.get(FX_KEY);
      if (raw !== null) {
        const fx = JSON.parse(raw) as { rate?: string };
        if (typeof fx.rate === 'string') fxRates.add(fx.rate);
      }
    };
    fxTimer = setInterval(() => void pollFx().catch(() => undefined), 200);

    print(`gameday: starting the whole system (feeder, engine, notifier, scheduler, bot, api) — replay ${o.replayStart} ×${o.replaySpeed}`);
    proc = await startProcess('gameday', config, logger, [startFeeder, startEngine, startNotifier, startScheduler, startBot, startApi]);
    const base = `http://127.0.0.1:${proc.http.port()}`;
    await until('first quotes of crypto, US and KRX', 30_000, async () => {
      const got = await reader.mget(TICKERS.map((t) => priceKey(t)));
      return got.every((v) => v !== null) ? true : undefined;
    });
    await until('USD/KRW', 10_000, () => Promise.resolve(fxRates.size > 0 ? true : undefined));
    print(`gameday: system ready in ${Date.now() - t0} ms on ${base}`);

    // ---- Discord players -------------------------------------------------------------
    const acks: number[] = [];
    let interactionsSent = 0;
    let playUntil = 0;
    const discordOrders = new Map<string, string>(); // order id → interaction token
    const send = async (payload: { token: string }): Promise<InteractionAnswer> => {
      const body = JSON.stringify(payload);
      const started = performance.now();
      const res = await fetch(`${base}/interactions`, { method: 'POST', headers: signatureHeaders(key, body, Math.floor(Date.now() / 1000)), body });
      const text = await res.text();
      const ms = Math.round(performance.now() - started);
      acks.push(ms);
      interactionsSent += 1;
      let type = 0;
      let content = '';
      let ephemeral = false;
      try {
        const j = JSON.parse(text) as { type?: number; data?: { content?: string; flags?: number; choices?: unknown[] } };
        type = j.type ?? 0;
        content = j.data?.content ?? '';
        ephemeral = ((j.data?.flags ?? 0) & 64) === 64;
      } catch {
        problem(`interaction answered non-JSON ${res.status}: ${text.slice(0, 80)}`);
      }
      if (res.status !== 200) problem(`interaction answered ${res.status}: ${text.slice(0, 120)}`);
      if (ms >= 3000) problem(`interaction answered after ${ms} ms (≥ 3 s)`);
      return { status: res.status, ms, type, content, ephemeral };
    };
    const order = async (name: 'buy' | 'sell', values: Record<string, string>, user: TestUser, expectAccepted: boolean) => {
      const payload = command(name, values, user);
      const a = await send(payload);
      const id = UUID_RE.exec(a.content)?.[0];
      const accepted = a.type === 4 && a.content.includes('📨') && id !== undefined;
      if (accepted) discordOrders.set(id, payload.token);
      if (expectAccepted && !accepted) problem(`/${name} ${JSON.stringify(values)} by ${user.username} not accepted: ${a.content.slice(0, 120)}`);
      if (!expectAccepted && accepted) problem(`bad input /${name} ${JSON.stringify(values)} was accepted`);
      if (!expectAccepted && !a.ephemeral) problem(`bad input /${name} ${JSON.stringify(values)} got a public reply`);
      if (!expectAccepted && /at .+\(.+:\d+:\d+\)|Error:/.test(a.content)) problem(`bad input reply shows a stack trace: ${a.content.slice(0, 120)}`);
      return id;
    };
    const look = async (name: string, values: Record<string, string>, user: TestUser) => {
      const a = await send(command(name, values, user));
      if (a.type !== 4 && a.type !== 5) problem(`/${name} answered type ${a.type}`);
    };
    const BAD: Record<string, string>[] = [
      { ticker: 'CRYPTO-COIN-BTC', quantity: '-1' },
      { ticker: 'CRYPTO-COIN-BTC', quantity: 'abc' },
      { ticker: 'NOPE-NOT-REAL', quantity: '1' },
      { ticker: 'US-STOCK-AAPL', quantity: '1', amount: '100000' },
      { ticker: 'CRYPTO-COIN-ETH', quantity: '0' },
      { ticker: 'CRYPTO-COIN-BTC', quantity: '1e9999' },
      { ticker: 'CRYPTO-COIN-BTC', amount: '99999999999999999999' },
    ];
    const players: TestUser[] = Array.from({ length: o.players }, (_, i) => {
      const name = `gd_player_${String(i + 1).padStart(3, '0')}`;
      return { id: String(1_400_000_000_000_000_000n + BigInt(i)), username: name, globalName: name };
    });
    const playOne = async (i: number) => {
      const u = players[i];
      if (u === undefined) return;
      const whale = i % 10 === 3;
      await look('price', { ticker: TICKERS[i % TICKERS.length] ?? 'btc' }, u);
      const ac = await send(autocomplete('buy', { ticker: i % 2 === 0 ? '삼성' : 'bt' }, 'ticker', u));
      if (ac.type !== 8) problem(`autocomplete answered type ${ac.type}`);
      let first: string | undefined;
      for (let r = 0; r < o.rounds || Date.now() < playUntil; r += 1) {
        const crypto = (i + r) % 2 === 0 ? 'btc' : 'CRYPTO-COIN-ETH';
        const id = await order('buy', { ticker: crypto, amount: whale && r === 0 ? '15000000' : String(1_000_000 + i * 1_000 + r * 7) }, u, true);
        first ??= id;
        const us = ['US-STOCK-AAPL', 'NVDA', 'tsla'][(i + r) % 3] ?? 'AAPL';
        await order('buy', { ticker: us, quantity: String(1 + ((i + r) % 3)) }, u, true);
        if ((i + r) % 5 === 0) await order('buy', { ticker: '삼성전자', quantity: '1' }, u, true);
        await order('buy', BAD[(i + r) % BAD.length] ?? { ticker: 'x', quantity: 'x' }, u, false);
        await look('me', {}, u);
        if ((i + r) % 3 === 0) await order('sell', { ticker: crypto, quantity: 'all' }, u, true);
        else if ((i + r) % 3 === 1) await order('sell', { ticker: us, quantity: '1' }, u, true);
        else await order('sell', { ticker: 'CRYPTO-COIN-BTC', amount: '300000' }, u, true);
      }
      await look('orders', {}, u);
      await look('rank', {}, u);
      await look('cancel', { order: first ?? 'not-an-order' }, u);
      await look('cancel', { order: 'not-an-order' }, u);
    };

    // ---- REST power users ------------------------------------------------------------
    const apiOrders = new Set<string>();
    const rest = async (method: string, path: string, auth: { token?: string; apiKey?: string }, body?: unknown) => {
      const headers: Record<string, string> = {};
      if (auth.token !== undefined) headers.Authorization = `Bearer ${auth.token}`;
      if (auth.apiKey !== undefined) headers['X-API-Key'] = auth.apiKey;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${base}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
    };
    const adminLogin = await rest('POST', '/login/access-token', {}, ADMIN);
    const adminToken = String(adminLogin.body['access_token']);
    if (adminLogin.status !== 200) problem(`admin login answered ${adminLogin.status}`);
    const powerUser = async (n: number) => {
      const username = `gd_power_${n + 1}`;
      const password = `power user password ${n + 1}`;
      const created = await rest('POST', '/admin/users', { token: adminToken }, { username, password });
      if (created.status !== 201) problem(`create ${username}: ${created.status}`);
      const login = await rest('POST', '/login/access-token', {}, { username, password });
      const token = String(login.body['access_token']);
      const keyRes = await rest('POST', '/api-keys', { token }, { name: 'gameday', scopes: ['read', 'trade'] });
      const apiKey = String(keyRes.body['key']);
      if (keyRes.status !== 201) problem(`api key for ${username}: ${keyRes.status}`);
      const place = async (auth: { token?: string; apiKey?: string }, body: Record<string, unknown>, expect: number) => {
        const r = await rest('POST', '/orders', auth, body);
        if (r.status !== expect) problem(`POST /orders ${JSON.stringify(body)} answered ${r.status}, expected ${expect}`);
        if (r.status === 202) apiOrders.add(String(r.body['order_id']));
      };
      for (let r = 0; r < o.rounds; r += 1) {
        await place({ token }, { ticker: 'CRYPTO-COIN-BTC', side: 'BUY', amount: n === 0 && r === 0 ? '25000000' : '5000000', order_id: randomUUID() }, 202);
        await place({ apiKey }, { ticker: 'US-STOCK-NVDA', side: 'BUY', quantity: '10' }, 202);
        await place({ apiKey }, { ticker: 'eth', side: 'BUY', quantity: '1.5' }, 202);
        await place({ token }, { ticker: 'CRYPTO-COIN-BTC', side: 'SELL', amount: '1000000' }, 202);
        await place({ apiKey }, { ticker: 'US-STOCK-NVDA', side: 'SELL', quantity: '3' }, 202);
        await place({ apiKey }, { ticker: 'CRYPTO-COIN-BTC', side: 'BUY', quantity: '-2' }, 400);
        await place({ token }, { ticker: 'NOPE', side: 'BUY', quantity: '1' }, 404);
      }
      const idem = randomUUID();
      await place({ token }, { ticker: 'CRYPTO-COIN-ETH', side: 'BUY', quantity: '0.1', order_id: idem }, 202);
      await place({ apiKey }, { ticker: 'CRYPTO-COIN-ETH', side: 'BUY', quantity: '0.1', order_id: idem }, 202);
      const pf = await rest('GET', '/portfolio', { apiKey });
      if (pf.status !== 200) problem(`GET /portfolio answered ${pf.status}`);
    };

    const tPlay = Date.now();
    playUntil = tPlay + (o.playMs ?? 0);
    await Promise.all([
      pool(
        Array.from({ length: o.players }, (_, i) => i),
        o.concurrency,
        playOne,
      ),
      pool(
        Array.from({ length: o.powerUsers }, (_, i) => i),
        2,
        powerUser,
      ),
    ]);
    print(`gameday: ${interactionsSent} interactions and ${apiOrders.size} REST orders in ${Date.now() - tPlay} ms`);

    // ---- Settle: every accepted order reaches one terminal state ------------------------
    const accepted = new Set([...discordOrders.keys(), ...apiOrders]);
    await until('every accepted order settled', 120_000, async () => {
      const r = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM orders WHERE status IN ('FILLED','FAILED','CANCELLED')`);
      return Number(r.rows[0]?.n ?? '0') >= accepted.size ? true : undefined;
    }).catch((e: unknown) => problem(e instanceof Error ? e.message : String(e)));
    // The bot edits each accepted /buy and /sell reply with its outcome.
    const tokens = new Set(discordOrders.values());
    const edited = () => new Set(discord.find('PATCH', /\/messages\/@original$/).map((r) => r.path.split('/')[3] ?? ''));
    const tEdits = Date.now();
    await until('every Discord order reply edited', 60_000 + 60 * tokens.size, () => {
      const done = edited();
      return Promise.resolve([...tokens].every((t) => done.has(t)) ? true : undefined);
    }).catch(
      (e: unknown) => problem(e instanceof Error ? e.message : String(e)),
    );

    const editsMs = Date.now() - tEdits;
    // Freeze prices: stop the feeder (quotes stay in Redis with the long TTL).
    const feeder = proc.services.find((s) => s.name === 'feeder');
    await feeder?.stop();
    if (feeder !== undefined) proc.services.splice(proc.services.indexOf(feeder), 1);

    const orders = (
      await sql.query<OrderRow>(
        `SELECT o.id, o.user_id, o.ticker_id, o.side, o.status, o.fail_reason, o.price, o.filled_quantity, o.filled_notional_krw, o.fee,
                o.applied_exchange_rate, o.source, o.filled_at, t.currency
           FROM orders o JOIN tickers t ON t.id = o.ticker_id ORDER BY o.filled_at NULLS LAST, o.created_at`,
      )
    ).rows;
    const byId = new Map(orders.map((r) => [r.id, r]));
    for (const id of accepted) {
      const row = byId.get(id);
      if (row === undefined) problem(`accepted order ${id} has no row`);
      else if (!TERMINAL.has(row.status)) problem(`order ${id} is ${row.status}`);
    }
    for (const row of orders) if (!accepted.has(row.id)) problem(`order ${row.id} was never accepted by an edge`);

    // Ledger: every transaction and every asset sums to zero.
    const badTxn = await sql.query<{ txn_id: string; asset: string; s: string }>(
      'SELECT txn_id, asset, sum(amount)::text AS s FROM ledger_entries GROUP BY txn_id, asset HAVING sum(amount) <> 0',
    );
    for (const r of badTxn.rows) problem(`ledger txn ${r.txn_id} ${r.asset} sums to ${r.s}`);
    const badAsset = await sql.query<{ asset: string; s: string }>('SELECT asset, sum(amount)::text AS s FROM ledger_entries GROUP BY asset HAVING sum(amount) <> 0');
    for (const r of badAsset.rows) problem(`ledger asset ${r.asset} sums to ${r.s}`);

    // Independent recomputation of every wallet and position from the fills.
    const feeRate = config.TRADING_FEE_RATE;
    const start = new Decimal(config.STARTING_CASH_KRW.toFixed());
    const cash = new Map<string, Decimal>();
    const held = new Map<string, Decimal>(); // user|ticker → quantity
    const fills = orders.filter((r) => r.status === 'FILLED');
    const whalesExpected = new Map<string, number>(); // user id → count
    const threshold = new Decimal(config.WHALE_ALERT_THRESHOLD_KRW.toFixed());
    for (const f of fills) {
      if (f.price === null || f.filled_quantity === null) continue;
      const qty = fromDb(f.filled_quantity);
      const price = fromDb(f.price);
      const rate = f.currency === 'USD' ? (f.applied_exchange_rate === null ? null : fromDb(f.applied_exchange_rate)) : new Decimal(1);
      if (rate === null) {
        problem(`USD fill ${f.id} has no applied_exchange_rate`);
        continue;
      }
      const notional = roundAmount(qty.times(price).times(rate));
      const fee = feeFor(notional, feeRate);
      if (f.filled_notional_krw === null || !fromDb(f.filled_notional_krw).eq(notional)) problem(`order ${f.id} notional ${f.filled_notional_krw} ≠ ${notional.toFixed(8)}`);
      if (f.fee === null || !fromDb(f.fee).eq(fee)) problem(`order ${f.id} fee ${f.fee} ≠ ${fee.toFixed(8)}`);
      const c = cash.get(f.user_id) ?? start;
      cash.set(f.user_id, f.side === 'BUY' ? c.minus(notional).minus(fee) : c.plus(notional).minus(fee));
      const k = `${f.user_id}|${f.ticker_id}`;
      const q = held.get(k) ?? new Decimal(0);
      held.set(k, f.side === 'BUY' ? q.plus(qty) : q.minus(qty));
      if (notional.gte(threshold)) whalesExpected.set(f.user_id, (whalesExpected.get(f.user_id) ?? 0) + 1);

      // The fill price is a price the feeder published for this ticker while it was fresh.
      const filledAt = f.filled_at?.getTime() ?? 0;
      const seen = (quotes.get(f.ticker_id) ?? []).filter((s) => s.at <= filledAt + 1000 && s.at >= filledAt - config.PRICE_STALE_MS - 1000);
      if (!seen.some((s) => new Decimal(s.price).eq(price))) {
        problem(`order ${f.id} ${f.ticker_id} filled at ${f.price}, not a price published in the ${config.PRICE_STALE_MS} ms before (${seen.map((s) => s.price).slice(-5).join(', ')})`);
      }
      if (f.currency === 'USD' && ![...fxRates].some((r) => new Decimal(r).eq(rate))) problem(`order ${f.id} FX ${rate.toFixed()} not a published USD/KRW rate`);
    }
    const wallets = (await sql.query<{ user_id: string; balance_krw: string; name: string }>(
      'SELECT w.user_id, w.balance_krw, COALESCE(u.nickname, u.username) AS name FROM wallets w JOIN users u ON u.id = w.user_id',
    )).rows;
    const names = new Map(wallets.map((w) => [w.user_id, w.name]));
    for (const w of wallets) {
      const expected = cash.get(w.user_id) ?? start;
      if (!fromDb(w.balance_krw).eq(expected)) problem(`wallet of ${w.name} ${w.balance_krw} ≠ recomputed ${expected.toFixed(8)}`);
    }
    const positions = (await sql.query<{ user_id: string; ticker_id: string; quantity: string; currency: string }>(
      'SELECT user_id, ticker_id, quantity, currency FROM portfolios',
    )).rows;
    const posSeen = new Set<string>();
    for (const p of positions) {
      const k = `${p.user_id}|${p.ticker_id}`;
      posSeen.add(k);
      const expected = held.get(k) ?? new Decimal(0);
      if (!fromDb(p.quantity).eq(expected)) problem(`position ${names.get(p.user_id) ?? p.user_id} ${p.ticker_id} ${p.quantity} ≠ recomputed ${expected.toFixed(8)}`);
    }
    for (const [k, q] of held) if (!posSeen.has(k) && !q.isZero()) problem(`position ${k} missing (recomputed ${q.toFixed(8)})`);

    // The daily report of today (KST), forced, against a recomputation at the frozen prices.
    const day = DateTime.now().setZone('Asia/Seoul').toISODate() ?? '';
    const dayStart = DateTime.fromISO(day, { zone: 'Asia/Seoul' });
    const prices = new Map<string, Decimal>();
    for (const t of new Set(positions.map((p) => p.ticker_id))) {
      const raw = await reader.get(priceKey(t));
      if (raw !== null) prices.set(t, new Decimal((JSON.parse(raw) as { price: string }).price));
    }
    const fxRaw = await reader.get(FX_KEY);
    const fxNow = fxRaw === null ? null : new Decimal((JSON.parse(fxRaw) as { rate: string }).rate);
    const reportRes = await fetch(`${base}/internal/scheduler/daily-report`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ date: day }) });
    const report = ((await reportRes.json()) as { report?: { gainer: { user_id: string } | null; loser: { user_id: string } | null; volume_king: { user_id: string; trade_count: number } | null } }).report;
    if (reportRes.status !== 200 || report === undefined) problem(`forced daily report answered ${reportRes.status}`);
    const change = new Map<string, Decimal>();
    for (const w of wallets) {
      let equity = cash.get(w.user_id) ?? start;
      for (const p of positions.filter((x) => x.user_id === w.user_id)) {
        const q = held.get(`${p.user_id}|${p.ticker_id}`) ?? new Decimal(0);
        if (q.isZero()) continue;
        const px = prices.get(p.ticker_id);
        if (px === undefined) {
          problem(`no frozen price of ${p.ticker_id}`);
          continue;
        }
        equity = equity.plus(p.currency === 'USD' ? q.times(px).times(fxNow ?? new Decimal(0)) : q.times(px));
      }
      change.set(w.user_id, roundAmount(equity).minus(start));
    }
    const byName = (a: string, b: string) => (names.get(a) ?? '').localeCompare(names.get(b) ?? '') || a.localeCompare(b);
    const ranked = [...change.keys()].sort((a, b) => (change.get(b) ?? start).comparedTo(change.get(a) ?? start) || byName(a, b));
    const lowest = [...change.keys()].sort((a, b) => (change.get(a) ?? start).comparedTo(change.get(b) ?? start) || byName(a, b));
    const gainer = ranked[0] !== undefined && (change.get(ranked[0]) ?? start).gt(0) ? ranked[0] : null;
    const loser = lowest[0] !== undefined && (change.get(lowest[0]) ?? start).lt(0) ? lowest[0] : null;
    const dayFills = fills.filter((f) => f.filled_at !== null && f.filled_at.getTime() >= dayStart.toMillis() && f.filled_at.getTime() < dayStart.plus({ days: 1 }).toMillis());
    const count = new Map<string, { n: number; first: number }>();
    for (const f of dayFills) {
      const c = count.get(f.user_id) ?? { n: 0, first: Number.MAX_SAFE_INTEGER };
      count.set(f.user_id, { n: c.n + 1, first: Math.min(c.first, f.filled_at?.getTime() ?? 0) });
    }
    const king = [...count.entries()].sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first || a[0].localeCompare(b[0]))[0];
    if (report !== undefined) {
      if ((report.gainer?.user_id ?? null) !== gainer) problem(`daily report gainer ${report.gainer?.user_id ?? 'none'} ≠ recomputed ${gainer ?? 'none'}`);
      if ((report.loser?.user_id ?? null) !== loser) problem(`daily report loser ${report.loser?.user_id ?? 'none'} ≠ recomputed ${loser ?? 'none'}`);
      if ((report.volume_king?.user_id ?? null) !== (king?.[0] ?? null) || (report.volume_king?.trade_count ?? 0) !== (king?.[1].n ?? 0)) {
        problem(`daily report volume king ${report.volume_king?.user_id ?? 'none'}×${report.volume_king?.trade_count ?? 0} ≠ recomputed ${king?.[0] ?? 'none'}×${king?.[1].n ?? 0}`);
      }
    }

    // Whale alerts: exactly one per fill at or above the threshold, naming the player.
    const whaleTotal = [...whalesExpected.values()].reduce((a, b) => a + b, 0);
    const whaleMsgs = () => hooks.receivedBy('alerts').filter((c) => c.startsWith('🐳'));
    await until('whale alerts and the daily report posted', 30_000, () =>
      Promise.resolve(whaleMsgs().length >= whaleTotal && hooks.receivedBy('alerts').some((c) => c.includes('📊')) ? true : undefined),
    ).catch((e: unknown) => problem(e instanceof Error ? e.message : String(e)));
    const whaleGot = whaleMsgs();
    if (whaleGot.length !== whaleTotal) problem(`${whaleGot.length} whale alerts posted for ${whaleTotal} whale fills`);
    for (const [userId, n] of whalesExpected) {
      const name = names.get(userId) ?? userId;
      const got = whaleGot.filter((c) => c.includes(`${name}님`)).length;
      if (got !== n) problem(`${name}: ${got} whale alerts for ${n} whale fills`);
    }
    const posted = hooks.receivedBy('alerts').find((c) => c.includes('📊'));
    if (posted !== undefined && gainer !== null && !posted.includes(names.get(gainer) ?? '?')) problem('daily report post does not name the gainer');

    // Interactions, error logs.
    const maxAckMs = acks.reduce((a, b) => Math.max(a, b), 0);
    for (const line of errorLines.slice(0, 10)) print(`  ERROR LOG ${line}`);
    for (const [msg, n] of warnings) print(`  warn ×${n}: ${msg}`);
    if (errorLines.length > 0) problem(`${errorLines.length} error log lines`);

    const filled = fills.length;
    const failed = orders.filter((r) => r.status === 'FAILED').length;
    const reasons = new Map<string, number>();
    for (const r of orders) if (r.status === 'FAILED') reasons.set(r.fail_reason ?? '?', (reasons.get(r.fail_reason ?? '?') ?? 0) + 1);
    const row = (k: string, v: string | number) => print(`  ${k.padEnd(50)} ${String(v)}`);
    print('');
    print(`  ${'check'.padEnd(50)} result`);
    row('players (Discord + REST)', `${o.players} + ${o.powerUsers}`);
    row('interactions answered (max / p50 ms)', `${acks.length} (${maxAckMs} / ${[...acks].sort((a, b) => a - b)[Math.floor(acks.length / 2)] ?? 0})`);
    row('orders accepted / rows', `${accepted.size} / ${orders.length}`);
    row('filled / failed / cancelled', `${filled} / ${failed} / ${orders.filter((r) => r.status === 'CANCELLED').length}`);
    row('failure reasons', [...reasons].map(([k, v]) => `${k}×${v}`).join(' ') || '-');
    row('ledger txns / assets not summing to zero', `${badTxn.rows.length} / ${badAsset.rows.length}`);
    row('wallets / positions recomputed', `${wallets.length} / ${positions.length}`);
    row('quotes recorded from market_updates', [...quotes.values()].reduce((a, b) => a + b.length, 0));
    row('whale fills / alerts posted', `${whaleTotal} / ${whaleGot.length}`);
    row('Discord reply edits (all done ms after settling)', `${discord.find('PATCH', /\/messages\/@original$/).length} (${editsMs})`);
    row('daily report gainer / loser / volume king', `${names.get(gainer ?? '') ?? '-'} / ${names.get(loser ?? '') ?? '-'} / ${names.get(king?.[0] ?? '') ?? '-'}×${king?.[1].n ?? 0}`);
    row('error logs', errorLines.length);
    row('runtime ms', Date.now() - t0);
    const line = `gameday players=${o.players + o.powerUsers} orders=${orders.length} filled=${filled} failed=${failed} mismatches=${problems.length} max_ack_ms=${maxAckMs}`;
    print(line);
    return { players: o.players + o.powerUsers, orders: orders.length, filled, failed, mismatches: problems.length, maxAckMs, errorLogs: errorLines.length, problems, line };
  } finally {
    if (fxTimer !== null) clearInterval(fxTimer);
    await proc?.stop().catch(() => undefined);
    watcher.disconnect();
    reader.disconnect();
    await sql.end().catch(() => undefined);
    await Promise.all([db.drop().catch(() => undefined), redisLease.release().catch(() => undefined), vhost.drop().catch(() => undefined)]);
    await discord.close();
    await hooks.stop();
  }
}

/**
 * `npm run bench:settle`: the settlement engine end to end on this machine, against the
 * machine's own PostgreSQL baseline measured in the same run.
 *
 * 1. Baseline: `pgbench` TPC-B on a scratch database (`pgbench -i`, then 8 clients, 2 threads,
 *    20 s): transactions per second of one-transaction-per-operation on this PostgreSQL. It
 *    runs before and again after the engine phases and the mean is the baseline, so a machine
 *    whose load drifts during the run (a shared box) skews the ratio less.
 * 2. Engine: `engine/main.ts` as its own process on a fresh database, Redis db and RabbitMQ
 *    vhost; crypto quotes kept fresh in Redis; players registered in a warm-up, then 20,000
 *    orders settled at saturation and not measured, so that the phases below see the engine's
 *    and the publisher's code compiled (V8's JIT) as a long-running engine has it.
 * 3. Throughput: orders published with confirm as fast as the broker confirms them (a window
 *    of in-flight publishes) while the engine settles; orders/s = orders / time from the first
 *    publish to the last `order_filled`/`order_failed` event (FILLED committed, acked, relayed).
 *    A saturated run measures the highest rate the pipeline sustains.
 * 4. Latency: open-loop offered loads of 200 and 1,000 orders/s for 10 s each; per order the
 *    time from the publish call to its `order_filled` event on Redis `trade_events`, split at
 *    the event's `occurred_at` (when its batch began to settle, on the engine's clock: this
 *    machine's) into waiting (broker, prefetch, the batch ahead) and settling plus relaying.
 * 5. Messaging floor, once the engine has stopped: as many orders as step 3 (after a fifth as
 *    many to warm up), through the same publisher and the engine's consuming path (batcher,
 *    lanes, coalesced acks) on a vhost of their own, acked and settled by nothing: the orders/s
 *    the broker round trip alone allows on this machine (so floor ÷ pgbench tps bounds the
 *    ratio whatever settles), and its CPU per order, which the table subtracts from step 3's to
 *    show what settling and relaying cost. Last, so it cannot disturb the phases measured
 *    against the goals.
 *
 * Each engine phase also reports CPU µs per order of the engine, its PostgreSQL backends, the
 * whole RabbitMQ broker and this publisher (from /proc), orders per PostgreSQL write
 * transaction (settle writes and relay marks, from the server's next transaction id) and WAL
 * bytes per order (from the WAL insert position). Every phase, pgbench included, reports the
 * machine's CPU steal (%, `/proc/stat`): the time a shared virtual machine lost to its
 * neighbours, which slows a phase whatever the code does. Prints a table, then the last line
 * `settle orders_per_s=<n> pgbench_tps=<n> ratio=<n> p99_ms_at_1000=<n>`.
 *
 * Development flags (not a measurement): `--quick` shortens every phase, `--throughput-only`
 * skips all but the throughput phase, `--no-pgbench` skips the baselines; `--profile` writes a
 * CPU profile of the engine during the throughput phase to `.bench-profile/` (see
 * `bench/support/cpu-profile.mjs`), `--profile=200` or `--profile=1000` during that latency
 * phase; `--lanes=N` sets ENGINE_LANES and `--parallel-after=N` ENGINE_PARALLEL_AFTER;
 * `--debug` prints batch sizes (the engine then logs every batch) and every batch that took
 * 25 ms or more; `--timeline` prints latency per half second.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { DomainEvent } from '../core/events.js';
import { makePlayers, until, writeQuote } from '../engine/settle.fixtures.js';
import type { TestPlayer } from '../engine/settle.fixtures.js';
import { AmqpConnection, RabbitOrderBus } from '../platform/amqp/rabbitmq.js';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { OrderService } from '../platform/orders/order.service.js';
import { createTestVhost } from '../test/support/amqp.js';
import { runEntry } from '../test/support/child.js';
import { createTestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import { newId } from '../core/ids.js';
import { cpuSeconds, machineShares, machineTicks, selfCpuSeconds } from './support/proc.js';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
/** `--throughput-only`: skip pgbench and the latency phases (development; not a measurement). */
const throughputOnly = process.argv.includes('--throughput-only');
/** `--no-pgbench`: skip both pgbench baselines (development; the ratio prints as NaN). */
const noPgbench = throughputOnly || process.argv.includes('--no-pgbench');
const debug = process.argv.includes('--debug');
/** `--timeline`: print p50/max latency per half second of each latency phase. */
const timeline = process.argv.includes('--timeline');
/** `--lanes=N` overrides ENGINE_LANES of the engine under test. */
const lanesArg = process.argv.find((a) => a.startsWith('--lanes='))?.slice('--lanes='.length);
/** `--parallel-after=N` overrides ENGINE_PARALLEL_AFTER. */
const parallelAfterArg = process.argv.find((a) => a.startsWith('--parallel-after='))?.slice('--parallel-after='.length);
/** `--profile` (or `--profile=throughput`): the throughput phase; `--profile=200` or `=1000`: that latency phase. */
const profileArg = process.argv.find((a) => a === '--profile' || a.startsWith('--profile='));
const profiled = profileArg === undefined ? undefined : profileArg === '--profile' ? 'throughput' : profileArg.slice('--profile='.length);
const PGBENCH_SECONDS = quick ? 5 : 20;
const THROUGHPUT_ORDERS = quick ? 5_000 : 30_000;
/** Orders settled at saturation before the throughput phase, not measured (JIT warm-up). */
const WARMUP_ORDERS = quick ? 3_000 : 20_000;
const LATENCY_SECONDS = quick ? 4 : 10;
const PLAYERS = 2_000;
/**
 * Publishes in flight during the throughput phase. 500 keeps publishing well ahead of
 * settling (publishing alone runs at ~2× the settled rate) at less publisher CPU than 2,000:
 * amqp-connection-manager finds each confirmed message by a linear search of the unconfirmed
 * ones (`removeUnconfirmedMessage`), 6 % of the publisher's CPU profile with 2,000 in flight.
 */
const PUBLISH_WINDOW = 500;
const TICKERS = ['CRYPTO-COIN-BTC', 'CRYPTO-COIN-ETH', 'CRYPTO-COIN-XRP', 'CRYPTO-COIN-SOL', 'CRYPTO-COIN-DOGE'];
const PRICES: Record<string, string> = {
  'CRYPTO-COIN-BTC': '135000000',
  'CRYPTO-COIN-ETH': '4800000',
  'CRYPTO-COIN-XRP': '3100',
  'CRYPTO-COIN-SOL': '240000',
  'CRYPTO-COIN-DOGE': '350',
};
const log = (s: string) => process.stdout.write(`${s}\n`);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** CPU µs per order of the engine, its PostgreSQL backends, the whole RabbitMQ broker and this publisher. */
interface CpuPerOrder {
  engine: number;
  postgres: number;
  rabbitmq: number;
  bench: number;
}

/** As `engine 140, postgres 190, rabbitmq 60, bench 45` (log lines). */
const cpuText = (c: CpuPerOrder) => `engine ${c.engine.toFixed(0)}, postgres ${c.postgres.toFixed(0)}, rabbitmq ${c.rabbitmq.toFixed(0)}, bench ${c.bench.toFixed(0)}`;

/** As `140 / 190 / 60 / 45` (table cells, in the order of {@link cpuText}). */
const cpuCells = (c: CpuPerOrder) => [c.engine, c.postgres, c.rabbitmq, c.bench].map((x) => x.toFixed(0)).join(' / ');

/** pgbench TPC-B tps on a fresh database, and the machine's CPU steal (%) while it ran. */
async function pgbenchTps(adminUrl: string): Promise<{ tps: number; stealPct: number }> {
  const name = `gaemi_bench_pgbench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  try {
    await run('pgbench', ['-i', '-q', u.toString()]);
    // Start from a clean checkpoint (the throughput phase does too): dirty pages and WAL left by
    // an earlier phase would otherwise be flushed on this phase's time.
    await admin.query('CHECKPOINT');
    const ticks0 = await machineTicks();
    const { stdout } = await run('pgbench', ['-c', '8', '-j', '2', '-T', String(PGBENCH_SECONDS), u.toString()], { maxBuffer: 1 << 20 });
    const { stealPct } = machineShares(ticks0, await machineTicks());
    const m = /tps = ([0-9.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([0-9.]+)/.exec(stdout);
    if (!m?.[1]) throw new Error(`cannot read pgbench output:\n${stdout}`);
    return { tps: Number.parseFloat(m[1]), stealPct };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** The start of an `order_filled` / `order_failed` event as `eventJson` writes it, up to its order id (with its `occurred_at`). */
const TERMINAL_EVENT = /^\{"id":"[^"]*","type":"(order_filled|order_failed)","occurred_at":"([^"]*)",.*?"data":\{"order_id":"([0-9a-f-]{36})"/;

/**
 * The order id, type and `occurred_at` of a terminal order event on `trade_events`, or null for
 * another event.
 * Read by position from the text rather than parsing every event's ~460 bytes of JSON: the
 * observer shares this machine's two cores with what it measures (JSON.parse was the largest
 * part of this process's per-order CPU after publishing). Falls back to parsing if the text is
 * shaped otherwise.
 */
function terminalOf(text: string): { orderId: string; type: 'order_filled' | 'order_failed'; occurredAt: string } | null {
  const m = TERMINAL_EVENT.exec(text);
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) return { orderId: m[3], type: m[1] as 'order_filled' | 'order_failed', occurredAt: m[2] };
  if (!text.includes('"order_filled"') && !text.includes('"order_failed"')) return null;
  const e = JSON.parse(text) as DomainEvent;
  const id = typeof e.data.order_id === 'string' ? e.data.order_id : undefined;
  return id && (e.type === 'order_filled' || e.type === 'order_failed') ? { orderId: id, type: e.type, occurredAt: e.occurred_at } : null;
}

/** CPU seconds so far of the whole RabbitMQ broker (every `beam.smp` process). */
async function rabbitmqCpuSeconds(): Promise<number> {
  const { stdout } = await run('pgrep', ['-f', 'beam.smp']).catch(() => ({ stdout: '' }));
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  return (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
}

/**
 * Messaging floor: `n` orders through the same publisher as the throughput phase
 * (`OrderService.place`, broker confirm, PUBLISH_WINDOW in flight) and the engine's consuming
 * path (`RabbitOrderBus.consume`: prefetch, batcher, lanes, coalesced acks, with the engine's
 * batch settings), on a vhost of its own, with a handler that acks every delivery and settles
 * nothing. The most orders/s the broker round trip alone allows on this machine, whatever
 * settles behind it, and its CPU per order (publisher and consumer are this process).
 */
async function messagingFloor(n: number, engine: { maxBatch: number; lanes: number; parallelAfter: number }): Promise<{ perS: number; nodeUs: number; rabbitmqUs: number; stealPct: number }> {
  const vhost = await createTestVhost('floor');
  const logger = createLogger('warn');
  const publisher = new AmqpConnection({ url: vhost.url, logger, connectionName: 'floor-publisher', publishTimeoutMs: 30_000 });
  const consumer = new AmqpConnection({ url: vhost.url, logger, connectionName: 'floor-consumer' });
  const bus = new RabbitOrderBus(consumer, logger);
  try {
    await Promise.all([publisher.ready(), consumer.ready()]);
    const orders = new OrderService({ orderBus: new RabbitOrderBus(publisher, logger) });
    let acked = 0;
    let target = 0;
    let allAcked = () => {};
    await bus.consume(
      async (batch) => {
        await Promise.all(batch.map((d) => d.ack()));
        acked += batch.length;
        if (acked >= target) allAcked();
      },
      {
        maxBatch: engine.maxBatch,
        lanes: engine.lanes,
        minParallelBatch: engine.parallelAfter,
        keyOf: (data) => (typeof data === 'object' && data !== null ? String((data as { user_id?: unknown }).user_id) : undefined),
      },
    );
    const players = makePlayers(PLAYERS, 'floor');
    /** Publish `count` orders (PUBLISH_WINDOW in flight) and wait until all are acked. */
    const send = async (count: number) => {
      target = acked + count;
      const done = new Promise<void>((resolve) => (allAcked = resolve));
      let sent = 0;
      await Promise.all(
        Array.from({ length: PUBLISH_WINDOW }, async () => {
          while (sent < count) {
            const p = players[sent % players.length] as TestPlayer;
            sent += 1;
            const user = { discord_user_id: p.discordUserId, username: p.username, nickname: p.nickname };
            const r = await orders.place({ order_id: newId(), user, ticker_id: 'CRYPTO-COIN-BTC', side: 'BUY', quantity: '0.0001', source: 'bot' });
            if (!r.ok) throw new Error(r.error.message);
          }
        }),
      );
      await done;
    };
    await send(Math.ceil(n / 5)); // warm-up: connections, JIT (the throughput phase comes after the engine's warm-up too)
    const cpu = async () => ({ node: selfCpuSeconds(), rabbitmq: await rabbitmqCpuSeconds(), machine: await machineTicks() });
    const before = await cpu();
    const t0 = performance.now();
    await send(n);
    const seconds = (performance.now() - t0) / 1000;
    const after = await cpu();
    return {
      perS: n / seconds,
      nodeUs: ((after.node - before.node) * 1e6) / n,
      rabbitmqUs: ((after.rabbitmq - before.rabbitmq) * 1e6) / n,
      stealPct: machineShares(before.machine, after.machine).stealPct,
    };
  } finally {
    await bus.close().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await vhost.drop();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  /** CPU steal (%) of the machine in each pgbench run, in order. */
  const baselineSteal: number[] = [];
  /** One pgbench baseline, logged (`when`: before or after the engine); NaN with `--no-pgbench`. */
  const baseline = async (when: string) => {
    if (noPgbench) return Number.NaN;
    log(`pgbench TPC-B baseline (8 clients, 2 threads, ${PGBENCH_SECONDS} s), ${when}…`);
    const { tps, stealPct } = await pgbenchTps(config.TEST_PG_ADMIN_URL);
    baselineSteal.push(stealPct);
    log(`  tps = ${tps.toFixed(0)}; CPU steal ${stealPct.toFixed(1)} %`);
    return tps;
  };
  if (noPgbench) log('pgbench baselines skipped');
  const tpsBefore = await baseline('before the engine runs');

  const [db, vhost, testRedis] = await Promise.all([createTestDatabase('bench'), createTestVhost('bench'), createTestRedis()]);
  const redis = new Redis(testRedis.url);
  const refresh = async () => {
    for (const t of TICKERS) await writeQuote(redis, t, PRICES[t] ?? '1000');
  };
  await refresh();
  const quoteTimer = setInterval(() => void refresh().catch(() => undefined), 500);
  const engine = runEntry('engine/main.ts', {
    DATABASE_URL: db.url,
    REDIS_URL: testRedis.url,
    AMQP_URL: vhost.url,
    PORT: '0',
    AUTO_MIGRATE: 'true',
    LOG_LEVEL: debug ? 'debug' : 'warn',
    ...(lanesArg === undefined ? {} : { ENGINE_LANES: lanesArg }),
    ...(parallelAfterArg === undefined ? {} : { ENGINE_PARALLEL_AFTER: parallelAfterArg }),
    ...(profiled === undefined ? {} : { NODE_OPTIONS: '--import=./bench/support/cpu-profile.mjs' }),
  });
  const logger = createLogger('warn');
  const conn = new AmqpConnection({ url: vhost.url, logger, connectionName: 'bench-publisher', publishTimeoutMs: 30_000 });
  const subscriber = new Redis(testRedis.url);
  let stopped: Promise<void> | undefined;
  /** Stop the engine and the clients, and drop the engine's database, vhost and Redis db (once). */
  const stop = () =>
    (stopped ??= (async () => {
      clearInterval(quoteTimer);
      engine.kill('SIGTERM');
      await engine.exited(15_000).catch(() => engine.kill('SIGKILL'));
      await conn.close().catch(() => undefined);
      await subscriber.quit().catch(() => undefined);
      await redis.quit().catch(() => undefined);
      await Promise.all([db.drop(), vhost.drop(), testRedis.release()]);
    })());
  try {
    await engine.waitFor(/ready/, 60_000);
    await conn.ready();
    const orders = new OrderService({ orderBus: new RabbitOrderBus(conn, logger) });

    // Terminal events by order id, with the time they arrived (`performance.now()`) and their
    // `occurred_at` (the engine's clock when its batch began to settle: prices read).
    const arrived = new Map<string, { at: number; type: string; occurredAt: string }>();
    /** Orders published and not yet seen settled. */
    const pending = new Set<string>();
    subscriber.on('message', (_channel: string, text: string) => {
      const terminal = terminalOf(text);
      if (terminal) {
        arrived.set(terminal.orderId, { at: performance.now(), type: terminal.type, occurredAt: terminal.occurredAt });
        pending.delete(terminal.orderId);
      }
    });
    await subscriber.subscribe('trade_events');

    const players = makePlayers(PLAYERS, 'bench');
    let seq = 0;
    const sides = new Map<string, number>();
    /** BUY then SELL of the same small size, per player, so nobody runs out of cash or coins. */
    const command = (p: TestPlayer) => {
      const n = sides.get(p.userId) ?? 0;
      sides.set(p.userId, n + 1);
      const ticker = TICKERS[Math.floor(n / 2) % TICKERS.length] ?? 'CRYPTO-COIN-BTC';
      return {
        order_id: newId(),
        user: { discord_user_id: p.discordUserId, username: p.username, nickname: p.nickname },
        ticker_id: ticker,
        side: n % 2 === 0 ? ('BUY' as const) : ('SELL' as const),
        quantity: ticker === 'CRYPTO-COIN-BTC' ? '0.0001' : '1',
        source: 'bot' as const,
      };
    };
    const nextPlayer = () => players[seq++ % players.length] as TestPlayer;
    const place = async (c: ReturnType<typeof command>) => {
      if (!arrived.has(c.order_id)) pending.add(c.order_id);
      const r = await orders.place(c);
      if (!r.ok) throw new Error(r.error.message);
    };

    // Warm-up: register every player (first use creates user, wallet, starting cash) and let
    // the engine's connections and plans settle. A full BUY/SELL round keeps positions flat.
    log(`warm-up: registering ${PLAYERS} players…`);
    const warm: string[] = [];
    for (let i = 0; i < PLAYERS * 2; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, PLAYERS * 2 - i) }, async () => {
          const c = command(nextPlayer());
          warm.push(c.order_id);
          await place(c);
        }),
      );
    }
    await until('warm-up settled', () => pending.size === 0, 120_000, 20);

    /**
     * Publish `n` orders through a window of {@link PUBLISH_WINDOW} in-flight publishes, each
     * order id passed to `onOrder` as it leaves; resolves when the last publish is confirmed.
     */
    const saturate = async (n: number, onOrder: (orderId: string) => void = () => undefined) => {
      let sent = 0;
      await Promise.all(
        Array.from({ length: PUBLISH_WINDOW }, async () => {
          while (sent < n) {
            sent += 1;
            const c = command(nextPlayer());
            onOrder(c.order_id);
            await place(c);
          }
        }),
      );
    };
    // Saturated warm-up (not measured): the engine's and the publisher's JIT compile the
    // throughput path while it runs. Without it, TurboFan still compiled 12–108 functions a
    // second through the measured phase (V8 `--log-code`), and the engine's CPU per order was
    // ~7 % higher against the broker's.
    log(`warm-up: ${WARMUP_ORDERS} orders at saturation…`);
    const warmedAt = performance.now();
    await saturate(WARMUP_ORDERS);
    await until('saturated warm-up settled', () => pending.size === 0, 300_000, 5);
    const warmupPerS = WARMUP_ORDERS / ((performance.now() - warmedAt) / 1000);
    log(`  ${warmupPerS.toFixed(0)} orders/s (not measured)`);

    // Throughput: saturate.
    log(`throughput: ${THROUGHPUT_ORDERS} orders, publish window ${PUBLISH_WINDOW}…`);
    const ids: string[] = [];
    const probe = new pg.Client({ connectionString: db.url });
    await probe.connect();
    await probe.query('CHECKPOINT'); // as before each pgbench run: no earlier phase's dirty pages or WAL
    /**
     * CPU seconds so far of the engine, its PostgreSQL backends, RabbitMQ and this process, the
     * server's next transaction id (write transactions started so far) and its WAL insert
     * position in bytes (only the engine writes while the phases run).
     */
    const cpuSnapshot = async () => {
      const { rows } = await probe.query<{ pids: number[]; next_xid: string; wal: string }>(
        `SELECT coalesce((SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()), '{}') AS pids,
                pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid,
                pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS wal`,
      );
      const sumOf = async (pids: readonly number[]) => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
      return {
        writes: Number(rows[0]?.next_xid ?? 0),
        walBytes: Number(rows[0]?.wal ?? 0),
        machine: await machineTicks(),
        cpu: {
          engine: await cpuSeconds(engine.proc.pid ?? -1),
          postgres: await sumOf(rows[0]?.pids ?? []),
          rabbitmq: await rabbitmqCpuSeconds(),
          bench: selfCpuSeconds(),
        },
      };
    };
    const profile = profiled === 'throughput';
    if (profile) engine.proc.kill('SIGUSR2'); // start the engine's CPU profile (bench/support/cpu-profile.mjs)
    const cpu0 = await cpuSnapshot();
    const t0 = performance.now();
    await saturate(THROUGHPUT_ORDERS, (id) => ids.push(id));
    const published = performance.now();
    await until('all settled', () => pending.size === 0, 300_000, 5);
    const last = Math.max(...ids.map((id) => arrived.get(id)?.at ?? 0));
    const cpu1 = await cpuSnapshot();
    if (profile) engine.proc.kill('SIGUSR2'); // … and write it: the throughput phase only
    /** CPU µs per order of each measured process between two snapshots. */
    const cpuPerOrder = (from: typeof cpu0, to: typeof cpu0, n: number): CpuPerOrder => ({
      engine: ((to.cpu.engine - from.cpu.engine) * 1e6) / n,
      postgres: ((to.cpu.postgres - from.cpu.postgres) * 1e6) / n,
      rabbitmq: ((to.cpu.rabbitmq - from.cpu.rabbitmq) * 1e6) / n,
      bench: ((to.cpu.bench - from.cpu.bench) * 1e6) / n,
    });
    /** Orders per PostgreSQL write transaction (the engine's settle writes and relay marks). */
    const ordersPerWrite = (from: typeof cpu0, to: typeof cpu0, n: number) => (n / Math.max(1, to.writes - from.writes)).toFixed(1);
    /** WAL bytes per order: PostgreSQL's write work, steadier from run to run than CPU or orders/s. */
    const walPerOrder = (from: typeof cpu0, to: typeof cpu0, n: number) => ((to.walBytes - from.walBytes) / n).toFixed(0);
    /** The machine's CPU steal and idle (%) as `CPU steal 3.1 %, idle 6.0 %`. */
    const machineLine = ({ stealPct, idlePct }: ReturnType<typeof machineShares>) => `CPU steal ${stealPct.toFixed(1)} %, idle ${idlePct.toFixed(1)} %`;
    const throughputMachine = machineShares(cpu0.machine, cpu1.machine);
    const cpuUs = cpuPerOrder(cpu0, cpu1, THROUGHPUT_ORDERS);
    const walLine = walPerOrder(cpu0, cpu1, THROUGHPUT_ORDERS);
    log(`  CPU µs per order: ${cpuText(cpuUs)} (RabbitMQ is the whole broker); orders per write transaction ${ordersPerWrite(cpu0, cpu1, THROUGHPUT_ORDERS)}; WAL bytes per order ${walLine}; machine ${machineLine(throughputMachine)}`);
    const ordersPerS = THROUGHPUT_ORDERS / ((last - t0) / 1000);
    const publishPerS = THROUGHPUT_ORDERS / ((published - t0) / 1000);
    const failedN = ids.filter((id) => arrived.get(id)?.type === 'order_failed').length;
    log(`  ${ordersPerS.toFixed(0)} orders/s settled (publishing alone ran at ${publishPerS.toFixed(0)}/s; ${failedN} failed)`);

    // Latency under offered load (open loop: orders leave on schedule, not when the last returns).
    const latency = async (rate: number) => {
      const sent = new Map<string, number>();
      const confirmMs: number[] = [];
      const total = rate * LATENCY_SECONDS;
      if (profiled === String(rate)) engine.proc.kill('SIGUSR2');
      const cpuBefore = await cpuSnapshot(); // before the schedule starts: no burst of late orders
      const startedAt = new Date().toISOString();
      const start = performance.now();
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < total; i += 1) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const c = command(nextPlayer());
        const at = performance.now();
        sent.set(c.order_id, at);
        inflight.push(place(c).then(() => void confirmMs.push(performance.now() - at)));
      }
      await Promise.all(inflight);
      const achieved = total / ((performance.now() - start) / 1000);
      await until(`settled at ${rate}/s`, () => pending.size === 0, 120_000, 20);
      const cpuAfter = await cpuSnapshot();
      const cpu = cpuPerOrder(cpuBefore, cpuAfter, total);
      const machine = machineShares(cpuBefore.machine, cpuAfter.machine);
      if (profiled === String(rate)) engine.proc.kill('SIGUSR2');
      log(`  ${rate}/s: CPU µs per order: ${cpuText(cpu)}; orders per write transaction ${ordersPerWrite(cpuBefore, cpuAfter, total)}; WAL bytes per order ${walPerOrder(cpuBefore, cpuAfter, total)}; machine ${machineLine(machine)}`);
      const ms = [...sent].map(([id, at]) => (arrived.get(id)?.at ?? Number.NaN) - at).sort((a, b) => a - b);
      // Split at the batch's start (`occurred_at`, ms precision, the same machine's clock):
      // waiting (broker, prefetch, the batch ahead) and settling plus relaying.
      const toBatchMs: number[] = [];
      const afterMs: number[] = [];
      for (const [id, at] of sent) {
        const a = arrived.get(id);
        if (!a) continue;
        const started = Date.parse(a.occurredAt) - performance.timeOrigin;
        toBatchMs.push(started - at);
        afterMs.push(a.at - started);
      }
      toBatchMs.sort((a, b) => a - b);
      afterMs.sort((a, b) => a - b);
      if (timeline) {
        // p50/max latency (ms) of the orders sent in each half second: a hiccup shows as a spike.
        const windows = new Map<number, number[]>();
        for (const [id, at] of sent) {
          const k = Math.floor((at - start) / 500);
          const w = windows.get(k) ?? [];
          w.push((arrived.get(id)?.at ?? Number.NaN) - at);
          windows.set(k, w);
        }
        const cells = [...windows].map(([k, v]) => `${(k / 2).toFixed(1)}s ${percentile(v.sort((a, b) => a - b), 50).toFixed(0)}/${Math.max(...v).toFixed(0)}`);
        log(`  ${rate}/s timeline from ${startedAt} (p50/max ms per 0.5 s): ${cells.join('  ')}`);
      }
      confirmMs.sort((a, b) => a - b);
      return {
        rate,
        achieved,
        cpu,
        stealPct: machine.stealPct,
        p50: percentile(ms, 50),
        p99: percentile(ms, 99),
        max: ms.at(-1) ?? Number.NaN,
        confirmP50: percentile(confirmMs, 50),
        confirmP99: percentile(confirmMs, 99),
        toBatchP50: percentile(toBatchMs, 50),
        toBatchP99: percentile(toBatchMs, 99),
        afterP50: percentile(afterMs, 50),
        afterP99: percentile(afterMs, 99),
      };
    };
    if (throughputOnly) {
      await probe.end();
      return;
    }
    log(`latency: offered 200/s and 1,000/s for ${LATENCY_SECONDS} s each…`);
    const at200 = await latency(200);
    const at1000 = await latency(1_000);
    await probe.end();

    if (debug) {
      const batches = engine
        .stdout()
        .split('\n')
        .filter((l) => l.includes('batch settled'))
        .map((l) => JSON.parse(l) as { size: number; ms: number; time: string });
      const buckets = new Map<string, { n: number; orders: number; ms: number }>();
      for (const b of batches) {
        const k = b.time.slice(11, 19);
        const x = buckets.get(k) ?? { n: 0, orders: 0, ms: 0 };
        buckets.set(k, { n: x.n + 1, orders: x.orders + b.size, ms: x.ms + b.ms });
      }
      for (const b of batches) if (b.ms >= 25) log(`  slow batch at ${b.time} size=${b.size} ms=${b.ms}`);
      for (const [k, x] of buckets) log(`  ${k} batches=${x.n} orders=${x.orders} avg_size=${(x.orders / x.n).toFixed(0)} busy_ms=${x.ms}`);
    }
    // The machine may be shared: the baseline is taken before and after, and averaged. The
    // engine is stopped and its database dropped first, so the second baseline runs on the same
    // quiet server as the first (no relay sweeps, no autovacuum of the engine's tables).
    await stop();
    log(`messaging floor: ${THROUGHPUT_ORDERS} orders published with confirm, consumed and acked, none settled…`);
    const floor = await messagingFloor(THROUGHPUT_ORDERS, { maxBatch: config.ENGINE_MAX_BATCH, lanes: config.ENGINE_LANES, parallelAfter: config.ENGINE_PARALLEL_AFTER });
    log(`  ${floor.perS.toFixed(0)} orders/s; CPU µs per order: publisher and consumer ${floor.nodeUs.toFixed(0)}, rabbitmq ${floor.rabbitmqUs.toFixed(0)}; CPU steal ${floor.stealPct.toFixed(1)} %`);
    const tpsAfter = await baseline('again, after the engine ran');
    const tps = (tpsBefore + tpsAfter) / 2;
    const ratio = ordersPerS / tps;
    const row = (a: string, b: string) => log(`| ${a.padEnd(58)} | ${b.padStart(22)} |`);
    log('');
    row('measure', 'value');
    log(`|${'-'.repeat(60)}|${'-'.repeat(24)}|`);
    row(`pgbench TPC-B tps (8 clients, ${PGBENCH_SECONDS} s) before / after`, `${tpsBefore.toFixed(0)} / ${tpsAfter.toFixed(0)}`);
    row('pgbench TPC-B tps — baseline (mean)', tps.toFixed(0));
    row('CPU steal % (hypervisor): pgbench before / after', baselineSteal.map((x) => x.toFixed(1)).join(' / '));
    row(`settled orders/s, saturated warm-up (${WARMUP_ORDERS}, not measured)`, warmupPerS.toFixed(0));
    row(`settled orders/s, saturated (${THROUGHPUT_ORDERS} orders)`, ordersPerS.toFixed(0));
    row('ratio orders/s ÷ pgbench tps (goal ≥ 3)', ratio.toFixed(2));
    row('CPU steal % (hypervisor) while settling saturated', throughputMachine.stealPct.toFixed(1));
    row('CPU µs per order (engine, postgres, rabbitmq, publisher)', cpuCells(cpuUs));
    row('PostgreSQL WAL bytes per order, saturated', walLine);
    const settledCpu = cpuUs.engine + cpuUs.postgres + cpuUs.rabbitmq + cpuUs.bench;
    row('messaging floor: orders/s with nothing settled', floor.perS.toFixed(0));
    row('messaging floor ÷ pgbench tps (ceiling of the ratio)', (floor.perS / tps).toFixed(2));
    row('messaging floor: CPU µs per order (node / rabbitmq)', `${floor.nodeUs.toFixed(0)} / ${floor.rabbitmqUs.toFixed(0)}`);
    row('CPU µs per order, saturated: all / beyond the floor', `${settledCpu.toFixed(0)} / ${(settledCpu - floor.nodeUs - floor.rabbitmqUs).toFixed(0)}`);
    for (const l of [at200, at1000]) {
      row(`offered ${l.rate}/s (achieved ${l.achieved.toFixed(0)}/s): p50 latency ms`, l.p50.toFixed(1));
      row(`offered ${l.rate}/s: p99 latency ms${l.rate === 1_000 ? ' (goal ≤ 50)' : ''}`, l.p99.toFixed(1));
      row(`offered ${l.rate}/s: max latency ms`, l.max.toFixed(1));
      row(`offered ${l.rate}/s: CPU µs per order`, cpuCells(l.cpu));
      row(`offered ${l.rate}/s: of which publish confirm p50 / p99 ms`, `${l.confirmP50.toFixed(1)} / ${l.confirmP99.toFixed(1)}`);
      row(`offered ${l.rate}/s: publish → batch start p50 / p99 ms`, `${l.toBatchP50.toFixed(1)} / ${l.toBatchP99.toFixed(1)}`);
      row(`offered ${l.rate}/s: batch start → event p50 / p99 ms`, `${l.afterP50.toFixed(1)} / ${l.afterP99.toFixed(1)}`);
      row(`offered ${l.rate}/s: CPU steal % (hypervisor)`, l.stealPct.toFixed(1));
    }
    log('');
    log(`settle orders_per_s=${ordersPerS.toFixed(0)} pgbench_tps=${tps.toFixed(0)} ratio=${ratio.toFixed(2)} p99_ms_at_1000=${at1000.p99.toFixed(1)}`);
  } finally {
    await stop();
  }
}

await main();
process.exit(0);

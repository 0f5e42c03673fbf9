/**
 * The engine process in-process (`startProcess` with `startEngine`) on the real RabbitMQ (own
 * vhost), PostgreSQL (own database) and Redis (own db index), fed through `OrderService`
 * like the bot and the api: duplicates, poison, connection drops, a database outage.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../core/errors.js';
import type { DomainEvent } from '../core/events.js';
import { DEAD_REASON_HEADER, ORDERS_DEAD_QUEUE, ORDERS_EXCHANGE, ORDERS_ROUTING_KEY } from '../platform/amqp/topology.js';
import { loadConfig } from '../platform/config.js';
import type { AmqpConnection } from '../platform/amqp/rabbitmq.js';
import type { OrderService } from '../platform/orders/order.service.js';
import type { StartedProcess } from '../platform/process.js';
import type { TestVhost } from '../test/support/amqp.js';
import type { TestDatabase } from '../test/support/database.js';
import { startEngineHarness } from './engine.harness.js';
import type { EngineHarness } from './engine.harness.js';
import { auditBooks, makePlayers, until } from './settle.fixtures.js';

const run = promisify(execFile);
const START = '100000000';
const BTC = 'CRYPTO-COIN-BTC';
const ETH = 'CRYPTO-COIN-ETH';

let harness: EngineHarness;
let db: TestDatabase;
let vhost: TestVhost;
let engine: StartedProcess;
let publisherConn: AmqpConnection;
let orders: OrderService;
let client: pg.Client;
const events: DomainEvent[] = [];

const engineDetails = async (): Promise<Record<string, unknown>> =>
  (await engine.infra.health.readiness()).components.engine?.details ?? {};
/** A client for assertions; its connection is expected to be cut in the outage test. */
async function connectClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}
const count = async (sql: string, values: unknown[] = []): Promise<number> =>
  Number((await client.query<{ n: string }>(sql, values)).rows[0]?.n ?? '0');

beforeAll(async () => {
  harness = await startEngineHarness({
    label: 'engine',
    quotes: { [BTC]: '100000000', [ETH]: '5000000' },
    channels: ['trade_events', 'system_events'],
    onEvent: (e) => events.push(e),
    publishTimeoutMs: 3_000,
  });
  ({ db, vhost, engine, publisherConn, orders } = harness);
  client = await connectClient();
}, 60_000);

afterAll(async () => {
  await client.end().catch(() => undefined);
  await harness.stop();
}, 60_000);

describe('GIVEN the same order_id published three times', () => {
  it('THEN one order, one fill, one event', async () => {
    const [p] = makePlayers(1, 'dup');
    if (!p) throw new Error('no player');
    const order_id = randomUUID();
    const before = Number((await engineDetails()).duplicates ?? 0);
    for (let i = 0; i < 3; i += 1) {
      const r = await orders.place({
        order_id,
        user: { discord_user_id: p.discordUserId, username: p.username, nickname: p.nickname },
        ticker_id: BTC,
        side: 'BUY',
        quantity: '0.01',
        source: 'discord',
      });
      expect(r).toMatchObject({ ok: true, value: { order_id } });
    }
    await until('two duplicates acked', async () => Number((await engineDetails()).duplicates ?? 0) === before + 2);
    await until('the fill event', () => events.some((e) => e.type === 'order_filled' && e.data.order_id === order_id));
    await until('the relay to be idle', async () => (await count('SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL')) === 0);
    expect(await count('SELECT count(*) AS n FROM orders WHERE id = $1', [order_id])).toBe(1);
    expect(await count("SELECT count(*) AS n FROM orders WHERE id = $1 AND status = 'FILLED'", [order_id])).toBe(1);
    // Its one event was relayed, and its row (an id made once) dropped.
    expect(await count("SELECT count(*) AS n FROM outbox_events WHERE payload->'data'->>'order_id' = $1", [order_id])).toBe(0);
    expect(events.filter((e) => e.data.order_id === order_id)).toHaveLength(1);
  });
});

describe('GIVEN poison messages', () => {
  it('THEN they go to orders.dead with the reason and raise an operator alert', async () => {
    const marker = randomUUID();
    await publisherConn.publish(ORDERS_EXCHANGE, ORDERS_ROUTING_KEY, Buffer.from(`not json ${marker}`), { messageId: marker });
    await publisherConn.publish(
      ORDERS_EXCHANGE,
      ORDERS_ROUTING_KEY,
      Buffer.from(JSON.stringify({ schema: 2, order_id: marker })),
      { messageId: marker },
    );
    await until('two dead letters', async () => (await engine.infra.queueDepth()).dead >= 2);
    const conn = await amqplib.connect(vhost.url);
    try {
      const ch = await conn.createChannel();
      const reasons: string[] = [];
      for (let i = 0; i < 2; i += 1) {
        const msg = await ch.get(ORDERS_DEAD_QUEUE, { noAck: true });
        if (msg) reasons.push(String(msg.properties.headers?.[DEAD_REASON_HEADER]));
      }
      expect(reasons).toHaveLength(2);
      expect(reasons[0]).toMatch(/not a JSON object/);
      expect(reasons[1]).toMatch(/schema/);
      await ch.close();
    } finally {
      await conn.close();
    }
    await until('operator alerts', () => events.filter((e) => e.type === 'operator_alert' && JSON.stringify(e.data).includes(marker)).length >= 2);
  });
});

describe('GIVEN the broker drops every connection while orders are being published and consumed', () => {
  it('THEN every order ends in exactly one terminal state and the books balance', async () => {
    const players = makePlayers(20, 'drop');
    const ids: string[] = [];
    const place = async (i: number) => {
      const p = players[i % players.length];
      if (!p) return;
      const order_id = randomUUID();
      ids.push(order_id);
      const command = {
        order_id,
        user: { discord_user_id: p.discordUserId, username: p.username, nickname: p.nickname },
        ticker_id: i % 2 === 0 ? BTC : ETH,
        side: i % 3 === 2 ? ('SELL' as const) : ('BUY' as const),
        quantity: '0.001',
        source: 'discord' as const,
      };
      // The caller's side of "nothing lost": a failed confirm is retried with the same order_id.
      for (let attempt = 0; ; attempt += 1) {
        try {
          const r = await orders.place(command);
          expect(r.ok).toBe(true);
          return;
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== ErrorCode.PUBLISH_FAILED || attempt > 30) throw error;
        }
      }
    };
    // The engine's and the publisher's connections, looked up before the stream starts.
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'vhost', '--no-table-headers']);
    const pids = stdout.split('\n').filter((l) => l.includes(vhost.vhost)).map((l) => l.split('\t')[0] ?? '').filter(Boolean);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const N = 1_000;
    let placed = 0;
    let stop = false;
    let dropped = () => {};
    const dropDone = new Promise<void>((resolve) => (dropped = resolve));
    const publishing = (async () => {
      for (let i = 0; i < N; i += 10) {
        // The second half waits for the drop: it always lands mid-stream, however fast settling is.
        if (i === N / 2) await dropDone;
        await Promise.all(Array.from({ length: 10 }, (_, j) => place(i + j)));
        placed = i + 10;
        // Pace the stream so that the drop lands in the middle of it.
        if (!stop) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await until('some orders settled', async () => (await count('SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[])', [ids])) > 50);
    await Promise.all(pids.map((pid) => run('rabbitmqctl', ['-q', 'close_connection', pid, 'test: connection drop'])));
    dropped();
    const placedAtDrop = placed;
    const settledAtDrop = await count('SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[])', [ids]);
    stop = true;
    await publishing;
    // The drop hit both sides mid-stream.
    expect(placedAtDrop).toBeLessThan(N);
    expect(settledAtDrop).toBeLessThan(N);
    expect(ids).toHaveLength(N);
    await until(
      'every order terminal',
      async () => (await count("SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND status IN ('FILLED', 'FAILED')", [ids])) === N,
      45_000,
    );
    expect(await count('SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[])', [ids])).toBe(N);
    expect(await auditBooks(client, START)).toEqual([]);
  }, 60_000);
});

describe('GIVEN the database goes away while orders wait', () => {
  it('THEN the engine holds them, retries with backoff without burning the delivery limit, and settles them when it returns', async () => {
    const admin = new pg.Client({ connectionString: loadConfig().TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      let deadBefore = 0;
      await until('the broker connection (after the earlier drop)', async () => {
        try {
          deadBefore = (await engine.infra.queueDepth()).dead;
          return true;
        } catch {
          return false;
        }
      });
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
      await client.end().catch(() => undefined);
      const retriesBefore = Number((await engineDetails()).retries ?? 0);
      const [p] = makePlayers(1, 'outage');
      if (!p) throw new Error('no player');
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const r = await orders.place({
          user: { discord_user_id: p.discordUserId, username: p.username },
          ticker_id: ETH,
          side: 'BUY',
          quantity: '0.1',
          source: 'discord',
        });
        if (r.ok) ids.push(r.value.order_id);
      }
      expect(ids).toHaveLength(5);
      await until('the engine to retry a few times', async () => Number((await engineDetails()).retries ?? 0) >= retriesBefore + 4, 20_000);
      expect((await engine.infra.health.readiness()).components.engine?.details?.retrying_since).not.toBeNull();
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      client = await connectClient();
      await until(
        'the held orders to fill',
        async () => (await count("SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'FILLED'", [ids])) === 5,
        30_000,
      );
      // Held, not requeued: nothing reached the delivery limit.
      expect((await engine.infra.queueDepth()).dead).toBe(deadBefore);
    } finally {
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect(await auditBooks(client, START)).toEqual([]);
  }, 60_000);
});

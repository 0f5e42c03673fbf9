/**
 * The outbox relay on the real PostgreSQL (own database, migrated) and Redis (own db index),
 * with the in-process event bus: batches handed over while a publication awaits its confirms
 * go out together, and their rows are marked by one deferred UPDATE.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../core/events.js';
import type { EventBus } from '../core/ports.js';
import { MemoryEventBus } from '../platform/embedded/memory-bus.js';
import { createLogger } from '../platform/logger.js';
import { insertOutboxEvents } from '../platform/db/outbox.repository.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { OutboxRelay } from './outbox.relay.js';
import { newId } from '../core/ids.js';
import { EVENT_NAMESPACE, uuidV5 } from '../core/order-message.js';
import { until } from './settle.fixtures.js';

let db: TestDatabase;
let testRedis: TestRedis;
let pool: pg.Pool;
let redis: Redis;
let subscriber: Redis;
const onRedis: string[] = [];
const logger = createLogger('silent');

beforeAll(async () => {
  [db, testRedis] = await Promise.all([createTestDatabase('relay'), createTestRedis()]);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  redis = new Redis(testRedis.url);
  subscriber = new Redis(testRedis.url);
  subscriber.on('message', (_channel: string, text: string) => onRedis.push((JSON.parse(text) as DomainEvent).id));
  await subscriber.subscribe('trade_events');
}, 60_000);

afterAll(async () => {
  await subscriber?.quit();
  await redis?.quit();
  await pool?.end();
  await Promise.all([db?.drop(), testRedis?.release()]);
});

/** Commit `n` `order_filled` events to the outbox, as a settling transaction would. */
async function committed(n: number): Promise<DomainEvent[]> {
  const events: DomainEvent[] = Array.from({ length: n }, () => ({
    id: randomUUID(),
    type: 'order_filled',
    occurred_at: new Date().toISOString(),
    data: { order_id: randomUUID() },
  }));
  return insertOutboxEvents(pool, events);
}

/** An in-process event bus whose first publication waits for `open()` (a slow broker confirm). */
function gatedBus(): { bus: EventBus; calls: string[][]; open: () => void; firstCall: Promise<void> } {
  const inner = new MemoryEventBus();
  const calls: string[][] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let called!: () => void;
  const firstCall = new Promise<void>((resolve) => (called = resolve));
  const bus: EventBus = {
    async publish(events) {
      calls.push(events.map((e) => e.id));
      if (calls.length === 1) {
        called();
        await gate;
      }
      await inner.publish(events);
    },
    subscribe: (pattern, handler, options) => inner.subscribe(pattern, handler, options),
    close: () => inner.close(),
  };
  return { bus, calls, open, firstCall };
}

const rowsOf = async (ids: readonly string[]) =>
  (
    await pool.query<{ id: string; published_at: Date | null; attempts: number }>(
      'SELECT id, published_at, attempts FROM outbox_events WHERE id = ANY($1::uuid[])',
      [ids],
    )
  ).rows;

describe('GIVEN batches committed while the broker is slow to confirm the first', () => {
  it('THEN Redis and the broker get every batch at once, in commit order, and one UPDATE marks them all once both took them', async () => {
    const { bus, calls, open, firstCall } = gatedBus();
    const relay = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000, sweepMinAgeMs: 0 });
    const [b1, b2, b3] = [await committed(2), await committed(3), await committed(1)] as [DomainEvent[], DomainEvent[], DomainEvent[]];
    const ids = [...b1, ...b2, ...b3].map((e) => e.id);

    relay.push(b1);
    await firstCall;
    relay.push(b2);
    relay.push(b3);
    // Neither Redis nor the broker waits for the first confirm: every event is out, in commit order.
    await until('all on Redis', () => onRedis.length >= ids.length, 5_000, 5);
    expect(onRedis.filter((id) => ids.includes(id))).toEqual(ids);
    expect(calls).toEqual([b1, b2, b3].map((b) => b.map((e) => e.id)));
    // Nothing is marked while a confirm is outstanding, and a sweep meanwhile leaves the rows
    // in flight alone (they are old enough to be swept).
    await relay.sweep();
    expect(calls).toHaveLength(3);
    expect((await rowsOf(ids)).every((r) => r.published_at === null)).toBe(true);

    open();
    await relay.idle();
    const rows = await rowsOf(ids);
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    // One statement marked them all: one transaction time.
    expect(new Set(rows.map((r) => r.published_at?.toISOString())).size).toBe(1);
    expect(rows[0]?.published_at).not.toBeNull();

    // Marked rows are not swept again.
    await relay.sweep();
    expect(calls).toHaveLength(3);
    await relay.stop();
  });
});

describe('GIVEN events relayed on the fast path', () => {
  it('THEN their rows are marked within the mark delay without anyone waiting, and stop() marks what is left', async () => {
    const { bus, open } = gatedBus();
    open();
    const relay = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000, markDelayMs: 50 });
    const first = await committed(4);
    relay.push(first);
    await until(
      'marked by the timer',
      async () => (await rowsOf(first.map((e) => e.id))).every((r) => r.published_at !== null),
      5_000,
      10,
    );

    const slow = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000, markDelayMs: 60_000 });
    const last = await committed(2);
    slow.push(last);
    await slow.stop();
    expect((await rowsOf(last.map((e) => e.id))).every((r) => r.published_at !== null)).toBe(true);
    await relay.stop();
  });
});

describe('GIVEN events whose text holds newlines, quotes, backslashes and non-ASCII', () => {
  it('THEN the outbox stores each payload exactly as its event (newline-joined on the way in) and keeps one row per id', async () => {
    const awkward = ['line 1\nline 2\r\n', 'say "hi" \\ back\\slash', '개미 🐜 \u2028\u2029 \t', '', '\\n is not a newline'];
    const events: DomainEvent[] = awkward.map((message) => ({
      id: randomUUID(),
      type: 'operator_alert',
      occurred_at: new Date().toISOString(),
      data: { message, nested: { list: [message, null, 1.5] } },
    }));
    expect((await insertOutboxEvents(pool, events)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    // Inserting the same events again is a no-op: nothing to relay twice.
    expect(await insertOutboxEvents(pool, events)).toEqual([]);
    const stored = await pool.query<{ id: string; type: string; channel: string; routing_key: string; payload: DomainEvent }>(
      'SELECT id, type, channel, routing_key, payload FROM outbox_events WHERE id = ANY($1::uuid[]) ORDER BY seq',
      [events.map((e) => e.id)],
    );
    expect(stored.rows.map((r) => r.payload)).toEqual(events);
    expect(stored.rows.map((r) => [r.id, r.type, r.channel, r.routing_key])).toEqual(
      events.map((e) => [e.id, 'operator_alert', 'system_events', 'system_events.operator_alert']),
    );
    expect(await insertOutboxEvents(pool, [])).toEqual([]);
  });
});

describe('GIVEN published and unpublished events older and younger than the retention', () => {
  it('THEN prune() deletes only the old published ones, in batches, and counts them; without a retention it deletes nothing', async () => {
    const { bus, open } = gatedBus();
    open();
    const [oldPublished, oldUnpublished, youngPublished] = [await committed(7), await committed(2), await committed(3)];
    const ids = (events: readonly DomainEvent[]) => events.map((e) => e.id);
    await pool.query("UPDATE outbox_events SET created_at = now() - interval '73 hours' WHERE id = ANY($1::uuid[])", [[...ids(oldPublished), ...ids(oldUnpublished)]]);
    await pool.query('UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::uuid[])', [[...ids(oldPublished), ...ids(youngPublished)]]);

    const keeping = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000 });
    expect(await keeping.prune()).toBe(0);
    expect(await rowsOf(ids(oldPublished))).toHaveLength(7);
    await keeping.stop();

    const relay = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000, retentionMs: 72 * 3_600_000, pruneBatch: 3 });
    expect(await relay.prune()).toBe(7);
    expect(relay.stats.pruned).toBe(7);
    expect(relay.stats.lastPrunedAt).not.toBeNull();
    expect(await rowsOf(ids(oldPublished))).toEqual([]);
    expect((await rowsOf(ids(oldUnpublished))).map((r) => r.published_at)).toEqual([null, null]);
    expect(await rowsOf(ids(youngPublished))).toHaveLength(3);
    expect(await relay.prune()).toBe(0);
    await relay.stop();
  });

  it('THEN the relay prunes by itself every interval once started', async () => {
    const { bus, open } = gatedBus();
    open();
    const old = await committed(2);
    await pool.query("UPDATE outbox_events SET created_at = now() - interval '2 hours', published_at = now() WHERE id = ANY($1::uuid[])", [old.map((e) => e.id)]);
    const relay = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000, retentionMs: 3_600_000, pruneIntervalMs: 20 });
    relay.start();
    await until('pruned by the timer', async () => (await rowsOf(old.map((e) => e.id))).length === 0, 5_000, 10);
    expect(relay.stats.pruned).toBeGreaterThanOrEqual(2);
    await relay.stop();
  });
});

describe('GIVEN relayed events with ids made once (newId) and with deterministic ids', () => {
  it('THEN the rows of the first are deleted and the others are marked published and kept', async () => {
    const { bus, open } = gatedBus();
    open();
    const made = (id: string): DomainEvent => ({ id, type: 'order_filled', occurred_at: new Date().toISOString(), data: { order_id: randomUUID() } });
    const once = [made(newId()), made(newId())];
    const stable = [made(uuidV5(`relay-test:${randomUUID()}`, EVENT_NAMESPACE))];
    const events = await insertOutboxEvents(pool, [once[0] as DomainEvent, ...stable, once[1] as DomainEvent]);
    expect(events).toHaveLength(3);
    const relay = new OutboxRelay({ pool, redis, eventBus: bus, logger, sweepIntervalMs: 60_000, markDelayMs: 60_000 });
    relay.push(events);
    await relay.stop();
    expect(await rowsOf(once.map((e) => e.id))).toEqual([]);
    const kept = await rowsOf(stable.map((e) => e.id));
    expect(kept.map((r) => [r.id, r.published_at !== null, r.attempts])).toEqual([[stable[0]?.id, true, 1]]);
    expect(onRedis).toEqual(expect.arrayContaining(events.map((e) => e.id)));
  });
});

/**
 * The transactional outbox (`outbox_events`): events are inserted in the transaction that
 * makes the state change they announce, and relayed after commit (SPEC §5). The row id is
 * the event id, so inserting an event twice keeps one row.
 */
import type { DomainEvent, EventType } from '../../core/events.js';
import { channelOf, eventJson, routingKeyOf } from '../../core/events.js';
import type { SqlClient } from './settlement.repository.js';
import { pgArray } from './sql-array.js';
import { splitByNewId } from '../../core/ids.js';

/**
 * Outbox rows as five statement parameters, for {@link outboxRowsSql}: ids, types, Redis
 * channels and routing keys as array literals ({@link pgArray}), and the payloads (each the
 * {@link eventJson} of its event) as ONE text, joined by newlines — `JSON.stringify` never
 * writes a raw newline, so PostgreSQL splits it with `string_to_array` and parses each payload
 * once, as `json`. Sent inside one JSON document (`json_to_recordset`), a payload was parsed
 * twice: with the document and again as its `json` column; sent as a `json[]` literal, `pg`
 * escapes every quote. 300 `order_filled` events: 2.1–2.3 ms as a JSON document, 0.82–0.94 ms
 * as now (one connection, idle machine, round trip included).
 */
export function outboxParams(events: readonly DomainEvent[]): [string, string, string, string, string] {
  return [
    pgArray(events.map((e) => e.id)),
    pgArray(events.map((e) => e.type)),
    pgArray(events.map((e) => channelOf(e.type))),
    pgArray(events.map((e) => routingKeyOf(e.type))),
    events.map(eventJson).join('\n'),
  ];
}

/**
 * `SELECT` of the rows of {@link outboxParams} bound at `$first` … `$first+4`, as
 * (id, type, channel, routing_key, payload) in array order.
 */
export function outboxRowsSql(first: number): string {
  const [a, b, c, d, e] = [first, first + 1, first + 2, first + 3, first + 4];
  return `SELECT * FROM unnest($${a}::uuid[], $${b}::text[], $${c}::text[], $${d}::text[], string_to_array($${e}::text, E'\\n')::json[])`;
}

/**
 * Insert events (in array order, which is their `seq` order); an id already present is
 * skipped. Returns the events actually inserted — the ones this transaction must relay.
 */
export async function insertOutboxEvents(client: SqlClient, events: readonly DomainEvent[]): Promise<DomainEvent[]> {
  if (events.length === 0) return [];
  const result = await client.query<{ id: string }>({
    name: 'outbox_insert',
    text: `INSERT INTO outbox_events (id, type, channel, routing_key, payload)
           ${outboxRowsSql(1)}
           ON CONFLICT (id) DO NOTHING RETURNING id`,
    values: outboxParams(events),
  });
  const inserted = new Set(result.rows.map((r) => r.id));
  return events.filter((e) => inserted.has(e.id));
}

/**
 * Account for events relayed, in one statement: a row whose event id was made by `newId` (v7)
 * is deleted — nothing can insert that id again, so the row has no use once published — and
 * the others (deterministic ids, v5: a redelivered poison message or an unknown player's order
 * derives the same id, and `ON CONFLICT (id) DO NOTHING` must find the row to publish it only
 * once) are marked `published_at` and kept until outbox retention deletes them
 * (`OUTBOX_RETENTION_HOURS`, {@link pruneOutbox}).
 *
 * Deleting instead of marking spares PostgreSQL the new version of the whole row that the
 * UPDATE writes (it cannot stay on its page: `published_at` is in `outbox_unpublished_idx`'s
 * predicate) with its `outbox_events_pkey` entry. `bench:settle` throughput phase, three
 * interleaved pairs: WAL per order 4,509–4,523 → 3,784–3,788 bytes, PostgreSQL CPU per order
 * 85–87 → 81–84 µs.
 */
export async function markOutboxPublished(client: SqlClient, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query({ name: 'outbox_mark_published', ...outboxPublishedStatement(ids) });
}

/**
 * The statement of {@link markOutboxPublished} for `ids` (text and its two parameters), for a
 * caller on another client (the notifier's, through Sequelize: `bind`).
 */
export function outboxPublishedStatement(ids: readonly string[]): { text: string; values: [string, string] } {
  const { once, derived: kept } = splitByNewId(ids, (id) => id);
  return {
    text: `WITH gone AS (DELETE FROM outbox_events WHERE id = ANY($1::uuid[]) AND published_at IS NULL)
           UPDATE outbox_events SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($2::uuid[]) AND published_at IS NULL`,
    values: [pgArray(once), pgArray(kept)],
  };
}

/** Count a failed relay attempt. */
export async function markOutboxAttempt(client: SqlClient, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query({
    name: 'outbox_mark_attempt',
    text: 'UPDATE outbox_events SET attempts = attempts + 1 WHERE id = ANY($1::uuid[])',
    values: [ids],
  });
}

/**
 * Unpublished events older than `minAgeMs` (left behind by a crash between commit and relay,
 * or by a failed relay), oldest first.
 */
export async function unpublishedOutboxEvents(client: SqlClient, minAgeMs: number, limit: number): Promise<DomainEvent[]> {
  const result = await client.query<{ payload: DomainEvent<EventType> }>({
    name: 'outbox_unpublished',
    text: `SELECT payload FROM outbox_events
            WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
            ORDER BY seq LIMIT $2`,
    values: [minAgeMs, limit],
  });
  return result.rows.map((r) => r.payload);
}

/**
 * Delete up to `limit` published events written more than `olderThanMs` ago (outbox retention;
 * `outbox_created_brin`, migration 0012, finds them). Unpublished events are kept whatever
 * their age: the sweep still owes them a publication.
 * @returns how many rows were deleted (fewer than `limit`: nothing older is left).
 */
export async function pruneOutbox(client: SqlClient, olderThanMs: number, limit: number): Promise<number> {
  const result = await client.query({
    name: 'outbox_prune',
    // By ctid (a TID scan) rather than `id IN (…)`, which the planner answered with a scan of
    // the whole table: 300,000 rows, 5,000 deleted, 79 ms that way, 9.7 ms this way.
    text: `DELETE FROM outbox_events WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM outbox_events
              WHERE created_at < now() - make_interval(secs => $1::double precision / 1000) AND published_at IS NOT NULL
              LIMIT $2))`,
    values: [olderThanMs, limit],
  });
  return result.rowCount ?? 0;
}

/** Unpublished events (for health). */
export async function outboxBacklog(client: SqlClient): Promise<number> {
  const result = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox_events WHERE published_at IS NULL');
  return Number.parseInt(result.rows[0]?.n ?? '0', 10);
}

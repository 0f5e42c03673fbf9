/**
 * An index for outbox retention: relayed `outbox_events` rows that are kept (events with
 * deterministic ids, see `markOutboxPublished`) are deleted by the engine's relay
 * (`engine/outbox.relay.ts`) once older than `OUTBOX_RETENTION_HOURS`, and this finds them by
 * `created_at` without reading the whole table.
 *
 * BRIN, not btree: rows are appended in `created_at` order, so a summary per range of 32 pages
 * (min/max `created_at`) narrows the scan to the old end of the table, and a new row costs no
 * index entry of its own (a btree on `created_at` would add one insert per event to the
 * settling statement). `autosummarize` has autovacuum summarize each range once it is full;
 * ranges not yet summarized are always scanned (they are the newest, few pages).
 * `created_at` never changes, so marking a row published never touches this index.
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql('CREATE INDEX outbox_created_brin ON outbox_events USING brin (created_at) WITH (pages_per_range = 32, autosummarize = on);');
};

export const down: MigrationFn = async ({ sql }) => {
  await sql('DROP INDEX outbox_created_brin;');
};

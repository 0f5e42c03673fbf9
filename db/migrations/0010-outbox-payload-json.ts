/**
 * `outbox_events.payload` becomes `json` (was `jsonb`): the relay only ever reads a payload
 * back whole, so PostgreSQL can keep the text the writer sent instead of building a jsonb
 * tree for every event.
 *
 * Every settled order writes one event (two for a whale trade), and building the jsonb value
 * cost more than parsing everything else of the order: 487 `order_filled` events of a
 * `bench:settle` batch through `json_to_recordset` took 7.0–7.9 ms as jsonb and 3.0–3.1 ms as
 * json on a 2-vCPU VM, about 8 µs of PostgreSQL CPU per event. The `->`/`->>` operators that
 * tests and operators use on payloads work on json alike. A json value keeps its key order
 * and whitespace as written (the writers send `JSON.stringify` output).
 *
 * The ALTER rewrites the table under an ACCESS EXCLUSIVE lock: seconds for a few million
 * events. Run it with the engine stopped or idle.
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql('ALTER TABLE outbox_events ALTER COLUMN payload TYPE json USING payload::json');
};

export const down: MigrationFn = async ({ sql }) => {
  await sql('ALTER TABLE outbox_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb');
};

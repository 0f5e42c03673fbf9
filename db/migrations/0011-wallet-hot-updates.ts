/**
 * Let a fill update its player's wallet in place (a HOT update), as 0005 did for positions.
 *
 * Every settled order rewrites its player's `wallets` row (`balance_krw`, `last_updated`). With
 * the default fillfactor (100) a wallet page is full after its inserts, so an update finds no
 * room beside the old version: PostgreSQL locks the old version (a `Heap/LOCK` WAL record),
 * writes the new one on another page and adds an entry for it to `wallets_pkey`, leaving a dead
 * one behind. Half of each page kept free (fillfactor 50) lets the new version stay on its
 * page: one `Heap/HOT_UPDATE` record, no index entry. No index covers a column a fill changes,
 * so nothing else stops the update from being HOT. Wallets are one small row per player, so
 * the table's doubled size does not matter.
 *
 * Measured in `bench:settle`'s throughput phase (`pg_stat_user_tables`): 8,360 of 21,501
 * wallet updates were HOT before (39 %), 25,020 of 25,103 after (99.7 %); each non-HOT one had
 * cost a LOCK record, a full UPDATE record and a `wallets_pkey` insert (pg_waldump). WAL per
 * order 4,602–4,610 → 4,548–4,569 bytes (4 runs before, 3 after).
 * Only pages written after the migration get the free space; existing full pages fill up the
 * same way until their rows move (or a `VACUUM FULL wallets` in a quiet hour).
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql('ALTER TABLE wallets SET (fillfactor = 50);');
};

export const down: MigrationFn = async ({ sql }) => {
  await sql('ALTER TABLE wallets RESET (fillfactor);');
};

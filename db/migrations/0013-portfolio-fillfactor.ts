/**
 * Half of each `portfolios` page kept free (fillfactor 50, as 0011 did for wallets), so a fill
 * updates its position in place (a HOT update) instead of writing it on another page.
 *
 * 0005 set fillfactor 80 and made every position update eligible for HOT (no index covers a
 * column a fill changes). Under load that free fifth of a page was not enough: a page holds
 * dozens of positions, each fill leaves the old version behind until the page is pruned, and
 * the old versions of the last moments cannot be pruned while concurrent settle statements may
 * still see them. An update that finds no room moves the row to another page and adds an entry
 * to each of the table's three indexes (`portfolios_pkey`, the `(user_id, ticker_id)` key and
 * `portfolios_ticker_idx`), leaving dead ones behind.
 *
 * Measured in `bench:settle`'s throughput phase (`pg_stat_user_tables`): 3,168 of 10,234
 * position updates were HOT with fillfactor 80 (31 %), 17,262 of 17,438 with 50 (99 %). Three
 * interleaved pairs of `--throughput-only` runs: WAL per order 3,775–3,786 → 3,626–3,643 bytes,
 * PostgreSQL CPU per order 141–151 → 134–139 µs (a 2-vCPU VM in a slow hour).
 * Only pages written after the migration get the free space; existing full pages fill up the
 * same way until their rows move (or a `VACUUM FULL portfolios` in a quiet hour).
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql('ALTER TABLE portfolios SET (fillfactor = 50);');
};

export const down: MigrationFn = async ({ sql }) => {
  await sql('ALTER TABLE portfolios SET (fillfactor = 80);');
};

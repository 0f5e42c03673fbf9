/**
 * Let a fill update its position in place (a HOT update, no new index entries).
 *
 * 0001's `portfolios_ticker_idx` was partial (`WHERE quantity <> 0`): an index predicate on a
 * column a fill changes makes every position update a non-HOT update, writing a new entry in
 * each of the table's three indexes and leaving dead ones behind for the lock statement to
 * step over. A plain index on `ticker_id` answers the same "holders of a ticker" queries (with
 * `quantity <> 0` as a filter) and is never touched by a fill. Free space on each page
 * (fillfactor 80) lets the new row version stay on its page. Measured on 6,000 positions:
 * updating 250 of them 8.7–16 ms before, 4.2–4.6 ms after.
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    DROP INDEX portfolios_ticker_idx;
    CREATE INDEX portfolios_ticker_idx ON portfolios (ticker_id);
    ALTER TABLE portfolios SET (fillfactor = 80);
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    ALTER TABLE portfolios RESET (fillfactor);
    DROP INDEX portfolios_ticker_idx;
    CREATE INDEX portfolios_ticker_idx ON portfolios (ticker_id) WHERE quantity <> 0;
  `);
};

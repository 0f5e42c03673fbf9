/**
 * `portfolios_ticker_idx` on `(ticker_id, user_id)` instead of `(ticker_id)` alone.
 *
 * The engine looks positions up by `(user_id, ticker_id)` with plans made once per connection
 * (see `engine/engine.service.ts`). A plan made while the table was empty may pick this index
 * over the unique `(user_id, ticker_id)` one; on `ticker_id` alone that meant walking every
 * holder of the ticker for each position (60 ms per 500 positions with 2,000 holders). With
 * both columns, either index finds the one row. "Holders of a ticker" queries use its prefix
 * as before, and a fill still updates a position without touching it (HOT, see 0005).
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    DROP INDEX portfolios_ticker_idx;
    CREATE INDEX portfolios_ticker_idx ON portfolios (ticker_id, user_id);
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    DROP INDEX portfolios_ticker_idx;
    CREATE INDEX portfolios_ticker_idx ON portfolios (ticker_id);
  `);
};

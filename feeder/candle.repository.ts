/**
 * Writes candle deltas into PostgreSQL `candles` (migration 0001): one statement per flush,
 * whatever the number of tickers (arrays bound as parameters and expanded with `unnest`).
 *
 * Merge rule on an existing row: keep its `open`, `high = GREATEST`, `low = LEAST`,
 * `close` = the delta's, `volume` += the delta's. Works the same on PGlite.
 */
import type { Sequelize } from 'sequelize';
import { toDbString } from '../core/money.js';
import type { CandleDelta } from './candle-aggregator.js';

/** Rows per statement; keeps one statement's arrays to a few hundred kB. */
const MAX_ROWS = 10_000;

export class CandleRepository {
  constructor(private readonly sequelize: Sequelize) {}

  /** Merge the deltas (unique per ticker/interval/bucket) into `candles`. */
  async upsert(deltas: readonly CandleDelta[]): Promise<void> {
    for (let i = 0; i < deltas.length; i += MAX_ROWS) {
      const chunk = deltas.slice(i, i + MAX_ROWS);
      await this.sequelize.query(
        `INSERT INTO candles AS c (ticker_id, interval, bucket_start, open, high, low, close, volume, source, updated_at)
         SELECT t, i, b, o, h, l, cl, v, s, now()
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::numeric[], $5::numeric[], $6::numeric[],
                       $7::numeric[], $8::numeric[], $9::text[]) AS x(t, i, b, o, h, l, cl, v, s)
         ON CONFLICT (ticker_id, interval, bucket_start) DO UPDATE SET
           high = GREATEST(c.high, EXCLUDED.high),
           low = LEAST(c.low, EXCLUDED.low),
           close = EXCLUDED.close,
           volume = c.volume + EXCLUDED.volume,
           source = EXCLUDED.source,
           updated_at = now()`,
        {
          bind: [
            chunk.map((d) => d.ticker_id),
            chunk.map((d) => d.interval),
            chunk.map((d) => d.bucket_start.toISOString()),
            chunk.map((d) => toDbString(d.open)),
            chunk.map((d) => toDbString(d.high)),
            chunk.map((d) => toDbString(d.low)),
            chunk.map((d) => toDbString(d.close)),
            chunk.map((d) => d.volume.decimalPlaces(8).toFixed(8)),
            chunk.map((d) => d.source),
          ],
        },
      );
    }
  }
}

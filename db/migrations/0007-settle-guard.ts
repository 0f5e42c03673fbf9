/**
 * `settle_guard(ok, what)`: lets one settling statement refuse itself. It returns true when
 * `ok` holds and otherwise raises SQLSTATE 40001 (`serialization_failure`) with the message
 * "settlement conflict: <what>", which aborts the statement and everything it wrote.
 *
 * The engine settles a batch with one read and one guarded write (see
 * `platform/db/settlement.repository.ts`, `writeBatch`): the write compares every wallet and
 * position with the value it was computed from and counts the orders it inserted, and calls
 * this function on the result. A row another writer changed in between (an operator's cash
 * adjustment, a second engine during a failover) makes the whole write fail instead of
 * overwriting the change; the engine then settles the batch again with the rows locked.
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    CREATE FUNCTION settle_guard(ok BOOLEAN, what TEXT) RETURNS BOOLEAN LANGUAGE plpgsql AS $fn$
    BEGIN
      IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'settlement conflict: %', what USING ERRCODE = 'serialization_failure';
      END IF;
      RETURN true;
    END $fn$;
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql('DROP FUNCTION settle_guard(BOOLEAN, TEXT);');
};

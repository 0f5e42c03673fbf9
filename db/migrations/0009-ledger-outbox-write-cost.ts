/**
 * Fewer index entries and reference probes per settled order; the ledger's rules are unchanged.
 *
 * A fill writes five ledger rows, one order row and one outbox event in one statement, and
 * index inserts were about a quarter of PostgreSQL's time in `bench:settle`. This migration:
 * - drops `ledger_order_idx`: an order's legs are the ledger transaction named by the order
 *   (`txn_id = order_id`, how settlement has always written them), now a CHECK
 *   (`ledger_entries_order_txn_check`), so "the ledger rows of an order" is
 *   `WHERE txn_id = $order` on `ledger_txn_idx`; the delete guard of `orders` looks there;
 * - drops the UNIQUE constraint on `outbox_events.seq` (a BIGSERIAL: the sequence already
 *   makes it unique; nothing reads published rows in seq order, and unpublished ones are
 *   found by `outbox_unpublished_idx`), two btree inserts per event fewer (insert and mark);
 * - makes the statement-level reference checks (0004, 0006) probe each distinct user and
 *   order once instead of once per ledger row (five rows of one order named it five times).
 * Measured in `bench:settle`'s throughput phase on a 2-vCPU VM: PostgreSQL CPU per order
 * 157 → 138–147 µs. Errors are the same (SQLSTATE 23503 for an unknown user or order).
 */
import type { MigrationFn } from './types.js';

const statementChecks = (distinct: boolean) => {
  const probe = (column: 'user_id' | 'order_id', table: 'users' | 'orders') =>
    distinct
      ? `SELECT i.id::text INTO missing FROM (SELECT DISTINCT ${column} AS id FROM inserted WHERE ${column} IS NOT NULL) i
           WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.id = i.id) LIMIT 1;`
      : `SELECT i.${column}::text INTO missing FROM inserted i WHERE i.${column} IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.id = i.${column}) LIMIT 1;`;
  return `
    CREATE OR REPLACE FUNCTION ledger_statement_checks() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE missing TEXT;
    BEGIN
      ${probe('user_id', 'users')}
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger row names unknown user %', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      ${probe('order_id', 'orders')}
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger row names unknown order %', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      INSERT INTO ledger_balance_checks (txn_id, asset)
        SELECT txn_id, asset FROM inserted GROUP BY txn_id, asset HAVING SUM(amount) <> 0;
      RETURN NULL;
    END $fn$;`;
};

const referencedGuard = (orderColumn: 'txn_id' | 'order_id') => `
    CREATE OR REPLACE FUNCTION ledger_referenced_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF (TG_TABLE_NAME = 'users' AND EXISTS (SELECT 1 FROM ledger_entries WHERE user_id = OLD.id))
         OR (TG_TABLE_NAME = 'orders' AND EXISTS (SELECT 1 FROM ledger_entries WHERE ${orderColumn} = OLD.id)) THEN
        RAISE EXCEPTION '% % is named by ledger rows and cannot be deleted', TG_TABLE_NAME, OLD.id
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN OLD;
    END $fn$;`;

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_order_txn_check CHECK (order_id IS NULL OR order_id = txn_id);
    DROP INDEX ledger_order_idx;
    ${referencedGuard('txn_id')}
    ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_seq_key;
    ${statementChecks(true)}
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    ${statementChecks(false)}
    ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_seq_key UNIQUE (seq);
    ${referencedGuard('order_id')}
    CREATE INDEX ledger_order_idx ON ledger_entries (order_id) WHERE order_id IS NOT NULL;
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_order_txn_check;
  `);
};

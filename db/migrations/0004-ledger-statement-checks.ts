/**
 * Same ledger rules as 0001, checked per statement instead of per row.
 *
 * 0001 checked every `ledger_entries` row three times: two foreign keys (`user_id → users`,
 * `order_id → orders`, one RI trigger call each) and the deferred balance trigger (one
 * PL/pgSQL call and one `SUM` per row, at COMMIT). Settlement writes five ledger rows per fill,
 * all in one statement, so those checks were about a third of the settling statement's time
 * (100 fills: 20 ms with them, 13 ms without; see `bench/settle.bench.ts` and issue 4).
 *
 * Now one statement-level trigger sees the rows a statement inserted (transition table
 * `inserted`) and, set-based:
 * - refuses a row whose `user_id` or `order_id` names no user / order (SQLSTATE 23503,
 *   `foreign_key_violation`, as the foreign keys did);
 * - sums the rows per `(txn_id, asset)`. Pairs that balance within the statement (every
 *   settlement write) need nothing more: a part that sums to zero cannot unbalance its
 *   transaction. Pairs that do not (legs written one statement at a time, as the api does)
 *   are queued in `ledger_balance_checks`, whose deferred constraint trigger sums the whole
 *   ledger transaction at COMMIT and refuses it (SQLSTATE 23514, `check_violation`, "does not
 *   balance") if it is not zero, then removes the queue row. So the rule is unchanged: a
 *   ledger transaction that does not sum to zero per asset is refused at COMMIT and leaves
 *   nothing; `SET CONSTRAINTS ALL IMMEDIATE` still forces the check early.
 *
 * Deleting a user or an order that ledger rows name is refused by a guard trigger (the
 * foreign keys' `ON DELETE RESTRICT`; nothing in the game deletes either). A concurrent delete
 * of a user cannot slip past a settlement: the user's wallet references the user and is
 * locked by the settling transaction.
 */
import type { MigrationFn } from './types.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    DROP TRIGGER ledger_txn_balanced ON ledger_entries;
    DROP FUNCTION ledger_txn_balanced();
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_user_id_fkey,
                               DROP CONSTRAINT ledger_entries_order_id_fkey;

    -- (txn_id, asset) pairs a statement left unbalanced: summed again at COMMIT.
    CREATE TABLE ledger_balance_checks (
      txn_id  UUID NOT NULL,
      asset   TEXT NOT NULL
    );

    CREATE FUNCTION ledger_balance_at_commit() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE total NUMERIC;
    BEGIN
      SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_entries
        WHERE txn_id = NEW.txn_id AND asset = NEW.asset;
      IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance for asset %: sum is %', NEW.txn_id, NEW.asset, total
          USING ERRCODE = 'check_violation';
      END IF;
      DELETE FROM ledger_balance_checks WHERE txn_id = NEW.txn_id AND asset = NEW.asset;
      RETURN NULL;
    END $fn$;
    CREATE CONSTRAINT TRIGGER ledger_balance_at_commit
      AFTER INSERT ON ledger_balance_checks DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION ledger_balance_at_commit();

    -- The reference checks run through EXECUTE: planned on every call for the rows at hand.
    -- A plan PL/pgSQL cached on the first (large) statement of a session kept a hash anti-join
    -- over all of orders, which costs milliseconds per statement once orders has grown.
    CREATE FUNCTION ledger_statement_checks() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE missing TEXT;
    BEGIN
      EXECUTE 'SELECT i.user_id::text FROM inserted i WHERE i.user_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id) LIMIT 1' INTO missing;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger row names unknown user %', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      EXECUTE 'SELECT i.order_id::text FROM inserted i WHERE i.order_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = i.order_id) LIMIT 1' INTO missing;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger row names unknown order %', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      INSERT INTO ledger_balance_checks (txn_id, asset)
        SELECT txn_id, asset FROM inserted GROUP BY txn_id, asset HAVING SUM(amount) <> 0;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER ledger_statement_checks
      AFTER INSERT ON ledger_entries REFERENCING NEW TABLE AS inserted
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_statement_checks();

    CREATE FUNCTION ledger_referenced_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF (TG_TABLE_NAME = 'users' AND EXISTS (SELECT 1 FROM ledger_entries WHERE user_id = OLD.id))
         OR (TG_TABLE_NAME = 'orders' AND EXISTS (SELECT 1 FROM ledger_entries WHERE order_id = OLD.id)) THEN
        RAISE EXCEPTION '% % is named by ledger rows and cannot be deleted', TG_TABLE_NAME, OLD.id
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN OLD;
    END $fn$;
    CREATE TRIGGER ledger_referenced_guard BEFORE DELETE ON users
      FOR EACH ROW EXECUTE FUNCTION ledger_referenced_guard();
    CREATE TRIGGER ledger_referenced_guard BEFORE DELETE ON orders
      FOR EACH ROW EXECUTE FUNCTION ledger_referenced_guard();
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    DROP TRIGGER ledger_referenced_guard ON users;
    DROP TRIGGER ledger_referenced_guard ON orders;
    DROP FUNCTION ledger_referenced_guard();
    DROP TRIGGER ledger_statement_checks ON ledger_entries;
    DROP FUNCTION ledger_statement_checks();
    DROP TABLE ledger_balance_checks;
    DROP FUNCTION ledger_balance_at_commit();

    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_user_id_fkey
      FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE RESTRICT;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_order_id_fkey
      FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE RESTRICT;
    CREATE FUNCTION ledger_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE total NUMERIC;
    BEGIN
      SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_entries
        WHERE txn_id = NEW.txn_id AND asset = NEW.asset;
      IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance for asset %: sum is %', NEW.txn_id, NEW.asset, total
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $fn$;
    CREATE CONSTRAINT TRIGGER ledger_txn_balanced
      AFTER INSERT ON ledger_entries DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION ledger_txn_balanced();
  `);
};

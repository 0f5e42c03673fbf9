/**
 * `orders.user_id` checked once per statement instead of by a foreign key, as 0004 did for the
 * ledger's references.
 *
 * The foreign key `orders_user_id_fkey` checked every inserted order with its own trigger call,
 * which locks the player's `users` row (`SELECT … FOR KEY SHARE`): one RI query and one
 * `Heap/LOCK` WAL record per settled order, and a `users` page dirtied (and logged whole after
 * each checkpoint) for a player row nothing changed. In `bench:settle`'s throughput phase those
 * locks were 10,669 of the WAL records in two seconds, all on `users`.
 *
 * Now:
 * - a statement-level trigger sees the orders a statement inserted (transition table
 *   `inserted`) and refuses one whose `user_id` names no user: SQLSTATE 23503,
 *   `foreign_key_violation`, as the foreign key did ("order names unknown user …");
 * - an UPDATE that gives an order another `user_id` is checked per row, only when it changes;
 * - deleting a user that orders name is refused by the delete guard of users (0004, 0009),
 *   which now also looks at `orders` (through `orders_user_created_idx`).
 *
 * Measured in `bench:settle`'s throughput phase, three interleaved pairs of `--throughput-only`
 * runs: WAL per order 3,582–3,589 → 3,542–3,543 bytes, PostgreSQL CPU per order 94–102 → 89–91 µs.
 *
 * A concurrent delete of a user cannot slip past a settlement: every order the engine records
 * is of a player with a wallet, which references the user (`ON DELETE RESTRICT`) and which the
 * settling statement updates (locks) when it fills; and a player with a wallet has ledger rows
 * (the starting cash), which the delete guard refuses to orphan.
 */
import type { MigrationFn } from './types.js';

const referencedGuard = (ordersToo: boolean) => `
    CREATE OR REPLACE FUNCTION ledger_referenced_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF (TG_TABLE_NAME = 'users' AND EXISTS (SELECT 1 FROM ledger_entries WHERE user_id = OLD.id))
         OR (TG_TABLE_NAME = 'orders' AND EXISTS (SELECT 1 FROM ledger_entries WHERE txn_id = OLD.id)) THEN
        RAISE EXCEPTION '% % is named by ledger rows and cannot be deleted', TG_TABLE_NAME, OLD.id
          USING ERRCODE = 'foreign_key_violation';
      END IF;${
        ordersToo
          ? `
      IF TG_TABLE_NAME = 'users' AND EXISTS (SELECT 1 FROM orders WHERE user_id = OLD.id) THEN
        RAISE EXCEPTION 'users % is named by orders and cannot be deleted', OLD.id
          USING ERRCODE = 'foreign_key_violation';
      END IF;`
          : ''
      }
      RETURN OLD;
    END $fn$;`;

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;

    CREATE FUNCTION orders_statement_checks() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE missing TEXT;
    BEGIN
      SELECT i.id::text INTO missing FROM (SELECT DISTINCT user_id AS id FROM inserted) i
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.id) LIMIT 1;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'order names unknown user %', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER orders_statement_checks
      AFTER INSERT ON orders REFERENCING NEW TABLE AS inserted
      FOR EACH STATEMENT EXECUTE FUNCTION orders_statement_checks();

    CREATE FUNCTION orders_user_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) THEN
        RAISE EXCEPTION 'order names unknown user %', NEW.user_id USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NEW;
    END $fn$;
    CREATE TRIGGER orders_user_check
      BEFORE UPDATE OF user_id ON orders
      FOR EACH ROW WHEN (NEW.user_id IS DISTINCT FROM OLD.user_id) EXECUTE FUNCTION orders_user_check();

    ${referencedGuard(true)}
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    ${referencedGuard(false)}
    DROP TRIGGER orders_user_check ON orders;
    DROP FUNCTION orders_user_check();
    DROP TRIGGER orders_statement_checks ON orders;
    DROP FUNCTION orders_statement_checks();
    ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE RESTRICT;
  `);
};

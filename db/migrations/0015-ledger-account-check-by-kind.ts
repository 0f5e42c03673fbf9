/**
 * Same rule, cheaper check (as 0002 did before it): `ledger_entries.account` keeps exactly the
 * shapes of 0001 — `user:<36 of [0-9a-f-]>`, `house:fees`, `market:<1–64 of [A-Z0-9.-]>`,
 * `system:<1–32 of [a-z_]>` — but a row runs a regular expression only when its account is a
 * market's or the system's.
 *
 * - A player's row (`user_id` set) needs no test of its own: `ledger_entries_check1` already
 *   requires its account to be `'user:' || user_id`, and a uuid's text is 36 of [0-9a-f-].
 * - A row without `user_id` whose account starts `user:` is refused by `ledger_entries_check`
 *   (as before) and now by this check as well.
 * - `house:fees` is one comparison.
 *
 * So a row is accepted by the three checks together exactly when it was before; only the name
 * of the constraint reported for a row that breaks two of them may differ. `schema.test.ts`
 * compares both rules on ~4,000 accounts, each with no `user_id`, its own and another's.
 *
 * Cost: 0002's check ran a regular expression with four alternatives on every row, ~2 µs each
 * (500,000 rows in the mix of a fill — two player rows, two market rows, one fee row — took
 * 1,095 ms against 48 ms without the check; this one 254 ms with one regular expression per
 * market row). Inserting 250 fills' ledger rows (5 each) through `json_to_recordset` into a
 * copy of the table, 16 interleaved rounds: median 72.0 µs per fill with 0002's check,
 * 62.7 µs with this one, 58.7 µs with none.
 *
 * The new check is validated against the existing rows when it is added (a scan of the table
 * under the migration's lock).
 */
import type { MigrationFn } from './types.js';
import { up as up0002 } from './0002-ledger-account-check.js';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_check;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_account_check CHECK (
      CASE
        WHEN user_id IS NOT NULL THEN true
        WHEN account = 'house:fees' THEN true
        WHEN account LIKE 'market:%' THEN length(account) <= 71 AND account ~ '^market:[A-Z0-9.-]+$'
        WHEN account LIKE 'system:%' THEN length(account) <= 39 AND account ~ '^system:[a-z_]+$'
        ELSE false
      END
    );
  `);
};

/** Back to 0002's check: its `up` drops the constraint and adds its rule again. */
export const down: MigrationFn = up0002;

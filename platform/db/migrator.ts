/**
 * Runs the umzug migrations of `db/migrations/` against PostgreSQL.
 *
 * One dedicated `pg` connection holds a session advisory lock for the whole run, so
 * several processes starting at once migrate exactly once; each migration runs in its own
 * transaction together with its bookkeeping row in `schema_migrations`.
 */
import pg from 'pg';
import { Umzug } from 'umzug';
import type { UmzugStorage } from 'umzug';
import type { Logger } from 'pino';
import { MIGRATIONS } from '../../db/migrations/index.js';

/** Arbitrary constant key for `pg_advisory_lock` ("gaemi" in ASCII). */
const MIGRATION_LOCK_KEY = 0x6761656d69;

export interface MigrateResult {
  applied: string[];
  reverted: string[];
}

/**
 * Migrate `databaseUrl` up to the newest migration (`direction: 'up'`, default) or down
 * by `steps` (`'down'`; `steps: 'all'` reverts everything).
 * @throws the database error of the failing migration; that migration leaves no trace.
 */
export async function migrate(
  databaseUrl: string,
  options: { direction?: 'up' | 'down'; steps?: number | 'all'; logger?: Logger } = {},
): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const storage: UmzugStorage = {
      async executed() {
        const r = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
        return r.rows.map((row) => row.name);
      },
      // Bookkeeping happens inside each migration's transaction (below).
      async logMigration() {},
      async unlogMigration() {},
    };
    const inTransaction = async (fn: () => Promise<void>) => {
      await client.query('BEGIN');
      try {
        await fn();
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    };
    const sql = async (text: string, params?: unknown[]) => client.query(text, params);
    const umzug = new Umzug({
      migrations: MIGRATIONS.map((m) => ({
        name: m.name,
        up: () =>
          inTransaction(async () => {
            await m.up({ sql });
            await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [m.name]);
          }),
        down: () =>
          inTransaction(async () => {
            await m.down({ sql });
            await client.query('DELETE FROM schema_migrations WHERE name = $1', [m.name]);
          }),
      })),
      storage,
      logger: undefined,
    });
    const log = options.logger;
    if (options.direction === 'down') {
      const steps = options.steps ?? 1;
      const done = await umzug.down(steps === 'all' ? { to: 0 } : { step: steps });
      log?.info({ reverted: done.map((m) => m.name) }, 'migrations reverted');
      return { applied: [], reverted: done.map((m) => m.name) };
    }
    const done = await umzug.up();
    if (done.length > 0) log?.info({ applied: done.map((m) => m.name) }, 'migrations applied');
    return { applied: done.map((m) => m.name), reverted: [] };
  } finally {
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await client.end();
  }
}

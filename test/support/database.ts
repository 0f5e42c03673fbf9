/**
 * A fresh PostgreSQL database per test file, on the real server, with the real migrations.
 * Usage: `const db = await createTestDatabase('ledger'); … await db.drop();`
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../platform/config.js';
import { migrate } from '../../platform/db/migrator.js';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drop the database (terminating any connection left open). */
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: loadConfig().TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Create `gaemi_t_<label>_<random>` and, unless `migrated: false`, run every migration up. */
export async function createTestDatabase(label: string, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `gaemi_t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(loadConfig().TEST_PG_ADMIN_URL, name);
  if (options.migrated !== false) await migrate(url);
  return {
    url,
    name,
    drop: () =>
      admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

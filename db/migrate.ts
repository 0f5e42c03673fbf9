/**
 * `npm run migrate` — apply every pending migration to `DATABASE_URL`.
 * `npm run migrate -- down [N|all]` — revert the last N (default 1) or all migrations.
 * Without `DATABASE_URL`, migrates the embedded database in `DATA_DIR/pg`.
 */
import path from 'node:path';
import { loadConfig } from '../platform/config.js';
import { migrate } from '../platform/db/migrator.js';
import { startEmbeddedPostgres } from '../platform/embedded/postgres.js';
import { createLogger } from '../platform/logger.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { process: 'migrate' });
  const [direction = 'up', stepsArg] = process.argv.slice(2);
  if (direction !== 'up' && direction !== 'down') throw new Error(`usage: npm run migrate [-- up | down [N|all]] (got "${direction}")`);
  let steps: number | 'all' = 1;
  if (stepsArg === 'all') steps = 'all';
  else if (stepsArg !== undefined) {
    if (!/^\d+$/.test(stepsArg)) throw new Error(`steps must be a whole number or "all" (got "${stepsArg}")`);
    steps = Number.parseInt(stepsArg, 10);
  }
  const embedded = config.DATABASE_URL === undefined ? await startEmbeddedPostgres({ dataDir: path.join(config.DATA_DIR, 'pg') }) : undefined;
  try {
    const url = config.DATABASE_URL ?? embedded?.url ?? '';
    const result = await migrate(url, { direction, steps, logger });
    const names = direction === 'up' ? result.applied : result.reverted;
    process.stdout.write(
      names.length === 0 ? 'nothing to do: the database is up to date\n' : `${direction === 'up' ? 'applied' : 'reverted'}: ${names.join(', ')}\n`,
    );
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * The PostgreSQL connection pool (sequelize over pg) and its models.
 *
 * NUMERIC columns come back from pg as strings and stay strings in models: code turns them
 * into BigNumber (core/money), never into JS numbers. The pool's acquire timeout is finite
 * so that a busy embedded PGlite (one transaction at a time) fails a request instead of
 * hanging it.
 */
import { Sequelize } from 'sequelize';
import type { Logger } from 'pino';
import { defineModels } from './models.js';
import type { Models } from './models.js';

export interface Database {
  sequelize: Sequelize;
  models: Models;
  /** Round-trip `SELECT 1`; throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** Milliseconds to wait for a free connection before failing (default 10,000). */
  acquireTimeoutMs?: number;
  logger?: Logger;
  applicationName?: string;
}

/** Open a pool to `url` and define the models. Does not connect until first use. */
export function openDatabase(options: DatabaseOptions): Database {
  const sequelize = new Sequelize(options.url, {
    dialect: 'postgres',
    logging: false,
    benchmark: false,
    pool: { max: options.poolMax, min: 0, acquire: options.acquireTimeoutMs ?? 10_000, idle: 10_000, evict: 1_000 },
    dialectOptions: { application_name: options.applicationName ?? 'gaemi' },
    define: { underscored: true, freezeTableName: true },
  });
  const models = defineModels(sequelize);
  return {
    sequelize,
    models,
    async ping() {
      await sequelize.query('SELECT 1');
    },
    async close() {
      await sequelize.close();
    },
  };
}

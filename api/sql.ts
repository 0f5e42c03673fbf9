/**
 * Thin helpers over `sequelize.query` for the api's repositories: bound parameters (`$1`)
 * only, rows typed by the caller, and an optional transaction.
 */
import { QueryTypes } from 'sequelize';
import type { Sequelize, Transaction } from 'sequelize';

/** Run a SELECT (or a statement with RETURNING) and return its rows. */
export async function rows<T extends object>(sequelize: Sequelize, sql: string, bind: unknown[] = [], transaction?: Transaction): Promise<T[]> {
  return sequelize.query<T>(sql, transaction === undefined ? { bind, type: QueryTypes.SELECT } : { bind, type: QueryTypes.SELECT, transaction });
}

/** Run a SELECT and return its first row, or `null`. */
export async function row<T extends object>(sequelize: Sequelize, sql: string, bind: unknown[] = [], transaction?: Transaction): Promise<T | null> {
  const found = await rows<T>(sequelize, sql, bind, transaction);
  return found[0] ?? null;
}

/** Run a statement without rows (INSERT/UPDATE without RETURNING). */
export async function exec(sequelize: Sequelize, sql: string, bind: unknown[] = [], transaction?: Transaction): Promise<void> {
  await sequelize.query(sql, transaction === undefined ? { bind, type: QueryTypes.RAW } : { bind, type: QueryTypes.RAW, transaction });
}

/** Whether `error` is a PostgreSQL unique violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { name?: unknown; parent?: { code?: unknown }; original?: { code?: unknown } } | null;
  return e !== null && typeof e === 'object' && (e.name === 'SequelizeUniqueConstraintError' || e.parent?.code === '23505' || e.original?.code === '23505');
}

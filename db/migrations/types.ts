/** What a migration receives: `sql` runs text (several statements allowed) inside the migration's transaction. */
export interface MigrationContext {
  sql: (text: string, params?: unknown[]) => Promise<unknown>;
}

/** One direction of a migration. */
export type MigrationFn = (ctx: MigrationContext) => Promise<void>;

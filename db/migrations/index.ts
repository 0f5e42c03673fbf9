/**
 * The ordered list of migrations. Listed explicitly (not globbed) so the same list works
 * under tsx, Vitest and compiled JavaScript. Add new files at the end; never edit a
 * migration that has shipped.
 */
import type { MigrationFn } from './types.js';
import * as m0001 from './0001-initial-schema.js';
import * as m0002 from './0002-ledger-account-check.js';
import * as m0003 from './0003-notifier-webhooks.js';
import * as m0004 from './0004-ledger-statement-checks.js';
import * as m0005 from './0005-portfolio-hot-updates.js';
import * as m0006 from './0006-ledger-checks-cached-plans.js';
import * as m0007 from './0007-settle-guard.js';
import * as m0008 from './0008-portfolio-ticker-user-index.js';
import * as m0009 from './0009-ledger-outbox-write-cost.js';
import * as m0010 from './0010-outbox-payload-json.js';
import * as m0011 from './0011-wallet-hot-updates.js';
import * as m0012 from './0012-outbox-retention.js';
import * as m0013 from './0013-portfolio-fillfactor.js';
import * as m0014 from './0014-orders-statement-checks.js';
import * as m0015 from './0015-ledger-account-check-by-kind.js';

export interface MigrationModule {
  name: string;
  up: MigrationFn;
  down: MigrationFn;
}

export const MIGRATIONS: readonly MigrationModule[] = [
  { name: '0001-initial-schema', ...m0001 },
  { name: '0002-ledger-account-check', ...m0002 },
  { name: '0003-notifier-webhooks', ...m0003 },
  { name: '0004-ledger-statement-checks', ...m0004 },
  { name: '0005-portfolio-hot-updates', ...m0005 },
  { name: '0006-ledger-checks-cached-plans', ...m0006 },
  { name: '0007-settle-guard', ...m0007 },
  { name: '0008-portfolio-ticker-user-index', ...m0008 },
  { name: '0009-ledger-outbox-write-cost', ...m0009 },
  { name: '0010-outbox-payload-json', ...m0010 },
  { name: '0011-wallet-hot-updates', ...m0011 },
  { name: '0012-outbox-retention', ...m0012 },
  { name: '0013-portfolio-fillfactor', ...m0013 },
  { name: '0014-orders-statement-checks', ...m0014 },
  { name: '0015-ledger-account-check-by-kind', ...m0015 },
];

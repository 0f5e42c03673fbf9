/**
 * The operator dashboard's numbers (SPEC §11): component health (feeds included), order
 * queue depth and dead letters, engine lag, outbox backlog, and counts.
 */
import type { Sequelize } from 'sequelize';
import type { ReadinessReport } from '../../platform/health.js';
import { row } from '../sql.js';

export interface Dashboard {
  health: ReadinessReport;
  queue: { settle: number | null; dead: number | null; error?: string };
  engine: {
    /** Median and worst time from publish (`placed_at`) to settlement (`created_at`) over the last 5 min, ms. */
    lag_p50_ms: number | null;
    lag_max_ms: number | null;
    settled_last_5m: number;
    last_settled_at: string | null;
  };
  outbox: { unpublished: number; oldest_unpublished_age_ms: number | null };
  counts: { users: number; suspended: number; orders_24h: number; failed_24h: number };
  generated_at: string;
}

export async function buildDashboard(deps: {
  sequelize: Sequelize;
  readiness: () => Promise<ReadinessReport>;
  queueDepth: () => Promise<{ settle: number; dead: number }>;
  now: () => Date;
}): Promise<Dashboard> {
  const [health, queue, engine, outbox, counts] = await Promise.all([
    deps.readiness(),
    deps.queueDepth().then(
      (d) => ({ settle: d.settle, dead: d.dead }),
      (error: unknown) => ({ settle: null, dead: null, error: error instanceof Error ? error.message : String(error) }),
    ),
    row<{ p50: number | null; max: number | null; n: number; last: Date | null }>(
      deps.sequelize,
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - placed_at) * 1000)::float8 AS p50,
              max(extract(epoch FROM created_at - placed_at) * 1000)::float8 AS max,
              count(*)::int AS n, max(created_at) AS last
         FROM orders WHERE created_at >= now() - interval '5 minutes' AND placed_at IS NOT NULL`,
    ),
    row<{ n: number; oldest: Date | null }>(deps.sequelize, 'SELECT count(*)::int AS n, min(created_at) AS oldest FROM outbox_events WHERE published_at IS NULL'),
    row<{ users: number; suspended: number; orders: number; failed: number }>(
      deps.sequelize,
      `SELECT (SELECT count(*)::int FROM users) AS users,
              (SELECT count(*)::int FROM users WHERE is_suspended) AS suspended,
              (SELECT count(*)::int FROM orders WHERE created_at >= now() - interval '24 hours') AS orders,
              (SELECT count(*)::int FROM orders WHERE status = 'FAILED' AND created_at >= now() - interval '24 hours') AS failed`,
    ),
  ]);
  const now = deps.now();
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.max(0, Math.round(v)));
  return {
    health,
    queue,
    engine: {
      lag_p50_ms: ms(engine?.p50),
      lag_max_ms: ms(engine?.max),
      settled_last_5m: engine?.n ?? 0,
      last_settled_at: engine?.last?.toISOString() ?? null,
    },
    outbox: {
      unpublished: outbox?.n ?? 0,
      oldest_unpublished_age_ms: outbox?.oldest ? Math.max(0, now.getTime() - outbox.oldest.getTime()) : null,
    },
    counts: { users: counts?.users ?? 0, suspended: counts?.suspended ?? 0, orders_24h: counts?.orders ?? 0, failed_24h: counts?.failed ?? 0 },
    generated_at: now.toISOString(),
  };
}

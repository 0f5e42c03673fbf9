/**
 * Engine service: consumes `orders.settle` and settles orders (SPEC §5).
 *
 * Wiring: a `pg` pool with one connection per lane (`ENGINE_LANES`: batches settling at
 * once) for the settling transactions (raw SQL, set-based, see `SettlementService`), one
 * connection for the outbox relay, the {@link OrderConsumer} (batching by `ENGINE_MAX_BATCH`,
 * lanes and `ENGINE_PARALLEL_AFTER`, ack after commit, backoff, poison) and the
 * {@link OutboxRelay}. Health component `engine` reports batches, lag, the last settle time,
 * outcomes, retries and the relay; it turns down when a batch has been held for 10 s
 * (database or Redis unreachable).
 * Works on embedded PGlite too (one transaction at a time: one lane there).
 */
import pg from 'pg';
import type { RunningService, ServiceStarter } from '../platform/process.js';
import { OrderConsumer } from './order.consumer.js';
import { OutboxRelay } from './outbox.relay.js';
import { SettlementService, settlementParamsOf } from './settlement.service.js';

/**
 * Session settings of the engine's settling connections: every statement they run finds its
 * rows by a key that one index serves (wallets, orders and users by id, positions by user id or
 * `id`, see `platform/db/settlement.repository.ts`), so each is planned
 * once per connection (generic plan) and the planner may only choose index access and nested
 * loops. Planning every call instead (PostgreSQL's custom plans) cost 3 ms per transaction,
 * most of a small batch (10 orders: 570 µs of PostgreSQL CPU per order with custom plans,
 * 270 µs with these). And no sequential scan or hash join planned while the tables were small
 * (a new database) stays cached as they grow: that made the lock statement 7× slower after
 * 30,000 fills when generic plans were allowed everything.
 */
export const KEYED_ACCESS_OPTIONS = '-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off';

/** A component is reported down when a batch has been held this long (ms). */
const UNHEALTHY_AFTER_MS = 10_000;

export const startEngine: ServiceStarter = async (infra) => {
  const logger = infra.logger.child({ service: 'engine' });
  // PGlite runs one transaction at a time: parallel lanes would only queue.
  const lanes = infra.embedded.postgres ? 1 : infra.config.ENGINE_LANES;
  const settlePool = new pg.Pool({
    connectionString: infra.databaseUrl,
    max: lanes,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'gaemi-engine-settle',
    ...(infra.embedded.postgres ? {} : { options: KEYED_ACCESS_OPTIONS }),
  });
  const relayPool = new pg.Pool({
    connectionString: infra.databaseUrl,
    max: 1,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'gaemi-engine-relay',
    // A lost "published" mark only costs a second publication (at-least-once). Planned per call
    // (once per relayed batch, cheap): the outbox has two indexes a mark could use, and a plan
    // cached while it was empty could pick the one over every unpublished row.
    ...(infra.embedded.postgres ? {} : { options: '-c synchronous_commit=off -c plan_cache_mode=force_custom_plan' }),
  });
  for (const pool of [settlePool, relayPool]) pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));

  const settlement = new SettlementService({
    pool: settlePool,
    quotes: infra.quotes,
    calendar: infra.calendar,
    clock: infra.clock,
    marketClock: infra.marketClock,
    params: settlementParamsOf(infra.config),
    logger,
  });
  const relay = new OutboxRelay({
    pool: relayPool,
    redis: infra.redis.client,
    eventBus: infra.eventBus,
    logger,
    retentionMs: infra.config.OUTBOX_RETENTION_HOURS * 3_600_000,
  });
  const consumer = new OrderConsumer({
    orderBus: infra.orderBus,
    settlement,
    relay,
    clock: infra.clock,
    logger,
    maxBatch: infra.config.ENGINE_MAX_BATCH,
    lanes,
    minParallelBatch: infra.config.ENGINE_PARALLEL_AFTER,
  });

  infra.health.register({
    name: 'engine',
    mode: 'internal',
    check: () => {
      const s = consumer.stats;
      const heldMs = s.retryingSince === null ? 0 : Date.now() - Date.parse(s.retryingSince);
      const details = {
        batches: s.batches,
        last_batch_size: s.lastBatchSize,
        last_settle_at: s.lastSettleAt,
        lag_ms: s.lagMs,
        filled: s.filled,
        failed: s.failed,
        duplicates: s.duplicates,
        dead_lettered: s.deadLettered,
        retrying_since: s.retryingSince,
        retries: s.retries,
        last_error: s.lastError,
        relay: relay.stats,
        // Batches settled from remembered state (one round trip) vs read first; players remembered.
        state_cache: settlement.stateCache
          ? { hits: settlement.stateCache.stats.hits, misses: settlement.stateCache.stats.misses, players: settlement.stateCache.size }
          : null,
      };
      if (heldMs > UNHEALTHY_AFTER_MS) return Promise.resolve({ up: false, error: `settlement held for ${Math.round(heldMs / 1000)} s: ${s.lastError ?? ''}`, details });
      return Promise.resolve({ up: true, details });
    },
  });

  relay.start();
  await consumer.start();
  logger.info({ max_batch: infra.config.ENGINE_MAX_BATCH, lanes }, 'engine consuming orders.settle');

  const service: RunningService = {
    name: 'engine',
    async stop() {
      await consumer.stop();
      await relay.stop();
      await Promise.all([settlePool.end(), relayPool.end()]);
    },
  };
  return service;
};

export { OrderConsumer } from './order.consumer.js';
export { OutboxRelay } from './outbox.relay.js';
export { SettlementService } from './settlement.service.js';

/**
 * Infrastructure of one process: the database (migrated and seeded), Redis, the order and
 * event buses, the market calendar, health checks — real services when their URLs are set,
 * embedded stand-ins otherwise (SPEC §1). Built once by a composition root and passed to
 * services; closed in reverse order.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { MarketCalendar } from '../core/calendar.js';
import type { Clock, EventBus, OrderBus, QuoteCache } from '../core/ports.js';
import { systemClock } from '../core/ports.js';
import { ReplayClock } from '../core/replay-clock.js';
import { seed } from '../db/seeds/index.js';
import { AmqpConnection, RabbitEventBus, RabbitOrderBus } from './amqp/rabbitmq.js';
import type { Config } from './config.js';
import { loadMarketCalendar } from './db/calendar.repository.js';
import { migrate } from './db/migrator.js';
import { openDatabase } from './db/sequelize.js';
import type { Database } from './db/sequelize.js';
import { MemoryEventBus, MemoryOrderBus } from './embedded/memory-bus.js';
import { startEmbeddedPostgres } from './embedded/postgres.js';
import type { EmbeddedPostgres } from './embedded/postgres.js';
import { HealthRegistry } from './health.js';
import { RedisQuoteCache, openRedis } from './redis.js';
import type { RedisConnections } from './redis.js';

export interface Infra {
  config: Config;
  logger: Logger;
  health: HealthRegistry;
  /** Wall clock: quote ages, timestamps, TTLs. */
  clock: Clock;
  /**
   * Market time: what the market calendar is asked about (is KRX open?). The wall clock,
   * except in replay, where it is the replay clock's mapping (`REPLAY_START`, `REPLAY_SPEED`)
   * shared by the feeder and the engine, so a shifted or sped-up replay trades in session.
   */
  marketClock: Clock;
  /** The replay clock when `MARKET_DATA_SOURCE=replay`, else null. */
  replayClock: ReplayClock | null;
  db: Database;
  redis: RedisConnections;
  quotes: QuoteCache;
  orderBus: OrderBus;
  eventBus: EventBus;
  /** Order queue depth (`orders.settle`) and dead letters (`orders.dead`). */
  queueDepth(): Promise<{ settle: number; dead: number }>;
  calendar: MarketCalendar;
  embedded: { postgres: boolean; redis: boolean; amqp: boolean };
  /** The database URL in use (the embedded server's when embedded). */
  databaseUrl: string;
  close(): Promise<void>;
}

export interface OpenInfraOptions {
  /** Process name, for connection names and logs (`feeder`, `engine`, `all`, …). */
  name: string;
  clock?: Clock;
}

/** Open every piece of infrastructure. On failure, closes what was opened and rethrows. */
export async function openInfra(config: Config, logger: Logger, options: OpenInfraOptions): Promise<Infra> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: error }, 'error while closing');
      }
    }
  };
  try {
    const health = new HealthRegistry();
    let embeddedPg: EmbeddedPostgres | undefined;
    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl === undefined) {
      const dataDir = path.join(config.DATA_DIR, 'pg');
      logger.info({ dataDir }, 'starting embedded PostgreSQL (PGlite)');
      embeddedPg = await startEmbeddedPostgres({ dataDir, maxConnections: config.DATABASE_POOL_MAX * 4 + 8 });
      closers.push(() => embeddedPg?.stop() ?? Promise.resolve());
      databaseUrl = embeddedPg.url;
    }
    if (config.AUTO_MIGRATE) {
      await migrate(databaseUrl, { logger });
    }
    const db = openDatabase({ url: databaseUrl, poolMax: config.DATABASE_POOL_MAX, logger, applicationName: `gaemi-${options.name}` });
    closers.push(() => db.close());
    if (config.AUTO_MIGRATE) {
      const seeded = await seed(db.sequelize);
      if (seeded.tickers + seeded.holidays > 0) logger.info(seeded, 'seed rows inserted');
    }
    health.register({ name: 'postgres', mode: embeddedPg ? 'embedded' : 'real', check: () => db.ping() });

    const redis = openRedis(config.REDIS_URL, { connectionName: `gaemi-${options.name}` });
    closers.push(() => redis.close());
    await redis.ping();
    health.register({ name: 'redis', mode: redis.embedded ? 'embedded' : 'real', check: () => redis.ping() });

    let orderBus: OrderBus;
    let eventBus: EventBus;
    let queueDepth: () => Promise<{ settle: number; dead: number }>;
    if (config.AMQP_URL === undefined) {
      const onError = (error: unknown) => logger.error({ err: error }, 'in-process bus error');
      const memOrders = new MemoryOrderBus(onError);
      orderBus = memOrders;
      eventBus = new MemoryEventBus(onError);
      queueDepth = () => {
        const d = memOrders.depth();
        return Promise.resolve({ settle: d.ready + d.unacked, dead: d.dead });
      };
      health.register({ name: 'amqp', mode: 'embedded', check: () => Promise.resolve({ up: true, details: memOrders.depth() }) });
    } else {
      const conn = new AmqpConnection({ url: config.AMQP_URL, logger, connectionName: `gaemi-${options.name}` });
      closers.push(() => conn.close());
      await conn.ready();
      const rabbitOrders = new RabbitOrderBus(conn, logger);
      orderBus = rabbitOrders;
      eventBus = new RabbitEventBus(conn, logger);
      queueDepth = () => rabbitOrders.depth();
      health.register({
        name: 'amqp',
        mode: 'real',
        check: async () => {
          if (!conn.isConnected()) throw new Error('not connected');
          return { up: true, details: await rabbitOrders.depth() };
        },
      });
    }
    closers.push(() => eventBus.close());
    closers.push(() => orderBus.close());

    const calendar = await loadMarketCalendar(db.sequelize);
    const clock = options.clock ?? systemClock;
    const replayClock =
      config.MARKET_DATA_SOURCE === 'replay'
        ? new ReplayClock(clock.now(), config.REPLAY_START === undefined ? undefined : new Date(config.REPLAY_START), config.REPLAY_SPEED)
        : null;
    return {
      config,
      logger,
      health,
      clock,
      marketClock: replayClock === null ? clock : { now: () => replayClock.market(clock.now()) },
      replayClock,
      db,
      redis,
      quotes: new RedisQuoteCache(redis.client),
      orderBus,
      eventBus,
      queueDepth,
      calendar,
      embedded: { postgres: embeddedPg !== undefined, redis: redis.embedded, amqp: config.AMQP_URL === undefined },
      databaseUrl,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Test harness: the engine in-process (`startProcess` with `startEngine`) on its own RabbitMQ
 * vhost, PostgreSQL database (migrated) and Redis db index, with the quotes kept fresh (the
 * feeder's job), a Redis subscriber for the events and a publisher placing orders through
 * `OrderService` like the bot and the api. Used by the engine's end-to-end tests.
 */
import { Redis } from 'ioredis';
import type { DomainEvent } from '../core/events.js';
import { AmqpConnection, RabbitOrderBus } from '../platform/amqp/rabbitmq.js';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { OrderService } from '../platform/orders/order.service.js';
import { startProcess } from '../platform/process.js';
import type { StartedProcess } from '../platform/process.js';
import { createTestVhost } from '../test/support/amqp.js';
import type { TestVhost } from '../test/support/amqp.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import { startEngine } from './engine.service.js';
import { writeQuote } from './settle.fixtures.js';

export interface EngineHarnessOptions {
  /** Names the database and vhost. */
  label: string;
  /** Ticker id → price (KRW), written now and every 500 ms. */
  quotes: Record<string, string>;
  /** Redis channels to subscribe to; each event on them goes to `onEvent`. */
  channels: readonly string[];
  onEvent: (event: DomainEvent) => void;
  /** Extra engine settings (`ENGINE_LANES`, …). */
  env?: Record<string, string>;
  /** Publish confirm timeout of the publisher (ms). */
  publishTimeoutMs: number;
}

export interface EngineHarness {
  db: TestDatabase;
  vhost: TestVhost;
  engine: StartedProcess;
  publisherConn: AmqpConnection;
  orders: OrderService;
  /** Stop the engine and the clients, then drop the database, vhost and Redis db. */
  stop(): Promise<void>;
}

export async function startEngineHarness(options: EngineHarnessOptions): Promise<EngineHarness> {
  const logger = createLogger('silent');
  const [db, vhost, testRedis] = await Promise.all([createTestDatabase(options.label), createTestVhost(options.label), createTestRedis()]);
  const redis = new Redis(testRedis.url);
  const refreshQuotes = async () => {
    for (const [ticker, price] of Object.entries(options.quotes)) await writeQuote(redis, ticker, price);
  };
  await refreshQuotes();
  const quoteTimer = setInterval(() => void refreshQuotes().catch(() => undefined), 500);
  const subscriber = new Redis(testRedis.url);
  subscriber.on('message', (_channel: string, text: string) => options.onEvent(JSON.parse(text) as DomainEvent));
  await subscriber.subscribe(...options.channels);
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL: testRedis.url,
    AMQP_URL: vhost.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    AUTO_MIGRATE: 'true',
    ...options.env,
  });
  const engine = await startProcess('engine', config, logger, [startEngine]);
  const publisherConn = new AmqpConnection({ url: vhost.url, logger, connectionName: 'test-publisher', publishTimeoutMs: options.publishTimeoutMs });
  await publisherConn.ready();
  return {
    db,
    vhost,
    engine,
    publisherConn,
    orders: new OrderService({ orderBus: new RabbitOrderBus(publisherConn, logger) }),
    async stop() {
      clearInterval(quoteTimer);
      await engine.stop();
      await publisherConn.close();
      await subscriber.quit();
      await redis.quit();
      await Promise.all([db.drop(), vhost.drop(), testRedis.release()]);
    },
  };
}

/**
 * Ports: the interfaces through which the game's services reach the outside world.
 * Adapters live in `platform/` (RabbitMQ, Redis, HTTP) and embedded stand-ins implement the
 * same interfaces (ARCHITECTURE.md practice 2). Nothing here does I/O.
 */
import type { DomainEvent } from './events.js';

/** Wall clock, injectable so tests and the replay feeder can move time. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A normalised quote (SPEC §4), as written to Redis `price:{TICKER_ID}` and published on
 * `market_updates`. `price`, `change_pct` and `volume` are decimal strings; `ts` is ISO-8601 UTC.
 */
export interface Quote {
  ticker_id: string;
  price: string;
  currency: 'KRW' | 'USD' | 'KRW-COIN';
  change_pct: string;
  volume: string;
  ts: string;
  source: string;
}

/** USD/KRW rate as stored at Redis `fx:USDKRW`: KRW per 1 USD, decimal string, ISO time. */
export interface FxRate {
  pair: 'USDKRW';
  rate: string;
  ts: string;
  source: string;
}

/** Read side of the price cache. A missing key means no fresh price (TTL expired). */
export interface QuoteCache {
  getQuote(tickerId: string): Promise<Quote | null>;
  getQuotes(tickerIds: readonly string[]): Promise<Map<string, Quote>>;
  getFx(): Promise<FxRate | null>;
}

/** One message handed to a consumer. Ack strictly after the work it carries has committed. */
export interface Delivery<T = unknown> {
  /** The parsed JSON body, or the raw text when the body is not JSON. */
  readonly data: T;
  /** How many times the broker delivered this message before (0 on first delivery). */
  readonly deliveryCount: number;
  ack(): Promise<void>;
  /** Give the message back for redelivery (after the adapter's backoff). */
  requeue(): Promise<void>;
  /** Move the message to the dead-letter queue (`orders.dead`) with a reason. */
  deadLetter(reason: string): Promise<void>;
}

/** A running consumer or subscription. */
export interface Subscription {
  close(): Promise<void>;
}

/** The order queue (SPEC §5: exchange `orders` → `orders.settle`). */
/** How {@link OrderBus.consume} batches deliveries. */
export interface ConsumeOptions {
  /** Most deliveries per batch. */
  maxBatch: number;
  /** Most batches in flight at once (default 1). */
  lanes?: number;
  /**
   * Ordering key of a delivery from its parsed body (the engine: the player). Deliveries with
   * the same key are never in two batches at once and are handed over in arrival order; those
   * whose key cannot be read share one key.
   */
  keyOf?: (data: unknown) => string | undefined;
  /**
   * While a batch runs, another starts only once this many deliveries could go in it (default
   * 1: at once); fewer wait for the running batch (see `platform/amqp/batcher.ts`).
   */
  minParallelBatch?: number;
}

export interface OrderBus {
  /**
   * Publish one order message durably. Resolves only once the broker has confirmed it.
   * @throws AppError(PUBLISH_FAILED, retry: true) when the broker did not take it.
   */
  publish(message: Record<string, unknown>): Promise<void>;
  /**
   * Consume orders in batches of at most `maxBatch` (the handler acks each delivery).
   * A batch is handed over as soon as messages are there; under load it fills up.
   * With `lanes` > 1, up to that many batches run concurrently; deliveries with the same
   * `keyOf(parsed body)` keep arrival order and are never in two batches at once.
   */
  consume(handler: (batch: readonly Delivery[]) => Promise<void>, options: ConsumeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/** Fan-out of domain events (SPEC §5: topic exchange `events` and Redis channels). */
export interface EventBus {
  /** Publish events; resolves once every one is accepted by the transport. */
  publish(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Receive events whose routing key matches `pattern` (AMQP topic syntax: `trade_events.*`,
   * `#`). With `queue`, a durable named queue keeps events while the subscriber is away and
   * replicas sharing the name split the work; without, each subscriber gets its own copy
   * while it runs. A handler that throws gets the event again (at-least-once).
   */
  subscribe(
    pattern: string,
    handler: (event: DomainEvent) => Promise<void>,
    options?: { queue?: string },
  ): Promise<Subscription>;
  close(): Promise<void>;
}

/** Result of posting to a Discord webhook or REST route. */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Outbound HTTP for Discord webhooks and REST (faked at the network edge in tests). */
export interface WebhookClient {
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  patch(url: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
}

/**
 * RabbitMQ adapters of the `OrderBus` and `EventBus` ports (SPEC §5).
 *
 * - Connection recovery with backoff: amqp-connection-manager reconnects and re-runs the
 *   topology setup and consumers on every new channel.
 * - Publishing: confirm channels, persistent messages; `publish()` resolves only on the
 *   broker's confirm and rejects with `PUBLISH_FAILED` (retry: true) on nack or timeout —
 *   an order is never silently lost (the caller may retry with the same `order_id`).
 * - Consuming: explicit ack after the handler's work; a delivery from a channel that has
 *   since closed is not acked (the broker redelivers it; settlement is idempotent).
 */
import amqp from 'amqp-connection-manager';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import { eventJson, routingKeyOf } from '../../core/events.js';
import type { ConsumeOptions, Delivery, EventBus, OrderBus, Subscription } from '../../core/ports.js';
import { AckCoalescer } from './ack-coalescer.js';
import { DeliveryBatcher } from './batcher.js';
import { batchAmqpWrites } from './write-batching.js';
import type { TrackedDelivery } from './batcher.js';
import {
  DEAD_REASON_HEADER,
  EVENTS_EXCHANGE,
  ORDERS_DEAD_QUEUE,
  ORDERS_DLX,
  ORDERS_EXCHANGE,
  ORDERS_QUEUE,
  ORDERS_ROUTING_KEY,
  declareTopology,
} from './topology.js';

export interface AmqpOptions {
  url: string;
  logger: Logger;
  /** Milliseconds a publish may wait for its confirm (including reconnection) before failing. */
  publishTimeoutMs?: number;
  connectionName?: string;
}

// Each Mux pass's frames leave in one socket write (see write-batching.ts).
batchAmqpWrites();

/** One connection (with recovery) shared by a process's order and event buses. */
export class AmqpConnection {
  readonly manager: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly logger: Logger;
  readonly publishTimeoutMs: number;

  constructor(options: AmqpOptions) {
    this.logger = options.logger.child({ component: 'amqp' });
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.manager = amqp.connect([options.url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: options.connectionName ?? 'gaemi' } },
    });
    this.manager.on('connect', () => this.logger.info('connected to RabbitMQ'));
    this.manager.on('disconnect', ({ err }: { err?: Error }) =>
      this.logger.warn({ err: err?.message }, 'disconnected from RabbitMQ; reconnecting'),
    );
    this.manager.on('connectFailed', ({ err }: { err?: Error }) =>
      this.logger.warn({ err: err?.message }, 'RabbitMQ connection failed; retrying'),
    );
    this.publisher = this.manager.createChannel({
      name: 'publisher',
      confirm: true,
      json: false,
      publishTimeout: this.publishTimeoutMs,
      setup: (ch: ConfirmChannel) => declareTopology(ch),
    });
  }

  /** Resolves once connected and the topology is declared. */
  async ready(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.publisher.waitForConnect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `RabbitMQ not reachable within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  isConnected(): boolean {
    return this.manager.isConnected();
  }

  /** Publish with confirm. @throws AppError(PUBLISH_FAILED, retry) when not confirmed. */
  async publish(exchange: string, routingKey: string, body: Buffer, options: { messageId: string; headers?: Record<string, unknown> }): Promise<void> {
    try {
      await this.publisher.publish(exchange, routingKey, body, {
        persistent: true,
        contentType: 'application/json',
        messageId: options.messageId,
        timestamp: Math.floor(Date.now() / 1000),
        ...(options.headers ? { headers: options.headers } : {}),
      });
    } catch (error) {
      throw new AppError(ErrorCode.PUBLISH_FAILED, `RabbitMQ did not confirm the message to ${exchange}`, {
        retry: true,
        cause: error,
        context: { exchange, routingKey, messageId: options.messageId },
      });
    }
  }

  /**
   * Message counts of a queue (passive declare on a short-lived channel).
   * @throws AppError(DEPENDENCY_UNAVAILABLE) while disconnected.
   */
  async queueDepth(queue: string): Promise<{ messages: number; consumers: number }> {
    const connection = this.manager.connection;
    if (!connection) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'RabbitMQ is not connected', { retry: true });
    const ch = await connection.createChannel();
    try {
      const q = await ch.checkQueue(queue);
      return { messages: q.messageCount, consumers: q.consumerCount };
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** A new consumer channel with the topology declared and `prefetch` set. */
  consumerChannel(name: string, prefetch: number, setup?: (ch: ConfirmChannel) => Promise<void>): { channel: ChannelWrapper; generation: () => number } {
    let generation = 0;
    const channel = this.manager.createChannel({
      name,
      confirm: true,
      json: false,
      setup: async (ch: ConfirmChannel) => {
        generation += 1;
        await declareTopology(ch);
        await ch.prefetch(prefetch);
        if (setup) await setup(ch);
      },
    });
    return { channel, generation: () => generation };
  }

  async close(): Promise<void> {
    await this.publisher.close();
    await this.manager.close();
  }
}

function parseBody(content: Buffer): unknown {
  const text = content.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function deliveryCountOf(msg: ConsumeMessage): number {
  const h: unknown = msg.properties.headers?.['x-delivery-count'];
  if (typeof h === 'number') return h;
  return msg.fields.redelivered ? 1 : 0;
}

/** What a delivery needs of the consumer channel it came from. */
interface ConsumerChannel {
  channel: ChannelWrapper;
  /** Increments on every (re)connection of the channel. */
  generation: () => number;
  conn: AmqpConnection;
}

/**
 * One delivery of `orders.settle`. A class (not closures per delivery): hundreds arrive per
 * batch. Settling twice is a no-op; a delivery from a channel that has since closed is not
 * settled (its tag belonged to that channel; the broker redelivers it).
 */
class RabbitDelivery implements TrackedDelivery {
  readonly data: unknown;
  readonly deliveryCount: number;
  settled = false;

  constructor(
    private readonly msg: ConsumeMessage,
    private readonly born: number,
    private readonly coalescer: AckCoalescer<ConsumeMessage>,
    private readonly from: ConsumerChannel,
  ) {
    this.data = parseBody(msg.content);
    this.deliveryCount = deliveryCountOf(msg);
  }

  private live(): boolean {
    return this.from.generation() === this.born && this.from.conn.isConnected();
  }

  /** Mark settled; whether the settling should go on the wire. */
  private begin(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return this.live();
  }

  ack(): Promise<void> {
    if (this.begin()) this.coalescer.ack(this.msg.fields.deliveryTag);
    return Promise.resolve();
  }

  requeue(): Promise<void> {
    if (this.begin()) {
      this.from.channel.nack(this.msg, false, true);
      this.coalescer.release(this.msg.fields.deliveryTag);
    }
    return Promise.resolve();
  }

  async deadLetter(reason: string): Promise<void> {
    if (!this.begin()) return;
    const { msg } = this;
    // Not acked (nor covered by a neighbour's `multiple` ack) before the copy is confirmed;
    // if the copy fails, the message goes back to the queue to be dead-lettered again.
    try {
      await this.from.conn.publish(ORDERS_DLX, '', msg.content, {
        messageId: msg.properties.messageId ? String(msg.properties.messageId) : 'unknown',
        headers: { ...(msg.properties.headers ?? {}), [DEAD_REASON_HEADER]: reason },
      });
    } catch (error) {
      if (this.live()) this.from.channel.nack(msg, false, true);
      this.coalescer.release(msg.fields.deliveryTag);
      throw error;
    }
    this.coalescer.ack(msg.fields.deliveryTag);
  }
}

/** {@link OrderBus} over exchange `orders` and quorum queue `orders.settle`. */
export class RabbitOrderBus implements OrderBus {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly conn: AmqpConnection,
    private readonly logger: Logger,
  ) {}

  async publish(message: Record<string, unknown>): Promise<void> {
    const id = typeof message.order_id === 'string' ? message.order_id : 'unknown';
    await this.conn.publish(ORDERS_EXCHANGE, ORDERS_ROUTING_KEY, Buffer.from(JSON.stringify(message)), { messageId: id });
  }

  async consume(handler: (batch: readonly Delivery[]) => Promise<void>, options: ConsumeOptions): Promise<Subscription> {
    const onError = (error: unknown) => this.logger.error({ err: error }, 'order consumer error');
    const batcher = new DeliveryBatcher(handler, options.maxBatch, onError, options);
    const { channel, generation } = this.conn.consumerChannel('orders-consumer', options.maxBatch * 2);
    const conn = this.conn;
    // Acks of one channel go out coalesced (one `multiple` ack per unbroken run); a reconnect
    // starts a new channel, whose delivery tags start again, and so a new coalescer.
    let acks: { generation: number; coalescer: AckCoalescer<ConsumeMessage> } | undefined;
    const coalescerOf = (born: number): AckCoalescer<ConsumeMessage> => {
      if (acks?.generation !== born) {
        acks?.coalescer.dispose();
        const coalescer = new AckCoalescer<ConsumeMessage>({
          send: (msg, multiple) => {
            if (generation() === born && conn.isConnected()) channel.ack(msg, multiple);
          },
        });
        acks = { generation: born, coalescer };
      }
      return acks.coalescer;
    };
    const consumer: ConsumerChannel = { channel, generation, conn };
    const toDelivery = (msg: ConsumeMessage): TrackedDelivery => {
      const born = generation();
      const coalescer = coalescerOf(born);
      coalescer.track(msg.fields.deliveryTag, msg);
      return new RabbitDelivery(msg, born, coalescer, consumer);
    };
    await channel.consume(ORDERS_QUEUE, (msg) => batcher.push(toDelivery(msg)), { prefetch: options.maxBatch * 2 });
    const sub: Subscription = {
      close: async () => {
        this.subscriptions.delete(sub);
        await channel.cancelAll();
        await batcher.close();
        await channel.close();
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  /** Ready and unacked messages in `orders.settle`, and messages in `orders.dead`. */
  async depth(): Promise<{ settle: number; dead: number }> {
    const [settle, dead] = await Promise.all([this.conn.queueDepth(ORDERS_QUEUE), this.conn.queueDepth(ORDERS_DEAD_QUEUE)]);
    return { settle: settle.messages, dead: dead.messages };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }
}

/** {@link EventBus} over the topic exchange `events`. */
export class RabbitEventBus implements EventBus {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly conn: AmqpConnection,
    private readonly logger: Logger,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    await Promise.all(
      events.map((e) => this.conn.publish(EVENTS_EXCHANGE, routingKeyOf(e.type), Buffer.from(eventJson(e)), { messageId: e.id })),
    );
  }

  async subscribe(
    pattern: string,
    handler: (event: DomainEvent) => Promise<void>,
    options: { queue?: string } = {},
  ): Promise<Subscription> {
    let queueName = options.queue ?? '';
    const { channel } = this.conn.consumerChannel(`events-${options.queue ?? pattern}`, 32, async (ch) => {
      const q = options.queue
        ? await ch.assertQueue(options.queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
        : await ch.assertQueue('', { exclusive: true, autoDelete: true });
      queueName = q.queue;
      await ch.bindQueue(q.queue, EVENTS_EXCHANGE, pattern);
      await ch.consume(q.queue, (msg) => {
        if (!msg) return;
        void (async () => {
          try {
            await handler(parseBody(msg.content) as DomainEvent);
            ch.ack(msg);
          } catch (error) {
            this.logger.warn({ err: error, pattern }, 'event handler failed; redelivering');
            setTimeout(() => {
              // The channel may have closed meanwhile (shutdown, reconnect): the broker then
              // redelivers the unacked message by itself, so there is nothing left to do.
              try {
                ch.nack(msg, false, true);
              } catch (nackError) {
                this.logger.debug({ err: nackError, pattern }, 'nack after channel close skipped; the broker redelivers');
              }
            }, 500);
          }
        })();
      });
    });
    await channel.waitForConnect();
    const sub: Subscription = {
      close: async () => {
        this.subscriptions.delete(sub);
        await channel.close();
      },
    };
    this.subscriptions.add(sub);
    this.logger.debug({ queue: queueName, pattern }, 'subscribed to events');
    return sub;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }
}

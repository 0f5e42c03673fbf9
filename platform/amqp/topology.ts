/**
 * RabbitMQ names and topology of SPEC §5 (exact names: outside tools use them).
 *
 * exchange `orders` (direct) --`settle`--> quorum queue `orders.settle`
 *   (single active consumer, so orders settle in arrival order; delivery limit; dead-letter
 *   exchange `orders.dlx`) ; `orders.dlx` (fanout) --> queue `orders.dead`;
 * exchange `events` (topic), routing keys `<channel>.<type>` (core/events.ts).
 * Declared idempotently by every process that publishes or consumes.
 */
import type { Channel } from 'amqplib';

export const ORDERS_EXCHANGE = 'orders';
export const ORDERS_ROUTING_KEY = 'settle';
export const ORDERS_QUEUE = 'orders.settle';
export const ORDERS_DLX = 'orders.dlx';
export const ORDERS_DEAD_QUEUE = 'orders.dead';
export const EVENTS_EXCHANGE = 'events';
/** Deliveries before RabbitMQ dead-letters a message on its own (poison that crashes the consumer). */
export const ORDERS_DELIVERY_LIMIT = 20;
/** Header carrying why we dead-lettered a message. */
export const DEAD_REASON_HEADER = 'x-gaemi-dead-reason';

/** Declare the whole topology on `channel`. Safe to call on every start. */
export async function declareTopology(channel: Channel): Promise<void> {
  await channel.assertExchange(ORDERS_EXCHANGE, 'direct', { durable: true });
  await channel.assertExchange(ORDERS_DLX, 'fanout', { durable: true });
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(ORDERS_QUEUE, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-delivery-limit': ORDERS_DELIVERY_LIMIT,
      'x-dead-letter-exchange': ORDERS_DLX,
    },
  });
  await channel.bindQueue(ORDERS_QUEUE, ORDERS_EXCHANGE, ORDERS_ROUTING_KEY);
  await channel.assertQueue(ORDERS_DEAD_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(ORDERS_DEAD_QUEUE, ORDERS_DLX, '');
}

/**
 * Events emitted by the notifier and the scheduler go through the transactional outbox
 * (`outbox_events`, SPEC §5): written in the transaction that records the state change, so an
 * event exists if and only if that change committed.
 *
 * After commit, {@link publishCommitted} publishes them at once (event bus and Redis channel)
 * and marks the rows published; if that fails the rows stay unpublished and the engine's
 * outbox relay publishes them. Either way consumers dedupe on the event id.
 */
import type { Logger } from 'pino';
import type { Sequelize, Transaction } from 'sequelize';
import type { Redis } from 'ioredis';
import type { DomainEvent } from '../core/events.js';
import { channelOf, eventJson } from '../core/events.js';
import { EVENT_NAMESPACE, uuidV5 } from '../core/order-message.js';
import type { EventBus } from '../core/ports.js';
import { outboxParams, outboxPublishedStatement, outboxRowsSql } from '../platform/db/outbox.repository.js';

/**
 * A stable event id (UUID v5 of `name` under the project's event namespace): the same job
 * slot always yields the same id, so a repeated emission is deduplicated downstream.
 */
export function stableEventId(name: string): string {
  return uuidV5(name, EVENT_NAMESPACE);
}

/**
 * Insert events into `outbox_events` inside `transaction` (payload = the whole envelope
 * `{id, type, occurred_at, data}`), in one statement with the engine's row format
 * ({@link outboxParams}). An event id already there is left as it is.
 */
export async function insertOutbox(sequelize: Sequelize, transaction: Transaction, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sequelize.query(
    `INSERT INTO outbox_events (id, type, channel, routing_key, payload)
     ${outboxRowsSql(1)}
     ON CONFLICT (id) DO NOTHING`,
    { bind: outboxParams(events), transaction },
  );
}

export interface PublishDeps {
  sequelize: Sequelize;
  eventBus: EventBus;
  redis: Redis;
  logger: Logger;
}

/**
 * Publish committed outbox events now and account for them as the relay does
 * (`markOutboxPublished`). Never throws: on failure the rows stay for the outbox relay.
 * @returns whether they were published.
 */
export async function publishCommitted(deps: PublishDeps, events: readonly DomainEvent[]): Promise<boolean> {
  if (events.length === 0) return true;
  try {
    await deps.eventBus.publish(events);
    for (const e of events) await deps.redis.publish(channelOf(e.type), eventJson(e));
    // The relay's own accounting (delete rows of ids made once, mark the others).
    const { text, values } = outboxPublishedStatement(events.map((e) => e.id));
    await deps.sequelize.query(text, { bind: values });
    return true;
  } catch (error) {
    deps.logger.warn({ err: error, events: events.map((e) => e.id) }, 'publishing events failed; the outbox relay will publish them');
    return false;
  }
}

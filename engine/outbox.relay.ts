/**
 * Outbox relay: publishes committed `outbox_events` to the Redis channel of each event
 * (`trade_events`, … — `channelOf(type)`, the JSON of the DomainEvent) and to the topic
 * exchange `events` (`EventBus`), then marks them `published_at` (SPEC §5).
 *
 * - Fast path: the engine hands over the events of each batch right after COMMIT
 *   ({@link OutboxRelay.push}); they go to Redis at once (in commit order: one pipelined
 *   connection), then to the `events` exchange and are marked, one batch at a time.
 * - Sweep: every `sweepIntervalMs`, rows still unpublished after `sweepMinAgeMs` (a crash
 *   between commit and relay, a failed publish) are published again, oldest first.
 *
 * Delivery is at least once: an event may be published twice (consumers dedupe on its `id`),
 * but only events whose transaction committed exist in the outbox, so a rolled-back change
 * is never announced. Marking uses `synchronous_commit = off`: a mark lost in a crash only
 * means one more publication.
 */
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { DomainEvent } from '../core/events.js';
import { channelOf } from '../core/events.js';
import type { EventBus } from '../core/ports.js';
import { markOutboxAttempt, markOutboxPublished, unpublishedOutboxEvents } from '../platform/db/outbox.repository.js';
import type { Redis } from '../platform/redis.js';

export interface OutboxRelayOptions {
  /** Pool for marking rows (one connection is enough). */
  pool: Pool;
  redis: Redis;
  eventBus: EventBus;
  logger: Logger;
  /** How often to look for unpublished rows (default 1,000 ms). */
  sweepIntervalMs?: number;
  /** Only rows older than this are swept, leaving fresh ones to the fast path (default 2,000 ms). */
  sweepMinAgeMs?: number;
  /** Rows per sweep (default 500). */
  sweepLimit?: number;
}

export interface RelayStats {
  published: number;
  failures: number;
  swept: number;
  lastPublishedAt: string | null;
  lastError: string | null;
}

/** See the module comment. */
export class OutboxRelay {
  private chain: Promise<void> = Promise.resolve();
  /** Ids handed to the fast path and not yet finished: the sweep leaves them alone. */
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;
  readonly stats: RelayStats = { published: 0, failures: 0, swept: 0, lastPublishedAt: null, lastError: null };
  private readonly logger: Logger;
  private readonly sweepIntervalMs: number;
  private readonly sweepMinAgeMs: number;
  private readonly sweepLimit: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger.child({ component: 'outbox-relay' });
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
    this.sweepMinAgeMs = options.sweepMinAgeMs ?? 2_000;
    this.sweepLimit = options.sweepLimit ?? 500;
  }

  /** Start the periodic sweep (runs once at once, for rows a previous run left behind). */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.sweep().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.sweepIntervalMs);
      });
    };
    tick();
  }

  /** Relay events just committed (in commit order). Never throws; failures are left to the sweep. */
  push(events: readonly DomainEvent[]): void {
    if (events.length === 0) return;
    // Redis first and at once (the bot and the api wait on it); the broker and the mark follow
    // in order. Both must succeed before the rows are marked, else the sweep sends both again.
    for (const e of events) this.inFlight.add(e.id);
    const redis = this.publishRedis(events);
    this.chain = this.chain.then(async () => {
      try {
        await this.publish(events, false, redis);
      } finally {
        for (const e of events) this.inFlight.delete(e.id);
      }
    });
  }

  /** PUBLISH each event on its Redis channel, pipelined; resolves with the failure, if any. */
  private async publishRedis(events: readonly DomainEvent[]): Promise<unknown> {
    try {
      const pipeline = this.options.redis.pipeline();
      for (const e of events) pipeline.publish(channelOf(e.type), JSON.stringify(e));
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null);
      return failed?.[0] ?? null;
    } catch (error) {
      return error ?? new Error('Redis publish failed');
    }
  }

  /** Resolves when every pushed event has been handled. */
  async idle(): Promise<void> {
    await this.chain;
  }

  /** Publish unpublished rows older than the minimum age. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (;;) {
        const rows = await unpublishedOutboxEvents(this.options.pool, this.sweepMinAgeMs, this.sweepLimit);
        const events = rows.filter((e) => !this.inFlight.has(e.id));
        if (events.length === 0) return;
        const done = new Promise<boolean>((resolve) => {
          this.chain = this.chain.then(async () => resolve(await this.publish(events, true)));
        });
        if (!(await done) || rows.length < this.sweepLimit || this.stopped) return;
      }
    } catch (error) {
      this.stats.lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn({ err: error }, 'outbox sweep failed; will retry');
    } finally {
      this.sweeping = false;
    }
  }

  private async publish(events: readonly DomainEvent[], swept: boolean, redis?: Promise<unknown>): Promise<boolean> {
    const ids = events.map((e) => e.id);
    try {
      const redisError = await (redis ?? this.publishRedis(events));
      if (redisError !== null) throw redisError instanceof Error ? redisError : new Error('Redis publish failed');
      await this.options.eventBus.publish(events);
    } catch (error) {
      this.stats.failures += 1;
      this.stats.lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn({ err: error, events: events.length }, 'relaying events failed; the sweep retries them');
      await markOutboxAttempt(this.options.pool, ids).catch(() => undefined);
      return false;
    }
    this.stats.published += events.length;
    if (swept) this.stats.swept += events.length;
    this.stats.lastPublishedAt = new Date().toISOString();
    try {
      await markOutboxPublished(this.options.pool, ids);
    } catch (error) {
      // Published but not marked: the sweep publishes them once more (at-least-once).
      this.logger.warn({ err: error }, 'could not mark events published');
    }
    return true;
  }

  /** Stop sweeping and wait for events in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
  }
}

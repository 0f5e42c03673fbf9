/**
 * Which Discord reply belongs to which order, so the fill (or failure) can edit it later.
 *
 * Redis hash `bot:reply:{order_id}` (TTL 7 days, so a DM still finds the player when the
 * home site settles an order days later): the interaction token (valid 15 minutes for
 * edits), application id, Discord user id, locale, time of the interaction, whether the
 * initial response has been sent, and whether the result was delivered.
 *
 * Written *before* the order is published, so the engine's event can never arrive for an
 * order the bot does not know. When Redis is unreachable (it lives on the home site, and
 * order intake must not depend on it — SPEC §1) the entry is kept in this process's memory
 * instead, with the same lifetime.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import type { Redis } from '../platform/redis.js';

/** Where and how to deliver an order's result. */
export interface ReplyTarget {
  applicationId: string;
  token: string;
  discordUserId: string;
  locale: string;
  /** When the interaction arrived (ms since epoch); the token expires 15 minutes later. */
  createdAtMs: number;
  /** The initial reply is ephemeral (then a DM is the only later channel besides the edit). */
  ephemeral: boolean;
}

/** A remembered target and its progress. */
export interface TrackedReply extends ReplyTarget {
  /** The initial response went out (an edit before that would find no message). */
  responded: boolean;
  /** Id of the event whose result was delivered, if any. */
  deliveredEvent: string | null;
}

/** Lifetime of an entry (s). */
export const REPLY_TTL_S = 7 * 24 * 3600;
/** Budget of one Redis call before falling back to memory (ms). */
const REDIS_BUDGET_MS = 500;

export const replyKey = (orderId: string): string => `bot:reply:${orderId}`;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

type Fields = Record<string, string>;

function toFields(t: ReplyTarget): Fields {
  return {
    application_id: t.applicationId,
    token: t.token,
    discord_user_id: t.discordUserId,
    locale: t.locale,
    created_at_ms: String(t.createdAtMs),
    ephemeral: t.ephemeral ? '1' : '0',
    responded: '0',
  };
}

function fromFields(f: Fields): TrackedReply | null {
  const { application_id, token, discord_user_id, locale, created_at_ms, ephemeral, responded, delivered_event } = f;
  if (application_id === undefined || token === undefined || discord_user_id === undefined || created_at_ms === undefined) return null;
  const createdAtMs = Number.parseInt(created_at_ms, 10);
  if (!Number.isSafeInteger(createdAtMs)) return null;
  return {
    applicationId: application_id,
    token,
    discordUserId: discord_user_id,
    locale: locale ?? '',
    createdAtMs,
    ephemeral: ephemeral === '1',
    responded: responded === '1',
    deliveredEvent: delivered_event ?? null,
  };
}

/** See the module comment. */
export class ReplyTracker {
  private readonly memory = new Map<string, { fields: Fields; expiresAtMs: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Remember the target of `orderId` (call before publishing the order). Never throws. */
  async remember(orderId: string, target: ReplyTarget): Promise<void> {
    const fields = toFields(target);
    try {
      await withTimeout(this.redis.multi().hset(replyKey(orderId), fields).expire(replyKey(orderId), REPLY_TTL_S).exec(), REDIS_BUDGET_MS);
    } catch (error) {
      this.logger.warn({ err: error, order_id: orderId }, 'reply target kept in memory (redis unavailable)');
      this.memory.set(orderId, { fields, expiresAtMs: this.clock.now().getTime() + REPLY_TTL_S * 1000 });
    }
  }

  /** Record that the initial response went out. Never throws. */
  async markResponded(orderId: string): Promise<void> {
    await this.setField(orderId, 'responded', '1');
  }

  /** Record that the result of `eventId` was delivered. */
  async markDelivered(orderId: string, eventId: string): Promise<void> {
    await this.setField(orderId, 'delivered_event', eventId);
  }

  /** Drop the entry (the order was not placed). Never throws. */
  async forget(orderId: string): Promise<void> {
    this.memory.delete(orderId);
    try {
      await withTimeout(this.redis.del(replyKey(orderId)), REDIS_BUDGET_MS);
    } catch (error) {
      this.logger.warn({ err: error, order_id: orderId }, 'could not drop reply target');
    }
  }

  /** The entry of `orderId`, or null when the order was not placed from Discord (or expired). */
  async get(orderId: string): Promise<TrackedReply | null> {
    this.sweep();
    const local = this.memory.get(orderId);
    if (local) return fromFields(local.fields);
    const fields = await this.redis.hgetall(replyKey(orderId));
    return Object.keys(fields).length === 0 ? null : fromFields(fields);
  }

  private async setField(orderId: string, field: string, value: string): Promise<void> {
    const local = this.memory.get(orderId);
    if (local) {
      local.fields[field] = value;
      return;
    }
    try {
      // Re-arming the TTL keeps a late HSET (entry already expired) from leaving a key forever;
      // such a partial hash reads as "not tracked".
      await withTimeout(this.redis.multi().hset(replyKey(orderId), field, value).expire(replyKey(orderId), REPLY_TTL_S).exec(), REDIS_BUDGET_MS);
    } catch (error) {
      this.logger.warn({ err: error, order_id: orderId, field }, 'could not update reply target');
    }
  }

  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [id, e] of this.memory) if (e.expiresAtMs <= now) this.memory.delete(id);
  }
}

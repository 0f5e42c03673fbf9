/**
 * The delivery loop of one webhook: posts `webhook_deliveries` rows in id order, one at a
 * time, and never drops one (SPEC §8).
 *
 * - Order: only the oldest PENDING row of the webhook (the head) is ever attempted; a later
 *   row waits until the head is SENT (or rejected by Discord as malformed, see below).
 * - Replicas: a notifier claims the head by pushing its `next_attempt_at` forward by a lease
 *   (`UPDATE … WHERE next_attempt_at <= now()`), so two replicas never post the same row at
 *   once and the order holds across them. A replica that dies mid-post leaves the lease to
 *   expire and another one retries.
 * - Exactly once: a row is marked SENT as soon as Discord answers 2xx. The one window left is
 *   a crash between Discord's answer and that update; the row is then posted again after
 *   the lease (webhooks have no idempotency key). That is the only way a message can double.
 * - Faults: see `delivery-policy.ts`. 429 waits `retry_after`; 5xx/network errors back off
 *   exponentially with jitter, forever (an operator alert after `alertAfterAttempts`);
 *   401/403/404 mark the webhook BROKEN for its current URL (`notifier_webhooks`), raise an
 *   `operator_alert` and stop posting to it — its rows stay PENDING and go out, in order,
 *   once the URL is changed or an operator sets the state back to OK; 400-class answers mark
 *   that one row BROKEN (kept for inspection) with an alert, and the loop goes on.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { OperatorAlertData } from '../core/events.js';
import type { WebhookClient } from '../core/ports.js';
import { classify } from './delivery-policy.js';
import type { BackoffOptions, DeliveryOutcome } from './delivery-policy.js';
import type { WebhookName } from './messages.js';

/** SHA-256 hex of a webhook URL (the URL itself holds the token and is never stored). */
export function urlFingerprint(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

/** `url` with `wait=true` added, keeping any other query (e.g. `thread_id`). */
export function withWait(url: string): string {
  const u = new URL(url);
  u.searchParams.set('wait', 'true');
  return u.toString();
}

export interface DelivererOptions {
  webhook: WebhookName;
  url: string;
  sequelize: Sequelize;
  client: WebhookClient;
  logger: Logger;
  backoff: BackoffOptions;
  /** How often an idle loop looks for rows written by other replicas, ms. */
  pollMs: number;
  /** How long a claimed row is reserved for its post, ms (longer than the HTTP timeout). */
  leaseMs: number;
  /** Raise a warning alert when a row reaches this many failed attempts. */
  alertAfterAttempts: number;
  /**
   * Record an operator alert in the outbox inside the given state-change transaction, and
   * publish it after commit (see event-outbox.ts).
   */
  alert(data: OperatorAlertData, stateChange: (t: Transaction) => Promise<void>): Promise<void>;
}

interface HeadRow {
  hook_status: string | null;
  id: string | null;
  body: unknown;
  attempts: number | null;
  event_id: string | null;
  wait_ms: number | null;
}

/** The delivery being attempted. */
interface Head {
  id: string;
  body: unknown;
  event_id: string;
}

/** Counters, for health and tests. */
export interface DelivererStats {
  webhook: WebhookName;
  sent: number;
  failures: number;
  rateLimited: number;
  broken: boolean;
  brokenReason: string | null;
}

export class WebhookDeliverer {
  private readonly fingerprint: string;
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private pauseUntil = 0;
  private readonly stats: DelivererStats;
  private readonly log: Logger;

  constructor(private readonly o: DelivererOptions) {
    this.fingerprint = urlFingerprint(o.url);
    this.stats = { webhook: o.webhook, sent: 0, failures: 0, rateLimited: 0, broken: false, brokenReason: null };
    this.log = o.logger.child({ webhook: o.webhook });
  }

  /** Begin the loop. A BROKEN state recorded for another URL is cleared (the URL was changed). */
  async start(): Promise<void> {
    const [cleared] = await this.o.sequelize.query<{ webhook: string }>(
      `UPDATE notifier_webhooks SET status = 'OK', updated_at = now(), reason = 'URL changed'
        WHERE webhook = $1 AND status = 'BROKEN' AND url_sha256 <> $2 RETURNING webhook`,
      { bind: [this.o.webhook, this.fingerprint], type: QueryTypes.SELECT },
    );
    if (cleared !== undefined) this.log.warn('webhook URL changed since it was marked broken; resuming deliveries');
    this.running = this.loop();
  }

  /** New rows are waiting: look now rather than at the next poll. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Stop after the post in flight (if any) is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  getStats(): DelivererStats {
    return { ...this.stats };
  }

  private async loop(): Promise<void> {
    let errors = 0;
    while (!this.stopped) {
      let waitMs: number;
      try {
        waitMs = await this.step();
        errors = 0;
      } catch (error) {
        errors += 1;
        waitMs = Math.min(30_000, 250 * 2 ** Math.min(errors, 7));
        this.log.error({ err: error, retry_in_ms: waitMs }, 'delivery loop error (database?); retrying');
      }
      if (waitMs > 0) await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.nudged) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        this.nudged = false;
        done();
      };
    });
  }

  /** One step: attempt the head row if due. @returns how long to wait before the next step, ms. */
  private async step(): Promise<number> {
    // Rate-limit pauses are real elapsed time (monotonic), whatever the game clock says.
    const pause = this.pauseUntil - performance.now();
    if (pause > 0) return pause;
    // One row always: the webhook's state, and its head delivery if any.
    const [row] = await this.o.sequelize.query<HeadRow>(
      `SELECT w.status AS hook_status, d.id, d.body, d.attempts, d.event_id, d.wait_ms
         FROM (SELECT 1) AS one
         LEFT JOIN notifier_webhooks w ON w.webhook = $1 AND w.url_sha256 = $2
         LEFT JOIN LATERAL (
           SELECT id, body, attempts, event_id,
                  GREATEST(0, EXTRACT(EPOCH FROM (next_attempt_at - now())) * 1000)::float8 AS wait_ms
             FROM webhook_deliveries
            WHERE webhook = $1 AND status = 'PENDING'
            ORDER BY id
            LIMIT 1) AS d ON true`,
      { bind: [this.o.webhook, this.fingerprint], type: QueryTypes.SELECT },
    );
    this.stats.broken = row?.hook_status === 'BROKEN';
    if (this.stats.broken || row === undefined || row.id === null) return this.o.pollMs;
    const head: Head = { id: row.id, body: row.body, event_id: row.event_id ?? '' };
    if ((row.wait_ms ?? 0) > 0) return Math.min(Math.ceil(row.wait_ms ?? 0), this.o.pollMs);

    const [claimed] = await this.o.sequelize.query<{ attempts: number }>(
      `UPDATE webhook_deliveries
          SET attempts = attempts + 1, next_attempt_at = now() + ($2::float8 * interval '1 millisecond')
        WHERE id = $1 AND status = 'PENDING' AND next_attempt_at <= now()
        RETURNING attempts`,
      { bind: [head.id, this.o.leaseMs], type: QueryTypes.SELECT },
    );
    if (claimed === undefined) return 0; // another replica took it; look again

    let answer: Awaited<ReturnType<WebhookClient['post']>> | Error;
    try {
      answer = await this.o.client.post(withWait(this.o.url), head.body);
    } catch (error) {
      answer = error instanceof Error ? error : new Error(String(error));
    }
    const outcome = classify(answer, claimed.attempts, this.o.backoff);
    await this.record(head, claimed.attempts, outcome);
    return 0;
  }

  private async record(head: Head, attempts: number, outcome: DeliveryOutcome): Promise<void> {
    const seq = this.o.sequelize;
    switch (outcome.kind) {
      case 'sent': {
        await seq.query(
          `UPDATE webhook_deliveries SET status = 'SENT', sent_at = now(), last_error = NULL, discord_message_id = $2
            WHERE id = $1 AND status = 'PENDING'`,
          { bind: [head.id, outcome.messageId] },
        );
        this.stats.sent += 1;
        if (outcome.pauseMs > 0) this.pauseUntil = performance.now() + outcome.pauseMs;
        return;
      }
      case 'retry': {
        if (outcome.rateLimited) this.stats.rateLimited += 1;
        else this.stats.failures += 1;
        const update = async (t?: Transaction) => {
          await seq.query(
            `UPDATE webhook_deliveries SET next_attempt_at = now() + ($2::float8 * interval '1 millisecond'), last_error = $3
              WHERE id = $1 AND status = 'PENDING'`,
            { bind: [head.id, outcome.delayMs, outcome.reason.slice(0, 1000)], ...(t ? { transaction: t } : {}) },
          );
        };
        this.log.warn({ delivery: head.id, attempts, retry_in_ms: outcome.delayMs, reason: outcome.reason }, 'webhook post will be retried');
        if (!outcome.rateLimited && attempts === this.o.alertAfterAttempts) {
          await this.o.alert(
            {
              severity: 'warning',
              component: 'notifier',
              message: `Discord webhook ${this.o.webhook} has failed ${attempts} times in a row; still retrying`,
              details: { webhook: this.o.webhook, delivery_id: head.id, event_id: head.event_id, last_error: outcome.reason },
            },
            update,
          );
        } else {
          await update();
        }
        return;
      }
      case 'broken': {
        this.stats.broken = true;
        this.stats.brokenReason = outcome.reason;
        this.log.error({ delivery: head.id, reason: outcome.reason }, 'webhook is broken; deliveries paused until its URL is changed');
        await this.o.alert(
          {
            severity: 'critical',
            component: 'notifier',
            message: `Discord webhook ${this.o.webhook} answered ${outcome.status}; deliveries are paused (kept PENDING) until the webhook URL is changed`,
            details: { webhook: this.o.webhook, status: outcome.status, reason: outcome.reason, delivery_id: head.id },
          },
          async (t) => {
            await seq.query(
              `UPDATE webhook_deliveries SET next_attempt_at = now(), last_error = $2 WHERE id = $1 AND status = 'PENDING'`,
              { bind: [head.id, outcome.reason.slice(0, 1000)], transaction: t },
            );
            await seq.query(
              `INSERT INTO notifier_webhooks (webhook, status, url_sha256, http_status, reason, updated_at)
                    VALUES ($1, 'BROKEN', $2, $3, $4, now())
               ON CONFLICT (webhook) DO UPDATE SET status = 'BROKEN', url_sha256 = EXCLUDED.url_sha256,
                    http_status = EXCLUDED.http_status, reason = EXCLUDED.reason, updated_at = now()`,
              { bind: [this.o.webhook, this.fingerprint, outcome.status, outcome.reason.slice(0, 1000)], transaction: t },
            );
          },
        );
        return;
      }
      case 'rejected': {
        this.stats.failures += 1;
        this.log.error({ delivery: head.id, reason: outcome.reason }, 'Discord rejected a message; kept as BROKEN, moving on');
        await this.o.alert(
          {
            severity: 'warning',
            component: 'notifier',
            message: `Discord rejected a message on webhook ${this.o.webhook} (${outcome.status}); it is kept as BROKEN in webhook_deliveries`,
            details: { webhook: this.o.webhook, status: outcome.status, reason: outcome.reason, delivery_id: head.id, event_id: head.event_id },
          },
          async (t) => {
            await seq.query(`UPDATE webhook_deliveries SET status = 'BROKEN', last_error = $2 WHERE id = $1 AND status = 'PENDING'`, {
              bind: [head.id, outcome.reason.slice(0, 1000)],
              transaction: t,
            });
          },
        );
        return;
      }
    }
  }
}

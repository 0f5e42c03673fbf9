/**
 * Notifier service (SPEC.md §8): domain events → rendered templates → Discord webhooks,
 * through a durable outbox (`webhook_deliveries`).
 *
 * 1. Subscribes to every event on the event bus with the durable queue `notifier` (replicas
 *    share it), and handles events one at a time in arrival order.
 * 2. For an event with a route (`messages.ts`): skips it when a row for (event id, webhook)
 *    exists (dedupe), looks up nicknames (never user ids in messages) and ticker names,
 *    renders the current template (`TemplateStore`: a changed template is used by the next
 *    message) and inserts the delivery row. The bus message is acked only after that insert
 *    commits, so no event is lost between the bus and the outbox.
 * 3. One {@link WebhookDeliverer} per configured webhook posts the rows in order.
 *
 * A webhook whose URL is unset (`DISCORD_ALERTS_WEBHOOK_URL` / `DISCORD_HUMAN_WEBHOOK_URL`)
 * gets no rows: its events are logged once and skipped (there is nowhere to deliver them,
 * and rows that could never leave would only pile up). Set the URL to start delivering
 * from the next event.
 */
import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { DomainEvent, OperatorAlertData } from '../core/events.js';
import type { Subscription, WebhookClient } from '../core/ports.js';
import type { RunningService, ServiceStarter } from '../platform/process.js';
import type { Infra } from '../platform/runtime.js';
import { TemplateStore } from '../platform/templates/template.store.js';
import { insertOutbox, publishCommitted } from './event-outbox.js';
import { buildMessage, routeOf, tickerIdsOf, userIdsOf } from './messages.js';
import type { WebhookName } from './messages.js';
import { WebhookDeliverer } from './webhook.deliverer.js';
import type { DelivererStats } from './webhook.deliverer.js';
import { FetchWebhookClient } from './webhook.client.js';
import { newId } from '../core/ids.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tunables; defaults suit Discord. Tests shorten the delays. */
export interface NotifierOptions {
  /** HTTP client (default: fetch with a 10 s timeout). */
  client?: WebhookClient;
  /** Webhook URLs (default: from config). */
  urls?: Partial<Record<WebhookName, string>>;
  /** First retry delay after a 5xx/network error, ms (default 1,000). */
  retryBaseMs?: number;
  /** Longest retry delay, ms (default 300,000). */
  retryMaxMs?: number;
  /** Idle poll for rows written by other replicas, ms (default 2,000). */
  pollMs?: number;
  /** Claim lease of a row being posted, ms (default 60,000; above the HTTP timeout). */
  leaseMs?: number;
  /** Warn operators when a row has failed this many times (default 10). */
  alertAfterAttempts?: number;
  /** Random source for jitter (default Math.random). */
  random?: () => number;
  /** Durable queue name on the event bus (default `notifier`). */
  queue?: string;
  /** How long stop() lets a post in flight finish before aborting it, ms (default 2,000). */
  stopGraceMs?: number;
}

export interface Notifier {
  readonly templates: TemplateStore;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Handle one event (what the subscription calls; exposed for tests and tools). */
  handle(event: DomainEvent): Promise<void>;
  stats(): DelivererStats[];
}

interface NameRow {
  id: string;
  name: string;
}

/** Build a notifier on the process's infrastructure. */
export function createNotifier(infra: Infra, options: NotifierOptions = {}): Notifier {
  const logger = infra.logger.child({ component: 'notifier' });
  const seq = infra.db.sequelize;
  const templates = new TemplateStore(infra.redis.client, seq);
  const client: WebhookClient = options.client ?? new FetchWebhookClient();
  const urls: Partial<Record<WebhookName, string>> = options.urls ?? {
    ...(infra.config.DISCORD_ALERTS_WEBHOOK_URL === undefined ? {} : { ALERTS: infra.config.DISCORD_ALERTS_WEBHOOK_URL }),
    ...(infra.config.DISCORD_HUMAN_WEBHOOK_URL === undefined ? {} : { HUMAN: infra.config.DISCORD_HUMAN_WEBHOOK_URL }),
  };
  const backoff = { baseMs: options.retryBaseMs ?? 1_000, maxMs: options.retryMaxMs ?? 300_000, random: options.random ?? Math.random };

  const alert = async (data: OperatorAlertData, stateChange: (t: Transaction) => Promise<void>): Promise<void> => {
    const event: DomainEvent = { id: newId(), type: 'operator_alert', occurred_at: infra.clock.now().toISOString(), data: { ...data } };
    await seq.transaction(async (t) => {
      await stateChange(t);
      await insertOutbox(seq, t, [event]);
    });
    await publishCommitted({ sequelize: seq, eventBus: infra.eventBus, redis: infra.redis.client, logger }, [event]);
  };

  const deliverers = new Map<WebhookName, WebhookDeliverer>();
  for (const webhook of ['ALERTS', 'HUMAN'] as const) {
    const url = urls[webhook];
    if (url === undefined) continue;
    deliverers.set(
      webhook,
      new WebhookDeliverer({
        webhook,
        url,
        sequelize: seq,
        client,
        logger,
        backoff,
        pollMs: options.pollMs ?? 2_000,
        leaseMs: options.leaseMs ?? 60_000,
        alertAfterAttempts: options.alertAfterAttempts ?? 10,
        alert,
      }),
    );
  }

  const warnedUnset = new Set<WebhookName>();
  let subscription: Subscription | null = null;
  let chain: Promise<void> = Promise.resolve();

  const lookups = async (event: DomainEvent) => {
    const userIds = userIdsOf(event).filter((id) => UUID_RE.test(id));
    const tickerIds = tickerIdsOf(event);
    const nicknames = new Map<string, string>();
    const tickerNames = new Map<string, string>();
    if (userIds.length > 0) {
      const rows = await seq.query<NameRow>('SELECT id, COALESCE(nickname, username) AS name FROM users WHERE id = ANY($1::uuid[])', {
        bind: [userIds],
        type: QueryTypes.SELECT,
      });
      for (const r of rows) nicknames.set(r.id, r.name);
    }
    if (tickerIds.length > 0) {
      const rows = await seq.query<NameRow>('SELECT id, name_ko AS name FROM tickers WHERE id = ANY($1::text[])', {
        bind: [tickerIds],
        type: QueryTypes.SELECT,
      });
      for (const r of rows) tickerNames.set(r.id, r.name);
    }
    return { nicknames, tickerNames };
  };

  const handle = async (event: DomainEvent): Promise<void> => {
    const route = routeOf(event.type);
    if (route === null) return;
    if (typeof event.id !== 'string' || !UUID_RE.test(event.id) || typeof event.data !== 'object' || event.data === null) {
      logger.error({ event_id: event.id, type: event.type }, 'event without a uuid id or data; cannot deliver it exactly once, skipped');
      return;
    }
    const deliverer = deliverers.get(route.webhook);
    if (deliverer === undefined) {
      if (!warnedUnset.has(route.webhook)) {
        warnedUnset.add(route.webhook);
        logger.warn(
          { webhook: route.webhook, type: event.type },
          `DISCORD_${route.webhook}_WEBHOOK_URL is not set; ${route.webhook.toLowerCase()} messages are not posted`,
        );
      }
      return;
    }
    const [seen] = await seq.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE event_id = $1 AND webhook = $2', {
      bind: [event.id, route.webhook],
      type: QueryTypes.SELECT,
    });
    if (seen !== undefined) return;
    const template = await templates.content(route.template);
    const message = buildMessage(event, template, await lookups(event));
    if (message === null) return;
    await seq.query(
      `INSERT INTO webhook_deliveries (event_id, webhook, body, event_type) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (event_id, webhook) DO NOTHING`,
      { bind: [event.id, message.webhook, JSON.stringify(message.body), event.type] },
    );
    deliverer.nudge();
  };

  // Events are handled one at a time in arrival order, so rows get ids in event order.
  const serialized = (event: DomainEvent): Promise<void> => {
    const run = chain.then(() => handle(event));
    chain = run.catch(() => undefined);
    return run;
  };

  return {
    templates,
    handle: serialized,
    stats: () => [...deliverers.values()].map((d) => d.getStats()),
    async start() {
      const restored = await templates.restore();
      if (restored > 0) logger.info({ restored }, 'message templates restored to Redis from PostgreSQL');
      for (const d of deliverers.values()) await d.start();
      subscription = await infra.eventBus.subscribe('#', serialized, { queue: options.queue ?? 'notifier' });
      logger.info({ webhooks: [...deliverers.keys()] }, 'notifier started');
    },
    async stop() {
      await subscription?.close();
      subscription = null;
      await chain;
      const stopped = Promise.all([...deliverers.values()].map((d) => d.stop()));
      // A post in flight gets a grace period, then is aborted so shutdown stays within its
      // budget; its row is retried later (Discord may, rarely, have taken it: a double).
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), options.stopGraceMs ?? 2_000);
      });
      if ((await Promise.race([stopped, grace])) === 'late' && client instanceof FetchWebhookClient) client.abortAll();
      clearTimeout(timer);
      await stopped;
    },
  };
}

/** The notifier as a process service (`npm run start:notifier`, and in the all-in-one `npm start`). */
export const startNotifier: ServiceStarter = async (infra) => {
  const notifier = createNotifier(infra);
  await notifier.start();
  infra.health.register({
    name: 'notifier',
    mode: 'internal',
    check: async () => {
      const pending = await infra.db.sequelize.query<{ webhook: string; n: string }>(
        "SELECT webhook, count(*)::text AS n FROM webhook_deliveries WHERE status = 'PENDING' GROUP BY webhook",
        { type: QueryTypes.SELECT },
      );
      // A broken webhook is reported, not "down": the process must stay ready for the rest.
      return { up: true, details: { webhooks: notifier.stats(), pending: Object.fromEntries(pending.map((r) => [r.webhook, Number(r.n)])) } };
    },
  });
  const service: RunningService = { name: 'notifier', stop: () => notifier.stop() };
  return service;
};

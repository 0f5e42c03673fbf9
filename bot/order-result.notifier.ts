/**
 * Delivers an order's result to the player who placed it from Discord: on `order_filled`,
 * `order_failed` or `order_cancelled` (topic exchange `events`, routing keys
 * `trade_events.*`, durable queue `bot.replies`, so results wait while the bot is away),
 * edit the original reply (`PATCH /webhooks/{app}/{token}/messages/@original`) while the
 * interaction token is valid (15 minutes), else send a DM.
 *
 * At least once: a handler that throws gets the event again; an entry records which event
 * was delivered so a redelivery does not DM twice.
 */
import type { Logger } from 'pino';
import type { DomainEvent, OrderFailedData, OrderFilledData } from '../core/events.js';
import type { Clock, EventBus, Subscription } from '../core/ports.js';
import type { DiscordApi } from './discord-rest.js';
import { isDiscordError } from './discord-rest.js';
import { langOf } from './messages.js';
import type { ReplyTracker, TrackedReply } from './reply-tracker.js';
import type { TickerCatalogue } from './ticker-catalogue.js';
import { cancelledView, failedView, filledView, instrumentName } from './views.js';
import type { MessageBody } from './views.js';

/** Discord's interaction token lifetime (15 minutes), less a margin for the edit's own trip. */
export const EDIT_WINDOW_MS = 15 * 60_000 - 30_000;
/** How long to wait for the initial response to go out before editing it anyway (ms). */
const RESPONSE_WAIT_MS = 5_000;
/** Queue of the bot's result deliveries on the `events` exchange. */
export const BOT_REPLIES_QUEUE = 'bot.replies';

export interface OrderResultNotifierOptions {
  eventBus: EventBus;
  tracker: ReplyTracker;
  discord: DiscordApi;
  catalogue: TickerCatalogue;
  clock: Clock;
  logger: Logger;
  /** Called for each settled order of any player (the leaderboard re-values them). */
  onFill?: (userId: string) => Promise<void>;
}

interface OrderEventData {
  order_id: string;
  user_id: string;
  ticker_id: string;
}

function isOrderEvent(data: Record<string, unknown>): data is Record<string, unknown> & OrderEventData {
  return typeof data['order_id'] === 'string' && typeof data['user_id'] === 'string' && typeof data['ticker_id'] === 'string';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** See the module comment. */
export class OrderResultNotifier {
  private subscription: Subscription | undefined;
  private readonly logger: Logger;
  /** Counters for health details. */
  readonly stats = { edited: 0, dmed: 0, undeliverable: 0 };

  constructor(private readonly o: OrderResultNotifierOptions) {
    this.logger = o.logger.child({ component: 'order-results' });
  }

  async start(): Promise<void> {
    this.subscription = await this.o.eventBus.subscribe('trade_events.*', (e) => this.handle(e), { queue: BOT_REPLIES_QUEUE });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  /** Handle one event (public for tests of the mapping; the subscription calls it). */
  async handle(event: DomainEvent): Promise<void> {
    if (event.type !== 'order_filled' && event.type !== 'order_failed' && event.type !== 'order_cancelled') return;
    if (!isOrderEvent(event.data)) return;
    const data = event.data;
    // Any settled order may change the board: a fill moves equity, and the first order of a
    // player (even a failed one) registers them with the starting cash.
    if (this.o.onFill) {
      try {
        await this.o.onFill(data.user_id);
      } catch (error) {
        this.logger.warn({ err: error, user_id: data.user_id }, 'leaderboard update after fill failed');
      }
    }
    let target = await this.o.tracker.get(data.order_id);
    if (target === null || target.deliveredEvent === event.id) return;
    target = await this.awaitResponded(data.order_id, target);
    const lang = langOf(target.locale);
    const entry = this.o.catalogue.get(data.ticker_id);
    const render = (viaDm: boolean): MessageBody => {
      if (event.type === 'order_filled') return filledView(lang, event.data as unknown as OrderFilledData, entry, viaDm);
      if (event.type === 'order_failed') return failedView(lang, event.data as unknown as OrderFailedData, entry, viaDm);
      return cancelledView(lang, data.order_id, instrumentName(data.ticker_id, entry, lang));
    };
    const log = this.logger.child({ order_id: data.order_id, event: event.type });
    const ageMs = this.o.clock.now().getTime() - target.createdAtMs;
    if (ageMs < EDIT_WINDOW_MS && (await this.tryEdit(target, render(false), log))) {
      this.stats.edited += 1;
    } else if (this.o.discord.hasToken) {
      try {
        await this.o.discord.sendDm(target.discordUserId, render(true));
        this.stats.dmed += 1;
      } catch (error) {
        if (isDiscordError(error, 403)) {
          // The player does not accept DMs: nothing more can be done; /orders shows the result.
          this.stats.undeliverable += 1;
          log.info('player does not accept DMs; result left to /orders');
        } else {
          throw error; // transient: redeliver
        }
      }
    } else {
      this.stats.undeliverable += 1;
      log.warn('edit window passed and no DISCORD_TOKEN for a DM; result left to /orders');
    }
    await this.o.tracker.markDelivered(data.order_id, event.id);
  }

  /** Wait (bounded) until the initial response has gone out, so the edit finds the message. */
  private async awaitResponded(orderId: string, first: TrackedReply): Promise<TrackedReply> {
    let t = first;
    const deadline = Date.now() + RESPONSE_WAIT_MS;
    while (!t.responded && Date.now() < deadline) {
      await sleep(25);
      t = (await this.o.tracker.get(orderId)) ?? t;
    }
    return t;
  }

  /**
   * PATCH the original reply. A missing message right after the interaction (Discord still
   * creating it) is retried briefly; an expired or unknown token means "use a DM".
   * @returns whether the edit went through.
   */
  private async tryEdit(target: TrackedReply, body: MessageBody, log: Logger): Promise<boolean> {
    const delays = [250, 750, 1500];
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.o.discord.editOriginal(target.applicationId, target.token, body);
        return true;
      } catch (error) {
        const missing = isDiscordError(error, 404);
        const expired = isDiscordError(error, 401);
        const delay = delays[attempt];
        if (missing && delay !== undefined) {
          await sleep(delay);
          continue;
        }
        if (missing || expired) {
          log.info({ status: missing ? 404 : 401 }, 'original reply cannot be edited; falling back to a DM');
          return false;
        }
        throw error; // 5xx, network: redeliver the event
      }
    }
  }
}

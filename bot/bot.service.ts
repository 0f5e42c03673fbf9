/**
 * Discord bot service: slash commands over the gateway and `POST /interactions` (SPEC §7).
 *
 * - `DISCORD_PUBLIC_KEY` set → `POST /interactions` on the process's HTTP server.
 * - `DISCORD_TOKEN` set (and `DISCORD_GATEWAY` not false) → the discord.js gateway client.
 * - Always: order results edit the player's reply or DM them (`bot.replies` queue on the
 *   `events` exchange), and the `rank:equity` leaderboard is kept current.
 * Health check `bot` says which transports are on.
 */
import type { ServiceStarter, RunningService } from '../platform/process.js';
import { Decimal } from '../core/money.js';
import { parseSetting } from '../core/settings.js';
import { SETTINGS_REDIS_KEY } from '../platform/redis.js';
import type { Redis } from '../platform/redis.js';
import { OrderService } from '../platform/orders/order.service.js';
import { AccountRepository } from './account.repository.js';
import { OrderServicePlacer } from './order-intake.js';
import { DiscordApi } from './discord-rest.js';
import { GatewayTransport } from './gateway.js';
import { InteractionHandler } from './interaction.handler.js';
import { mountInteractionsRoute } from './interactions.route.js';
import type { InteractionsStats } from './interactions.route.js';
import { OrderResultNotifier } from './order-result.notifier.js';
import { PriceBook } from './price-book.js';
import { RankService } from './rank.service.js';
import { ReplyTracker } from './reply-tracker.js';
import { createInteractionVerifier } from './signature.js';
import { TickerCatalogue } from './ticker-catalogue.js';

/**
 * Starting cash of a new player as `/me` shows it before the first order: the operator's
 * setting from the Redis hash `config:settings` (the api mirrors the `settings` table there),
 * else `fallback` (`STARTING_CASH_KRW`) when it is unset, unusable or Redis does not answer.
 */
async function startingCash(redis: Redis, fallback: Decimal): Promise<Decimal> {
  try {
    const parsed = parseSetting('starting_cash_krw', await redis.hget(SETTINGS_REDIS_KEY, 'starting_cash_krw'));
    if (parsed.ok) return parsed.value;
  } catch {
    // Redis unavailable: the configured value is the best answer.
  }
  return fallback;
}

export const startBot: ServiceStarter = async (infra, http) => {
  const { config, clock } = infra;
  const logger = infra.logger.child({ service: 'bot' });
  const discord = new DiscordApi({ apiBase: config.DISCORD_API_BASE, token: config.DISCORD_TOKEN });
  const catalogue = new TickerCatalogue(infra.db.sequelize, logger);
  const accounts = new AccountRepository(infra.db.sequelize);
  const prices = new PriceBook(infra.quotes, infra.db.sequelize, clock);
  const tracker = new ReplyTracker(infra.redis.client, clock, logger);
  const rank = new RankService({
    redis: infra.redis.client,
    subscriber: () => infra.redis.subscriber(),
    accounts,
    prices,
    logger,
    tickFlushMs: config.RANK_TICK_FLUSH_MS,
    refreshMs: config.RANK_REFRESH_MS,
  });
  const handler = new InteractionHandler({
    catalogue,
    placer: new OrderServicePlacer(new OrderService({ orderBus: infra.orderBus, clock, isKnownTicker: (id) => catalogue.get(id)?.active === true })),
    canceller: null,
    tracker,
    accounts,
    prices,
    rank,
    calendar: infra.calendar,
    clock,
    marketClock: infra.marketClock,
    startingCashKrw: () => startingCash(infra.redis.client, new Decimal(config.STARTING_CASH_KRW.toFixed())),
    discord,
    logger,
    deadlineMs: config.DISCORD_DEFER_AFTER_MS,
  });
  const notifier = new OrderResultNotifier({
    eventBus: infra.eventBus,
    tracker,
    discord,
    catalogue,
    clock,
    logger,
    onFill: (userId) => rank.recompute([userId]),
  });

  const stoppers: (() => Promise<void>)[] = [];
  await catalogue.start();
  stoppers.push(() => Promise.resolve(catalogue.stop()));
  await notifier.start();
  stoppers.push(() => notifier.stop());
  await rank.start();
  stoppers.push(() => rank.stop());

  let httpStats: InteractionsStats | null = null;
  if (config.DISCORD_PUBLIC_KEY !== undefined) {
    const verifier = createInteractionVerifier(config.DISCORD_PUBLIC_KEY, { maxAgeS: config.DISCORD_INTERACTION_MAX_AGE_S, clock });
    httpStats = mountInteractionsRoute(http.app, { verifier, handler, logger });
  }
  let gateway: GatewayTransport | null = null;
  if (config.DISCORD_TOKEN !== undefined && config.DISCORD_GATEWAY) {
    gateway = new GatewayTransport({ token: config.DISCORD_TOKEN, apiBase: config.DISCORD_API_BASE, handler, discord, logger });
    gateway.start();
    const g = gateway;
    stoppers.push(() => g.stop());
  }
  logger.info({ interactions: httpStats !== null, gateway: gateway !== null }, 'bot started');

  infra.health.register({
    name: 'bot',
    mode: 'internal',
    check: () =>
      Promise.resolve({
        up: true,
        details: {
          interactions: httpStats !== null,
          gateway: gateway === null ? false : gateway.status(),
          interactions_received: httpStats?.received ?? 0,
          interactions_rejected: httpStats?.rejected ?? 0,
          results: notifier.stats,
          catalogue: { size: catalogue.size, from_database: catalogue.fromDatabase },
          rank_rebuilt_at: rank.lastRebuildAt,
        },
      }),
  });

  const service: RunningService = {
    name: 'bot',
    stop: async () => {
      for (const stop of stoppers.reverse()) {
        try {
          await stop();
        } catch (error) {
          logger.warn({ err: error }, 'bot part did not stop cleanly');
        }
      }
    },
  };
  return service;
};

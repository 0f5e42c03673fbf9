/**
 * The bot's port to order intake: place a validated trade (publish with broker confirm).
 * Backed by `OrderService.place()` (platform/orders), shared with the api.
 */
import { ok } from '../core/errors.js';
import type { Result } from '../core/errors.js';
import type { OrderSide } from '../core/order-message.js';
import type { OrderService, PlaceOrderCommand } from '../platform/orders/order.service.js';

/** A trade the bot asks to place. Decimals are strings (already validated). */
export interface TradeRequest {
  /** Chosen by the bot (uuid), so the reply can be tracked before the order is published. */
  orderId: string;
  player: { discordUserId: string; username: string; nickname: string | null };
  tickerId: string;
  side: OrderSide;
  /** Shares/coins, or `all` (SELL). Exactly one of `quantity` and `notionalKrw`. */
  quantity?: string;
  /** KRW to spend (BUY, fee included) or to receive (SELL). */
  notionalKrw?: string;
  /** Limit price in the instrument's currency: makes it a LIMIT order. */
  limitPrice?: string;
}

/** Places trades. */
export interface TradePlacer {
  /**
   * Publish the order; resolves once the broker confirmed it.
   * @returns the order id, or a failure (`INVALID_*` for bad terms — nothing published;
   *   `PUBLISH_FAILED` when the broker did not take it — nothing placed).
   */
  place(request: TradeRequest): Promise<Result<{ orderId: string }>>;
}

/**
 * {@link TradePlacer} over the shared `OrderService.place()`: the player is named by their
 * Discord id (registered by the engine on first use), `source: discord`, a limit price makes
 * a `LIMIT` order. `PUBLISH_FAILED` is thrown by the service (AppError) and shown as such.
 */
export class OrderServicePlacer implements TradePlacer {
  constructor(private readonly orders: Pick<OrderService, 'place'>) {}

  async place(r: TradeRequest): Promise<Result<{ orderId: string }>> {
    const placed = await this.orders.place({
      order_id: r.orderId,
      user: { discord_user_id: r.player.discordUserId, username: r.player.username, nickname: r.player.nickname },
      ticker_id: r.tickerId,
      side: r.side,
      type: r.limitPrice === undefined ? 'MARKET' : 'LIMIT',
      ...(r.quantity === undefined ? {} : { quantity: r.quantity }),
      ...(r.notionalKrw === undefined ? {} : { amount: r.notionalKrw }),
      ...(r.limitPrice === undefined ? {} : { limit_price: r.limitPrice }),
      source: 'discord',
    } satisfies PlaceOrderCommand);
    return placed.ok ? ok({ orderId: placed.value.order_id }) : placed;
  }
}

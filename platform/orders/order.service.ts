/**
 * OrderService: the one way orders enter the game, shared by the Discord bot and the REST
 * api (SPEC §5, ARCHITECTURE "Flow of one order").
 *
 * `place()` validates a command (zod once, then the same term checks the engine applies), builds
 * the schema-1 order message with a fresh `order_id` (or the caller's, for idempotent
 * retries), publishes it to exchange `orders` and resolves once the broker has CONFIRMED it.
 * It returns the order id; the fill or the failure arrives later as an `order_filled` /
 * `order_failed` event.
 *
 * Players: order intake never depends on the home site (SPEC §1), so `place()` never touches
 * the database. A Discord player is named by {@link playerIdOf}(Discord id) and the message
 * carries `player` (Discord id, username, nickname): on first sight the engine creates the
 * user, the wallet and the `STARTING_CASH_KRW` ledger entry in the settling transaction. API
 * users who already exist are named by `user_id`; an unknown `user_id` fails at settlement
 * with `UNKNOWN_USER`.
 */
import { z } from 'zod';
import { AppError, ErrorCode, err, ok } from '../../core/errors.js';
import type { Result } from '../../core/errors.js';
import type { OrderMessage } from '../../core/order-message.js';
import {
  DISCORD_USER_ID_RE,
  ORDER_MESSAGE_SCHEMA,
  ORDER_SIDES,
  ORDER_SOURCES,
  ORDER_TYPES,
  orderTermsOf,
  playerIdOf,
} from '../../core/order-message.js';
import type { Clock, OrderBus } from '../../core/ports.js';
import { systemClock } from '../../core/ports.js';
import { parseTickerId } from '../../core/ticker.js';
import { newId } from '../../core/ids.js';

const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a uuid')
  .transform((s) => s.toLowerCase());
const decimalText = z.string().max(64);

/**
 * A command to place an order.
 * - `user`: `{ discord_user_id, username, nickname? }` for a Discord player (registered on
 *   first use), or `{ user_id }` for an existing user (api).
 * - `ticker_id`: canonical id (resolve names with `resolveTicker` first).
 * - exactly one of `quantity` (shares/coins; `"all"` to sell the whole position) and `amount`
 *   (KRW: to spend including the fee on a BUY, gross value to sell on a SELL), decimal strings.
 * - `type` defaults to `MARKET`; `limit_price` / `stop_price` / `trail` for pending types.
 * - `order_id`: optional idempotency key (a retry with the same id settles once).
 */
export const placeOrderCommandSchema = z.object({
  order_id: uuid.optional(),
  user: z.union([
    z.object({ user_id: uuid }),
    z.object({
      discord_user_id: z.string().regex(DISCORD_USER_ID_RE, 'must be a Discord user id (digits)'),
      username: z.string().trim().min(1).max(64),
      nickname: z.string().trim().min(1).max(64).nullable().optional(),
    }),
  ]),
  ticker_id: z.string().max(64),
  side: z.enum(ORDER_SIDES),
  type: z.enum(ORDER_TYPES).default('MARKET'),
  quantity: decimalText.optional(),
  amount: decimalText.optional(),
  limit_price: decimalText.optional(),
  stop_price: decimalText.optional(),
  trail: decimalText.optional(),
  source: z.enum(ORDER_SOURCES),
});

export type PlaceOrderCommand = z.input<typeof placeOrderCommandSchema>;

/** What `place()` returns: the order id (for the reply and later lookups) and who placed it. */
export interface PlacedOrder {
  order_id: string;
  user_id: string;
  message: OrderMessage;
}

export interface OrderServiceOptions {
  orderBus: OrderBus;
  clock?: Clock;
  /** Optional catalogue check at the edge: a false answer refuses the order with `UNKNOWN_TICKER`. */
  isKnownTicker?: (tickerId: string) => boolean;
  /** Publish attempts before giving up (same `order_id` each time; default 3). */
  publishAttempts?: number;
  /** Delay before the first retry, doubled each time (default 100 ms). */
  retryDelayMs?: number;
}

/** See the module comment. */
export class OrderService {
  private readonly clock: Clock;

  constructor(private readonly options: OrderServiceOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Validate, publish with confirm, return the order id.
   * @returns `ok(PlacedOrder)` once the broker confirmed the message; or a rejection that
   *   changed nothing: `INVALID_INPUT` (malformed command), `INVALID_TICKER` (not a ticker id),
   *   `UNKNOWN_TICKER` (refused by `isKnownTicker`), `INVALID_QUANTITY` (size missing, both
   *   given, not a positive decimal with ≤ 8 decimals, `all` on a buy), `INVALID_PRICE`.
   * @throws AppError(PUBLISH_FAILED, retry: true) when the broker did not confirm after every
   *   attempt; the order may or may not be queued — retrying with the same `order_id` is safe.
   */
  async place(command: unknown): Promise<Result<PlacedOrder>> {
    const parsed = placeOrderCommandSchema.safeParse(command);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'command'}: ${i.message}`);
      return err(ErrorCode.INVALID_INPUT, `invalid order: ${issues.join('; ')}`, { issues });
    }
    const c = parsed.data;
    const ticker = parseTickerId(c.ticker_id);
    if (!ticker.ok) return ticker;
    if (this.options.isKnownTicker && !this.options.isKnownTicker(ticker.value.id)) {
      return err(ErrorCode.UNKNOWN_TICKER, `${ticker.value.id} is not a listed instrument`, { ticker_id: ticker.value.id });
    }
    const user = 'user_id' in c.user ? { user_id: c.user.user_id } : {
      user_id: playerIdOf(c.user.discord_user_id),
      player: {
        discord_user_id: c.user.discord_user_id,
        username: c.user.username,
        ...(c.user.nickname === undefined ? {} : { nickname: c.user.nickname }),
      },
    };
    // Every field below comes from the validated command (ids lower-cased, sizes trimmed) or
    // is made here, so the message satisfies `orderMessageSchema` without a second parse
    // (order.service.test.ts checks that it does); the terms get the engine's own check.
    const message: OrderMessage = {
      schema: ORDER_MESSAGE_SCHEMA,
      order_id: c.order_id ?? newId(),
      user_id: user.user_id,
      ticker_id: ticker.value.id,
      side: c.side,
      type: c.type,
      ...(c.quantity === undefined ? {} : { quantity: c.quantity.trim().toLowerCase() === 'all' ? 'all' : c.quantity.trim() }),
      ...(c.amount === undefined ? {} : { notional_krw: c.amount.trim() }),
      ...(c.limit_price === undefined ? {} : { limit_price: c.limit_price.trim() }),
      ...(c.stop_price === undefined ? {} : { stop_price: c.stop_price.trim() }),
      ...(c.trail === undefined ? {} : { trail: c.trail.trim() }),
      source: c.source,
      placed_at: this.clock.now().toISOString(),
      ...('player' in user ? { player: user.player } : {}),
    };
    const terms = orderTermsOf(message);
    if (!terms.ok) return terms;
    await this.publish(message);
    return ok({ order_id: message.order_id, user_id: message.user_id, message });
  }

  private async publish(message: OrderMessage): Promise<void> {
    const attempts = Math.max(1, this.options.publishAttempts ?? 3);
    let delay = this.options.retryDelayMs ?? 100;
    let last: unknown;
    for (let i = 0; i < attempts; i += 1) {
      try {
        await this.options.orderBus.publish({ ...message });
        return;
      } catch (error) {
        last = error;
        if (i + 1 < attempts) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay *= 2;
        }
      }
    }
    throw new AppError(ErrorCode.PUBLISH_FAILED, 'the order could not be queued; please try again', {
      retry: true,
      cause: last,
      context: { order_id: message.order_id },
    });
  }
}

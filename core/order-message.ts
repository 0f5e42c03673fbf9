/**
 * The order message of SPEC §5 (`schema: 1`): what the bot and the api publish to exchange
 * `orders` and what the engine settles. Pure: zod validation and deterministic ids, no I/O.
 *
 * Two layers of validation, because they end differently:
 * - the **envelope** ({@link parseOrderMessage}): JSON object, `schema: 1`, uuids, side, type,
 *   source, time. A message that fails it cannot be recorded as an order at all: the engine
 *   dead-letters it to `orders.dead` and raises an operator alert (a poison message).
 * - the **terms** ({@link orderTermsOf}): quantity or KRW amount, prices. A bad value here is
 *   the player's mistake: the order is recorded `FAILED` with a reason code
 *   (`INVALID_QUANTITY`, `INVALID_PRICE`). `OrderService.place()` runs the same check before
 *   publishing, so bad input is refused at the edge and nothing is queued.
 *
 * Player identity: a Discord player's `user_id` is {@link playerIdOf}(discord user id), a
 * UUID v5 under {@link PLAYER_NAMESPACE}, so the bot can name the player without asking the
 * home site (SPEC §1: order intake never depends on it). A message may carry `player`
 * (Discord id, username, nickname); the engine then registers an unknown player with
 * `STARTING_CASH_KRW` inside the settling transaction.
 */
import { v5 } from 'uuid';
import { z } from 'zod';
import { ErrorCode, err, ok } from './errors.js';
import type { Result } from './errors.js';
import { parseDecimal, parsePrice, parseQuantity } from './money.js';
import type { Decimal } from './money.js';

/** Version written in `schema` by publishers of this module. */
export const ORDER_MESSAGE_SCHEMA = 1;

/** UUID v5 namespace of player ids derived from Discord user ids. Never change it. */
export const PLAYER_NAMESPACE = 'bb9bddec-f230-4364-86e2-aeed6d064db1';

/** UUID v5 namespace of event ids derived from an order id and an event type. Never change it. */
export const EVENT_NAMESPACE = '8fc8906b-b915-41e7-b652-a33a9e2175d8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * RFC 9562 §5.5 (was RFC 4122 §4.3) name-based UUID, version 5 (SHA-1), by the `uuid` package.
 * @param name any text (UTF-8 encoded).
 * @param namespace a uuid (any case).
 * @returns the lower-case uuid.
 */
export function uuidV5(name: string, namespace: string): string {
  const ns = namespace.toLowerCase();
  if (!UUID_RE.test(ns)) throw new TypeError(`namespace must be a uuid (got ${namespace})`);
  return v5(name, ns);
}

/** A Discord user id (snowflake): 1–25 ASCII digits (the `users.discord_user_id` CHECK). */
export const DISCORD_USER_ID_RE = /^[0-9]{1,25}$/;

/**
 * The player id (`users.id`) of a Discord user: UUID v5 of the Discord user id under
 * {@link PLAYER_NAMESPACE}. Deterministic, so bot and api compute it without the database.
 * @throws TypeError when `discordUserId` is not 1–25 digits.
 */
export function playerIdOf(discordUserId: string): string {
  const known = playerIds.get(discordUserId);
  if (known !== undefined) return known;
  if (!DISCORD_USER_ID_RE.test(discordUserId)) throw new TypeError(`not a Discord user id: ${discordUserId.slice(0, 32)}`);
  const id = uuidV5(`discord:${discordUserId}`, PLAYER_NAMESPACE);
  // Every order of a Discord player names them: remember recent ids (a SHA-1 each otherwise).
  if (playerIds.size >= PLAYER_IDS_REMEMBERED) playerIds.clear();
  playerIds.set(discordUserId, id);
  return id;
}

const PLAYER_IDS_REMEMBERED = 10_000;
const playerIds = new Map<string, string>();

/**
 * The id of an event about an order: UUID v5 of `<order_id>:<type>`. The same order and type
 * always give the same id, so a republished event dedupes downstream and the outbox insert
 * (`ON CONFLICT (id) DO NOTHING`) keeps one row.
 */
export function orderEventId(orderId: string, type: string): string {
  return uuidV5(`${orderId.toLowerCase()}:${type}`, EVENT_NAMESPACE);
}

export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

/** Order types of SPEC §3. Only `MARKET` settles today; the rest are accepted on the wire. */
export const ORDER_TYPES = ['MARKET', 'LIMIT', 'STOP_LOSS', 'TAKE_PROFIT', 'STOP_LIMIT', 'TRAILING_STOP'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const ORDER_SOURCES = ['discord', 'api', 'admin', 'bot'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a uuid')
  .transform((s) => s.toLowerCase());

/** A decimal as sent on the wire: a string (preferred) or a JSON safe integer. Checked by {@link orderTermsOf}. */
const wireDecimal = z.union([z.string().max(64), z.number()]);

/** The player a message introduces (first use registers them). */
export const playerSchema = z.object({
  discord_user_id: z.string().regex(DISCORD_USER_ID_RE, 'must be 1-25 digits'),
  username: z.string().trim().min(1).max(64),
  nickname: z.string().trim().min(1).max(64).nullable().optional(),
});
export type PlayerInfo = z.infer<typeof playerSchema>;

/**
 * The order message, `schema: 1` (SPEC §5). Unknown extra fields are dropped (a later minor
 * addition does not poison older engines); a different `schema` is refused.
 *
 * - `order_id`: uuid chosen by the publisher; the idempotency key.
 * - `user_id`: `users.id`; for Discord players {@link playerIdOf}.
 * - `ticker_id`: canonical id (`CRYPTO-COIN-BTC`); an unknown or malformed one fails the order
 *   with `UNKNOWN_TICKER`.
 * - `quantity` (shares/coins, or `"all"` on a SELL) or `notional_krw` (KRW to spend on a BUY
 *   including the fee, or the gross KRW value to sell on a SELL): exactly one.
 * - `limit_price`, `stop_price` (instrument currency), `trail`: for pending types (later).
 * - `source`, `placed_at` (ISO-8601 with offset), optional `player`.
 */
export const orderMessageSchema = z.object({
  schema: z.literal(ORDER_MESSAGE_SCHEMA),
  order_id: uuid,
  user_id: uuid,
  ticker_id: z.string().min(1).max(64),
  side: z.enum(ORDER_SIDES),
  type: z.enum(ORDER_TYPES),
  quantity: wireDecimal.optional(),
  notional_krw: wireDecimal.optional(),
  limit_price: wireDecimal.optional(),
  stop_price: wireDecimal.optional(),
  trail: wireDecimal.optional(),
  source: z.enum(ORDER_SOURCES),
  placed_at: z.iso.datetime({ offset: true }),
  player: playerSchema.optional(),
});

/** A message that passed {@link orderMessageSchema}. */
export type OrderMessage = z.infer<typeof orderMessageSchema>;

/**
 * Validate the envelope of a received message.
 * @returns the message (ids lower-cased), or `INVALID_INPUT` with a one-line reason listing
 *   the offending fields — the engine dead-letters such a message (poison).
 */
export function parseOrderMessage(raw: unknown): Result<OrderMessage> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err(ErrorCode.INVALID_INPUT, `order message is not a JSON object (got ${typeof raw === 'string' ? 'text' : raw === null ? 'null' : typeof raw})`);
  }
  const parsed = orderMessageSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return err(ErrorCode.INVALID_INPUT, `invalid order message: ${issues}`);
}

/** How much to trade: shares, a KRW amount, or the whole position (SELL only). */
export type OrderSize =
  | { readonly kind: 'quantity'; readonly quantity: Decimal }
  | { readonly kind: 'notional'; readonly notionalKrw: Decimal }
  | { readonly kind: 'all' };

/** The validated terms of an order. Prices are in the instrument's currency. */
export interface OrderTerms {
  readonly size: OrderSize;
  readonly limitPrice: Decimal | null;
  readonly stopPrice: Decimal | null;
  readonly trail: Decimal | null;
}

const isAll = (v: unknown): boolean => typeof v === 'string' && v.trim().toLowerCase() === 'all';

/**
 * An optional price term: null when absent, else {@link parsePrice}. (Module level, not a
 * closure in {@link orderTermsOf}: under tsx, a named closure costs ~0.4 µs to create.)
 */
function optionalPrice(v: unknown): Result<Decimal | null> {
  return v === undefined ? ok(null) : parsePrice(v);
}

/**
 * Check the terms of an order: exactly one of `quantity` / `notional_krw`, each a positive
 * decimal with at most 8 decimals below 10^12; `quantity: "all"` only on a SELL; optional
 * prices positive.
 * @returns the terms, or `INVALID_QUANTITY` (size) / `INVALID_PRICE` (prices) with a message
 *   fit for the player.
 */
export function orderTermsOf(msg: Pick<OrderMessage, 'side' | 'quantity' | 'notional_krw' | 'limit_price' | 'stop_price' | 'trail'>): Result<OrderTerms> {
  const hasQty = msg.quantity !== undefined;
  const hasNotional = msg.notional_krw !== undefined;
  if (hasQty === hasNotional) {
    return err(ErrorCode.INVALID_QUANTITY, 'give exactly one of a quantity or a KRW amount', { field: 'quantity' });
  }
  let size: OrderSize;
  if (hasQty) {
    if (isAll(msg.quantity)) {
      if (msg.side !== 'SELL') return err(ErrorCode.INVALID_QUANTITY, 'quantity "all" is only for selling', { field: 'quantity' });
      size = { kind: 'all' };
    } else {
      const q = parseQuantity(msg.quantity);
      if (!q.ok) return q;
      size = { kind: 'quantity', quantity: q.value };
    }
  } else {
    const n = parseDecimal(msg.notional_krw, { field: 'amount', code: ErrorCode.INVALID_QUANTITY });
    if (!n.ok) return n;
    size = { kind: 'notional', notionalKrw: n.value };
  }
  const limitPrice = optionalPrice(msg.limit_price);
  if (!limitPrice.ok) return limitPrice;
  const stopPrice = optionalPrice(msg.stop_price);
  if (!stopPrice.ok) return stopPrice;
  const trail = optionalPrice(msg.trail);
  if (!trail.ok) return trail;
  return ok({ size, limitPrice: limitPrice.value, stopPrice: stopPrice.value, trail: trail.value });
}

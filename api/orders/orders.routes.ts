/**
 * Orders (SPEC §9): `POST /orders` publishes through the same `OrderService.place()` as the
 * Discord bot and answers `202 Accepted` with the order id once the broker confirmed it;
 * the fill or failure follows as an event (stream) and in `GET /orders/{id}`. Players see
 * only their own orders: another player's order id answers 404, exactly like an unknown one.
 */
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import { ORDER_SIDES, ORDER_TYPES } from '../../core/order-message.js';
import { isTickerId, resolveTicker } from '../../core/ticker.js';
import type { OrderService } from '../../platform/orders/order.service.js';
import { errorBodySchema, sendError, sendFailure } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { idParams, isoInstant, pagination, text, uuid, wireDecimal } from '../http/schemas.js';
import type { TickerCatalogue } from '../market/catalogue.js';
import { ORDER_STATUSES, orderSchema } from './order.queries.js';
import type { OrderQueries } from './order.queries.js';

const wire = (v: string | number | undefined): string | undefined => (v === undefined ? undefined : String(v));

export const placeOrderBody = z
  .object({
    ticker: text(1, 64).meta({ description: 'ticker id (KRX-STOCK-005930), symbol or name (삼성전자, AAPL, btc)', example: 'CRYPTO-COIN-BTC' }),
    side: z.enum(ORDER_SIDES),
    type: z.enum(ORDER_TYPES).default('MARKET'),
    quantity: z
      .union([wireDecimal, z.literal('all')])
      .optional()
      .meta({ description: 'shares or coins (decimal string), or "all" to sell the whole position' }),
    amount: wireDecimal.optional().meta({ description: 'KRW to spend (BUY, fee included) or to receive (SELL, gross)' }),
    limit_price: wireDecimal.optional(),
    stop_price: wireDecimal.optional(),
    trail: wireDecimal.optional(),
    order_id: uuid.optional().meta({ description: 'your idempotency key: a retry with the same id settles once' }),
  })
  .meta({ id: 'PlaceOrder' });

export const acceptedSchema = z
  .object({ order_id: z.string(), status: z.enum(['ACCEPTED', ...ORDER_STATUSES]), ticker_id: z.string(), side: z.enum(ORDER_SIDES), type: z.enum(ORDER_TYPES) })
  .meta({ id: 'OrderAccepted' });

const err = (description: string) => ({ description, schema: errorBodySchema });

export function orderRoutes(deps: { orders: OrderService; queries: OrderQueries; catalogue: TickerCatalogue }): AnyRoute[] {
  const { orders, queries, catalogue } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/orders',
      tags: ['orders'],
      summary: 'Place an order (202: queued; the fill follows as an event)',
      description:
        'Exactly one of `quantity` and `amount`. Only `MARKET` orders settle today; other types are accepted on the wire and fail at settlement with `UNSUPPORTED_ORDER_TYPE`. Bad input is refused here and nothing is queued.',
      auth: 'trade',
      body: placeOrderBody,
      responses: {
        202: { description: 'queued (broker confirmed)', schema: acceptedSchema },
        400: err('bad input (INVALID_QUANTITY, INVALID_PRICE, INVALID_INPUT)'),
        404: err('unknown ticker'),
        409: err('order_id already used by another order'),
        503: err('the queue did not confirm; retrying with the same order_id is safe'),
      },
      handler: async ({ body, principal, res }) => {
        let tickerId: string;
        if (isTickerId(body.ticker.toUpperCase())) tickerId = body.ticker.toUpperCase();
        else {
          const resolved = resolveTicker(catalogue.entries(), body.ticker);
          if (!resolved.ok) {
            sendFailure(res, resolved.error);
            return 'handled';
          }
          tickerId = resolved.value.id;
        }
        if (body.order_id !== undefined) {
          const existing = await queries.find(body.order_id);
          if (existing !== null && existing.user_id !== principal.userId) {
            sendError(res, ErrorCode.CONFLICT, 'this order_id is already used; choose a new uuid', { field: 'order_id' });
            return 'handled';
          }
          if (existing !== null) {
            return {
              status: 202,
              body: { order_id: existing.id, status: existing.status, ticker_id: existing.ticker_id, side: existing.side, type: existing.type },
              headers: { Location: `/api/v1/orders/${existing.id}` },
            };
          }
        }
        const command: Record<string, unknown> = {
          user: { user_id: principal.userId },
          ticker_id: tickerId,
          side: body.side,
          type: body.type,
          source: 'api',
        };
        const extra: [string, string | undefined][] = [
          ['order_id', body.order_id],
          ['quantity', wire(body.quantity)],
          ['amount', wire(body.amount)],
          ['limit_price', wire(body.limit_price)],
          ['stop_price', wire(body.stop_price)],
          ['trail', wire(body.trail)],
        ];
        for (const [k, v] of extra) if (v !== undefined) command[k] = v;
        const placed = await orders.place(command);
        if (!placed.ok) {
          sendFailure(res, placed.error);
          return 'handled';
        }
        const m = placed.value.message;
        return {
          status: 202,
          body: { order_id: placed.value.order_id, status: 'ACCEPTED', ticker_id: m.ticker_id, side: m.side, type: m.type },
          headers: { Location: `/api/v1/orders/${placed.value.order_id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/orders',
      tags: ['orders'],
      summary: 'Your orders, newest first',
      auth: 'read',
      query: z.object({
        status: z.enum(ORDER_STATUSES).optional(),
        ticker_id: text(1, 64).optional(),
        side: z.enum(ORDER_SIDES).optional(),
        from: isoInstant.optional(),
        to: isoInstant.optional(),
        ...pagination,
      }),
      responses: { 200: { description: 'orders', schema: z.object({ orders: z.array(orderSchema) }) } },
      handler: async ({ principal, query }) => {
        const found = await queries.search({
          userId: principal.userId,
          limit: query.limit,
          offset: query.offset,
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.ticker_id === undefined ? {} : { tickerId: query.ticker_id.toUpperCase() }),
          ...(query.side === undefined ? {} : { side: query.side }),
          ...(query.from === undefined ? {} : { from: query.from }),
          ...(query.to === undefined ? {} : { to: query.to }),
        });
        return { status: 200, body: { orders: found.map(({ username: _u, ...o }) => o) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/orders/{id}',
      tags: ['orders'],
      summary: 'One of your orders',
      description: 'An order appears once the engine has settled it (filled, failed, or pending).',
      auth: 'read',
      params: idParams,
      responses: { 200: { description: 'the order', schema: orderSchema }, 404: err('no such order of yours') },
      handler: async ({ principal, params, res }) => {
        const found = await queries.find(params.id);
        if (found === null || found.user_id !== principal.userId) {
          sendError(res, ErrorCode.NOT_FOUND, 'no such order (an accepted order appears here once the engine has settled it)');
          return 'handled';
        }
        const { username: _u, ...order } = found;
        return { status: 200, body: order };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/orders/{id}',
      tags: ['orders'],
      summary: 'Cancel one of your pending orders',
      description: 'Only PENDING orders can be cancelled. Pending order types are not settled yet, so today every order answers 409.',
      auth: 'trade',
      params: idParams,
      responses: { 404: err('no such order of yours'), 409: err('the order is not pending') },
      handler: async ({ principal, params, res }) => {
        const found = await queries.find(params.id);
        if (found === null || found.user_id !== principal.userId) {
          sendError(res, ErrorCode.NOT_FOUND, 'no such order');
          return 'handled';
        }
        sendError(
          res,
          ErrorCode.CONFLICT,
          found.status === 'PENDING' ? 'cancelling pending orders is not available yet' : `only pending orders can be cancelled; this one is ${found.status}`,
          { status: found.status },
        );
        return 'handled';
      },
    }),
  ];
}

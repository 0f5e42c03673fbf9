/**
 * The live stream (SPEC §9): Server-Sent Events of prices and of the caller's own order
 * events. `GET /api/v1/stream?tickers=A,B` with `Authorization`/`X-API-Key`, or with a
 * one-time `?ticket=` from `POST /api/v1/stream/ticket` (browsers' EventSource sends no
 * headers). Events: `price` (the quote JSON of SPEC §4), `order` (the domain event envelope:
 * `order_filled`, `order_failed`, `order_cancelled`, only the caller's). A comment line every
 * 15 s keeps proxies from closing an idle stream.
 */
import { z } from 'zod';
import type { Quote } from '../../core/ports.js';
import { STREAM_TICKET_TTL_S } from '../auth/stream-tickets.js';
import type { StreamTickets } from '../auth/stream-tickets.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { OrderEvent, StreamHub, StreamListener } from './stream.hub.js';

const HEARTBEAT_MS = 15_000;

export function streamRoutes(deps: { hub: StreamHub; tickets: StreamTickets; onOpen?: (delta: 1 | -1) => void }): AnyRoute[] {
  const { hub, tickets } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/stream/ticket',
      tags: ['stream'],
      summary: 'A one-time ticket to open the stream from a browser (valid 60 s)',
      auth: 'read',
      responses: { 201: { description: 'ticket', schema: z.object({ ticket: z.string(), expires_in: z.number().int() }) } },
      handler: async ({ principal }) => ({
        status: 201,
        body: { ticket: await tickets.issue(principal.userId), expires_in: STREAM_TICKET_TTL_S },
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/stream',
      tags: ['stream'],
      summary: 'Server-Sent Events: prices and your order events',
      description: 'Events `price` (quote JSON) and `order` (event envelope). `tickers` filters prices (comma-separated ids; default all).',
      auth: 'read',
      allowTicket: true,
      query: z.object({
        tickers: z
          .string()
          .max(4000)
          .regex(/^[A-Za-z0-9.,-]*$/, 'comma-separated ticker ids')
          .optional(),
        ticket: z.string().max(128).optional(),
      }),
      responses: { 200: { description: 'text/event-stream', contentType: 'text/event-stream' } },
      handler: async ({ principal, query, req, res }) => {
        const wanted = new Set(
          (query.tickers ?? '')
            .split(',')
            .map((s) => s.trim().toUpperCase())
            .filter((s) => s.length > 0),
        );
        res.status(200);
        res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache, no-transform');
        res.setHeader('Connection', 'keep-alive');
        res.setHeader('X-Accel-Buffering', 'no');
        res.flushHeaders();
        res.write(`retry: 3000\n: connected as ${principal.userId}\n\n`);
        let seq = 0;
        const send = (event: string, data: unknown) => {
          seq += 1;
          res.write(`id: ${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        const listener: StreamListener = {
          price: (q: Quote) => {
            if (wanted.size === 0 || wanted.has(q.ticker_id)) send('price', q);
          },
          order: (e: OrderEvent) => {
            if (e.data.user_id === principal.userId) send('order', e);
          },
          end: () => undefined,
        };
        const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
        heartbeat.unref();
        let closed = false;
        let opened = false;
        const close = () => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          hub.remove(listener);
          if (opened) deps.onOpen?.(-1);
        };
        listener.end = () => {
          close();
          res.end();
        };
        req.on('close', close);
        await hub.add(listener);
        if (closed) {
          hub.remove(listener);
          return 'handled';
        }
        opened = true;
        deps.onOpen?.(1);
        send('ready', { user_id: principal.userId, tickers: [...wanted] });
        return 'handled';
      },
    }),
  ];
}

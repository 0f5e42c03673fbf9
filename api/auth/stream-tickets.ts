/**
 * One-time tickets for the SSE stream: a browser `EventSource` cannot send an
 * `Authorization` header, so an authenticated caller first asks for a ticket (valid 60 s,
 * usable once) and opens `/api/v1/stream?ticket=…`. Redis key `auth:stream_ticket:<ticket>`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export const STREAM_TICKET_TTL_S = 60;
const key = (ticket: string) => `auth:stream_ticket:${ticket}`;

export class StreamTickets {
  constructor(private readonly redis: Redis) {}

  async issue(userId: string): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    await this.redis.set(key(ticket), userId, 'EX', STREAM_TICKET_TTL_S);
    return ticket;
  }

  /** The ticket's user id, deleting the ticket (a second use finds nothing). */
  async redeem(ticket: string): Promise<string | null> {
    const [[, value] = [null, null]] = (await this.redis.multi().get(key(ticket)).del(key(ticket)).exec()) ?? [];
    return typeof value === 'string' ? value : null;
  }
}

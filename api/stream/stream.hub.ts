/**
 * One Redis subscription per api process, fanned out to every open stream: prices from
 * channel `market_updates` (SPEC §4) and order events from `trade_events` (SPEC §5).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Quote } from '../../core/ports.js';
import { MARKET_UPDATES_CHANNEL } from '../../platform/redis.js';

export const TRADE_EVENTS_CHANNEL = 'trade_events';

/** Order event types forwarded to their owner. */
export const ORDER_EVENT_TYPES = new Set(['order_filled', 'order_failed', 'order_cancelled']);

export interface OrderEvent {
  id: string;
  type: string;
  occurred_at: string;
  data: Record<string, unknown> & { user_id: string };
}

export interface StreamListener {
  price(quote: Quote): void;
  order(event: OrderEvent): void;
  /** The hub is closing: end the response. */
  end(): void;
}

function parseQuote(text: string): Quote | null {
  try {
    const v = JSON.parse(text) as Partial<Quote>;
    return typeof v.ticker_id === 'string' && typeof v.price === 'string' ? (v as Quote) : null;
  } catch {
    return null;
  }
}

function parseOrderEvent(text: string): OrderEvent | null {
  try {
    const v = JSON.parse(text) as Partial<OrderEvent>;
    if (typeof v.type !== 'string' || !ORDER_EVENT_TYPES.has(v.type)) return null;
    if (typeof v.data !== 'object' || v.data === null || typeof v.data.user_id !== 'string') return null;
    return v as OrderEvent;
  } catch {
    return null;
  }
}

export class StreamHub {
  private readonly listeners = new Set<StreamListener>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly makeSubscriber: () => Redis,
    private readonly logger: Logger,
  ) {}

  /** Open the subscription (lazily, on the first listener). */
  private async ensure(): Promise<void> {
    if (this.subscriber !== undefined) return;
    const sub = this.makeSubscriber();
    this.subscriber = sub;
    sub.on('message', (channel: string, message: string) => {
      if (channel === MARKET_UPDATES_CHANNEL) {
        const q = parseQuote(message);
        if (q !== null) for (const l of this.listeners) l.price(q);
      } else if (channel === TRADE_EVENTS_CHANNEL) {
        const e = parseOrderEvent(message);
        if (e !== null) for (const l of this.listeners) l.order(e);
      }
    });
    sub.on('error', (error: unknown) => this.logger.warn({ err: error }, 'stream subscriber error'));
    await sub.subscribe(MARKET_UPDATES_CHANNEL, TRADE_EVENTS_CHANNEL);
  }

  async add(listener: StreamListener): Promise<void> {
    await this.ensure();
    this.listeners.add(listener);
  }

  remove(listener: StreamListener): void {
    this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    for (const l of [...this.listeners]) l.end();
    this.listeners.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub !== undefined) {
      try {
        await sub.quit();
      } catch {
        sub.disconnect();
      }
    }
  }
}

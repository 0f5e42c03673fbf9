/**
 * Redis: the real server (ioredis) when `REDIS_URL` is set, an in-memory stand-in
 * (ioredis-mock, same API, pub/sub included) otherwise (SPEC §1).
 *
 * Keys (SPEC §4, exact): `price:{TICKER_ID}` (quote JSON, TTL 5 s), `fx:USDKRW` (rate JSON),
 * channel `market_updates`. The {@link RedisQuoteCache} is the read side used by the engine,
 * bot and api.
 */
import { Redis } from 'ioredis';
import RedisMock from 'ioredis-mock';
import type { FxRate, Quote, QuoteCache } from '../core/ports.js';

export type { Redis } from 'ioredis';

/** Redis key of a ticker's latest quote. */
export const priceKey = (tickerId: string): string => `price:${tickerId}`;
/** Redis key of the USD/KRW rate. */
export const FX_KEY = 'fx:USDKRW';
/** Redis channel on which every quote is published. */
export const MARKET_UPDATES_CHANNEL = 'market_updates';
/** Redis hash mirroring the operator's `settings` (key → decimal string), written by the api. */
export const SETTINGS_REDIS_KEY = 'config:settings';

export interface RedisConnections {
  /** Commands (get/set/pipeline/publish). */
  client: Redis;
  /** A fresh connection for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber(): Redis;
  /**
   * A fresh command connection of its own, closed with the others. `autoPipelining: false`
   * sends each command the moment it is issued, so a writer that issues several large commands
   * lets Redis run the first while the next is still being built (the feeder's tick write).
   */
  connection(options?: { autoPipelining?: boolean }): Redis;
  embedded: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Open Redis at `url`, or the in-memory stand-in when `url` is undefined. */
export function openRedis(url: string | undefined, options: { connectionName?: string } = {}): RedisConnections {
  const opened: Redis[] = [];
  const make = (autoPipelining = true): Redis => {
    const r =
      url === undefined
        ? new RedisMock()
        : new Redis(url, {
            connectionName: options.connectionName ?? 'gaemi',
            maxRetriesPerRequest: 3,
            enableAutoPipelining: autoPipelining,
            retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
          });
    opened.push(r);
    return r;
  };
  const client = make();
  return {
    client,
    subscriber: () => make(),
    connection: (o = {}) => make(o.autoPipelining ?? true),
    embedded: url === undefined,
    async ping() {
      await client.ping();
    },
    async close() {
      await Promise.all(
        opened.map(async (r) => {
          try {
            await r.quit();
          } catch {
            r.disconnect();
          }
        }),
      );
    },
  };
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null; // a malformed cache entry is no price at all
  }
}

/** {@link QuoteCache} over Redis keys `price:{TICKER_ID}` and `fx:USDKRW`. */
export class RedisQuoteCache implements QuoteCache {
  constructor(private readonly redis: Redis) {}

  async getQuote(tickerId: string): Promise<Quote | null> {
    return parseJson<Quote>(await this.redis.get(priceKey(tickerId)));
  }

  async getQuotes(tickerIds: readonly string[]): Promise<Map<string, Quote>> {
    const out = new Map<string, Quote>();
    if (tickerIds.length === 0) return out;
    const values = await this.redis.mget(...tickerIds.map(priceKey));
    tickerIds.forEach((id, i) => {
      const q = parseJson<Quote>(values[i] ?? null);
      if (q) out.set(id, q);
    });
    return out;
  }

  async getFx(): Promise<FxRate | null> {
    return parseJson<FxRate>(await this.redis.get(FX_KEY));
  }
}

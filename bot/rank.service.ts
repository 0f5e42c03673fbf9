/**
 * The equity leaderboard: Redis sorted set `rank:equity` (member = player id, score = equity
 * in KRW) with the exact 8-decimal equity in hash `rank:equity:krw`, kept current
 *
 * - on fills: the player is re-valued when their `order_filled` arrives;
 * - on ticks: tickers seen on Redis channel `market_updates` are collected, and every
 *   `RANK_TICK_FLUSH_MS` their holders are re-valued;
 * - in full every `RANK_REFRESH_MS` (and at start): every player with a wallet.
 *
 * The sorted-set score is a double inside Redis and serves ordering only; it is written as
 * a decimal string (never through a JS number) and the value shown comes from the hash.
 * Several bot replicas may run this: every write is an idempotent recomputation.
 */
import type { Logger } from 'pino';
import { Decimal, toDbString } from '../core/money.js';
import type { Redis } from '../platform/redis.js';
import { MARKET_UPDATES_CHANNEL } from '../platform/redis.js';
import type { AccountRepository, PlayerAccount } from './account.repository.js';
import type { PriceBook } from './price-book.js';
import { valueAccount } from './valuation.js';

/** Sorted set of equity (score) per player id (member). */
export const RANK_KEY = 'rank:equity';
/** Hash: player id → exact equity (KRW, 8 decimals). */
export const RANK_VALUES_KEY = 'rank:equity:krw';

/** One place on the board. */
export interface RankPlace {
  userId: string;
  /** 1-based. */
  rank: number;
  equityKrw: Decimal;
}

export interface RankServiceOptions {
  redis: Redis;
  /** Opens the dedicated SUBSCRIBE connection. */
  subscriber: () => Redis;
  accounts: AccountRepository;
  prices: PriceBook;
  logger: Logger;
  tickFlushMs: number;
  refreshMs: number;
}

const CHUNK = 200;

/** See the module comment. */
export class RankService {
  private readonly dirty = new Set<string>();
  private sub: Redis | undefined;
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | null = null;
  private rebuilding: Promise<void> | null = null;
  private readonly logger: Logger;
  /** Last completed full rebuild (ISO), for health details. */
  lastRebuildAt: string | null = null;

  constructor(private readonly o: RankServiceOptions) {
    this.logger = o.logger.child({ component: 'rank' });
  }

  /** Subscribe to ticks, rebuild once, and start the timers. */
  async start(): Promise<void> {
    const sub = this.o.subscriber();
    this.sub = sub;
    sub.on('message', (channel: string, message: string) => {
      if (channel === MARKET_UPDATES_CHANNEL) this.onTick(message);
    });
    await sub.subscribe(MARKET_UPDATES_CHANNEL);
    await this.rebuild().catch((error: unknown) => this.logger.warn({ err: error }, 'initial leaderboard rebuild failed'));
    this.timers.push(setInterval(() => void this.flushTicks(), this.o.tickFlushMs));
    this.timers.push(setInterval(() => void this.rebuild().catch((error: unknown) => this.logger.warn({ err: error }, 'leaderboard rebuild failed')), this.o.refreshMs));
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([this.flushing, this.rebuilding]);
    if (this.sub) {
      try {
        await this.sub.quit();
      } catch {
        this.sub.disconnect();
      }
    }
  }

  private onTick(message: string): void {
    try {
      const q = JSON.parse(message) as { ticker_id?: unknown };
      if (typeof q.ticker_id === 'string' && q.ticker_id.length <= 64) this.dirty.add(q.ticker_id);
    } catch {
      this.logger.debug('ignored a malformed market_updates message');
    }
  }

  /** Re-value the holders of every ticker that ticked since the last flush. */
  flushTicks(): Promise<void> {
    if (this.flushing !== null || this.dirty.size === 0) return this.flushing ?? Promise.resolve();
    const tickers = [...this.dirty];
    this.dirty.clear();
    this.flushing = (async () => {
      try {
        const holders = await this.o.accounts.holdersOf(tickers);
        await this.recompute(holders);
      } catch (error) {
        for (const t of tickers) this.dirty.add(t);
        this.logger.warn({ err: error }, 'leaderboard tick flush failed; will retry');
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** Re-value every player with a wallet. */
  rebuild(): Promise<void> {
    if (this.rebuilding !== null) return this.rebuilding;
    this.rebuilding = (async () => {
      try {
        for await (const page of this.o.accounts.allUserIds()) await this.recompute(page);
        this.lastRebuildAt = new Date().toISOString();
      } finally {
        this.rebuilding = null;
      }
    })();
    return this.rebuilding;
  }

  /** Re-value `userIds` (those without a wallet are skipped) and write their places. */
  async recompute(userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const accounts = await this.o.accounts.accounts(userIds.slice(i, i + CHUNK));
      if (accounts.size === 0) continue;
      await this.write([...accounts.values()]);
    }
  }

  private async write(accounts: readonly PlayerAccount[]): Promise<void> {
    const tickers = new Set<string>();
    let usd = false;
    for (const a of accounts)
      for (const h of a.holdings)
        if (!h.quantity.isZero()) {
          tickers.add(h.tickerId);
          if (h.currency === 'USD') usd = true;
        }
    const [prices, fx] = await Promise.all([this.o.prices.known([...tickers]), usd ? this.o.prices.usdKrw() : Promise.resolve(null)]);
    const pipeline = this.o.redis.multi();
    for (const a of accounts) {
      const equity = valueAccount(a.balanceKrw, a.holdings, prices, fx?.rate ?? null).equityKrw;
      pipeline.zadd(RANK_KEY, equity.toFixed(2, Decimal.ROUND_HALF_UP), a.userId);
      pipeline.hset(RANK_VALUES_KEY, a.userId, toDbString(equity));
    }
    await pipeline.exec();
  }

  /** The best `n` places. */
  async top(n: number): Promise<RankPlace[]> {
    const ids = await this.o.redis.zrevrange(RANK_KEY, 0, n - 1);
    if (ids.length === 0) return [];
    const values = await this.o.redis.hmget(RANK_VALUES_KEY, ...ids);
    return ids.map((userId, i) => ({ userId, rank: i + 1, equityKrw: new Decimal(values[i] ?? '0') }));
  }

  /** The player's place and the number of ranked players, or null when not ranked. */
  async placeOf(userId: string): Promise<(RankPlace & { total: number }) | null> {
    const [rank, total, value] = await Promise.all([
      this.o.redis.zrevrank(RANK_KEY, userId),
      this.o.redis.zcard(RANK_KEY),
      this.o.redis.hget(RANK_VALUES_KEY, userId),
    ]);
    if (rank === null) return null;
    return { userId, rank: rank + 1, total, equityKrw: new Decimal(value ?? '0') };
  }
}

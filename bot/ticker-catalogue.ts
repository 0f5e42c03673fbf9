/**
 * The ticker catalogue as the bot searches it: the `tickers` table (seeded instruments and
 * Human ETFs listed at IPO) held in memory and refreshed in the background, so autocomplete
 * answers from memory well within Discord's 3 s — and keeps answering from the last copy
 * (at first, the seed catalogue) when the database is away (SPEC §1: intake never depends
 * on the home site).
 */
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import { resolveTicker, searchTickers } from '../core/ticker.js';
import type { CatalogueEntry } from '../core/ticker.js';
import type { Result } from '../core/errors.js';
import { TICKER_CATALOGUE } from '../db/seeds/tickers.js';
import { loadCatalogue } from '../platform/db/ticker.repository.js';

/** In-memory catalogue with periodic refresh from PostgreSQL. */
export class TickerCatalogue {
  private entries: readonly CatalogueEntry[];
  private byId: Map<string, CatalogueEntry>;
  private timer: NodeJS.Timeout | undefined;
  private loadedFromDb = false;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly logger: Logger,
    private readonly refreshMs = 60_000,
  ) {
    this.entries = TICKER_CATALOGUE;
    this.byId = new Map(this.entries.map((e) => [e.id, e]));
  }

  /** Load once (failure keeps the seed copy) and refresh every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether the copy in memory came from the database (for health details). */
  get fromDatabase(): boolean {
    return this.loadedFromDb;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Reload from the `tickers` table; on failure keep the current copy and log. */
  async refresh(): Promise<void> {
    try {
      const entries = await loadCatalogue(this.sequelize);
      if (entries.length === 0) return;
      this.entries = entries;
      this.byId = new Map(entries.map((e) => [e.id, e]));
      this.loadedFromDb = true;
    } catch (error) {
      this.logger.warn({ err: error }, 'ticker catalogue refresh failed; keeping the last copy');
    }
  }

  /** Up to `limit` active entries for what the player typed, best first (core/ticker ranking). */
  search(query: string, limit = 25): CatalogueEntry[] {
    return searchTickers(this.entries, query, limit);
  }

  /** Exactly one entry for an id, symbol or name, or `UNKNOWN_TICKER` with suggestions. */
  resolve(query: string): Result<CatalogueEntry> {
    return resolveTicker(this.entries, query);
  }

  get(id: string): CatalogueEntry | undefined {
    return this.byId.get(id);
  }
}

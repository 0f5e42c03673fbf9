/**
 * The ticker catalogue as the api uses it (search, name resolution, "is this a listed
 * instrument" before publishing an order): the `tickers` table, held in memory and
 * reloaded every minute and after an admin edit. Order follows the seed catalogue, so
 * search ties rank the larger company first (core/ticker `searchTickers`).
 */
import type { Sequelize } from 'sequelize';
import type { CatalogueEntry } from '../../core/ticker.js';
import { loadCatalogue } from '../../platform/db/ticker.repository.js';

export class TickerCatalogue {
  private list: CatalogueEntry[] = [];
  private byId = new Map<string, CatalogueEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sequelize: Sequelize) {}

  async load(): Promise<void> {
    const entries = await loadCatalogue(this.sequelize);
    this.list = entries;
    this.byId = new Map(entries.map((e) => [e.id, e]));
  }

  /** Reload every `intervalMs`; errors are reported and the old copy kept. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => {
      this.load().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  entries(): readonly CatalogueEntry[] {
    return this.list;
  }

  get(id: string): CatalogueEntry | undefined {
    return this.byId.get(id);
  }

  /** Listed and active (orders for anything else are refused before publishing). */
  isTradable(id: string): boolean {
    return this.byId.get(id)?.active === true;
  }
}

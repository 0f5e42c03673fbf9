/**
 * The ticker catalogue as the api uses it (search, name resolution, "is this a listed
 * instrument" before publishing an order): the `tickers` table, held in memory and
 * reloaded every minute and after an admin edit. Order follows the seed catalogue, so
 * search ties rank the larger company first (core/ticker `searchTickers`).
 */
import type { Sequelize } from 'sequelize';
import type { CatalogueEntry, Currency, InstrumentType, MarketCode } from '../../core/ticker.js';
import { TICKER_CATALOGUE } from '../../db/seeds/tickers.js';
import { rows } from '../sql.js';

interface TickerRow {
  id: string;
  market: MarketCode;
  type: InstrumentType;
  symbol: string;
  name_ko: string;
  name_en: string;
  currency: Currency;
  aliases: string[];
  active: boolean;
}

const SEED_ORDER = new Map(TICKER_CATALOGUE.map((e, i) => [e.id, i]));

export class TickerCatalogue {
  private list: CatalogueEntry[] = [];
  private byId = new Map<string, CatalogueEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sequelize: Sequelize) {}

  async load(): Promise<void> {
    const found = await rows<TickerRow>(
      this.sequelize,
      'SELECT id, market, type, symbol, name_ko, name_en, currency, aliases, active FROM tickers ORDER BY created_at, id',
    );
    const entries = found.map(
      (r): CatalogueEntry => ({
        id: r.id,
        market: r.market,
        type: r.type,
        symbol: r.symbol,
        nameKo: r.name_ko,
        nameEn: r.name_en,
        currency: r.currency,
        aliases: r.aliases,
        active: r.active,
      }),
    );
    const rank = (e: CatalogueEntry) => SEED_ORDER.get(e.id) ?? Number.MAX_SAFE_INTEGER;
    entries.sort((a, b) => rank(a) - rank(b));
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

/**
 * The `tickers` table as a catalogue (core/ticker `CatalogueEntry`), shared by the api and the
 * bot. Entries are frozen (core/ticker caches their normalised search keys) and ordered as the
 * curated seed catalogue, then everything else (Human ETFs) by listing time, so search ties
 * rank the larger company first.
 */
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { CatalogueEntry, Currency, InstrumentType, MarketCode } from '../../core/ticker.js';
import { TICKER_CATALOGUE } from '../../db/seeds/tickers.js';

interface TickerRow {
  id: string;
  market: MarketCode;
  type: InstrumentType;
  symbol: string;
  name_ko: string;
  name_en: string;
  currency: Currency;
  aliases: string[] | null;
  active: boolean;
}

const SEED_ORDER = new Map(TICKER_CATALOGUE.map((e, i) => [e.id, i]));
const rank = (e: CatalogueEntry): number => SEED_ORDER.get(e.id) ?? Number.MAX_SAFE_INTEGER;

/** Every row of `tickers` (active or not) as frozen catalogue entries, in catalogue order. */
export async function loadCatalogue(sequelize: Sequelize): Promise<CatalogueEntry[]> {
  const rows = await sequelize.query<TickerRow>(
    'SELECT id, market, type, symbol, name_ko, name_en, currency, aliases, active FROM tickers ORDER BY created_at, id',
    { type: QueryTypes.SELECT },
  );
  return rows
    .map(
      (r): CatalogueEntry =>
        Object.freeze({
          id: r.id,
          market: r.market,
          type: r.type,
          symbol: r.symbol,
          nameKo: r.name_ko,
          nameEn: r.name_en,
          currency: r.currency,
          aliases: Object.freeze([...(r.aliases ?? [])]) as string[],
          active: r.active,
        }),
    )
    .sort((a, b) => rank(a) - rank(b));
}

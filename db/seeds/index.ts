/**
 * Seed data written at start-up after migrations: the ticker catalogue and the market
 * holiday tables. Inserts only what is missing (ON CONFLICT DO NOTHING), so an admin's
 * edits to a row survive restarts.
 */
import type { Sequelize } from 'sequelize';
import { TICKER_CATALOGUE } from './tickers.js';
import { loadHolidayTables } from './holidays.js';

export interface SeedResult {
  tickers: number;
  holidays: number;
}

/** Insert missing catalogue and holiday rows. Returns how many rows were new. */
export async function seed(sequelize: Sequelize): Promise<SeedResult> {
  return sequelize.transaction(async (transaction) => {
    let tickers = 0;
    for (const t of TICKER_CATALOGUE) {
      const [, count] = await sequelize.query(
        `INSERT INTO tickers (id, market, type, symbol, name_ko, name_en, currency, aliases, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        { bind: [t.id, t.market, t.type, t.symbol, t.nameKo, t.nameEn, t.currency, [...t.aliases], t.active], transaction },
      );
      tickers += typeof count === 'number' ? count : 0;
    }
    let holidays = 0;
    for (const table of loadHolidayTables()) {
      for (const c of table.closed) {
        const [, count] = await sequelize.query(
          `INSERT INTO market_holidays (market, date, kind, name) VALUES ($1, $2, 'CLOSED', $3) ON CONFLICT DO NOTHING`,
          { bind: [table.market, c.date, c.name], transaction },
        );
        holidays += typeof count === 'number' ? count : 0;
      }
      for (const s of table.special) {
        const [, count] = await sequelize.query(
          `INSERT INTO market_holidays (market, date, kind, name, open_time, close_time)
           VALUES ($1, $2, 'SPECIAL', $3, $4, $5) ON CONFLICT DO NOTHING`,
          { bind: [table.market, s.date, s.name, s.open, s.close], transaction },
        );
        holidays += typeof count === 'number' ? count : 0;
      }
    }
    return { tickers, holidays };
  });
}

/**
 * The market calendar as the database holds it: `market_holidays` rows (seeded from
 * `db/seeds/holidays/*.json`, editable by admins) over the regular hours and time zone of
 * the seed tables.
 */
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { MarketCalendar } from '../../core/calendar.js';
import type { HolidayTable } from '../../core/calendar.js';
import { loadHolidayTables } from '../../db/seeds/holidays.js';

interface HolidayRow {
  market: 'KRX' | 'US';
  date: string;
  kind: 'CLOSED' | 'SPECIAL';
  name: string;
  open_time: string | null;
  close_time: string | null;
}

const hhmm = (t: string | null): string => (t ?? '').slice(0, 5);

/** Build the holiday tables from the database. */
export async function loadHolidayTablesFromDb(sequelize: Sequelize): Promise<HolidayTable[]> {
  const rows = await sequelize.query<HolidayRow>(
    `SELECT market, to_char(date, 'YYYY-MM-DD') AS date, kind, name, open_time::text AS open_time, close_time::text AS close_time
       FROM market_holidays ORDER BY market, date`,
    { type: QueryTypes.SELECT },
  );
  return loadHolidayTables().map((base) => ({
    market: base.market,
    timezone: base.timezone,
    regular: base.regular,
    ...(base.source === undefined ? {} : { source: base.source }),
    closed: rows.filter((r) => r.market === base.market && r.kind === 'CLOSED').map((r) => ({ date: r.date, name: r.name })),
    special: rows
      .filter((r) => r.market === base.market && r.kind === 'SPECIAL')
      .map((r) => ({ date: r.date, name: r.name, open: hhmm(r.open_time), close: hhmm(r.close_time) })),
  }));
}

/** A {@link MarketCalendar} over the database's holiday tables. */
export async function loadMarketCalendar(sequelize: Sequelize): Promise<MarketCalendar> {
  return new MarketCalendar(await loadHolidayTablesFromDb(sequelize));
}

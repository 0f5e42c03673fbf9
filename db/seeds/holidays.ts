/**
 * Loads the market holiday tables shipped as data in `db/seeds/holidays/`.
 *
 * The JSON files are editable by admins; {@link MarketCalendar} validates them when it is
 * built (malformed tables throw `AppError(CONFIG_INVALID)`).
 */
import { readFileSync } from 'node:fs';
import type { HolidayTable } from '../../core/calendar.js';

/** The holiday table files, relative to this module: KRX and NYSE (market `US`). */
export const HOLIDAY_TABLE_FILES = ['holidays/krx.json', 'holidays/nyse.json'] as const;

/**
 * Read and parse the KRX and NYSE holiday tables from disk (synchronous; call at start-up).
 * The shape is checked by `new MarketCalendar(tables)`, not here.
 * @throws Error when a file is missing or is not valid JSON.
 */
export function loadHolidayTables(): HolidayTable[] {
  return HOLIDAY_TABLE_FILES.map((file) => {
    const text = readFileSync(new URL(file, import.meta.url), 'utf8');
    return JSON.parse(text) as HolidayTable;
  });
}

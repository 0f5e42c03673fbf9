/**
 * KIS exchange codes (`EXCD`) of US listings: `NAS` (Nasdaq), `NYS` (NYSE), `AMS` (NYSE
 * American). The catalogue does not hold the listing venue, so NYSE listings of the seed
 * catalogue are named here (listing venues as of 2025; Walmart and Palantir moved to Nasdaq);
 * every other US symbol is looked up on Nasdaq.
 */
const NYSE = new Set([
  'BRK.B', 'LLY', 'JPM', 'V', 'UNH', 'XOM', 'MA', 'ORCL', 'PG', 'JNJ', 'HD', 'BAC', 'ABBV', 'KO', 'CRM', 'CVX', 'MRK', 'DIS', 'IBM',
]);
const AMEX = new Set<string>();

/** KIS `EXCD` of a US symbol. */
export function usExchangeOf(symbol: string): 'NAS' | 'NYS' | 'AMS' {
  if (NYSE.has(symbol)) return 'NYS';
  if (AMEX.has(symbol)) return 'AMS';
  return 'NAS';
}

/** KIS writes share classes with a slash (`BRK/B`). */
export function kisSymbol(symbol: string): string {
  return symbol.replace('.', '/');
}

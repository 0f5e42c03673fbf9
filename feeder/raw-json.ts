/**
 * JSON without floats: every number value of a JSON text is turned into a string holding its
 * source digits, before `JSON.parse`, so `{"trade_price": 73578.65500000}` parses to
 * `{ trade_price: "73578.65500000" }`. Strings are untouched (a number token only follows
 * `":` and ends before `,`, `}` or `]`).
 */
export function quoteJsonNumbers(text: string): string {
  return text.replace(/":\s*(-?[0-9][0-9.eE+-]*)(?=\s*[,}\]])/g, '":"$1"');
}

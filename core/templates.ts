/**
 * Discord message templates (SPEC.md §8): the known keys, their defaults, and the renderer.
 *
 * Pure: no I/O. Stored templates live in Redis `config:msg_template:<key>` with a durable
 * copy in PostgreSQL (`platform/templates/template.store.ts`); when unset, {@link DEFAULT_TEMPLATES}.
 *
 * Template language (the whole of it — there is no expression evaluation of any kind):
 * - `{name}` is replaced by the variable `name` (letters, digits, `_`; not starting with a digit).
 * - `{name:,}` is replaced by the variable with `,` thousands separators when its value is a
 *   plain decimal string (`-1234567.5` → `-1,234,567.5`), done on the digits, never through
 *   a float; any other value is inserted unchanged.
 * - A placeholder whose variable is not given, or any other use of braces (`{ name }`,
 *   `{name:x}`, `{`, `}`, `{}`), is printed exactly as written. `{{name}}` has no escape
 *   meaning: the inner `{name}` is replaced, giving `{value}`.
 * - Values are inserted literally: a value containing `{other}` or `$&` is not expanded.
 */
import { groupThousands } from './money.js';

/** The template keys: the six of SPEC §8 plus the market open/close notices. */
export const TEMPLATE_KEYS = [
  'whale_trade',
  'liquidation',
  'ipo_listed',
  'dividend_paid',
  'bailout_processed',
  'daily_report',
  'market_open',
  'market_close',
] as const;

/** One of {@link TEMPLATE_KEYS}. */
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

/** Longest template accepted, in characters (Unicode code points, as PostgreSQL `length()` counts). */
export const MAX_TEMPLATE_LENGTH = 2000;

/**
 * The defaults, exactly as in SPEC §8. `daily_report` is four lines joined by `\n`.
 * `market_open` / `market_close` are not in the SPEC's list; their wording is ours.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<TemplateKey, string>> = {
  whale_trade: '🐳 [고래] {nickname}님이 {ticker}에 {notional:,} KRW 규모 {side} 체결!',
  liquidation: '📉 [속보] {nickname}님이 {ticker} 포지션 강제 청산! (순자산 {equity:,} / 부채 {liability:,})',
  ipo_listed: '🆕 [IPO] {symbol} 상장! 배당률 {dividend_rate_pct}%',
  dividend_paid: '💰 [배당] {payer_nickname}님이 총 {total_dividend:,} KRW 배당',
  bailout_processed: '😭 [파산] {nickname}님 구제금융 처리',
  daily_report: [
    '📊 일일 리포트',
    '🥇 오늘의 승리자: {gainer_nickname} (+{gainer_pnl:,} KRW)',
    '💩 오늘의 흑우: {loser_nickname} ({loser_pnl:,} KRW)',
    '🌙 야수의 심장: {volume_king_nickname} ({trade_count}회 체결)',
  ].join('\n'),
  market_open: '🔔 [개장] {market_name} 정규장이 열렸습니다 ({open_time}~{close_time} KST)',
  market_close: '🔕 [폐장] {market_name} 정규장이 마감되었습니다',
};

/**
 * The variables the notifier provides for each key (for the admin editor's help and for
 * {@link unknownPlaceholders}). KRW amounts are whole won as plain decimal strings (use
 * `{x:,}` for separators); `side` is `매수`/`매도`; times are `HH:mm` in Asia/Seoul.
 */
export const TEMPLATE_VARIABLES: Readonly<Record<TemplateKey, readonly string[]>> = {
  whale_trade: ['nickname', 'ticker', 'ticker_name', 'symbol', 'notional', 'side', 'side_code', 'price', 'currency', 'quantity'],
  liquidation: ['nickname', 'ticker', 'ticker_name', 'symbol', 'equity', 'liability'],
  ipo_listed: ['symbol', 'ticker', 'nickname', 'dividend_rate_pct', 'dividend_rate', 'shares', 'offer_price'],
  dividend_paid: ['payer_nickname', 'total_dividend', 'ticker', 'symbol', 'holders'],
  bailout_processed: ['nickname', 'amount', 'bailout_count'],
  daily_report: ['day', 'gainer_nickname', 'gainer_pnl', 'loser_nickname', 'loser_pnl', 'volume_king_nickname', 'trade_count'],
  market_open: ['market', 'market_name', 'date', 'open_time', 'close_time', 'session_name'],
  market_close: ['market', 'market_name', 'date', 'open_time', 'close_time', 'session_name'],
};

/** True when `key` is one of {@link TEMPLATE_KEYS}. */
export function isTemplateKey(key: unknown): key is TemplateKey {
  return typeof key === 'string' && (TEMPLATE_KEYS as readonly string[]).includes(key);
}

/** A well-formed placeholder: `{name}` or `{name:,}`. */
const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)(:,)?\}/g;
const PLAIN_DECIMAL_RE = /^[+-]?[0-9]+(?:\.[0-9]+)?$/;

/**
 * Render `template` with `vars` (see the module comment for the rules).
 * Never throws; never evaluates anything; runs in time linear in the output.
 * @param vars variable name → text. Numbers must already be decimal strings.
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER_RE, (whole: string, name: string, grouped: string | undefined) => {
    if (!Object.prototype.hasOwnProperty.call(vars, name)) return whole;
    const value = vars[name];
    if (value === undefined) return whole;
    if (grouped !== undefined && PLAIN_DECIMAL_RE.test(value)) return groupThousands(value);
    return value;
  });
}

/** The distinct variable names used by well-formed placeholders of `template`, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    const name = m[1];
    if (name !== undefined) seen.add(name);
  }
  return [...seen];
}

/**
 * Placeholders of `template` that the notifier does not provide for `key`: they would be
 * printed as written. For the admin editor's warning; not an error.
 */
export function unknownPlaceholders(key: TemplateKey, template: string): string[] {
  const known = new Set(TEMPLATE_VARIABLES[key]);
  return placeholdersOf(template).filter((name) => !known.has(name));
}

/** Length of `text` in Unicode code points (what PostgreSQL `length()` and Discord count). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** Why {@link checkTemplateContent} refused a template. */
export type TemplateContentProblem = 'empty' | 'too_long' | 'not_text';

/**
 * Check a template before storing it: a string of 1..{@link MAX_TEMPLATE_LENGTH} code points
 * with no NUL character (PostgreSQL TEXT cannot hold one).
 * @returns null when acceptable, else the problem.
 */
export function checkTemplateContent(content: unknown): TemplateContentProblem | null {
  if (typeof content !== 'string' || content.includes('\u0000')) return 'not_text';
  const n = codePointLength(content);
  if (n === 0) return 'empty';
  if (n > MAX_TEMPLATE_LENGTH) return 'too_long';
  return null;
}

/**
 * Cut `text` to at most `max` code points, ending with `…` when cut (Discord refuses a
 * `content` over 2,000 characters).
 */
export function truncateCodePoints(text: string, max: number): string {
  if (codePointLength(text) <= max) return text;
  const chars = [...text];
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * What the bot says: the language of a reply, one-line error explanations keyed by
 * {@link ErrorCode} (the code is also the translation key, ARCHITECTURE practice 4), and
 * display formats (SPEC §2: KRW in whole won with separators; times in Asia/Seoul).
 * Pure: no I/O.
 */
import { DateTime } from 'luxon';
import { ErrorCode } from '../core/errors.js';
import type { Failure } from '../core/errors.js';
import { Decimal, formatDecimal, formatKrw } from '../core/money.js';
import type { Currency } from '../core/ticker.js';

/** Languages of replies: Korean, with English for every other Discord locale. */
export type Lang = 'ko' | 'en';

/** `ko` for Korean clients (and when the locale is unknown: the game is Korean), else `en`. */
export function langOf(locale: string | undefined): Lang {
  if (locale === undefined || locale === '') return 'ko';
  return locale.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** Pick the text of `lang`. */
export const tr = (lang: Lang, ko: string, en: string): string => (lang === 'ko' ? ko : en);

interface Text {
  readonly ko: string;
  readonly en: string;
}

/**
 * One line per error code. Exhaustive: a new code does not compile until it has a text.
 * Input codes are refined by the failure's `details` (see {@link errorLine}).
 */
export const ERROR_TEXT = {
  [ErrorCode.INVALID_INPUT]: { ko: '입력이 올바르지 않습니다.', en: 'That input is not valid.' },
  [ErrorCode.INVALID_AMOUNT]: { ko: '금액은 0보다 큰 숫자여야 합니다 (소수 8자리까지, 1조 미만).', en: 'The amount must be a positive number (at most 8 decimals, below 1,000,000,000,000).' },
  [ErrorCode.INVALID_QUANTITY]: { ko: '수량은 0보다 큰 숫자여야 합니다 (소수 8자리까지, 1조 미만).', en: 'The quantity must be a positive number (at most 8 decimals, below 1,000,000,000,000).' },
  [ErrorCode.INVALID_PRICE]: { ko: '가격은 0보다 큰 숫자여야 합니다 (소수 8자리까지, 1조 미만).', en: 'The price must be a positive number (at most 8 decimals, below 1,000,000,000,000).' },
  [ErrorCode.INVALID_TICKER]: { ko: '종목 ID 형식이 올바르지 않습니다 (예: KRX-STOCK-005930, US-STOCK-AAPL, CRYPTO-COIN-BTC).', en: 'That ticker id is malformed (e.g. KRX-STOCK-005930, US-STOCK-AAPL, CRYPTO-COIN-BTC).' },
  [ErrorCode.UNKNOWN_TICKER]: { ko: '알 수 없는 종목입니다.', en: 'Unknown ticker.' },
  [ErrorCode.INSUFFICIENT_FUNDS]: { ko: '현금이 부족합니다.', en: 'Not enough cash.' },
  [ErrorCode.INSUFFICIENT_SHARES]: { ko: '보유 수량이 부족합니다.', en: 'You do not hold enough of it.' },
  [ErrorCode.MARKET_CLOSED]: { ko: '장이 닫혀 있습니다.', en: 'The market is closed.' },
  [ErrorCode.STALE_PRICE]: { ko: '최신 시세가 없어 체결할 수 없습니다. 잠시 후 다시 시도하세요.', en: 'No fresh price, so it cannot fill. Try again shortly.' },
  [ErrorCode.STALE_FX]: { ko: '최신 원/달러 환율이 없어 체결할 수 없습니다. 잠시 후 다시 시도하세요.', en: 'No fresh USD/KRW rate, so it cannot fill. Try again shortly.' },
  [ErrorCode.ACCOUNT_SUSPENDED]: { ko: '계정이 정지되어 거래할 수 없습니다.', en: 'Your account is suspended.' },
  [ErrorCode.MARGIN_EXCEEDED]: { ko: '증거금 한도를 넘는 주문입니다.', en: 'That order would exceed your margin limit.' },
  [ErrorCode.UNKNOWN_USER]: { ko: '아직 등록되지 않은 플레이어입니다.', en: 'You are not registered yet.' },
  [ErrorCode.UNSUPPORTED_ORDER_TYPE]: { ko: '아직 지원하지 않는 주문 유형입니다 (지정가 주문은 곧 지원됩니다).', en: 'That order type is not supported yet (limit orders are coming).' },
  [ErrorCode.UNAUTHORIZED]: { ko: '인증되지 않았습니다.', en: 'Not authenticated.' },
  [ErrorCode.FORBIDDEN]: { ko: '권한이 없습니다.', en: 'You are not allowed to do that.' },
  [ErrorCode.NOT_FOUND]: { ko: '찾을 수 없습니다.', en: 'Not found.' },
  [ErrorCode.CONFLICT]: { ko: '이미 처리되었거나 지금은 할 수 없는 요청입니다.', en: 'That was already done or cannot be done now.' },
  [ErrorCode.RATE_LIMITED]: { ko: '요청이 너무 많습니다. 잠시 후 다시 시도하세요.', en: 'Too many requests. Try again shortly.' },
  [ErrorCode.CONFIG_INVALID]: { ko: '서버 설정 문제로 처리할 수 없습니다.', en: 'A server configuration problem stopped this.' },
  [ErrorCode.DEPENDENCY_UNAVAILABLE]: { ko: '서버 일부가 응답하지 않습니다. 잠시 후 다시 시도하세요.', en: 'Part of the server is not answering. Try again shortly.' },
  [ErrorCode.PUBLISH_FAILED]: { ko: '주문을 접수하지 못했습니다 (아무것도 체결되지 않았습니다). 다시 시도하세요.', en: 'The order could not be queued (nothing was placed). Please try again.' },
  [ErrorCode.INTERNAL]: { ko: '예상치 못한 오류가 발생했습니다. 잠시 후 다시 시도하세요.', en: 'Something went wrong. Please try again shortly.' },
} as const satisfies Record<ErrorCode, Text>;

const FIELD_KO: Record<string, string> = { quantity: '수량', amount: '금액', limit: '지정가', price: '가격', ticker: '종목', order: '주문' };

/** Korean refinement of a parse failure (`details.reason` of core/money `parseDecimal`). */
function koParseReason(field: string, reason: unknown): string | null {
  const f = FIELD_KO[field] ?? field;
  switch (reason) {
    case 'zero':
      return `${f}은(는) 0일 수 없습니다.`;
    case 'negative':
      return `${f}은(는) 음수일 수 없습니다.`;
    case 'too_many_decimals':
      return `${f}은(는) 소수 8자리까지만 쓸 수 있습니다.`;
    case 'out_of_range':
    case 'above_max':
      return `${f}이(가) 너무 큽니다 (1조 미만).`;
    case 'too_long':
      return `${f} 입력이 너무 깁니다.`;
    case 'empty':
      return `${f}을(를) 입력하세요.`;
    case 'exponent':
    case 'hex':
    case 'full_width':
    case 'bad_grouping':
    case 'missing_leading_digit':
    case 'missing_fraction_digit':
    case 'not_a_number':
    case 'wrong_type':
    case 'unsafe_number':
      return `${f}은(는) 숫자로 입력하세요 (예: 10, 0.5, 1,000,000).`;
    default:
      return null;
  }
}

/** Shorten and flatten player-visible text to one line of at most `max` characters. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\r\n]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Neutralise Discord markdown and mentions in echoed player input. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_~|>#[\]()-])/g, '\\$1').replace(/@/g, '@\u200b');
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_TEXT, code);
}

/**
 * One-line explanation of a failure for a player, in `lang`, prefixed with ⚠️.
 * English uses the failure's own message (core messages are written for players) when it
 * has one; Korean uses `details.message_ko` when given, else the code's text refined by the
 * failing field and reason (`details.field`, `details.reason`). Unknown
 * codes (a newer engine) fall back to the failure's message.
 */
export function errorLine(failure: Pick<Failure<string>, 'code' | 'message' | 'details'>, lang: Lang): string {
  const details = failure.details ?? {};
  const known = isErrorCode(failure.code) ? ERROR_TEXT[failure.code] : undefined;
  let text: string;
  if (lang === 'ko') {
    const field = typeof details['field'] === 'string' ? details['field'] : '';
    const own = typeof details['message_ko'] === 'string' ? details['message_ko'] : null;
    text = own ?? (field !== '' ? koParseReason(field, details['reason']) : null) ?? known?.ko ?? failure.message;
    if (own === null && isErrorCode(failure.code) && failure.code === ErrorCode.UNKNOWN_TICKER) {
      const suggestions = Array.isArray(details['suggestions']) ? details['suggestions'].filter((s): s is string => typeof s === 'string') : [];
      const query = typeof details['query'] === 'string' ? details['query'] : '';
      if (query !== '') text = `알 수 없는 종목입니다: "${escapeMarkdown(query)}".`;
      if (details['ambiguous'] === true) text = `여러 종목과 일치합니다. 목록에서 고르거나 종목 ID를 쓰세요.`;
      if (suggestions.length > 0) text += ` 혹시: ${suggestions.slice(0, 5).join(', ')}`;
    }
  } else {
    text = failure.message !== '' ? escapeMarkdown(failure.message) : (known?.en ?? 'Something went wrong.');
  }
  return oneLine(`⚠️ ${text}`);
}

/** The player-facing text of an order failure reason from the engine (`order_failed.reason`). */
export function failReasonText(reason: string, message: string, lang: Lang): string {
  if (isErrorCode(reason)) return lang === 'ko' ? ERROR_TEXT[reason].ko : ERROR_TEXT[reason].en;
  return message !== '' ? oneLine(message) : reason;
}

const ZONE = 'Asia/Seoul';

/** An instant as Seoul wall-clock time: `2025-05-12 09:00 KST` (SPEC §2). */
export function formatKst(at: Date): string {
  return `${DateTime.fromJSDate(at, { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm')} KST`;
}

/** Age of a price, `3초 전` / `3 s ago`, `2분 전` / `2 min ago` … */
export function formatAge(ms: number, lang: Lang): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return tr(lang, `${s}초 전`, `${s} s ago`);
  const m = Math.floor(s / 60);
  if (m < 60) return tr(lang, `${m}분 전`, `${m} min ago`);
  const h = Math.floor(m / 60);
  if (h < 48) return tr(lang, `${h}시간 전`, `${h} h ago`);
  return tr(lang, `${Math.floor(h / 24)}일 전`, `${Math.floor(h / 24)} days ago`);
}

/** KRW for display: `1,234,568 원` / `₩1,234,568`. */
export function krw(x: Decimal, lang: Lang): string {
  return lang === 'ko' ? `${formatKrw(x)}원` : `₩${formatKrw(x)}`;
}

/** Signed KRW (`+1,234원`, `-56원`). */
export function signedKrw(x: Decimal, lang: Lang): string {
  const rounded = x.decimalPlaces(0, Decimal.ROUND_HALF_UP);
  const sign = rounded.isGreaterThan(0) ? '+' : '';
  return `${sign}${krw(x, lang)}`;
}

/** A price in its instrument currency: USD with 2–8 decimals, KRW and coins without trailing zeros. */
export function formatPrice(price: Decimal, currency: Currency): string {
  if (currency === 'USD') {
    const cents = formatDecimal(price, 2);
    const full = formatDecimal(price, 8, { trimTrailingZeros: true });
    return `$${full.length > cents.length ? full : cents}`;
  }
  return `${formatDecimal(price, 8, { trimTrailingZeros: true })} KRW`;
}

/** A quantity, up to 8 decimals, trailing zeros trimmed, with separators. */
export function formatQuantity(q: Decimal): string {
  return formatDecimal(q, 8, { trimTrailingZeros: true });
}

/** A percentage string from a decimal string (`"1.234"` → `+1.23%`). */
export function formatPct(pct: Decimal): string {
  const text = formatDecimal(pct, 2);
  return `${pct.isGreaterThan(0) && text !== '0.00' ? '+' : ''}${text}%`;
}

/** An arrow for a change: 🔺 up, 🔻 down, ▫️ flat. */
export function trend(x: Decimal): string {
  if (x.isGreaterThan(0)) return '🔺';
  if (x.isLessThan(0)) return '🔻';
  return '▫️';
}

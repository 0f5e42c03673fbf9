/**
 * From a domain event to a Discord webhook message (SPEC.md §8). Pure: the service passes in
 * what it looked up (nicknames, ticker names) and the template text.
 *
 * - Which webhook: `DISCORD_ALERTS_WEBHOOK_URL` (whale, liquidation, daily report, market
 *   open/close) or `DISCORD_HUMAN_WEBHOOK_URL` (IPO, dividend, bailout) — {@link ROUTES}.
 * - Variables: KRW amounts are whole won (SPEC §2: display rounds KRW to whole won), plain
 *   decimal strings so that `{x:,}` adds the separators; prices and quantities keep their
 *   decimals without trailing zeros; times are Asia/Seoul (SPEC §2).
 * - Body: `content` is exactly the rendered template (players and tools grep for it);
 *   an embed adds the details where it reads better; `allowed_mentions: {parse: []}` so
 *   that a nickname like `@everyone` never pings anyone.
 */
import { DateTime } from 'luxon';
import type { DomainEvent, EventType } from '../core/events.js';
import { Decimal, groupThousands } from '../core/money.js';
import type { TemplateKey } from '../core/templates.js';
import { renderTemplate, truncateCodePoints } from '../core/templates.js';

/** The two webhooks of SPEC §8, as stored in `webhook_deliveries.webhook`. */
export type WebhookName = 'ALERTS' | 'HUMAN';

/** The event types that become a message, with their webhook and template. */
export const ROUTES: Readonly<Partial<Record<EventType, { webhook: WebhookName; template: TemplateKey }>>> = {
  whale_trade: { webhook: 'ALERTS', template: 'whale_trade' },
  liquidation: { webhook: 'ALERTS', template: 'liquidation' },
  daily_report: { webhook: 'ALERTS', template: 'daily_report' },
  market_open: { webhook: 'ALERTS', template: 'market_open' },
  market_close: { webhook: 'ALERTS', template: 'market_close' },
  ipo_listed: { webhook: 'HUMAN', template: 'ipo_listed' },
  dividend_paid: { webhook: 'HUMAN', template: 'dividend_paid' },
  bailout_processed: { webhook: 'HUMAN', template: 'bailout_processed' },
};

/** The route of an event type, or null when the notifier ignores it. */
export function routeOf(type: string): { webhook: WebhookName; template: TemplateKey } | null {
  return Object.prototype.hasOwnProperty.call(ROUTES, type) ? (ROUTES[type as EventType] ?? null) : null;
}

/** What the service looked up for one event. */
export interface Lookups {
  /** user id → nickname (or username when the player has no nickname). */
  nicknames: ReadonlyMap<string, string>;
  /** ticker id → Korean name. */
  tickerNames: ReadonlyMap<string, string>;
}

/** Shown for a player the event names but nobody can find (never a raw user id). */
export const UNKNOWN_PLAYER = '알 수 없는 플레이어';
/** Shown when the daily report has no gainer, loser or volume king. */
export const NOBODY = '없음';

const DECIMAL_RE = /^[+-]?[0-9]+(?:\.[0-9]+)?$/;
const ZONE = 'Asia/Seoul';
const MARKET_NAMES: Readonly<Record<string, string>> = { KRX: '한국 증시', US: '미국 증시' };

/** Discord embed (the subset we send). */
export interface Embed {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
  timestamp?: string;
}

/** The JSON body posted to the webhook (`POST <url>?wait=true`). */
export interface WebhookBody {
  content: string;
  embeds?: Embed[];
  allowed_mentions: { parse: [] };
}

const str = (data: Record<string, unknown>, field: string): string | undefined => {
  const v = data[field];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
};

/** A decimal string rounded to whole won (half away from zero), or the text unchanged when not a decimal. */
export function wholeWon(value: string): string {
  if (!DECIMAL_RE.test(value)) return value;
  const r = new Decimal(value).decimalPlaces(0, Decimal.ROUND_HALF_UP);
  return r.isZero() ? '0' : r.toFixed();
}

/** A decimal string without trailing fraction zeros (`"10.50000000"` → `"10.5"`), or unchanged. */
export function trimDecimal(value: string): string {
  if (!DECIMAL_RE.test(value)) return value;
  const d = new Decimal(value);
  return d.isZero() ? '0' : d.toFixed();
}

/** `0.3` → `30` (percent without trailing zeros), or unchanged when not a decimal. */
export function percentOf(fraction: string): string {
  if (!DECIMAL_RE.test(fraction)) return fraction;
  const d = new Decimal(fraction).times(100);
  return d.isZero() ? '0' : d.toFixed();
}

/** Grouped for display inside embeds (`1234567.5` → `1,234,567.5`). */
const grouped = (value: string): string => (DECIMAL_RE.test(value) ? groupThousands(value) : value);

function kstTime(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const t = DateTime.fromISO(iso, { zone: ZONE });
  return t.isValid ? t.toFormat('HH:mm') : undefined;
}

function nicknameFor(data: Record<string, unknown>, nicknameField: string, userField: string, lookups: Lookups): string {
  const given = str(data, nicknameField)?.trim();
  if (given !== undefined && given !== '') return given;
  const userId = str(data, userField);
  return (userId === undefined ? undefined : lookups.nicknames.get(userId)) ?? UNKNOWN_PLAYER;
}

function symbolOf(tickerId: string | undefined): string | undefined {
  if (tickerId === undefined) return undefined;
  const parts = tickerId.split('-');
  return parts.length >= 3 ? parts.slice(2).join('-') : tickerId;
}

function setIf(vars: Record<string, string>, name: string, value: string | undefined): void {
  if (value !== undefined) vars[name] = value;
}

/** User ids an event names whose nickname the service should look up. */
export function userIdsOf(event: DomainEvent): string[] {
  const d = event.data;
  const ids = [str(d, 'user_id'), str(d, 'payer_user_id'), str(d, 'issuer_user_id')];
  for (const k of ['gainer', 'loser', 'volume_king']) {
    const entry = d[k];
    if (typeof entry === 'object' && entry !== null) ids.push(str(entry as Record<string, unknown>, 'user_id'));
  }
  return [...new Set(ids.filter((x): x is string => x !== undefined))];
}

/** Ticker ids an event names (for the Korean names in embeds and `{ticker_name}`). */
export function tickerIdsOf(event: DomainEvent): string[] {
  const t = str(event.data, 'ticker_id');
  return t === undefined ? [] : [t];
}

/**
 * The template variables of an event (see `TEMPLATE_VARIABLES` in core/templates.ts).
 * A field missing from the event leaves its placeholder printed as written.
 */
export function templateVars(event: DomainEvent, lookups: Lookups): Record<string, string> {
  const d = event.data;
  const vars: Record<string, string> = {};
  const ticker = str(d, 'ticker_id');
  setIf(vars, 'ticker', ticker);
  setIf(vars, 'symbol', str(d, 'symbol') ?? symbolOf(ticker));
  setIf(vars, 'ticker_name', ticker === undefined ? undefined : (lookups.tickerNames.get(ticker) ?? ticker));
  switch (event.type) {
    case 'whale_trade': {
      vars.nickname = nicknameFor(d, 'nickname', 'user_id', lookups);
      const notional = str(d, 'notional_krw');
      setIf(vars, 'notional', notional === undefined ? undefined : wholeWon(notional));
      const side = str(d, 'side');
      setIf(vars, 'side_code', side);
      setIf(vars, 'side', side === 'BUY' ? '매수' : side === 'SELL' ? '매도' : side);
      const price = str(d, 'price');
      setIf(vars, 'price', price === undefined ? undefined : trimDecimal(price));
      const quantity = str(d, 'quantity');
      setIf(vars, 'quantity', quantity === undefined ? undefined : trimDecimal(quantity));
      setIf(vars, 'currency', str(d, 'currency'));
      break;
    }
    case 'liquidation': {
      vars.nickname = nicknameFor(d, 'nickname', 'user_id', lookups);
      const equity = str(d, 'equity_krw');
      const liability = str(d, 'liability_krw');
      setIf(vars, 'equity', equity === undefined ? undefined : wholeWon(equity));
      setIf(vars, 'liability', liability === undefined ? undefined : wholeWon(liability));
      break;
    }
    case 'ipo_listed': {
      vars.nickname = nicknameFor(d, 'nickname', 'issuer_user_id', lookups);
      const rate = str(d, 'dividend_rate');
      setIf(vars, 'dividend_rate', rate === undefined ? undefined : trimDecimal(rate));
      setIf(vars, 'dividend_rate_pct', rate === undefined ? undefined : percentOf(rate));
      const shares = str(d, 'shares');
      setIf(vars, 'shares', shares === undefined ? undefined : trimDecimal(shares));
      const offer = str(d, 'offer_price');
      setIf(vars, 'offer_price', offer === undefined ? undefined : trimDecimal(offer));
      break;
    }
    case 'dividend_paid': {
      vars.payer_nickname = nicknameFor(d, 'payer_nickname', 'payer_user_id', lookups);
      const total = str(d, 'total_dividend_krw');
      setIf(vars, 'total_dividend', total === undefined ? undefined : wholeWon(total));
      setIf(vars, 'holders', str(d, 'holders'));
      break;
    }
    case 'bailout_processed': {
      vars.nickname = nicknameFor(d, 'nickname', 'user_id', lookups);
      const amount = str(d, 'amount_krw');
      setIf(vars, 'amount', amount === undefined ? undefined : wholeWon(amount));
      setIf(vars, 'bailout_count', str(d, 'bailout_count'));
      break;
    }
    case 'daily_report': {
      setIf(vars, 'day', str(d, 'day'));
      const entry = (k: string): Record<string, unknown> | null => {
        const e = d[k];
        return typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : null;
      };
      const gainer = entry('gainer');
      const loser = entry('loser');
      const king = entry('volume_king');
      vars.gainer_nickname = gainer === null ? NOBODY : nicknameFor(gainer, 'nickname', 'user_id', lookups);
      vars.gainer_pnl = wholeWon((gainer === null ? undefined : str(gainer, 'pnl_krw')) ?? '0');
      vars.loser_nickname = loser === null ? NOBODY : nicknameFor(loser, 'nickname', 'user_id', lookups);
      vars.loser_pnl = wholeWon((loser === null ? undefined : str(loser, 'pnl_krw')) ?? '0');
      vars.volume_king_nickname = king === null ? NOBODY : nicknameFor(king, 'nickname', 'user_id', lookups);
      vars.trade_count = (king === null ? undefined : str(king, 'trade_count')) ?? '0';
      break;
    }
    case 'market_open':
    case 'market_close': {
      const market = str(d, 'market');
      setIf(vars, 'market', market);
      setIf(vars, 'market_name', market === undefined ? undefined : (MARKET_NAMES[market] ?? market));
      setIf(vars, 'date', str(d, 'date'));
      setIf(vars, 'open_time', kstTime(str(d, 'open_at')));
      setIf(vars, 'close_time', kstTime(str(d, 'close_at')));
      vars.session_name = str(d, 'session_name') ?? '';
      break;
    }
    default:
      break;
  }
  return vars;
}

const COLORS = { buy: 0x2ecc71, sell: 0xe74c3c, alert: 0xe67e22, human: 0x9b59b6, info: 0x3498db } as const;

/** The embed that goes with an event's message, where one reads better than text alone. */
export function embedFor(event: DomainEvent, vars: Readonly<Record<string, string>>): Embed | null {
  const field = (name: string, value: string | undefined, inline = true) =>
    value === undefined || value === '' ? [] : [{ name, value: truncateCodePoints(value, 1024), inline }];
  const tickerLine =
    vars.ticker === undefined ? undefined : vars.ticker_name !== undefined && vars.ticker_name !== vars.ticker ? `${vars.ticker_name} (${vars.ticker})` : vars.ticker;
  const krw = (v: string | undefined) => (v === undefined ? undefined : `${grouped(v)} KRW`);
  const base = { timestamp: event.occurred_at };
  switch (event.type) {
    case 'whale_trade':
      return {
        ...base,
        title: `🐳 ${vars.nickname ?? ''} · ${vars.side ?? ''}`,
        color: vars.side_code === 'SELL' ? COLORS.sell : COLORS.buy,
        fields: [
          ...field('종목', tickerLine),
          ...field('수량', vars.quantity === undefined ? undefined : grouped(vars.quantity)),
          ...field('체결가', vars.price === undefined ? undefined : `${grouped(vars.price)}${vars.currency === 'USD' ? ' USD' : ' KRW'}`),
          ...field('체결 금액', krw(vars.notional)),
        ],
      };
    case 'liquidation':
      return {
        ...base,
        title: `📉 강제 청산 · ${vars.nickname ?? ''}`,
        color: COLORS.alert,
        fields: [...field('종목', tickerLine), ...field('순자산', krw(vars.equity)), ...field('부채', krw(vars.liability))],
      };
    case 'ipo_listed':
      return {
        ...base,
        title: `🆕 ${vars.symbol ?? ''} 상장`,
        color: COLORS.human,
        fields: [
          ...field('발행인', vars.nickname),
          ...field('배당률', vars.dividend_rate_pct === undefined ? undefined : `${vars.dividend_rate_pct}%`),
          ...field('발행 주식', vars.shares === undefined ? undefined : grouped(vars.shares)),
          ...field('공모가', krw(vars.offer_price)),
        ],
      };
    case 'dividend_paid':
      return {
        ...base,
        title: `💰 배당 · ${vars.payer_nickname ?? ''}`,
        color: COLORS.human,
        fields: [...field('종목', tickerLine), ...field('총 배당', krw(vars.total_dividend)), ...field('받은 주주', vars.holders === undefined ? undefined : `${vars.holders}명`)],
      };
    case 'bailout_processed':
      return {
        ...base,
        title: `😭 구제금융 · ${vars.nickname ?? ''}`,
        color: COLORS.human,
        fields: [...field('지원금', krw(vars.amount)), ...field('누적 구제 횟수', vars.bailout_count === undefined ? undefined : `${vars.bailout_count}회`)],
      };
    default:
      return null; // daily report and market notices read best as plain lines
  }
}

/** Discord's limit on `content`, in characters. */
export const DISCORD_CONTENT_MAX = 2000;

/** Render the message of an event: the body to post, and the webhook it goes to. */
export function buildMessage(
  event: DomainEvent,
  template: string,
  lookups: Lookups,
): { webhook: WebhookName; body: WebhookBody } | null {
  const route = routeOf(event.type);
  if (route === null) return null;
  const vars = templateVars(event, lookups);
  const content = truncateCodePoints(renderTemplate(template, vars), DISCORD_CONTENT_MAX);
  const embed = embedFor(event, vars);
  const body: WebhookBody = { content, allowed_mentions: { parse: [] } };
  if (embed !== null) body.embeds = [embed];
  return { webhook: route.webhook, body };
}

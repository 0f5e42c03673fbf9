/**
 * Domain events: what the engine and the game flows announce after a state change commits.
 *
 * Every event has a unique `id` (uuid) consumers dedupe on, a `type`, the ISO time it
 * occurred and a `data` object whose money fields are decimal strings (SPEC §2). Events
 * leave through the transactional outbox to the Redis channel of their {@link channelOf}
 * and to the topic exchange `events` with routing key `<channel>.<type>` (SPEC §5).
 */

/** Redis channels of SPEC §5. */
export type EventChannel = 'trade_events' | 'liquidation_events' | 'human_events' | 'system_events';

export type EventType =
  | 'order_filled'
  | 'order_failed'
  | 'order_cancelled'
  | 'whale_trade'
  | 'liquidation'
  | 'ipo_listed'
  | 'dividend_paid'
  | 'bailout_processed'
  | 'operator_alert'
  | 'daily_report'
  | 'market_open'
  | 'market_close';

/** The envelope of every event. `data` is type-specific and JSON-safe (no JS numbers for money). */
export interface DomainEvent<T extends EventType = EventType, D extends object = Record<string, unknown>> {
  id: string;
  type: T;
  occurred_at: string;
  data: D;
}

/** Fields of `order_filled`. Amounts are KRW decimal strings unless named otherwise. */
export interface OrderFilledData {
  order_id: string;
  user_id: string;
  ticker_id: string;
  side: 'BUY' | 'SELL';
  /** Shares (or coins) filled. */
  quantity: string;
  /** Fill price in the instrument's currency. */
  price: string;
  currency: 'KRW' | 'USD' | 'KRW-COIN';
  /** KRW value of the fill before fees. */
  notional_krw: string;
  fee_krw: string;
  realized_pnl_krw: string;
  /** KRW per USD applied, for USD instruments; null for KRW ones. */
  applied_exchange_rate: string | null;
  /** Cash after the fill. */
  balance_krw: string;
  source: 'discord' | 'api' | 'admin' | 'bot';
}

export interface OrderFailedData {
  order_id: string;
  user_id: string;
  ticker_id: string;
  side: 'BUY' | 'SELL';
  reason: string;
  message: string;
  source: 'discord' | 'api' | 'admin' | 'bot';
}

/** `whale_trade` (SPEC §5/§8): a fill whose KRW notional ≥ WHALE_ALERT_THRESHOLD_KRW. */
export interface WhaleTradeData {
  order_id: string;
  user_id: string;
  nickname: string;
  ticker_id: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  notional_krw: string;
}

export interface LiquidationData {
  user_id: string;
  nickname: string;
  ticker_id: string;
  equity_krw: string;
  liability_krw: string;
}

export interface IpoListedData {
  ticker_id: string;
  symbol: string;
  issuer_user_id: string;
  nickname: string;
  /** Fraction, e.g. "0.3". */
  dividend_rate: string;
  shares: string;
  offer_price: string;
}

export interface DividendPaidData {
  ticker_id: string;
  payer_user_id: string;
  payer_nickname: string;
  total_dividend_krw: string;
  holders: number;
}

export interface BailoutProcessedData {
  user_id: string;
  nickname: string;
  amount_krw: string;
  bailout_count: number;
}

export interface OperatorAlertData {
  severity: 'warning' | 'critical';
  component: string;
  message: string;
  details?: Record<string, unknown>;
}

/** One line of the daily report: a player and their result. */
export interface DailyReportEntry {
  user_id: string;
  nickname: string;
}

/**
 * `daily_report` (SPEC §8, emitted by the scheduler at 00:00 Asia/Seoul for the KST day
 * that ended). Gainer and loser by equity change over the day (KRW decimal strings, vs the
 * previous day's equity snapshot, or STARTING_CASH_KRW for a player without one); the
 * gainer is only a player whose equity rose, the loser only one whose equity fell (null
 * otherwise). Volume king by number of FILLED orders with `filled_at` in the day.
 */
export interface DailyReportData {
  /** The KST day reported, `YYYY-MM-DD`. */
  day: string;
  /** Start and end of the day as ISO instants (`[start, end)`). */
  start: string;
  end: string;
  /** Players with an equity snapshot for the day. */
  players: number;
  gainer: (DailyReportEntry & { pnl_krw: string; equity_krw: string }) | null;
  loser: (DailyReportEntry & { pnl_krw: string; equity_krw: string }) | null;
  volume_king: (DailyReportEntry & { trade_count: number }) | null;
  /** True when run by hand (`forceDailyReport`) rather than by the schedule. */
  forced: boolean;
}

/** `market_open` / `market_close` (scheduler): a regular or special session of KRX or US. */
export interface MarketSessionData {
  market: 'KRX' | 'US';
  /** Local trading date in the exchange's zone, `YYYY-MM-DD`. */
  date: string;
  /** Session open and close, ISO instants. */
  open_at: string;
  close_at: string;
  /** Set on special sessions (late open, early close), from the holiday table. */
  session_name?: string;
}

const jsonOf = new WeakMap<DomainEvent, string>();

/**
 * The JSON text of an event (`JSON.stringify`), computed once per event object: the same
 * text goes into the outbox row, onto its Redis channel and onto the `events` exchange, so
 * the engine serialized each event three times (~1 µs each for an `order_filled`; a repeat
 * is a WeakMap lookup, ~0.1 µs). An event is not changed after it is first serialized (events
 * are built whole and only read afterwards); a changed copy is a new object, serialized anew.
 */
export function eventJson(event: DomainEvent): string {
  let json = jsonOf.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    jsonOf.set(event, json);
  }
  return json;
}

/** The Redis channel an event type is published on (SPEC §5). */
export function channelOf(type: EventType): EventChannel {
  switch (type) {
    case 'order_filled':
    case 'order_failed':
    case 'order_cancelled':
    case 'whale_trade':
      return 'trade_events';
    case 'liquidation':
      return 'liquidation_events';
    case 'ipo_listed':
    case 'dividend_paid':
    case 'bailout_processed':
      return 'human_events';
    case 'operator_alert':
    case 'daily_report':
    case 'market_open':
    case 'market_close':
      return 'system_events';
  }
}

/** Routing key on the `events` topic exchange: `<channel>.<type>`, e.g. `trade_events.whale_trade`. */
export function routingKeyOf(type: EventType): string {
  return `${channelOf(type)}.${type}`;
}

/**
 * Whether an AMQP topic `pattern` matches `routingKey`: words split on `.`, `*` matches
 * exactly one word, `#` zero or more (RabbitMQ topic exchange semantics).
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern.split('.');
  const k = routingKey.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    const word = p[i];
    if (word === '#') {
      for (let skip = j; skip <= k.length; skip += 1) if (match(i + 1, skip)) return true;
      return false;
    }
    if (j === k.length) return false;
    return (word === '*' || word === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

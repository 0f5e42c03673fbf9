/**
 * Message bodies the bot sends: pure functions from data to Discord `content`/`embeds`,
 * in the player's language. Numbers come in as decimals and leave as formatted text.
 */
import type { APIEmbed, APIEmbedField } from 'discord-api-types/v10';
import type { OrderFailedData, OrderFilledData } from '../core/events.js';
import { Decimal } from '../core/money.js';
import type { MarketStatus } from '../core/calendar.js';
import type { CatalogueEntry, Currency } from '../core/ticker.js';
import type { OrderView } from './account.repository.js';
import {
  escapeMarkdown,
  failReasonText,
  formatAge,
  formatKst,
  formatPct,
  formatPrice,
  formatQuantity,
  krw,
  signedKrw,
  tr,
  trend,
} from './messages.js';
import type { Lang } from './messages.js';
import type { FxPoint, PricePoint } from './price-book.js';
import type { AccountValue } from './valuation.js';

/** A message body (initial reply, edit, or DM). */
export interface MessageBody {
  content?: string;
  embeds?: APIEmbed[];
}

const COLOR = { buy: 0xe74c3c, sell: 0x3498db, fail: 0x95a5a6, info: 0xf1c40f } as const;

/** `삼성전자 (KRX-STOCK-005930)`, or the id alone for an unknown one. */
export function instrumentName(id: string, entry: CatalogueEntry | undefined, lang: Lang): string {
  if (entry === undefined) return id;
  return `${lang === 'ko' ? entry.nameKo : entry.nameEn} (${id})`;
}

const sideText = (side: 'BUY' | 'SELL', lang: Lang) => (side === 'BUY' ? tr(lang, '매수', 'Buy') : tr(lang, '매도', 'Sell'));

/** The size of a new order as the player gave it. */
export type OrderSizeText = { kind: 'quantity'; quantity: Decimal } | { kind: 'notional'; notionalKrw: Decimal } | { kind: 'all' };

/** "Accepted" reply of `/buy` and `/sell`. */
export function acceptedView(
  lang: Lang,
  o: { orderId: string; side: 'BUY' | 'SELL'; name: string; size: OrderSizeText; limit: Decimal | null; currency: Currency },
): MessageBody {
  const size =
    o.size.kind === 'quantity'
      ? tr(lang, `${formatQuantity(o.size.quantity)}주`, `${formatQuantity(o.size.quantity)} units`)
      : o.size.kind === 'all'
        ? tr(lang, '전량', 'all')
        : krw(o.size.notionalKrw, lang);
  const how = o.limit === null ? tr(lang, '시장가', 'market') : `${tr(lang, '지정가', 'limit')} ${formatPrice(o.limit, o.currency)}`;
  return {
    content: tr(
      lang,
      `📨 주문 접수: ${o.name} ${sideText(o.side, lang)} ${size} · ${how}\n주문번호 \`${o.orderId}\` — 체결되면 이 메시지가 바뀝니다.`,
      `📨 Order accepted: ${sideText(o.side, lang)} ${size} of ${o.name} · ${how}\nOrder \`${o.orderId}\` — this message changes when it settles.`,
    ),
  };
}

/** The fill of an order (edit of the reply, or DM). */
export function filledView(lang: Lang, d: OrderFilledData, entry: CatalogueEntry | undefined, viaDm: boolean): MessageBody {
  const fields: APIEmbedField[] = [
    { name: tr(lang, '체결가', 'Price'), value: formatPrice(new Decimal(d.price), d.currency), inline: true },
    { name: tr(lang, '수량', 'Quantity'), value: formatQuantity(new Decimal(d.quantity)), inline: true },
    { name: tr(lang, '체결금액', 'Notional'), value: krw(new Decimal(d.notional_krw), lang), inline: true },
    { name: tr(lang, '수수료', 'Fee'), value: krw(new Decimal(d.fee_krw), lang), inline: true },
  ];
  if (d.applied_exchange_rate !== null) {
    fields.push({ name: tr(lang, '적용 환율', 'USD/KRW rate'), value: `${new Decimal(d.applied_exchange_rate).toFixed()} KRW/USD`, inline: true });
  }
  if (d.side === 'SELL') {
    fields.push({ name: tr(lang, '실현손익', 'Realized PnL'), value: signedKrw(new Decimal(d.realized_pnl_krw), lang), inline: true });
  }
  fields.push({ name: tr(lang, '현금 잔고', 'Cash'), value: krw(new Decimal(d.balance_krw), lang), inline: false });
  return {
    content: viaDm ? tr(lang, '⏰ 15분이 지나 DM으로 결과를 보냅니다.', '⏰ Your order settled after 15 minutes, so here is the result by DM.') : '',
    embeds: [
      {
        title: `✅ ${tr(lang, '체결', 'Filled')}: ${instrumentName(d.ticker_id, entry, lang)} ${sideText(d.side, lang)}`,
        color: d.side === 'BUY' ? COLOR.buy : COLOR.sell,
        fields,
        footer: { text: `${tr(lang, '주문번호', 'Order')} ${d.order_id}` },
      },
    ],
  };
}

/** The failure of an order, in plain words. */
export function failedView(lang: Lang, d: OrderFailedData, entry: CatalogueEntry | undefined, viaDm: boolean): MessageBody {
  const reason = failReasonText(d.reason, d.message, lang);
  const prefix = viaDm ? tr(lang, '⏰ 15분이 지나 DM으로 결과를 보냅니다.\n', '⏰ Your order settled after 15 minutes, so here is the result by DM.\n') : '';
  return {
    content: `${prefix}❌ ${tr(lang, '주문 실패', 'Order failed')}: ${instrumentName(d.ticker_id, entry, lang)} ${sideText(d.side, lang)} — ${reason} (${escapeMarkdown(d.reason)})\n${tr(lang, '주문번호', 'Order')} \`${d.order_id}\``,
    embeds: [],
  };
}

/** A cancelled order (edit of the reply that placed it). */
export function cancelledView(lang: Lang, orderId: string, name: string): MessageBody {
  return { content: `🚫 ${tr(lang, '주문 취소됨', 'Order cancelled')}: ${name}\n${tr(lang, '주문번호', 'Order')} \`${orderId}\``, embeds: [] };
}

/** `/price`. */
export function priceView(
  lang: Lang,
  o: { id: string; entry: CatalogueEntry | undefined; currency: Currency; point: PricePoint; ageMs: number; fx: FxPoint | null; status: MarketStatus },
): MessageBody {
  const { point } = o;
  const fields: APIEmbedField[] = [
    { name: tr(lang, '현재가', 'Price'), value: formatPrice(point.price, o.currency), inline: true },
    {
      name: tr(lang, '등락률', 'Change'),
      value: point.changePct === null ? '—' : `${trend(point.changePct)} ${formatPct(point.changePct)}`,
      inline: true,
    },
    { name: tr(lang, '통화', 'Currency'), value: o.currency, inline: true },
  ];
  if (o.currency === 'USD') {
    fields.push({
      name: tr(lang, '원화 환산', 'In KRW'),
      value: o.fx === null ? tr(lang, '환율 정보 없음', 'no USD/KRW rate') : `${krw(point.price.times(o.fx.rate), lang)} (${o.fx.rate.toFixed()} KRW/USD)`,
      inline: true,
    });
  }
  const s = o.status;
  let market: string;
  if (s.isOpen) {
    market = s.nextClose === null ? tr(lang, '🟢 24시간 거래', '🟢 Open 24/7') : `🟢 ${tr(lang, '장중', 'Open')} · ${tr(lang, '마감', 'closes')} ${formatKst(s.nextClose)}`;
  } else {
    market = `🔴 ${tr(lang, '장 마감', 'Closed')}${s.nextOpen === null ? '' : ` · ${tr(lang, '다음 개장', 'next open')} ${formatKst(s.nextOpen)}`}`;
  }
  fields.push({ name: tr(lang, '시장', 'Market'), value: market, inline: false });
  const basis =
    point.basis === 'live'
      ? `${tr(lang, '실시간', 'live')} (${point.source}) · ${formatAge(o.ageMs, lang)}`
      : `${tr(lang, '최근 캔들 종가', 'last candle close')} (${point.source.replace('candle:', '')}, ${formatKst(point.at)}) · ${formatAge(o.ageMs, lang)}`;
  fields.push({ name: tr(lang, '가격 시각', 'Price age'), value: basis, inline: false });
  return {
    embeds: [
      {
        title: `💹 ${instrumentName(o.id, o.entry, lang)}`,
        color: point.changePct !== null && point.changePct.isLessThan(0) ? COLOR.sell : COLOR.buy,
        fields,
      },
    ],
  };
}

/** `/me`. `rank` is null when the player is not on the board yet. */
export function meView(
  lang: Lang,
  o: {
    name: string;
    value: AccountValue;
    reservedKrw: Decimal;
    registered: boolean;
    rank: { rank: number; total: number } | null;
    names: (id: string) => string;
  },
): MessageBody {
  const v = o.value;
  const fields: APIEmbedField[] = [
    { name: tr(lang, '현금', 'Cash'), value: krw(v.cashKrw, lang), inline: true },
    { name: tr(lang, '순자산', 'Equity'), value: krw(v.equityKrw, lang), inline: true },
    { name: tr(lang, '순위', 'Rank'), value: o.rank === null ? '—' : `${o.rank.rank} / ${o.rank.total}`, inline: true },
    { name: tr(lang, '평가손익', 'Unrealized PnL'), value: signedKrw(v.unrealizedKrw, lang), inline: true },
    { name: tr(lang, '실현손익', 'Realized PnL'), value: signedKrw(v.realizedKrw, lang), inline: true },
  ];
  if (o.reservedKrw.isGreaterThan(0)) fields.push({ name: tr(lang, '주문 대기 금액', 'Reserved'), value: krw(o.reservedKrw, lang), inline: true });
  const shown = v.holdings.slice(0, 15);
  const lines = shown.map((h) => {
    const basis = h.basis === 'live' ? '' : h.basis === 'candle' ? ' ⏸' : ' ❔';
    return `${o.names(h.tickerId)} · ${formatQuantity(h.quantity)} · ${krw(h.valueKrw, lang)} (${trend(h.unrealizedKrw)} ${signedKrw(h.unrealizedKrw, lang)})${basis}`;
  });
  if (v.holdings.length > shown.length) lines.push(tr(lang, `… 외 ${v.holdings.length - shown.length}종목`, `… and ${v.holdings.length - shown.length} more`));
  const description = !o.registered
    ? tr(lang, '아직 거래 기록이 없습니다. 첫 주문 때 시작 자금으로 등록됩니다.', 'No trades yet: your first order registers you with the starting cash.')
    : lines.length === 0
      ? tr(lang, '보유 종목이 없습니다.', 'No holdings.')
      : lines.join('\n');
  const legend = v.holdings.some((h) => h.basis !== 'live') ? tr(lang, '⏸ 최근 종가 기준 · ❔ 평균단가 기준', '⏸ last close · ❔ at average cost') : undefined;
  return {
    embeds: [
      {
        title: `👤 ${escapeMarkdown(o.name)}`,
        color: COLOR.info,
        description,
        fields,
        ...(legend === undefined ? {} : { footer: { text: legend } }),
      },
    ],
  };
}

/** `/rank`. */
export function rankView(
  lang: Lang,
  o: { top: { rank: number; name: string; equityKrw: Decimal }[]; me: { rank: number; total: number; equityKrw: Decimal } | null },
): MessageBody {
  const medal = (r: number) => (r === 1 ? '🥇' : r === 2 ? '🥈' : r === 3 ? '🥉' : `${r}.`);
  const lines = o.top.map((e) => `${medal(e.rank)} ${escapeMarkdown(e.name)} — ${krw(e.equityKrw, lang)}`);
  const mine =
    o.me === null
      ? tr(lang, '아직 순위에 없습니다 (첫 주문 후 집계).', 'You are not ranked yet (after your first order).')
      : tr(lang, `내 순위: ${o.me.rank} / ${o.me.total} · ${krw(o.me.equityKrw, lang)}`, `Your place: ${o.me.rank} of ${o.me.total} · ${krw(o.me.equityKrw, lang)}`);
  return {
    embeds: [
      {
        title: `🏆 ${tr(lang, '순자산 순위', 'Leaderboard: equity')}`,
        color: COLOR.info,
        description: lines.length === 0 ? tr(lang, '아직 순위가 없습니다.', 'Nobody is ranked yet.') : lines.join('\n'),
        footer: { text: mine },
      },
    ],
  };
}

const STATUS_ICON: Record<OrderView['status'], string> = { PENDING: '⏳', FILLED: '✅', CANCELLED: '🚫', FAILED: '❌' };

/** `/orders`. */
export function ordersView(lang: Lang, orders: readonly OrderView[], names: (id: string) => string): MessageBody {
  const lines = orders.map((o) => {
    const size =
      o.filledQuantity !== null
        ? formatQuantity(o.filledQuantity)
        : o.quantity !== null
          ? formatQuantity(o.quantity)
          : o.notionalKrw !== null
            ? krw(o.notionalKrw, lang)
            : '';
    const price = o.price !== null ? ` @ ${formatDecimalPlain(o.price)}` : o.limitPrice !== null ? ` ≤ ${formatDecimalPlain(o.limitPrice)}` : '';
    const why = o.status === 'FAILED' && o.failReason !== null ? ` — ${failReasonText(o.failReason, '', lang)}` : '';
    return `${STATUS_ICON[o.status]} \`${o.id.slice(0, 8)}\` ${sideText(o.side, lang)} ${names(o.tickerId)} ${size}${price} · ${formatKst(o.createdAt)}${why}`;
  });
  return {
    embeds: [
      {
        title: `📋 ${tr(lang, '최근 주문', 'Recent orders')}`,
        color: COLOR.info,
        description: lines.length === 0 ? tr(lang, '주문 내역이 없습니다.', 'No orders yet.') : lines.join('\n').slice(0, 4000),
      },
    ],
  };
}

function formatDecimalPlain(x: Decimal): string {
  return formatQuantity(x);
}

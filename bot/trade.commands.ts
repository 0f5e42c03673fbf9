/**
 * `/buy`, `/sell` (SPEC §7): validate, place through the order intake, answer "accepted" at
 * once; the fill or failure edits the reply later ({@link OrderResultNotifier}).
 * `/orders` and `/cancel` read and act on the player's orders.
 */
import { ErrorCode, err, ok } from '../core/errors.js';
import type { Result } from '../core/errors.js';
import { orderTermsOf } from '../core/order-message.js';
import { parseKrwAmount, parsePrice, parseQuantity, toJsonString } from '../core/money.js';
import type { Decimal } from '../core/money.js';
import type { CatalogueEntry } from '../core/ticker.js';
import type { Clock } from '../core/ports.js';
import type { AccountRepository } from './account.repository.js';
import { OPT } from './commands.js';
import type { CommandContext, CommandReply } from './command-context.js';
import { escapeMarkdown, tr } from './messages.js';
import type { TradePlacer, TradeRequest } from './order-intake.js';
import type { ReplyTracker } from './reply-tracker.js';
import type { TickerCatalogue } from './ticker-catalogue.js';
import { acceptedView, instrumentName, ordersView } from './views.js';
import type { OrderSizeText } from './views.js';
import { newId } from '../core/ids.js';

/** Cancels a pending order (engine-side; releases what it reserved). */
export interface OrderCanceller {
  /** @returns ok when the cancel was accepted; `NOT_FOUND` / `CONFLICT` (not pending) otherwise. */
  cancel(input: { orderId: string; userId: string }): Promise<Result<unknown>>;
}

export interface TradeCommandDeps {
  catalogue: TickerCatalogue;
  placer: TradePlacer;
  canceller: OrderCanceller | null;
  tracker: ReplyTracker;
  accounts: AccountRepository;
  clock: Clock;
}

/** A validated trade, before it gets an id. */
export interface ValidatedTrade {
  entry: CatalogueEntry;
  size: OrderSizeText;
  limit: Decimal | null;
}

/**
 * Validate the options of `/buy` or `/sell`: a known active ticker; exactly one of
 * `quantity` (positive decimal, or `all` when selling) and `amount` (KRW); optional `limit`.
 * Pure apart from the catalogue lookup; nothing is placed on failure.
 */
export function validateTrade(
  side: 'BUY' | 'SELL',
  raw: { ticker: string | undefined; quantity: string | undefined; amount: string | undefined; limit: string | undefined },
  catalogue: Pick<TickerCatalogue, 'resolve'>,
): Result<ValidatedTrade> {
  const blank = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : s);
  const ticker = blank(raw.ticker);
  if (ticker === undefined) {
    return err(ErrorCode.UNKNOWN_TICKER, 'Give a ticker: a symbol, name or id (e.g. 삼성전자, AAPL, btc).', {
      query: '',
      message_ko: '종목을 입력하세요: 코드, 이름 또는 ID (예: 삼성전자, AAPL, btc).',
    });
  }
  const resolved = catalogue.resolve(ticker);
  if (!resolved.ok) return resolved;
  const entry = resolved.value;
  if (!entry.active) {
    return err(ErrorCode.UNKNOWN_TICKER, `${entry.nameEn} (${entry.id}) is not traded any more.`, {
      query: entry.id,
      message_ko: `${entry.nameKo} (${entry.id})은(는) 더 이상 거래되지 않습니다.`,
    });
  }

  const quantity = blank(raw.quantity);
  const amount = blank(raw.amount);
  if ((quantity === undefined) === (amount === undefined)) {
    return err(
      ErrorCode.INVALID_INPUT,
      quantity === undefined ? 'Give a quantity or a KRW amount.' : 'Give either a quantity or a KRW amount, not both.',
      {
        field: quantity === undefined ? 'quantity' : 'amount',
        reason: quantity === undefined ? 'neither' : 'both',
        message_ko: quantity === undefined ? '수량(quantity) 또는 금액(amount) 중 하나를 입력하세요.' : '수량(quantity)과 금액(amount) 중 하나만 입력하세요.',
      },
    );
  }
  let size: OrderSizeText;
  if (quantity !== undefined) {
    if (quantity.trim().toLowerCase() === 'all') {
      if (side !== 'SELL') {
        return err(ErrorCode.INVALID_QUANTITY, 'quantity "all" is only for selling.', { field: 'quantity', reason: 'all_on_buy', message_ko: '수량 all(전량)은 매도에서만 쓸 수 있습니다.' });
      }
      size = { kind: 'all' };
    } else {
      const q = parseQuantity(quantity);
      if (!q.ok) return q;
      size = { kind: 'quantity', quantity: q.value };
    }
  } else {
    const a = parseKrwAmount(amount);
    if (!a.ok) return a;
    size = { kind: 'notional', notionalKrw: a.value };
  }
  const limitText = blank(raw.limit);
  let limit: Decimal | null = null;
  if (limitText !== undefined) {
    const p = parsePrice(limitText);
    if (!p.ok) return err(p.error.code, p.error.message.replace(/^price/, 'limit'), { ...p.error.details, field: 'limit' });
    limit = p.value;
  }
  // The order message's own check (the engine runs it too), so the edge and the engine agree.
  const terms = orderTermsOf({
    side,
    ...(size.kind === 'quantity' ? { quantity: toJsonString(size.quantity) } : size.kind === 'all' ? { quantity: 'all' } : { notional_krw: toJsonString(size.notionalKrw) }),
    ...(limit === null ? {} : { limit_price: toJsonString(limit) }),
  });
  if (!terms.ok) return terms;
  return ok({ entry, size, limit });
}

/** `/buy` and `/sell`. */
export async function tradeCommand(side: 'BUY' | 'SELL', ctx: CommandContext, deps: TradeCommandDeps): Promise<Result<CommandReply>> {
  const { options, invoker, lang, interaction } = ctx;
  const v = validateTrade(
    side,
    { ticker: options.string(OPT.ticker), quantity: options.string(OPT.quantity), amount: options.string(OPT.amount), limit: options.string(OPT.limit) },
    deps.catalogue,
  );
  if (!v.ok) return v;
  const { entry, size, limit } = v.value;
  const ephemeral = !options.boolean(OPT.share);
  const orderId = newId();
  // Remember the reply first: the engine's event must never find an order we do not know.
  await deps.tracker.remember(orderId, {
    applicationId: interaction.application_id,
    token: interaction.token,
    discordUserId: invoker.discordUserId,
    locale: interaction.locale,
    createdAtMs: deps.clock.now().getTime(),
    ephemeral,
  });
  const request: TradeRequest = {
    orderId,
    player: { discordUserId: invoker.discordUserId, username: invoker.username, nickname: invoker.nickname },
    tickerId: entry.id,
    side,
    ...(size.kind === 'quantity' ? { quantity: toJsonString(size.quantity) } : size.kind === 'all' ? { quantity: 'all' } : { notionalKrw: toJsonString(size.notionalKrw) }),
    ...(limit === null ? {} : { limitPrice: toJsonString(limit) }),
  };
  let placed: Result<{ orderId: string }>;
  try {
    placed = await deps.placer.place(request);
  } catch (error) {
    await deps.tracker.forget(orderId);
    throw error;
  }
  if (!placed.ok) {
    await deps.tracker.forget(orderId);
    return placed;
  }
  return ok({
    ephemeral,
    body: acceptedView(lang, { orderId: placed.value.orderId, side, name: instrumentName(entry.id, entry, lang), size, limit, currency: entry.currency }),
    afterResponse: () => deps.tracker.markResponded(orderId),
  });
}

/** `/orders`: the newest ten orders, pending first. */
export async function ordersCommand(ctx: CommandContext, deps: TradeCommandDeps): Promise<Result<CommandReply>> {
  const orders = await deps.accounts.recentOrders(ctx.invoker.playerId, 10);
  const names = (id: string) => {
    const e = deps.catalogue.get(id);
    return e === undefined ? id : ctx.lang === 'ko' ? e.nameKo : e.nameEn;
  };
  return ok({ ephemeral: !ctx.options.boolean(OPT.share), body: ordersView(ctx.lang, orders, names) });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `/cancel order`: pending orders only; a clear message otherwise. */
export async function cancelCommand(ctx: CommandContext, deps: TradeCommandDeps): Promise<Result<CommandReply>> {
  const { lang } = ctx;
  const raw = (ctx.options.string(OPT.order) ?? '').trim().toLowerCase();
  if (!UUID_RE.test(raw)) {
    return err(ErrorCode.INVALID_INPUT, `"${escapeMarkdown(raw.slice(0, 40))}" is not an order id; pick one of your pending orders from the list.`, {
      message_ko: `"${escapeMarkdown(raw.slice(0, 40))}"은(는) 주문 ID가 아닙니다. 목록에서 대기 중인 주문을 고르세요.`,
    });
  }
  const order = await deps.accounts.order(ctx.invoker.playerId, raw);
  if (order === null) return err(ErrorCode.NOT_FOUND, `You have no order ${raw}.`, { message_ko: `주문 ${raw}을(를) 찾을 수 없습니다.` });
  if (order.status !== 'PENDING') {
    const en = { FILLED: 'filled', CANCELLED: 'cancelled', FAILED: 'failed', PENDING: '' }[order.status];
    const ko = { FILLED: '체결', CANCELLED: '취소', FAILED: '실패', PENDING: '' }[order.status];
    return err(ErrorCode.CONFLICT, `Only pending orders can be cancelled; this order is already ${en}.`, {
      status: order.status,
      message_ko: `대기 중인 주문만 취소할 수 있습니다. 이 주문은 이미 ${ko}되었습니다.`,
    });
  }
  if (deps.canceller === null) {
    return err(ErrorCode.DEPENDENCY_UNAVAILABLE, 'Cancelling pending orders is not available yet.');
  }
  const done = await deps.canceller.cancel({ orderId: order.id, userId: ctx.invoker.playerId });
  if (!done.ok) return done;
  const entry = deps.catalogue.get(order.tickerId);
  return ok({
    ephemeral: true,
    body: {
      content: tr(
        lang,
        `🚫 취소 요청 접수: ${instrumentName(order.tickerId, entry, lang)} 주문 \`${order.id}\``,
        `🚫 Cancel requested: ${instrumentName(order.tickerId, entry, lang)} order \`${order.id}\``,
      ),
    },
  });
}

/**
 * `/price`, `/me`, `/rank` (SPEC §7): read-only views over prices (Redis, candles), the
 * player's account (PostgreSQL) and the leaderboard (Redis `rank:equity`).
 */
import { ErrorCode, err, ok } from '../core/errors.js';
import type { Result } from '../core/errors.js';
import type { MarketCalendar } from '../core/calendar.js';
import { marketOfTicker } from '../core/calendar.js';
import type { Decimal } from '../core/money.js';
import { ZERO } from '../core/money.js';
import type { Clock } from '../core/ports.js';
import type { AccountRepository } from './account.repository.js';
import { OPT, RANK_BOARDS } from './commands.js';
import type { CommandContext, CommandReply } from './command-context.js';
import type { PriceBook } from './price-book.js';
import type { RankService } from './rank.service.js';
import type { TickerCatalogue } from './ticker-catalogue.js';
import { valueAccount } from './valuation.js';
import { meView, priceView, rankView } from './views.js';

export interface AccountCommandDeps {
  catalogue: TickerCatalogue;
  prices: PriceBook;
  accounts: AccountRepository;
  rank: RankService;
  calendar: MarketCalendar;
  clock: Clock;
  /** Market time for open/closed (the replay clock in replay); default `clock`. */
  marketClock?: Clock;
  /** Cash a new player starts with (the operator's setting, else `STARTING_CASH_KRW`). */
  startingCashKrw: () => Promise<Decimal>;
}

/** `/price ticker`: last price (live, else last candle close), change, KRW value, market hours, age. */
export async function priceCommand(ctx: CommandContext, deps: AccountCommandDeps): Promise<Result<CommandReply>> {
  const text = ctx.options.string(OPT.ticker) ?? '';
  const resolved = deps.catalogue.resolve(text);
  if (!resolved.ok) return resolved;
  const entry = resolved.value;
  const [points, fx] = await Promise.all([deps.prices.latest([entry.id]), entry.currency === 'USD' ? deps.prices.usdKrw() : Promise.resolve(null)]);
  const point = points.get(entry.id);
  if (point === undefined) {
    return err(ErrorCode.STALE_PRICE, `No price for ${entry.nameEn} (${entry.id}) yet.`, {
      ticker_id: entry.id,
      message_ko: `${entry.nameKo} (${entry.id})의 가격 정보가 아직 없습니다.`,
    });
  }
  const now = deps.clock.now();
  const status = deps.calendar.status(marketOfTicker(entry.id), (deps.marketClock ?? deps.clock).now());
  return ok({
    ephemeral: false,
    body: priceView(ctx.lang, { id: entry.id, entry, currency: entry.currency, point, ageMs: now.getTime() - point.at.getTime(), fx, status }),
  });
}

/** `/me`: cash, holdings valued in KRW, equity, unrealized and realized PnL, rank. */
export async function meCommand(ctx: CommandContext, deps: AccountCommandDeps): Promise<Result<CommandReply>> {
  const { invoker, lang } = ctx;
  const account = await deps.accounts.account(invoker.playerId);
  const ephemeral = !ctx.options.boolean(OPT.share);
  const names = (id: string) => {
    const e = deps.catalogue.get(id);
    return e === undefined ? id : lang === 'ko' ? e.nameKo : e.nameEn;
  };
  const name = invoker.nickname ?? invoker.username;
  if (account === null) {
    const value = valueAccount(await deps.startingCashKrw(), [], new Map(), null);
    return ok({ ephemeral, body: meView(lang, { name, value, reservedKrw: ZERO, registered: false, rank: null, names }) });
  }
  const open = account.holdings.filter((h) => !h.quantity.isZero());
  const usd = open.some((h) => h.currency === 'USD');
  const [prices, fx, place] = await Promise.all([
    deps.prices.known(open.map((h) => h.tickerId)),
    usd ? deps.prices.usdKrw() : Promise.resolve(null),
    deps.rank.placeOf(invoker.playerId),
  ]);
  const value = valueAccount(account.balanceKrw, account.holdings, prices, fx?.rate ?? null);
  return ok({
    ephemeral,
    body: meView(lang, {
      name,
      value,
      reservedKrw: account.reservedKrw,
      registered: true,
      rank: place === null ? null : { rank: place.rank, total: place.total },
      names,
    }),
  });
}

/** `/rank [board]`: top 10 by equity and the caller's own place. */
export async function rankCommand(ctx: CommandContext, deps: AccountCommandDeps): Promise<Result<CommandReply>> {
  const board = ctx.options.string(OPT.board) ?? 'equity';
  if (!(RANK_BOARDS as readonly string[]).includes(board)) {
    return err(ErrorCode.INVALID_INPUT, `Unknown leaderboard "${board.slice(0, 20)}"; boards: ${RANK_BOARDS.join(', ')}.`, {
      message_ko: `알 수 없는 순위 부문입니다. 가능한 부문: ${RANK_BOARDS.join(', ')}.`,
    });
  }
  const [top, me] = await Promise.all([deps.rank.top(10), deps.rank.placeOf(ctx.invoker.playerId)]);
  const names = await deps.accounts.names(top.map((t) => t.userId));
  return ok({
    ephemeral: false,
    body: rankView(ctx.lang, {
      top: top.map((t) => ({ rank: t.rank, name: names.get(t.userId) ?? t.userId.slice(0, 8), equityKrw: t.equityKrw })),
      me: me === null ? null : { rank: me.rank, total: me.total, equityKrw: me.equityKrw },
    }),
  });
}

/**
 * The slash commands of SPEC §7 that have mechanics today: `/buy`, `/sell`, `/price`, `/me`,
 * `/rank`, `/orders`, `/cancel`. One source of truth, built with discord.js builders and used
 * by both transports (the handlers key on these names) and by `npm run discord:register`.
 *
 * Localisation choice: the base `name` of every command and option is the exact English name
 * of SPEC §7 (`/buy ticker quantity amount limit`) — Discord always sends the base name in
 * interactions, and English clients type exactly what SPEC says — with a Korean
 * `name_localizations.ko` (`/매수 종목 수량 금액 지정가`) for Korean clients. Descriptions are
 * Korean by default (the game's language) with `en-US`/`en-GB` localisations.
 *
 * Decimal options are strings (SPEC §7: no value passes through a float).
 */
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { SlashCommandStringOption } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';

/** Names of the commands (base, English). */
export const COMMAND_NAMES = ['buy', 'sell', 'price', 'me', 'rank', 'orders', 'cancel'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Option names (base, English; SPEC §7 exact). */
export const OPT = {
  ticker: 'ticker',
  quantity: 'quantity',
  amount: 'amount',
  limit: 'limit',
  share: 'share',
  board: 'board',
  order: 'order',
} as const;

/** Leaderboards of `/rank board`. */
export const RANK_BOARDS = ['equity'] as const;
export type RankBoard = (typeof RANK_BOARDS)[number];

/** Longest text accepted by the decimal options (Discord enforces it on real clients). */
export const DECIMAL_OPTION_MAX_LENGTH = 32;

interface Text {
  ko: string;
  en: string;
}

const en = (t: Text) => ({ 'en-US': t.en, 'en-GB': t.en });

function stringOption(o: SlashCommandStringOption, name: string, ko: string, desc: Text): SlashCommandStringOption {
  return o.setName(name).setNameLocalizations({ ko }).setDescription(desc.ko).setDescriptionLocalizations(en(desc));
}

function command(name: CommandName, ko: string, desc: Text): SlashCommandBuilder {
  return new SlashCommandBuilder()
    .setName(name)
    .setNameLocalizations({ ko })
    .setDescription(desc.ko)
    .setDescriptionLocalizations(en(desc))
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM);
}

const SHARE_DESC: Text = { ko: '채널에 공개로 보여 주기 (기본: 나만 보기)', en: 'Show it to the channel (default: only you)' };

function tradeCommand(name: 'buy' | 'sell', ko: string, desc: Text): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const sell = name === 'sell';
  return command(name, ko, desc)
    .addStringOption((o) =>
      stringOption(o, OPT.ticker, '종목', { ko: '종목: 코드, 이름 또는 ID (예: 삼성전자, AAPL, btc)', en: 'Instrument: symbol, name or id (e.g. 삼성전자, AAPL, btc)' })
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(100),
    )
    .addStringOption((o) =>
      stringOption(
        o,
        OPT.quantity,
        '수량',
        sell
          ? { ko: '팔 수량 (소수 8자리까지) 또는 all (전량)', en: 'Quantity to sell (up to 8 decimals), or all' }
          : { ko: '살 수량 (소수 8자리까지); 금액과 둘 중 하나만', en: 'Quantity to buy (up to 8 decimals); give this or amount' },
      ).setMaxLength(DECIMAL_OPTION_MAX_LENGTH),
    )
    .addStringOption((o) =>
      stringOption(
        o,
        OPT.amount,
        '금액',
        sell
          ? { ko: '받을 원화 금액 (수량과 둘 중 하나만)', en: 'KRW amount to receive (give this or quantity)' }
          : { ko: '쓸 원화 금액, 수수료 포함 (수량과 둘 중 하나만)', en: 'KRW amount to spend, fee included (give this or quantity)' },
      ).setMaxLength(DECIMAL_OPTION_MAX_LENGTH),
    )
    .addStringOption((o) =>
      stringOption(o, OPT.limit, '지정가', { ko: '지정가 (종목 통화 기준); 비우면 시장가', en: "Limit price in the instrument's currency; empty = market" }).setMaxLength(
        DECIMAL_OPTION_MAX_LENGTH,
      ),
    )
    .addBooleanOption((o) => o.setName(OPT.share).setNameLocalizations({ ko: '공개' }).setDescription(SHARE_DESC.ko).setDescriptionLocalizations(en(SHARE_DESC)))
    .toJSON();
}

/** The JSON bodies registered with Discord (bulk overwrite), in display order. */
export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [
    tradeCommand('buy', '매수', { ko: '종목을 삽니다 (수량 또는 원화 금액)', en: 'Buy an instrument (by quantity or KRW amount)' }),
    tradeCommand('sell', '매도', { ko: '종목을 팝니다 (수량, all 또는 원화 금액)', en: 'Sell an instrument (by quantity, all, or KRW amount)' }),
    command('price', '시세', { ko: '현재가, 등락률, 장 운영 상태', en: 'Last price, change and market hours' })
      .addStringOption((o) =>
        stringOption(o, OPT.ticker, '종목', { ko: '종목: 코드, 이름 또는 ID', en: 'Instrument: symbol, name or id' })
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(100),
      )
      .toJSON(),
    command('me', '내정보', { ko: '내 현금, 보유 종목, 순자산, 손익, 순위', en: 'Your cash, holdings, equity, PnL and rank' })
      .addBooleanOption((o) => o.setName(OPT.share).setNameLocalizations({ ko: '공개' }).setDescription(SHARE_DESC.ko).setDescriptionLocalizations(en(SHARE_DESC)))
      .toJSON(),
    command('rank', '순위', { ko: '순자산 상위 10명과 내 순위', en: 'Top 10 players by equity, and your place' })
      .addStringOption((o) =>
        stringOption(o, OPT.board, '부문', { ko: '순위 부문 (기본: 순자산)', en: 'Leaderboard (default: equity)' }).addChoices({
          name: 'equity',
          name_localizations: { ko: '순자산' },
          value: 'equity',
        }),
      )
      .toJSON(),
    command('orders', '주문내역', { ko: '최근 주문과 대기 중인 주문', en: 'Your recent and pending orders' })
      .addBooleanOption((o) => o.setName(OPT.share).setNameLocalizations({ ko: '공개' }).setDescription(SHARE_DESC.ko).setDescriptionLocalizations(en(SHARE_DESC)))
      .toJSON(),
    command('cancel', '주문취소', { ko: '대기 중인 주문을 취소합니다', en: 'Cancel a pending order' })
      .addStringOption((o) =>
        stringOption(o, OPT.order, '주문', { ko: '주문 ID (대기 중인 주문에서 고르기)', en: 'Order id (pick one of your pending orders)' })
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(36),
      )
      .toJSON(),
  ];
}

/** Whether `name` is one of {@link COMMAND_NAMES}. */
export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

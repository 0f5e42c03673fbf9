/**
 * The one entry point of both transports: an interaction (discord-api-types payload) in, the
 * initial response out — within Discord's 3 s. PING → PONG; slash commands dispatch by base
 * name; autocomplete answers from memory (tickers) or the player's pending orders.
 *
 * - Every failure is a one-line ephemeral explanation keyed by its error code, in the
 *   player's language; unknown errors are logged with context and get a generic line, never
 *   a stack trace.
 * - A command that has not finished after `deadlineMs` (default 2.5 s: the home site slow or
 *   away) is answered with a deferred response ("thinking…"), and its result edits the
 *   reply when it comes. A deadline of 0 defers every command.
 */
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandOptionChoice,
  APIChatInputApplicationCommandInteraction,
  APIInteraction,
  APIInteractionResponse,
} from 'discord-api-types/v10';
import { ApplicationCommandType, InteractionResponseType, InteractionType, MessageFlags } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../core/errors.js';
import type { Failure, Result } from '../core/errors.js';
import type { AccountCommandDeps } from './account.commands.js';
import { meCommand, priceCommand, rankCommand } from './account.commands.js';
import { OPT, isCommandName } from './commands.js';
import type { CommandName } from './commands.js';
import { Options, invokerOf } from './command-context.js';
import type { CommandContext, CommandReply } from './command-context.js';
import type { DiscordApi } from './discord-rest.js';
import { errorLine, langOf, tr } from './messages.js';
import type { Lang } from './messages.js';
import type { TradeCommandDeps } from './trade.commands.js';
import { cancelCommand, ordersCommand, tradeCommand } from './trade.commands.js';
import type { MessageBody } from './views.js';

/** The initial response, and work to run once it has been sent. */
export interface HandledInteraction {
  response: APIInteractionResponse;
  afterResponse?: () => Promise<void>;
}

export type InteractionHandlerDeps = TradeCommandDeps &
  AccountCommandDeps & {
    discord: DiscordApi;
    logger: Logger;
    /** Longest wait before deferring (ms). Default 2,500. */
    deadlineMs?: number;
  };

/** Commands whose reply shows the player's own data: ephemeral unless `share` is set. */
const PERSONAL: ReadonlySet<CommandName> = new Set(['buy', 'sell', 'me', 'orders', 'cancel']);

const MAX_CHOICE_NAME = 100;

function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function message(body: MessageBody, ephemeral: boolean): APIInteractionResponse {
  return {
    type: InteractionResponseType.ChannelMessageWithSource,
    data: {
      ...(body.content === undefined || body.content === '' ? {} : { content: body.content }),
      ...(body.embeds === undefined ? {} : { embeds: body.embeds }),
      allowed_mentions: { parse: [] },
      ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
    },
  };
}

function failureReply(failure: Pick<Failure<string>, 'code' | 'message' | 'details'>, lang: Lang): CommandReply {
  return { ephemeral: true, body: { content: errorLine(failure, lang) } };
}

type Outcome = { kind: 'done'; reply: CommandReply } | { kind: 'late' };

/** See the module comment. */
export class InteractionHandler {
  private readonly deadlineMs: number;
  private readonly logger: Logger;

  constructor(private readonly deps: InteractionHandlerDeps) {
    this.deadlineMs = deps.deadlineMs ?? 2_500;
    this.logger = deps.logger.child({ component: 'interactions' });
  }

  /** Answer one interaction. Never throws. */
  async handle(interaction: APIInteraction): Promise<HandledInteraction> {
    try {
      switch (interaction.type) {
        case InteractionType.Ping:
          return { response: { type: InteractionResponseType.Pong } };
        case InteractionType.ApplicationCommand:
          if (interaction.data.type !== ApplicationCommandType.ChatInput) break;
          return await this.command(interaction as APIChatInputApplicationCommandInteraction);
        case InteractionType.ApplicationCommandAutocomplete:
          try {
            return { response: await this.autocomplete(interaction) };
          } catch (error) {
            // Autocomplete must be answered with choices (type 8): offer none rather than fail.
            this.logger.warn({ err: error, interaction_id: interaction.id }, 'autocomplete failed');
            return { response: { type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } } };
          }
        default:
          break;
      }
      const lang = langOf('locale' in interaction ? interaction.locale : undefined);
      return { response: message({ content: errorLine({ code: ErrorCode.INVALID_INPUT, message: 'This kind of interaction is not supported.' }, lang) }, true) };
    } catch (error) {
      this.logger.error({ err: error, interaction_id: interaction.id }, 'interaction failed');
      return { response: message({ content: errorLine({ code: ErrorCode.INTERNAL, message: '' }, 'en') }, true) };
    }
  }

  private async command(interaction: APIChatInputApplicationCommandInteraction): Promise<HandledInteraction> {
    const lang = langOf(interaction.locale);
    const name = interaction.data.name;
    const log = this.logger.child({ interaction_id: interaction.id, command: name });
    if (!isCommandName(name)) {
      return { response: message({ content: errorLine({ code: ErrorCode.NOT_FOUND, message: `Unknown command /${clip(name, 32)}.`, details: { message_ko: `알 수 없는 명령입니다: /${clip(name, 32)}` } }, lang) }, true) };
    }
    const started = performance.now();
    const work = this.run(name, interaction, lang, log);
    let timer: NodeJS.Timeout | undefined;
    // A deadline of 0 means "always defer" (every reply arrives as an edit).
    const outcome =
      this.deadlineMs <= 0
        ? ({ kind: 'late' } as Outcome)
        : await Promise.race<Outcome>([
            work.then((reply): Outcome => ({ kind: 'done', reply })),
            new Promise<Outcome>((resolve) => {
              timer = setTimeout(() => resolve({ kind: 'late' }), this.deadlineMs);
            }),
          ]);
    clearTimeout(timer);
    if (outcome.kind === 'done') {
      log.debug({ ms: Math.round(performance.now() - started) }, 'answered');
      const { reply } = outcome;
      return { response: message(reply.body, reply.ephemeral), ...(reply.afterResponse ? { afterResponse: reply.afterResponse } : {}) };
    }
    // Too slow for the 3 s window: defer now and edit the reply when the work is done.
    const opts = new Options(interaction);
    const ephemeral = PERSONAL.has(name) && !opts.boolean(OPT.share);
    log.warn({ deadline_ms: this.deadlineMs }, 'command is slow; deferring the reply');
    return {
      response: { type: InteractionResponseType.DeferredChannelMessageWithSource, data: ephemeral ? { flags: MessageFlags.Ephemeral } : {} },
      afterResponse: async () => {
        const reply = await work;
        await this.deps.discord.editOriginal(interaction.application_id, interaction.token, {
          content: reply.body.content ?? '',
          embeds: reply.body.embeds ?? [],
          allowed_mentions: { parse: [] },
        });
        await reply.afterResponse?.();
      },
    };
  }

  /** Run a command to a reply; failures become one-line ephemeral replies. Never rejects. */
  private async run(name: CommandName, interaction: APIChatInputApplicationCommandInteraction, lang: Lang, log: Logger): Promise<CommandReply> {
    try {
      const ctx: CommandContext = { interaction, invoker: invokerOf(interaction), lang, options: new Options(interaction) };
      const result = await this.dispatch(name, ctx);
      if (result.ok) return result.value;
      log.info({ code: result.error.code }, 'command refused');
      return failureReply(result.error, lang);
    } catch (error) {
      if (error instanceof AppError && error.code !== ErrorCode.INTERNAL) {
        log.warn({ err: error, code: error.code }, 'command failed');
        return failureReply({ code: error.code, message: error.message, details: error.context }, lang);
      }
      log.error({ err: error }, 'command crashed');
      return failureReply({ code: ErrorCode.INTERNAL, message: '' }, lang);
    }
  }

  private dispatch(name: CommandName, ctx: CommandContext): Promise<Result<CommandReply>> {
    const d = this.deps;
    switch (name) {
      case 'buy':
        return tradeCommand('BUY', ctx, d);
      case 'sell':
        return tradeCommand('SELL', ctx, d);
      case 'price':
        return priceCommand(ctx, d);
      case 'me':
        return meCommand(ctx, d);
      case 'rank':
        return rankCommand(ctx, d);
      case 'orders':
        return ordersCommand(ctx, d);
      case 'cancel':
        return cancelCommand(ctx, d);
    }
  }

  private async autocomplete(interaction: APIApplicationCommandAutocompleteInteraction): Promise<APIInteractionResponse> {
    const lang = langOf(interaction.locale);
    const respond = (choices: APIApplicationCommandOptionChoice<string>[]): APIInteractionResponse => ({
      type: InteractionResponseType.ApplicationCommandAutocompleteResult,
      data: { choices },
    });
    const focused = new Options(interaction).focused();
    if (focused === undefined) return respond([]);
    if (focused.name === OPT.ticker) {
      const hits = this.deps.catalogue.search(focused.value.slice(0, 100), 25);
      return respond(
        hits.map((e) => ({
          name: clip(lang === 'ko' ? `${e.nameKo} · ${e.symbol} · ${e.market}` : `${e.nameEn} · ${e.symbol} · ${e.market}`, MAX_CHOICE_NAME),
          value: e.id,
        })),
      );
    }
    if (focused.name === OPT.order) {
      let timer: NodeJS.Timeout | undefined;
      const orders = await Promise.race([
        this.deps.accounts.pendingOrders(invokerOf(interaction).playerId, focused.value.slice(0, 36), 25),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.deadlineMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (orders === null) return respond([]);
      return respond(
        orders.map((o) => {
          const e = this.deps.catalogue.get(o.tickerId);
          const what = e === undefined ? o.tickerId : lang === 'ko' ? e.nameKo : e.nameEn;
          const side = o.side === 'BUY' ? tr(lang, '매수', 'buy') : tr(lang, '매도', 'sell');
          return { name: clip(`${o.id.slice(0, 8)} · ${what} ${side} · ${o.type}`, MAX_CHOICE_NAME), value: o.id };
        }),
      );
    }
    return respond([]);
  }
}

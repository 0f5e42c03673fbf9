/**
 * What a command handler gets and returns, independent of the transport (gateway or HTTP):
 * the raw interaction (discord-api-types), the player, the language, typed option access;
 * and a reply body with its visibility.
 */
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandInteractionDataBasicOption,
  APIChatInputApplicationCommandInteraction,
  APIUser,
} from 'discord-api-types/v10';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { AppError, ErrorCode } from '../core/errors.js';
import { DISCORD_USER_ID_RE, playerIdOf } from '../core/order-message.js';
import type { Lang } from './messages.js';
import type { MessageBody } from './views.js';

/** The Discord user behind an interaction, and their player id (UUID v5 of the Discord id). */
export interface Invoker {
  discordUserId: string;
  username: string;
  /** Server nickname, else global display name, else null. */
  nickname: string | null;
  /** `users.id` ({@link playerIdOf}). */
  playerId: string;
}

/** A reply of a command. `afterResponse` runs once the response has gone out. */
export interface CommandReply {
  body: MessageBody;
  ephemeral: boolean;
  afterResponse?: () => Promise<void>;
}

/** Interactions that carry options: commands and autocomplete. */
export type OptionInteraction = APIChatInputApplicationCommandInteraction | APIApplicationCommandAutocompleteInteraction;

const clip = (s: string, n: number) => (s.length <= n ? s : s.slice(0, n));

/**
 * The invoker of an interaction (`member.user` in a server, `user` in a DM).
 * @throws AppError(INVALID_INPUT) when the payload names no valid user.
 */
export function invokerOf(interaction: OptionInteraction): Invoker {
  const user: APIUser | undefined = interaction.member?.user ?? interaction.user;
  if (user === undefined || typeof user.id !== 'string' || !DISCORD_USER_ID_RE.test(user.id)) {
    throw new AppError(ErrorCode.INVALID_INPUT, 'This interaction names no Discord user.');
  }
  const username = typeof user.username === 'string' && user.username.trim() !== '' ? clip(user.username.trim(), 64) : `user${user.id}`.slice(0, 64);
  const nickRaw = interaction.member?.nick ?? user.global_name ?? null;
  const nickname = typeof nickRaw === 'string' && nickRaw.trim() !== '' ? clip(nickRaw.trim(), 64) : null;
  return { discordUserId: user.id, username, nickname, playerId: playerIdOf(user.id) };
}

/** Typed access to the (top-level) options of a chat-input command or autocomplete. */
export class Options {
  private readonly byName = new Map<string, APIApplicationCommandInteractionDataBasicOption>();

  constructor(interaction: OptionInteraction) {
    for (const o of interaction.data.options ?? []) {
      if ('value' in o) this.byName.set(o.name, o);
    }
  }

  /**
   * A string option, or undefined when absent.
   * @throws AppError(INVALID_INPUT) when present with another type.
   */
  string(name: string): string | undefined {
    const o = this.byName.get(name);
    if (o === undefined) return undefined;
    if (o.type !== ApplicationCommandOptionType.String || typeof o.value !== 'string') {
      throw new AppError(ErrorCode.INVALID_INPUT, `Option ${name} must be text.`, { context: { field: name } });
    }
    return o.value;
  }

  /** A boolean option (false when absent). */
  boolean(name: string): boolean {
    const o = this.byName.get(name);
    return o !== undefined && o.type === ApplicationCommandOptionType.Boolean && o.value === true;
  }

  /** The option the player is typing in (autocomplete), with its current text. */
  focused(): { name: string; value: string } | undefined {
    for (const o of this.byName.values()) {
      if ('focused' in o && o.focused === true) return { name: o.name, value: typeof o.value === 'string' ? o.value : String(o.value) };
    }
    return undefined;
  }
}

/** Everything a command handler needs about the interaction. */
export interface CommandContext {
  interaction: APIChatInputApplicationCommandInteraction;
  invoker: Invoker;
  lang: Lang;
  options: Options;
}

/**
 * Discord's REST API as the bot uses it, over `@discordjs/rest` (rate limits, retries).
 *
 * `DISCORD_API_BASE` (default `https://discord.com/api/v10`) is split into @discordjs/rest's
 * `api` (`https://discord.com/api`) and `version` (`10`) options, because the library builds
 * every URL as `${api}/v${version}${route}`; tests point it at a local fake server.
 *
 * Routes used (Discord API v10):
 * - `PUT /applications/{app}/commands` or `/applications/{app}/guilds/{guild}/commands`
 *   (bulk overwrite, bot token);
 * - `POST /interactions/{id}/{token}/callback` (gateway transport's initial response, no auth);
 * - `PATCH /webhooks/{app}/{token}/messages/@original` (edit the reply within 15 min, no auth);
 * - `POST /users/@me/channels` then `POST /channels/{id}/messages` (DM, bot token).
 */
import { DiscordAPIError, REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import type {
  APIChannel,
  APIInteractionResponse,
  APIMessage,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPutAPIApplicationCommandsResult,
} from 'discord-api-types/v10';

/** `api` and `version` options of @discordjs/rest for a base URL such as `http://h:1/api/v10`. */
export function restOptionsOf(apiBase: string): { api: string; version: string } {
  const trimmed = apiBase.replace(/\/+$/, '');
  const m = /^(.*)\/v(\d+)$/.exec(trimmed);
  if (m?.[1] !== undefined && m[2] !== undefined) return { api: m[1], version: m[2] };
  // No version segment: keep the base as given and use API v10 under it.
  return { api: trimmed, version: '10' };
}

/** Options of {@link DiscordApi}. */
export interface DiscordApiOptions {
  /** `DISCORD_API_BASE`. */
  apiBase: string;
  /** Bot token (`DISCORD_TOKEN`); needed for command registration and DMs only. */
  token?: string | undefined;
  /** Per-request timeout (ms). Default 10,000. */
  timeoutMs?: number;
}

/** True when `error` is Discord answering with HTTP `status` (and, if given, JSON error `code`). */
export function isDiscordError(error: unknown, status: number, code?: number): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  return error.status === status && (code === undefined || error.code === code);
}

/**
 * Ceiling on interaction-token requests per second. Discord does not count interaction
 * endpoints (callback, edits of the original reply) against the bot's global limit of 50/s
 * ("Interaction endpoints are not bound to the bot's Global Rate Limit", Discord API docs,
 * Topics › Rate Limits; discord/discord-api-docs#4416), but @discordjs/rest counts every
 * request against `globalRequestsPerSecond`. Their per-token buckets still apply.
 */
const INTERACTION_REQUESTS_PER_SECOND = 10_000;

/**
 * The REST calls of the bot. One instance per process (its rate-limit state is shared).
 * Bot-token calls (registration, DMs) and interaction-token calls (callbacks, edits) go
 * through two @discordjs/rest clients, so a burst of reply edits after many fills is not held
 * to the bot's global 50/s (it was: 2,560 edits took 43 s in the game-day demo).
 */
export class DiscordApi {
  readonly rest: REST;
  /** Interaction-token routes only (no bot token, not under the global limit). */
  private readonly interactions: REST;
  readonly hasToken: boolean;

  constructor(options: DiscordApiOptions) {
    const { api, version } = restOptionsOf(options.apiBase);
    const timeout = options.timeoutMs ?? 10_000;
    this.rest = new REST({ api, version, timeout });
    this.interactions = new REST({ api, version, timeout, globalRequestsPerSecond: INTERACTION_REQUESTS_PER_SECOND });
    this.hasToken = options.token !== undefined && options.token !== '';
    if (this.hasToken && options.token !== undefined) this.rest.setToken(options.token);
  }

  /**
   * Bulk-overwrite the application's commands, in one guild when `guildId` is set (appears
   * at once; for development) or globally.
   * @returns Discord's list of registered commands.
   */
  async putCommands(
    applicationId: string,
    guildId: string | undefined,
    body: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
  ): Promise<RESTPutAPIApplicationCommandsResult> {
    const route = guildId === undefined ? Routes.applicationCommands(applicationId) : Routes.applicationGuildCommands(applicationId, guildId);
    return (await this.rest.put(route, { body })) as RESTPutAPIApplicationCommandsResult;
  }

  /** The initial response to an interaction received over the gateway (must come within 3 s). */
  async interactionCallback(interactionId: string, token: string, body: APIInteractionResponse): Promise<void> {
    await this.interactions.post(Routes.interactionCallback(interactionId, token), { body, auth: false });
  }

  /** Edit the original reply of an interaction (the token lives 15 minutes). */
  async editOriginal(applicationId: string, token: string, body: RESTPatchAPIWebhookWithTokenMessageJSONBody): Promise<APIMessage> {
    return (await this.interactions.patch(Routes.webhookMessage(applicationId, token, '@original'), { body, auth: false })) as APIMessage;
  }

  /**
   * Send a direct message: open (or reuse) the DM channel, then post.
   * @throws Error when no bot token is configured; DiscordAPIError 403 when the player
   *   does not accept DMs.
   */
  async sendDm(discordUserId: string, body: RESTPostAPIChannelMessageJSONBody): Promise<APIMessage> {
    if (!this.hasToken) throw new Error('a DM needs DISCORD_TOKEN (bot token)');
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: discordUserId } })) as APIChannel;
    return (await this.rest.post(Routes.channelMessages(channel.id), { body })) as APIMessage;
  }
}

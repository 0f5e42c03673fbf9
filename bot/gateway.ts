/**
 * The gateway transport (SPEC §7): a discord.js Client with the Guilds intent only. Each
 * `INTERACTION_CREATE` dispatch is taken raw (the same discord-api-types payload the HTTP
 * endpoint receives), handed to the same {@link InteractionHandler}, and answered with
 * `POST /interactions/{id}/{token}/callback` — so both transports send identical responses.
 */
import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { APIInteraction } from 'discord-api-types/v10';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import type { DiscordApi } from './discord-rest.js';
import { restOptionsOf } from './discord-rest.js';
import type { InteractionHandler } from './interaction.handler.js';

export interface GatewayOptions {
  token: string;
  apiBase: string;
  handler: InteractionHandler;
  discord: DiscordApi;
  logger: Logger;
}

/** See the module comment. */
export class GatewayTransport {
  private readonly client: Client;
  private readonly logger: Logger;
  private ready = false;
  private lastError: string | null = null;
  /** Interactions answered over the gateway. */
  answered = 0;

  constructor(private readonly o: GatewayOptions) {
    this.logger = o.logger.child({ component: 'gateway' });
    const { api, version } = restOptionsOf(o.apiBase);
    this.client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api, version } });
    this.client.on(Events.Raw, (packet: { t?: unknown; d?: unknown }) => {
      if (packet.t === GatewayDispatchEvents.InteractionCreate) void this.onInteraction(packet.d as APIInteraction);
    });
    this.client.on(Events.ClientReady, (c) => {
      this.ready = true;
      this.logger.info({ user: c.user.tag }, 'gateway connected');
    });
    this.client.on(Events.ShardDisconnect, () => {
      this.ready = false;
    });
    this.client.on(Events.ShardResume, () => {
      this.ready = true;
    });
    this.client.on(Events.Error, (error) => {
      this.lastError = error.message;
      this.logger.error({ err: error }, 'gateway error');
    });
  }

  /** Connect in the background (start-up does not wait for Discord); progress shows in health. */
  start(): void {
    this.client.login(this.o.token).catch((error: unknown) => {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error }, 'gateway login failed');
    });
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  /** Health details. */
  status(): { connected: boolean; answered: number; last_error: string | null } {
    return { connected: this.ready, answered: this.answered, last_error: this.lastError };
  }

  private async onInteraction(interaction: APIInteraction): Promise<void> {
    try {
      const handled = await this.o.handler.handle(interaction);
      await this.o.discord.interactionCallback(interaction.id, interaction.token, handled.response);
      this.answered += 1;
      await handled.afterResponse?.();
    } catch (error) {
      this.logger.error({ err: error, interaction_id: interaction.id }, 'gateway interaction failed');
    }
  }
}

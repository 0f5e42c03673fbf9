/**
 * `npm run discord:register`: register the slash commands of bot/commands.ts with Discord
 * (SPEC §7) by bulk overwrite — `PUT /applications/{DISCORD_APPLICATION_ID}/guilds/{DISCORD_GUILD_ID}/commands`
 * when `DISCORD_GUILD_ID` is set (shows at once; for development), else
 * `PUT /applications/{DISCORD_APPLICATION_ID}/commands` (global). Needs `DISCORD_TOKEN`;
 * `DISCORD_API_BASE` overrides the REST base. Prints one line per command, exits 1 with
 * one line on failure.
 */
import { pathToFileURL } from 'node:url';
import { AppError, ErrorCode } from '../core/errors.js';
import type { Config } from '../platform/config.js';
import { loadConfig } from '../platform/config.js';
import { commandDefinitions } from './commands.js';
import { DiscordApi } from './discord-rest.js';

/** What was registered. */
export interface RegisterResult {
  scope: 'guild' | 'global';
  commands: { id: string; name: string }[];
}

/**
 * Bulk-overwrite the commands.
 * @throws AppError(CONFIG_INVALID) when DISCORD_TOKEN or DISCORD_APPLICATION_ID is unset;
 *   the REST error when Discord refuses.
 */
export async function registerCommands(config: Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_APPLICATION_ID' | 'DISCORD_GUILD_ID' | 'DISCORD_API_BASE'>): Promise<RegisterResult> {
  if (config.DISCORD_TOKEN === undefined) throw new AppError(ErrorCode.CONFIG_INVALID, 'DISCORD_TOKEN must be set to register commands');
  if (config.DISCORD_APPLICATION_ID === undefined) {
    throw new AppError(ErrorCode.CONFIG_INVALID, 'DISCORD_APPLICATION_ID must be set to register commands');
  }
  const api = new DiscordApi({ apiBase: config.DISCORD_API_BASE, token: config.DISCORD_TOKEN });
  const registered = await api.putCommands(config.DISCORD_APPLICATION_ID, config.DISCORD_GUILD_ID, commandDefinitions());
  return {
    scope: config.DISCORD_GUILD_ID === undefined ? 'global' : 'guild',
    commands: registered.map((c) => ({ id: c.id, name: c.name })),
  };
}

async function main(): Promise<void> {
  try {
    const config = loadConfig();
    const result = await registerCommands(config);
    const where = result.scope === 'guild' ? `guild ${config.DISCORD_GUILD_ID ?? ''}` : 'globally (may take up to an hour to show)';
    process.stdout.write(`registered ${result.commands.length} commands ${where}: ${result.commands.map((c) => `/${c.name}`).join(' ')}\n`);
  } catch (error) {
    process.stderr.write(`discord:register failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}

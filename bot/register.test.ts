/**
 * `npm run discord:register` against Discord's REST API faked by a local server (reached
 * through DISCORD_API_BASE): bulk overwrite of the exact commands of SPEC §7, in a guild or
 * globally; and the command definitions themselves.
 */
import { spawn } from 'node:child_process';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../test/support/child.js';
import { commandDefinitions } from './commands.js';
import { registerCommands } from './register.js';
import { FakeDiscord } from './testing/fake-discord.js';

const APP = '123456789012345678';
const GUILD = '223456789012345678';
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

/** Discord's rule for command and option names (lower case where the script has case). */
const NAME_RE = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function byName(name: string): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const c = commandDefinitions().find((d) => d.name === name);
  if (c === undefined) throw new Error(`no /${name}`);
  return c;
}

describe('GIVEN the command definitions', () => {
  it('THEN they are the commands of SPEC §7 with exact English names and Korean localisations', () => {
    const defs = commandDefinitions();
    expect(defs.map((d) => d.name)).toEqual(['buy', 'sell', 'price', 'me', 'rank', 'orders', 'cancel']);
    for (const d of defs) {
      for (const n of [d.name, ...Object.values(d.name_localizations ?? {})]) {
        expect(n).toMatch(NAME_RE);
        expect(n).toBe(n?.toLowerCase());
      }
      expect(d.name_localizations?.ko).toBeTruthy();
      expect(d.description.length).toBeLessThanOrEqual(100);
      expect(d.description_localizations?.['en-US']).toBeTruthy();
      for (const o of d.options ?? []) {
        expect(o.name).toMatch(NAME_RE);
        expect(o.name_localizations?.ko).toMatch(NAME_RE);
        expect(o.description.length).toBeLessThanOrEqual(100);
      }
    }
    expect(byName('buy').name_localizations?.ko).toBe('매수');
  });

  it('THEN /buy and /sell take ticker (required, autocomplete), quantity, amount, limit as strings', () => {
    for (const name of ['buy', 'sell']) {
      const opts = byName(name).options ?? [];
      const [ticker, quantity, amount, limit] = opts;
      expect(opts.slice(0, 4).map((o) => [o.name, o.type])).toEqual([
        ['ticker', ApplicationCommandOptionType.String],
        ['quantity', ApplicationCommandOptionType.String],
        ['amount', ApplicationCommandOptionType.String],
        ['limit', ApplicationCommandOptionType.String],
      ]);
      expect(ticker).toMatchObject({ required: true, autocomplete: true });
      for (const o of [quantity, amount, limit]) expect(o?.required).toBe(false);
    }
    expect(byName('price').options?.map((o) => o.name)).toEqual(['ticker']);
    expect(byName('rank').options?.map((o) => o.name)).toEqual(['board']);
    expect(byName('cancel').options?.map((o) => [o.name, o.required])).toEqual([['order', true]]);
  });
});

describe('GIVEN DISCORD_GUILD_ID is set', () => {
  it('THEN registerCommands bulk-overwrites the guild commands with the definitions, authenticated as the bot', async () => {
    const result = await registerCommands({ DISCORD_TOKEN: 'tok', DISCORD_APPLICATION_ID: APP, DISCORD_GUILD_ID: GUILD, DISCORD_API_BASE: fake.apiBase });
    const [put] = fake.find('PUT', /commands$/);
    expect(put?.path).toBe(`/applications/${APP}/guilds/${GUILD}/commands`);
    expect(put?.headers.authorization).toBe('Bot tok');
    expect(put?.body).toEqual(JSON.parse(JSON.stringify(commandDefinitions())));
    expect(result.scope).toBe('guild');
    expect(result.commands.map((c) => c.name)).toEqual(['buy', 'sell', 'price', 'me', 'rank', 'orders', 'cancel']);
  });
});

describe('GIVEN npm run discord:register without a guild', () => {
  it('THEN the script registers globally and prints what it did; without a token it fails in one line', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const base: Record<string, string> = {};
        for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DISCORD_')) base[k] = v;
        const child = spawn(process.execPath, ['--import', 'tsx', 'bot/register.ts'], { cwd: PROJECT_ROOT, env: { ...base, ...env } });
        let out = '';
        let errText = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (errText += d));
        child.once('exit', (code) => resolve({ code, out, err: errText }));
      });
    const ok = await run({ DISCORD_TOKEN: 'tok', DISCORD_APPLICATION_ID: APP, DISCORD_API_BASE: fake.apiBase });
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toBe('registered 7 commands globally (may take up to an hour to show): /buy /sell /price /me /rank /orders /cancel\n');
    const [put] = fake.find('PUT', /commands$/);
    expect(put?.path).toBe(`/applications/${APP}/commands`);
    expect(put?.body).toEqual(JSON.parse(JSON.stringify(commandDefinitions())));

    const bad = await run({ DISCORD_APPLICATION_ID: APP, DISCORD_API_BASE: fake.apiBase });
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('discord:register failed: DISCORD_TOKEN must be set to register commands\n');
  }, 60_000);
});

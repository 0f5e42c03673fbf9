/**
 * Test helpers: an Ed25519 test key that signs interactions the way Discord does
 * (`timestamp + body`), and interaction payloads typed with discord-api-types.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandInteractionDataBasicOption,
  APIChatInputApplicationCommandInteraction,
  APIPingInteraction,
} from 'discord-api-types/v10';
import { ApplicationCommandOptionType, ApplicationCommandType, InteractionContextType, InteractionType, Locale } from 'discord-api-types/v10';

/** A signing key and its public half as `DISCORD_PUBLIC_KEY` (64 hex). */
export interface TestKey {
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function testKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

/** Headers Discord sends: `X-Signature-Ed25519`, `X-Signature-Timestamp` (Unix seconds). */
export function signatureHeaders(key: TestKey, body: string, timestampS: number): Record<string, string> {
  const ts = String(timestampS);
  const sig = sign(null, Buffer.from(ts + body, 'utf8'), key.privateKey).toString('hex');
  return { 'x-signature-ed25519': sig, 'x-signature-timestamp': ts, 'content-type': 'application/json' };
}

const snowflake = (): string => (BigInt('1300000000000000000') + BigInt(`0x${randomBytes(6).toString('hex')}`)).toString();

export const APP_ID = '123456789012345678';
export const GUILD_ID = '223456789012345678';

/** Who invokes: a Discord user in a guild. */
export interface TestUser {
  id: string;
  username: string;
  globalName?: string;
}

export function ping(): APIPingInteraction {
  return {
    id: snowflake(),
    application_id: APP_ID,
    type: InteractionType.Ping,
    token: `tok_${randomBytes(16).toString('hex')}`,
    version: 1,
    app_permissions: '0',
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: 8_388_608,
  };
}

type OptionValue = string | boolean;

function options(values: Record<string, OptionValue>, focused?: string): APIApplicationCommandInteractionDataBasicOption[] {
  return Object.entries(values).map(([name, value]) =>
    typeof value === 'boolean'
      ? { name, type: ApplicationCommandOptionType.Boolean, value }
      : { name, type: ApplicationCommandOptionType.String, value, ...(focused === name ? { focused: true } : {}) },
  );
}

function base(user: TestUser, locale: Locale) {
  return {
    id: snowflake(),
    application_id: APP_ID,
    token: `tok_${randomBytes(24).toString('hex')}`,
    version: 1 as const,
    app_permissions: '0',
    locale,
    guild_locale: Locale.Korean,
    guild_id: GUILD_ID,
    channel_id: '323456789012345678',
    entitlements: [],
    authorizing_integration_owners: {},
    context: InteractionContextType.Guild,
    attachment_size_limit: 8_388_608,
    member: {
      user: { id: user.id, username: user.username, discriminator: '0', avatar: null, global_name: user.globalName ?? null },
      roles: [],
      premium_since: null,
      permissions: '0',
      pending: false,
      nick: null,
      mute: false,
      deaf: false,
      joined_at: '2025-01-01T00:00:00.000Z',
      flags: 0,
    },
  };
}

/** A slash command with string/boolean options. */
export function command(
  name: string,
  values: Record<string, OptionValue>,
  user: TestUser,
  locale: Locale = Locale.Korean,
): APIChatInputApplicationCommandInteraction {
  return {
    ...base(user, locale),
    type: InteractionType.ApplicationCommand,
    data: { id: snowflake(), name, type: ApplicationCommandType.ChatInput, options: options(values) },
  } as unknown as APIChatInputApplicationCommandInteraction;
}

/** An autocomplete request with `focused` being typed. */
export function autocomplete(
  name: string,
  values: Record<string, string>,
  focused: string,
  user: TestUser,
  locale: Locale = Locale.Korean,
): APIApplicationCommandAutocompleteInteraction {
  return {
    ...base(user, locale),
    type: InteractionType.ApplicationCommandAutocomplete,
    data: { id: snowflake(), name, type: ApplicationCommandType.ChatInput, options: options(values, focused) },
  } as unknown as APIApplicationCommandAutocompleteInteraction;
}

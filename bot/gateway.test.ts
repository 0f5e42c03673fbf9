/**
 * The gateway transport: a real discord.js Client (Guilds intent) connected to a local fake
 * gateway (HELLO, IDENTIFY → READY, heartbeats) and fake REST, both reached through
 * DISCORD_API_BASE. An INTERACTION_CREATE dispatch gets the same response, through
 * `POST /interactions/{id}/{token}/callback`, as the HTTP endpoint gives for the same payload.
 */
import { GatewayIntentBits, Locale } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import { startProcess } from '../platform/process.js';
import type { StartedProcess } from '../platform/process.js';
import { createLogger } from '../platform/logger.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { startBot } from './bot.service.js';
import { FakeDiscord } from './testing/fake-discord.js';
import { APP_ID, autocomplete, command, signatureHeaders, testKey } from './testing/interactions.js';

const key = testKey();
let db: TestDatabase;
let redis: TestRedis;
let fake: FakeDiscord;
let proc: StartedProcess;

beforeAll(async () => {
  [db, redis, fake] = await Promise.all([createTestDatabase('botgw'), createTestRedis(), FakeDiscord.start()]);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    PORT: '0',
    DISCORD_TOKEN: 'gateway-token',
    DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_PUBLIC_KEY: key.publicKeyHex,
    DISCORD_API_BASE: fake.apiBase,
  });
  // AMQP_URL unset: the in-process bus; the gateway does not care which bus is behind it.
  proc = await startProcess('bot', config, createLogger('silent'), [startBot]);
}, 60_000);

afterAll(async () => {
  await proc?.stop();
  await fake?.close();
  await Promise.allSettled([db?.drop(), redis?.release()]);
});

async function overHttp(payload: object): Promise<unknown> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${proc.http.port()}/interactions`, {
    method: 'POST',
    headers: signatureHeaders(key, body, Math.floor(Date.now() / 1000)),
    body,
  });
  return res.json();
}

describe('GIVEN DISCORD_TOKEN set (gateway on)', () => {
  it('THEN the client identifies with the bot token and the Guilds intent only', async () => {
    await fake.gatewayReady(20_000);
    expect(fake.identify).toMatchObject({ token: 'gateway-token', intents: GatewayIntentBits.Guilds });
    await fake.waitFor('GET', /^\/gateway\/bot$/);
  });

  it('THEN an autocomplete over the gateway is answered by callback exactly as over HTTP', async () => {
    await fake.gatewayReady(20_000);
    const payload = autocomplete('buy', { ticker: 'nvda' }, 'ticker', { id: '920000000000000001', username: 'gw' }, Locale.EnglishUS);
    fake.dispatch('INTERACTION_CREATE', payload);
    const callback = await fake.waitFor('POST', new RegExp(`^/interactions/${payload.id}/${payload.token}/callback$`), 20_000);
    expect(callback.headers.authorization).toBeUndefined();
    expect(callback.body).toEqual(await overHttp(payload));
    expect(callback.body).toMatchObject({ type: 8, data: { choices: [{ value: 'US-STOCK-NVDA' }] } });
  });

  it('THEN a bad /buy over the gateway gets the same one-line ephemeral explanation', async () => {
    await fake.gatewayReady(20_000);
    const payload = command('buy', { ticker: 'BTC', quantity: '-3' }, { id: '920000000000000002', username: 'gw2' });
    fake.dispatch('INTERACTION_CREATE', payload);
    const callback = await fake.waitFor('POST', new RegExp(`^/interactions/${payload.id}/${payload.token}/callback$`), 20_000);
    expect(callback.body).toEqual(await overHttp(payload));
    expect(callback.body).toEqual({ type: 4, data: { content: '⚠️ 수량은(는) 음수일 수 없습니다.', allowed_mentions: { parse: [] }, flags: 64 } });
  });

  it('THEN /readyz reports both transports', async () => {
    const res = await fetch(`http://127.0.0.1:${proc.http.port()}/readyz`);
    const body = (await res.json()) as { components: Record<string, { details?: Record<string, unknown> }> };
    expect(body.components['bot']?.details).toMatchObject({ interactions: true, gateway: { connected: true } });
  });
});

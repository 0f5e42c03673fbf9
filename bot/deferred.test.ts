/**
 * Slow commands and the in-process bus: with `DISCORD_DEFER_AFTER_MS=0` every command that
 * does I/O is answered "thinking…" (deferred, type 5) and its reply arrives by editing the
 * original message; with AMQP_URL unset (the embedded in-process bus of `npm start`) a /buy
 * still flows through the real engine to the edit with the fill.
 */
import { InteractionResponseType, Locale, MessageFlags } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../engine/engine.service.js';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { startProcess } from '../platform/process.js';
import type { StartedProcess } from '../platform/process.js';
import { priceKey } from '../platform/redis.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { startBot } from './bot.service.js';
import { FakeDiscord } from './testing/fake-discord.js';
import { APP_ID, command, ping, signatureHeaders, testKey } from './testing/interactions.js';

const key = testKey();
let db: TestDatabase;
let redis: TestRedis;
let fake: FakeDiscord;
let proc: StartedProcess;

beforeAll(async () => {
  [db, redis, fake] = await Promise.all([createTestDatabase('botdefer'), createTestRedis(), FakeDiscord.start()]);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    PORT: '0',
    DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_PUBLIC_KEY: key.publicKeyHex,
    DISCORD_API_BASE: fake.apiBase,
    DISCORD_DEFER_AFTER_MS: '0',
  });
  proc = await startProcess('all', config, createLogger('silent'), [startEngine, startBot]);
}, 60_000);

afterAll(async () => {
  await proc?.stop();
  await fake?.close();
  await Promise.allSettled([db?.drop(), redis?.release()]);
});

async function send(payload: object): Promise<{ type: number; data?: { flags?: number } }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${proc.http.port()}/interactions`, {
    method: 'POST',
    headers: signatureHeaders(key, body, Math.floor(Date.now() / 1000)),
    body,
  });
  return (await res.json()) as { type: number; data?: { flags?: number } };
}

const edits = (token: string) => new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`);

describe('GIVEN commands slower than the defer deadline', () => {
  it('THEN PING is still answered directly', async () => {
    expect(await send(ping())).toEqual({ type: InteractionResponseType.Pong });
  });

  it('THEN /price is deferred publicly and the embed arrives by editing the original reply', async () => {
    await proc.infra.redis.client.set(
      priceKey('CRYPTO-COIN-ETH'),
      JSON.stringify({ ticker_id: 'CRYPTO-COIN-ETH', price: '5123000', currency: 'KRW-COIN', change_pct: '0', volume: '1', ts: new Date().toISOString(), source: 't' }),
      'PX',
      60_000,
    );
    const interaction = command('price', { ticker: 'eth' }, { id: '940000000000000001', username: 'slow' }, Locale.EnglishUS);
    const first = await send(interaction);
    expect(first).toEqual({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: {} });
    const edit = await fake.waitFor('PATCH', edits(interaction.token), 10_000);
    expect(JSON.stringify(edit.body)).toContain('5,123,000 KRW');
  });

  it('THEN /buy is deferred privately, the edit says accepted, and the fill edits it again (in-process bus, real engine)', async () => {
    await proc.infra.redis.client.set(
      priceKey('CRYPTO-COIN-BTC'),
      JSON.stringify({ ticker_id: 'CRYPTO-COIN-BTC', price: '100000000', currency: 'KRW-COIN', change_pct: '0', volume: '1', ts: new Date().toISOString(), source: 't' }),
      'PX',
      60_000,
    );
    const interaction = command('buy', { ticker: 'btc', quantity: '0.5' }, { id: '940000000000000002', username: 'slowbuyer' });
    const first = await send(interaction);
    expect(first).toEqual({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
    const accepted = await fake.waitFor('PATCH', edits(interaction.token), 10_000, (r) => JSON.stringify(r.body).includes('주문 접수'));
    expect(JSON.stringify(accepted.body)).toMatch(/0\.5주/);
    const filled = await fake.waitFor('PATCH', edits(interaction.token), 20_000, (r) => JSON.stringify(r.body).includes('체결가'));
    expect(JSON.stringify(filled.body)).toContain('100,000,000 KRW');
    expect(fake.find('PATCH', edits(interaction.token)).indexOf(accepted)).toBeLessThan(fake.find('PATCH', edits(interaction.token)).indexOf(filled));
  });

  it('THEN a refused /buy after deferral edits the reply with the one-line explanation', async () => {
    const interaction = command('buy', { ticker: 'btc', quantity: '1e9' }, { id: '940000000000000003', username: 'slowbad' }, Locale.EnglishUS);
    const first = await send(interaction);
    expect(first.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    const edit = await fake.waitFor('PATCH', edits(interaction.token), 10_000);
    expect((edit.body as { content: string }).content).toMatch(/^⚠️ quantity must be a positive number .*exponent/);
  });
});

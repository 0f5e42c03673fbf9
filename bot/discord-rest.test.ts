/**
 * DiscordApi against Discord's REST API faked by a local server: interaction-token calls are
 * not held to the bot's global 50 requests/s (Discord does not count them against it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordApi } from './discord-rest.js';
import { FakeDiscord } from './testing/fake-discord.js';

const APP = '123456789012345678';
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake.close();
});

describe('GIVEN 150 order results to edit into their replies at once', () => {
  it('THEN every edit reaches Discord within 1.5 s, where a 50/s global cap would need 3 windows', async () => {
    const api = new DiscordApi({ apiBase: fake.apiBase, token: 'bot-token' });
    const tokens = Array.from({ length: 150 }, (_, i) => `tok${String(i).padStart(4, '0')}`);
    const edits = Promise.all(tokens.map((t) => api.editOriginal(APP, t, { content: `filled ${t}` })));
    const arrived = Promise.all(
      tokens.map((t) => fake.waitFor('PATCH', new RegExp(`/webhooks/${APP}/${t}/messages/@original$`), 1_500)),
    );
    const requests = await arrived;
    await edits;
    expect(requests.map((r) => (r.body as { content: string }).content)).toEqual(tokens.map((t) => `filled ${t}`));
    // No bot token on interaction routes.
    expect(requests.every((r) => r.headers['authorization'] === undefined)).toBe(true);
  });
});

/**
 * End to end through the real `POST /interactions` endpoint: interactions signed with a test
 * Ed25519 key, the real engine settling on the real PostgreSQL, Redis and RabbitMQ (fresh
 * database, Redis db and vhost for this file), and Discord's REST API faked by a local
 * server reached through DISCORD_API_BASE. Prices are written to Redis the way the feeder
 * writes them; candles inserted the way the feeder stores them.
 */
import type { APIInteraction, APIInteractionResponse } from 'discord-api-types/v10';
import { InteractionResponseType, InteractionType, Locale, MessageFlags } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../core/ports.js';
import { playerIdOf } from '../core/order-message.js';
import { Decimal } from '../core/money.js';
import { startEngine } from '../engine/engine.service.js';
import { loadConfig } from '../platform/config.js';
import { createHttpHost } from '../platform/http.js';
import type { HttpHost } from '../platform/http.js';
import { createLogger } from '../platform/logger.js';
import type { RunningService } from '../platform/process.js';
import { FX_KEY, MARKET_UPDATES_CHANNEL, priceKey } from '../platform/redis.js';
import { openInfra } from '../platform/runtime.js';
import type { Infra } from '../platform/runtime.js';
import { createTestVhost } from '../test/support/amqp.js';
import type { TestVhost } from '../test/support/amqp.js';
import { createTestDatabase } from '../test/support/database.js';
import type { TestDatabase } from '../test/support/database.js';
import { createTestRedis } from '../test/support/redis.js';
import type { TestRedis } from '../test/support/redis.js';
import { priceCommand } from './account.commands.js';
import type { AccountCommandDeps } from './account.commands.js';
import { startBot } from './bot.service.js';
import { invokerOf, Options } from './command-context.js';
import { PriceBook } from './price-book.js';
import { TickerCatalogue } from './ticker-catalogue.js';
import { RANK_KEY, RANK_VALUES_KEY } from './rank.service.js';
import { FakeDiscord } from './testing/fake-discord.js';
import { APP_ID, autocomplete, command, ping, signatureHeaders, testKey } from './testing/interactions.js';
import type { TestUser } from './testing/interactions.js';

/** Tuesday 2025-05-13 15:00 UTC: US session open (13:30–20:00 UTC), KRX closed. */
const BASE = Date.parse('2025-05-13T15:00:00Z');
const realStart = Date.now();
let offsetMs = 0;
const clock: Clock = { now: () => new Date(BASE + (Date.now() - realStart) + offsetMs) };
const nowS = () => Math.floor(clock.now().getTime() / 1000);

const key = testKey();
let db: TestDatabase;
let redis: TestRedis;
let vhost: TestVhost;
let fake: FakeDiscord;
let infra: Infra;
let http: HttpHost;
let bot: RunningService;
let engine: RunningService | undefined;
let url: string;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

interface Reply {
  status: number;
  body: APIInteractionResponse & { data?: { content?: string; flags?: number; embeds?: { title?: string; fields?: { name: string; value: string }[]; description?: string; footer?: { text: string } }[]; choices?: { name: string; value: string }[] } };
  ms: number;
}

async function send(payload: APIInteraction | string, how: { sign?: 'ok' | 'forged' | 'none'; timestampS?: number } = {}): Promise<Reply> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const ts = how.timestampS ?? nowS();
  let headers: Record<string, string> = { 'content-type': 'application/json' };
  if ((how.sign ?? 'ok') === 'ok') headers = signatureHeaders(key, body, ts);
  if (how.sign === 'forged') headers = signatureHeaders(testKey(), body, ts);
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Reply['body'], ms: performance.now() - t0 };
}

async function quote(tickerId: string, price: string, currency: 'KRW' | 'USD' | 'KRW-COIN', changePct = '1.5'): Promise<void> {
  const q = { ticker_id: tickerId, price, currency, change_pct: changePct, volume: '100', ts: clock.now().toISOString(), source: 'test-feed' };
  await infra.redis.client.set(priceKey(tickerId), JSON.stringify(q), 'PX', 60_000);
}

async function fx(rate: string): Promise<void> {
  await infra.redis.client.set(FX_KEY, JSON.stringify({ pair: 'USDKRW', rate, ts: clock.now().toISOString(), source: 'test-feed' }), 'PX', 120_000);
}

async function ordersOf(discordId: string): Promise<{ id: string; status: string; fail_reason: string | null }[]> {
  const [rows] = await infra.db.sequelize.query('SELECT id, status, fail_reason FROM orders WHERE user_id = $1 ORDER BY created_at', { bind: [playerIdOf(discordId)] });
  return rows as { id: string; status: string; fail_reason: string | null }[];
}

function orderIdOf(reply: Reply): string {
  const m = UUID.exec(reply.body.data?.content ?? '');
  if (m === null) throw new Error(`no order id in ${JSON.stringify(reply.body)}`);
  return m[0];
}

function fieldsOf(body: unknown): Record<string, string> {
  const embeds = (body as { embeds?: { fields?: { name: string; value: string }[] }[] }).embeds ?? [];
  return Object.fromEntries((embeds[0]?.fields ?? []).map((f) => [f.name, f.value]));
}

const editPath = (token: string) => new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`);

beforeAll(async () => {
  [db, redis, vhost, fake] = await Promise.all([createTestDatabase('bot'), createTestRedis(), createTestVhost('bot'), FakeDiscord.start()]);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    AMQP_URL: vhost.url,
    PORT: '0',
    DISCORD_PUBLIC_KEY: key.publicKeyHex,
    DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_TOKEN: 'fake-bot-token',
    DISCORD_GATEWAY: 'false',
    DISCORD_API_BASE: fake.apiBase,
    RANK_TICK_FLUSH_MS: '100',
  });
  const logger = createLogger('silent');
  infra = await openInfra(config, logger, { name: 'bot-test', clock });
  http = createHttpHost('bot-test', infra.health);
  bot = await startBot(infra, http);
  await http.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${http.port()}/interactions`;
}, 60_000);

afterAll(async () => {
  await http?.close();
  await engine?.stop();
  await bot?.stop();
  await infra?.close();
  await fake?.close();
  await Promise.allSettled([db?.drop(), redis?.release(), vhost?.drop()]);
});

const alice: TestUser = { id: '910000000000000001', username: 'alice', globalName: '앨리스' };
const bob: TestUser = { id: '910000000000000002', username: 'bob' };
const carol: TestUser = { id: '910000000000000003', username: 'carol' };
const dave: TestUser = { id: '910000000000000004', username: 'dave' };

describe('GIVEN the HTTP interactions endpoint with a configured public key', () => {
  it('THEN a signed PING gets PONG', async () => {
    const r = await send(ping());
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ type: InteractionResponseType.Pong });
  });

  it('THEN a forged signature, missing headers, a bad body signature and a replayed stale timestamp get 401', async () => {
    const payload = ping();
    expect((await send(payload, { sign: 'forged' })).status).toBe(401);
    expect((await send(payload, { sign: 'none' })).status).toBe(401);
    expect((await send(payload, { timestampS: nowS() - 600 })).status).toBe(401);
    // A valid signature over a different body.
    const body = JSON.stringify(payload);
    const headers = signatureHeaders(key, body, nowS());
    const res = await fetch(url, { method: 'POST', headers, body: body.replace('"type":1', '"type":2') });
    expect(res.status).toBe(401);
  });

  it('THEN a forged /buy places nothing and gets 401', async () => {
    const r = await send(command('buy', { ticker: 'BTC', quantity: '1' }, dave), { sign: 'forged' });
    expect(r.status).toBe(401);
    expect(await ordersOf(dave.id)).toEqual([]);
  });

  it('THEN ticker autocomplete ranks the exact symbol first, finds Korean and English names, answers at most 25 choices', async () => {
    const btc = await send(autocomplete('buy', { ticker: 'btc' }, 'ticker', alice));
    expect(btc.body.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
    expect(btc.body.data?.choices?.[0]?.value).toBe('CRYPTO-COIN-BTC');
    const samsung = await send(autocomplete('buy', { ticker: '삼성' }, 'ticker', alice));
    expect(samsung.body.data?.choices?.[0]).toEqual({ name: '삼성전자 · 005930 · KRX', value: 'KRX-STOCK-005930' });
    const english = await send(autocomplete('price', { ticker: 'apple' }, 'ticker', alice, Locale.EnglishUS));
    expect(english.body.data?.choices?.[0]).toEqual({ name: 'Apple · AAPL · US', value: 'US-STOCK-AAPL' });
    const byId = await send(autocomplete('sell', { ticker: 'US-STOCK-NVDA' }, 'ticker', alice));
    expect(byId.body.data?.choices?.[0]?.value).toBe('US-STOCK-NVDA');
    const empty = await send(autocomplete('buy', { ticker: '' }, 'ticker', alice));
    expect(empty.body.data?.choices).toHaveLength(25);
    const huge = await send(autocomplete('buy', { ticker: 'x'.repeat(4000) }, 'ticker', alice));
    expect(huge.body.data?.choices).toEqual([]);
    for (const r of [btc, samsung, english, byId, empty, huge]) expect(r.ms).toBeLessThan(3_000);
  });
});

describe('GIVEN the engine is away (orders wait in RabbitMQ)', () => {
  it('THEN /buy is accepted at once, and the fill settled 16 minutes later arrives by DM', async () => {
    await quote('CRYPTO-COIN-BTC', '143000000', 'KRW-COIN');
    const interaction = command('buy', { ticker: 'BTC', amount: '1,000,000' }, alice);
    const r = await send(interaction);
    expect(r.status).toBe(200);
    expect(r.body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(r.body.data?.flags).toBe(MessageFlags.Ephemeral);
    expect(r.body.data?.content).toContain('주문 접수');
    const orderId = orderIdOf(r);

    offsetMs += 16 * 60_000;
    await quote('CRYPTO-COIN-BTC', '143000000', 'KRW-COIN');
    engine = await startEngine(infra, http);

    const open = await fake.waitFor('POST', /^\/users\/@me\/channels$/, 20_000);
    expect(open.body).toEqual({ recipient_id: alice.id });
    expect(open.headers.authorization).toBe('Bot fake-bot-token');
    const dm = await fake.waitFor('POST', /^\/channels\/500000000000000001\/messages$/, 20_000);
    const dmBody = dm.body as { content: string; embeds: { title: string; footer: { text: string } }[] };
    expect(dmBody.content).toContain('15분');
    expect(dmBody.embeds[0]?.title).toContain('체결');
    expect(dmBody.embeds[0]?.footer.text).toContain(orderId);
    const fields = fieldsOf(dm.body);
    expect(fields['체결가']).toBe('143,000,000 KRW');
    expect(fields['수량']).toBe('0.00698602');
    expect(fake.find('PATCH', editPath(interaction.token))).toEqual([]);
    expect(await ordersOf(alice.id)).toEqual([{ id: orderId, status: 'FILLED', fail_reason: null }]);
  });
});

describe('GIVEN the engine running', () => {
  it('THEN /buy answers "accepted" with the order id and the fill edits the original reply', async () => {
    await quote('CRYPTO-COIN-BTC', '143000000', 'KRW-COIN');
    const interaction = command('buy', { ticker: 'CRYPTO-COIN-BTC', quantity: '0.01', share: true }, bob, Locale.EnglishUS);
    const r = await send(interaction);
    expect(r.body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(r.body.data?.flags).toBeUndefined(); // shared on request
    expect(r.body.data?.content).toMatch(/^📨 Order accepted: Buy 0\.01 units of Bitcoin \(CRYPTO-COIN-BTC\) · market/);
    const orderId = orderIdOf(r);
    const edit = await fake.waitFor('PATCH', editPath(interaction.token), 20_000);
    const fields = fieldsOf(edit.body);
    expect(fields).toMatchObject({
      Price: '143,000,000 KRW',
      Quantity: '0.01',
      Notional: '₩1,430,000',
      Fee: '₩1,430',
      Cash: '₩98,568,570',
    });
    expect((edit.body as { embeds: { footer: { text: string } }[] }).embeds[0]?.footer.text).toBe(`Order ${orderId}`);
    expect(edit.headers.authorization).toBeUndefined(); // webhook routes use the token in the path
  });

  it('THEN a USD instrument fill shows the applied USD/KRW rate', async () => {
    await Promise.all([quote('US-STOCK-AAPL', '212.5', 'USD'), fx('1385.2')]);
    const interaction = command('buy', { ticker: 'aapl', quantity: '2' }, bob, Locale.EnglishUS);
    const r = await send(interaction);
    expect(r.body.data?.content).toContain('Apple (US-STOCK-AAPL)');
    const edit = await fake.waitFor('PATCH', editPath(interaction.token), 20_000);
    expect(fieldsOf(edit.body)).toMatchObject({ Price: '$212.50', Quantity: '2', 'USD/KRW rate': '1385.2 KRW/USD', Notional: '₩588,710' });
  });

  it('THEN a sell of more than held is accepted and the failure edits the reply in plain words', async () => {
    await quote('CRYPTO-COIN-ETH', '5000000', 'KRW-COIN');
    const interaction = command('sell', { ticker: '이더리움', quantity: '3' }, carol);
    const r = await send(interaction);
    expect(r.body.data?.content).toContain('매도');
    const orderId = orderIdOf(r);
    const edit = await fake.waitFor('PATCH', editPath(interaction.token), 20_000);
    const content = (edit.body as { content: string }).content;
    expect(content).toContain('주문 실패');
    expect(content).toContain('보유 수량이 부족합니다');
    expect(content).toContain(orderId);
    expect(await ordersOf(carol.id)).toEqual([{ id: orderId, status: 'FAILED', fail_reason: 'INSUFFICIENT_SHARES' }]);
  });

  it('THEN when the reply can no longer be edited (token expired) the result comes by DM', async () => {
    fake.respondWith((req) => (req.method === 'PATCH' ? { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } } : undefined));
    try {
      await quote('CRYPTO-COIN-BTC', '143000000', 'KRW-COIN');
      const interaction = command('sell', { ticker: 'btc', quantity: 'all' }, bob, Locale.EnglishUS);
      const r = await send(interaction);
      const orderId = orderIdOf(r);
      await fake.waitFor('PATCH', editPath(interaction.token), 20_000);
      const dm = await fake.waitFor('POST', /^\/channels\/[0-9]+\/messages$/, 20_000, (q) => JSON.stringify(q.body).includes(orderId));
      expect(fieldsOf(dm.body)).toMatchObject({ Price: '143,000,000 KRW', Quantity: '0.01' });
      expect(Object.keys(fieldsOf(dm.body))).toContain('Realized PnL');
    } finally {
      fake.respondWith(() => undefined);
    }
  });

  const bad: [string, string, Record<string, string>, RegExp][] = [
    ['missing ticker', 'buy', { quantity: '1' }, /ticker/i],
    ['neither quantity nor amount', 'buy', { ticker: 'BTC' }, /quantity or a KRW amount/],
    ['both quantity and amount', 'buy', { ticker: 'BTC', quantity: '1', amount: '1000' }, /not both/],
    ['negative quantity', 'buy', { ticker: 'BTC', quantity: '-1' }, /negative values are not allowed/],
    ['zero quantity', 'buy', { ticker: 'BTC', quantity: '0' }, /zero is not allowed/],
    ['huge amount (10^12)', 'buy', { ticker: 'BTC', amount: '1000000000000' }, /less than 1,000,000,000,000/],
    ['non-numeric quantity', 'buy', { ticker: 'BTC', quantity: 'ten' }, /positive number/],
    ['exponent notation', 'buy', { ticker: 'BTC', quantity: '1e3' }, /exponent/],
    ['too many decimals', 'buy', { ticker: 'BTC', quantity: '0.123456789' }, /9 decimals/],
    ['unknown ticker', 'buy', { ticker: 'NOPE', quantity: '1' }, /Unknown ticker/],
    ['SQL-ish ticker', 'buy', { ticker: "'; DROP TABLE orders;--", quantity: '1' }, /Unknown ticker/],
    ['SQL-ish quantity', 'sell', { ticker: 'BTC', quantity: "1; DELETE FROM wallets" }, /positive number/],
    ['4,000-character ticker', 'buy', { ticker: 'A'.repeat(4000), quantity: '1' }, /Unknown ticker/],
    ['4,000-character amount', 'buy', { ticker: 'BTC', amount: '9'.repeat(4000) }, /too long/],
    ['quantity all on a buy', 'buy', { ticker: 'BTC', quantity: 'all' }, /only for selling/],
    ['negative limit', 'buy', { ticker: 'BTC', quantity: '1', limit: '-5' }, /limit/],
  ];

  it.each(bad)('THEN %s gets a one-line ephemeral explanation and nothing is placed', async (_label, name, options, expected) => {
    const r = await send(command(name, options, dave, Locale.EnglishUS));
    expect(r.status).toBe(200);
    expect(r.body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(r.body.data?.flags).toBe(MessageFlags.Ephemeral);
    const content = r.body.data?.content ?? '';
    expect(content).toMatch(/^⚠️ /);
    expect(content).not.toContain('\n');
    expect(content.length).toBeLessThanOrEqual(300);
    expect(content).not.toMatch(/at .*\.ts:\d+|Error:/);
    expect(content).toMatch(expected);
  });

  it('THEN Korean players get the explanation in Korean', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ticker: 'BTC', quantity: '-1' }, /수량은\(는\) 음수일 수 없습니다/],
      [{ ticker: 'BTC', quantity: '0.123456789' }, /소수 8자리까지/],
      [{ ticker: 'BTC' }, /수량\(quantity\) 또는 금액\(amount\) 중 하나를/],
      [{ ticker: '없는종목', quantity: '1' }, /알 수 없는 종목입니다/],
    ];
    for (const [options, expected] of cases) {
      const r = await send(command('buy', options, dave));
      expect(r.body.data?.flags).toBe(MessageFlags.Ephemeral);
      expect(r.body.data?.content).toMatch(expected);
    }
  });

  it('THEN none of the refused inputs reached the engine (a later valid order is the first it sees)', async () => {
    await quote('CRYPTO-COIN-BTC', '143000000', 'KRW-COIN');
    const interaction = command('buy', { ticker: 'BTC', amount: '10000' }, dave);
    const r = await send(interaction);
    const orderId = orderIdOf(r);
    await fake.waitFor('PATCH', editPath(interaction.token), 20_000);
    // orders.settle is consumed in order: anything published before would have been recorded first.
    expect((await ordersOf(dave.id)).map((o) => o.id)).toEqual([orderId]);
  });

  it('THEN /price shows the live price, change, KRW value of a USD price, market state and age', async () => {
    await Promise.all([quote('US-STOCK-NVDA', '135.4', 'USD', '-2.1'), fx('1385.2')]);
    const r = await send(command('price', { ticker: 'NVDA' }, alice, Locale.EnglishUS));
    expect(r.body.data?.flags).toBeUndefined();
    const f = fieldsOf(r.body.data);
    expect(f).toMatchObject({ Price: '$135.40', Change: '🔻 -2.10%', Currency: 'USD', 'In KRW': '₩187,556 (1385.2 KRW/USD)' });
    expect(f['Market']).toMatch(/^🟢 Open · closes 2025-05-14 05:00 KST$/);
    expect(f['Price age']).toMatch(/^live \(test-feed\) · \d+ s ago$/);
  });

  it('THEN /price of a closed market with no fresh quote falls back to the last candle close and shows the next open', async () => {
    await infra.db.sequelize.query(
      `INSERT INTO candles (ticker_id, interval, bucket_start, open, high, low, close, volume, source) VALUES
       ('KRX-STOCK-000660', '1d', '2025-05-12T00:00:00Z', 200000, 202000, 199000, 200000, 1000, 'test'),
       ('KRX-STOCK-000660', '1d', '2025-05-13T00:00:00Z', 200000, 206000, 199500, 205000, 1000, 'test'),
       ('KRX-STOCK-000660', '1m', '2025-05-13T06:29:00Z', 204500, 205500, 204000, 205000, 10, 'test')`,
    );
    const r = await send(command('price', { ticker: 'SK하이닉스' }, alice));
    const f = fieldsOf(r.body.data);
    expect(f['현재가']).toBe('205,000 KRW');
    expect(f['등락률']).toBe('🔺 +2.50%');
    expect(f['시장']).toBe('🔴 장 마감 · 다음 개장 2025-05-14 09:00 KST');
    expect(f['가격 시각']).toMatch(/^최근 캔들 종가 \(1m, 2025-05-13 15:29 KST\)/);
  });

  it('THEN /price asks the calendar at market time: a replay clock in the KRX session shows KRX open', async () => {
    await quote('KRX-STOCK-005930', '56000', 'KRW');
    const interaction = command('price', { ticker: '005930' }, alice, Locale.EnglishUS);
    if (interaction.type !== InteractionType.ApplicationCommand) throw new Error('not a command');
    const ctx = { interaction, invoker: invokerOf(interaction), lang: 'en' as const, options: new Options(interaction) };
    const catalogue = new TickerCatalogue(infra.db.sequelize, createLogger('silent'));
    const deps = (marketClock: Clock): AccountCommandDeps => ({
      catalogue,
      prices: new PriceBook(infra.quotes, infra.db.sequelize, clock),
      accounts: undefined as never,
      rank: undefined as never,
      calendar: infra.calendar,
      clock,
      marketClock,
      startingCashKrw: () => Promise.resolve(new Decimal('1')),
    });
    const market = async (marketClock: Clock) => {
      const r = await priceCommand(ctx, deps(marketClock));
      if (!r.ok) throw new Error(r.error.message);
      return (r.value.body.embeds?.[0]?.fields ?? []).find((f) => f.name === 'Market')?.value;
    };
    // Wall (test) clock: Tuesday 15:00 UTC = 00:00 KST, KRX closed.
    expect(await market(clock)).toMatch(/^🔴 Closed · next open 2025-05-14 09:00 KST$/);
    // Replayed market time: Monday 2025-05-12 01:00 UTC = 10:00 KST, KRX in session.
    expect(await market({ now: () => new Date('2025-05-12T01:00:00Z') })).toMatch(/^🟢 Open · closes 2025-05-12 15:30 KST$/);
  });

  it('THEN /price with no price at all says so in one line', async () => {
    const r = await send(command('price', { ticker: 'KRX-STOCK-005380' }, alice, Locale.EnglishUS));
    expect(r.body.data?.flags).toBe(MessageFlags.Ephemeral);
    expect(r.body.data?.content).toMatch(/^⚠️ No price for Hyundai Motor/);
  });

  it('THEN /me shows cash, holdings valued in KRW, equity, PnL and rank, privately', async () => {
    await Promise.all([quote('US-STOCK-AAPL', '220', 'USD'), fx('1400')]);
    const r = await send(command('me', {}, bob, Locale.EnglishUS));
    expect(r.body.data?.flags).toBe(MessageFlags.Ephemeral);
    const embed = r.body.data?.embeds?.[0];
    expect(embed?.description).toContain('Apple · 2 · ₩616,000');
    const f = fieldsOf(r.body.data);
    expect(Object.keys(f)).toEqual(expect.arrayContaining(['Cash', 'Equity', 'Rank', 'Unrealized PnL', 'Realized PnL']));
    expect(f['Rank']).toMatch(/^\d+ \/ \d+$/);
  });

  it('THEN a tick on market_updates re-values the holders in rank:equity', async () => {
    const bobId = playerIdOf(bob.id);
    const before = await infra.redis.client.hget(RANK_VALUES_KEY, bobId);
    expect(before).not.toBeNull();
    await quote('US-STOCK-AAPL', '300', 'USD');
    const q = await infra.redis.client.get(priceKey('US-STOCK-AAPL'));
    await infra.redis.client.publish(MARKET_UPDATES_CHANNEL, q ?? '');
    const deadline = Date.now() + 10_000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await infra.redis.client.hget(RANK_VALUES_KEY, bobId);
    }
    // bob holds only 2 AAPL now: equity = cash + 2 × 300 USD × 1,400 KRW/USD.
    const [rows] = await infra.db.sequelize.query('SELECT balance_krw FROM wallets WHERE user_id = $1', { bind: [bobId] });
    const cash = new Decimal((rows as { balance_krw: string }[])[0]?.balance_krw ?? 'NaN');
    expect(new Decimal(after ?? '0').toFixed()).toBe(cash.plus('840000').toFixed());
  });

  it('THEN /me for a player who never traded explains the starting cash', async () => {
    const r = await send(command('me', {}, { id: '910000000000000099', username: 'newbie' }, Locale.EnglishUS));
    expect(r.body.data?.embeds?.[0]?.description).toMatch(/first order registers you/);
    expect(fieldsOf(r.body.data)['Cash']).toBe('₩100,000,000');
  });

  it('THEN /me for a newcomer shows the starting cash the operator set in the admin panel', async () => {
    await infra.redis.client.hset('config:settings', 'starting_cash_krw', '50000000');
    try {
      const r = await send(command('me', {}, { id: '910000000000000098', username: 'newbie2' }, Locale.EnglishUS));
      expect(fieldsOf(r.body.data)['Cash']).toBe('₩50,000,000');
    } finally {
      await infra.redis.client.del('config:settings');
    }
  });

  it('THEN /rank lists the top players by equity from rank:equity and the caller\'s place', async () => {
    const ranked = await infra.redis.client.zcard(RANK_KEY);
    expect(ranked).toBeGreaterThanOrEqual(3);
    const r = await send(command('rank', {}, carol, Locale.EnglishUS));
    const embed = r.body.data?.embeds?.[0];
    expect(embed?.description).toMatch(/^🥇 /);
    expect(embed?.description).toContain('앨리스');
    expect(embed?.footer?.text).toMatch(/^Your place: \d+ of \d+ · ₩/);
  });

  it('THEN /orders lists the player\'s orders and /cancel explains what cannot be cancelled', async () => {
    const list = await send(command('orders', {}, carol, Locale.EnglishUS));
    expect(list.body.data?.flags).toBe(MessageFlags.Ephemeral);
    expect(list.body.data?.embeds?.[0]?.description).toMatch(/❌ `[0-9a-f]{8}` Sell Ethereum 3 .* — You do not hold enough of it\./);
    const [failed] = await ordersOf(carol.id);
    const notPending = await send(command('cancel', { order: failed?.id ?? '' }, carol, Locale.EnglishUS));
    expect(notPending.body.data?.content).toBe('⚠️ Only pending orders can be cancelled; this order is already failed.');
    const other = await send(command('cancel', { order: failed?.id ?? '' }, bob, Locale.EnglishUS));
    expect(other.body.data?.content).toMatch(/^⚠️ You have no order/);
    const garbage = await send(command('cancel', { order: "1' OR '1'='1" }, carol));
    expect(garbage.body.data?.content).toMatch(/^⚠️ .*주문 ID가 아닙니다/);
  });

  it('THEN the bot health check says which transports are on', async () => {
    const report = await infra.health.readiness();
    expect(report.components['bot']?.details).toMatchObject({ interactions: true, gateway: false });
  });
});

/**
 * One player's orders settle in arrival order while batches of other players settle beside
 * them: the engine in-process with four lanes, small batches and a parallel batch as soon as
 * one order waits (ENGINE_PARALLEL_AFTER=1), on the real RabbitMQ, PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHarness } from './engine.harness.js';
import type { EngineHarness } from './engine.harness.js';
import { makePlayers, until } from './settle.fixtures.js';

const BTC = 'CRYPTO-COIN-BTC';
let harness: EngineHarness;
let client: pg.Client;
const terminal = new Map<string, string>();

beforeAll(async () => {
  harness = await startEngineHarness({
    label: 'ordering',
    quotes: { [BTC]: '100000000' },
    channels: ['trade_events'],
    onEvent: (e) => {
      if ((e.type === 'order_filled' || e.type === 'order_failed') && typeof e.data.order_id === 'string') terminal.set(e.data.order_id, e.type);
    },
    env: { ENGINE_LANES: '4', ENGINE_MAX_BATCH: '8', ENGINE_PARALLEL_AFTER: '1' },
    publishTimeoutMs: 5_000,
  });
  client = new pg.Client({ connectionString: harness.db.url });
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await harness?.stop();
}, 60_000);

describe('GIVEN 12 players each sending BUY, SELL, BUY, SELL … of one coin, interleaved, faster than one batch settles', () => {
  it('THEN every order fills (a SELL settled before its BUY would find no coin) and each player’s fills follow their arrival order', async () => {
    const { orders, engine } = harness;
    const players = makePlayers(12, 'order');
    const sent = new Map<string, string[]>(players.map((p) => [p.userId, []]));
    const placing: Promise<unknown>[] = [];
    for (let round = 0; round < 10; round += 1) {
      for (const p of players) {
        const order_id = randomUUID();
        sent.get(p.userId)?.push(order_id);
        placing.push(
          orders.place({
            order_id,
            user: { discord_user_id: p.discordUserId, username: p.username, nickname: p.nickname },
            ticker_id: BTC,
            side: round % 2 === 0 ? 'BUY' : 'SELL',
            quantity: '0.01',
            source: 'discord',
          }),
        );
      }
    }
    const results = await Promise.all(placing);
    expect(results.every((r) => (r as { ok: boolean }).ok)).toBe(true);
    const all = [...sent.values()].flat();
    await until('every order terminal', () => all.every((id) => terminal.has(id)), 30_000);

    expect(all.filter((id) => terminal.get(id) !== 'order_filled')).toEqual([]);
    const batches = Number(((await engine.infra.health.readiness()).components.engine?.details ?? {}).batches ?? 0);
    expect(batches).toBeGreaterThanOrEqual(120 / 8); // at most 8 orders a batch: many batches
    for (const p of players) {
      // The order in which the player's fills were written: their first ledger rows.
      const { rows } = await client.query<{ id: string }>(
        `SELECT o.id FROM orders o WHERE o.user_id = $1
          ORDER BY (SELECT min(l.id) FROM ledger_entries l WHERE l.txn_id = o.id)`,
        [p.userId],
      );
      expect(rows.map((r) => r.id)).toEqual(sent.get(p.userId));
    }
  });
});

/**
 * The short form of `npm run demo:gameday` (demo/README.md): the whole system on the real
 * PostgreSQL, Redis and RabbitMQ, 50 Discord players and 2 REST power users over a fast
 * replay of recorded crypto, US and KRX prices, then every check of issue 8.
 */
import { describe, expect, it } from 'vitest';
import { runGameday } from '../demo/gameday.runner.js';

describe('GIVEN a game day of 50 Discord players and 2 REST power users on replayed real prices', () => {
  it('THEN every check passes: terminal states, ledger, wallets, fill prices, whales, daily report, acks, no error logs', async () => {
    const lines: string[] = [];
    const result = await runGameday({
      players: 50,
      rounds: 1,
      powerUsers: 2,
      concurrency: 10,
      replayStart: '2025-05-12T13:30:00Z',
      replaySpeed: '60',
      print: (line) => lines.push(line),
    });
    process.stdout.write(`${lines.join('\n')}\n`);
    expect(result.problems).toEqual([]);
    expect(result.mismatches).toBe(0);
    expect(result.maxAckMs).toBeLessThan(3000);
    expect(result.filled).toBeGreaterThan(50);
    expect(lines.at(-1)).toMatch(/^gameday players=\d+ orders=\d+ filled=\d+ failed=\d+ mismatches=0 max_ack_ms=\d+$/);
  }, 90_000);
});

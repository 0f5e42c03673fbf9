import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../core/ports.js';
import { DeliveryBatcher } from './batcher.js';
import type { TrackedDelivery } from './batcher.js';

/** A delivery carrying `{ player, n }` that records how it was settled. */
function delivery(player: string, n: number, log: string[]): TrackedDelivery {
  let settled = false;
  const settle = (how: string) => {
    settled = true;
    log.push(`${how} ${player}${n}`);
    return Promise.resolve();
  };
  return {
    data: { player, n },
    deliveryCount: 0,
    get settled() {
      return settled;
    },
    ack: () => settle('ack'),
    requeue: () => settle('requeue'),
    deadLetter: () => settle('dead'),
  };
}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

const within = <T>(p: Promise<T>, ms = 2_000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

describe('GIVEN a batcher with two lanes keyed by player', () => {
  const laneOf = (data: unknown) => ((data as { player: string }).player === 'a' ? 0 : 1);

  it('THEN a lane whose batch is stuck does not hold the other, and each lane keeps arrival order', async () => {
    const log: string[] = [];
    const gate = deferred();
    const seen: string[][] = [];
    const bDone = deferred();
    const aDone = deferred();
    const batcher = new DeliveryBatcher(
      async (batch: readonly Delivery[]) => {
        const names = batch.map((d) => `${(d.data as { player: string }).player}${(d.data as { n: number }).n}`);
        seen.push(names);
        if (names[0]?.startsWith('a')) await gate.promise;
        for (const d of batch) await d.ack();
        if (names.includes('b3')) bDone.resolve();
        if (names.includes('a3')) aDone.resolve();
      },
      2,
      (error) => {
        throw error;
      },
      { lanes: 2, laneOf },
    );
    for (let n = 1; n <= 3; n += 1) {
      batcher.push(delivery('a', n, log));
      batcher.push(delivery('b', n, log));
    }
    // Lane b finishes all its batches while lane a's first batch is still held.
    await within(bDone.promise);
    expect(log).toEqual(['ack b1', 'ack b2', 'ack b3']);
    expect(batcher.pending).toBe(1); // a3 waits behind lane a's held batch
    gate.resolve();
    await within(aDone.promise);
    await within(batcher.close());
    expect(log.filter((l) => / a\d$/.test(l))).toEqual(['ack a1', 'ack a2', 'ack a3']);
    expect(seen).toEqual([['a1', 'a2'], ['b1', 'b2'], ['b3'], ['a3']]);
  });

  it('THEN a delivery whose lane cannot be read goes to lane 0, and one the handler left unsettled is requeued', async () => {
    const log: string[] = [];
    const batches: number[] = [];
    const handled = deferred();
    const batcher = new DeliveryBatcher(
      (batch: readonly Delivery[]) => {
        batches.push(batch.length);
        handled.resolve();
        return Promise.reject(new Error('boom'));
      },
      10,
      () => undefined,
      {
        lanes: 2,
        laneOf: () => {
          throw new Error('no player');
        },
      },
    );
    batcher.push(delivery('x', 1, log));
    batcher.push(delivery('y', 2, log));
    await within(handled.promise);
    await within(batcher.close());
    expect(batches).toEqual([2]);
    expect(log).toEqual(['requeue x1', 'requeue y2']);
  });
});

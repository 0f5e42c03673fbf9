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

/** Resolves once `ok()` holds (checked every turn of the event loop); rejects after `ms`. */
const until = async (ok: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setImmediate(r));
  }
};

const within = <T>(p: Promise<T>, ms = 2_000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

describe('GIVEN a batcher with two lanes keyed by player', () => {
  const keyOf = (data: unknown) => (data as { player: string }).player;

  it('THEN a batch that is stuck does not hold other players, and each player keeps arrival order', async () => {
    const log: string[] = [];
    const gate = deferred();
    const seen: string[][] = [];
    const bDone = deferred();
    const aDone = deferred();
    const aStarted = deferred();
    const batcher = new DeliveryBatcher(
      async (batch: readonly Delivery[]) => {
        const names = batch.map((d) => `${(d.data as { player: string }).player}${(d.data as { n: number }).n}`);
        seen.push(names);
        if (names[0] === 'a1') {
          aStarted.resolve();
          await gate.promise;
        }
        for (const d of batch) await d.ack();
        if (names.includes('b3')) bDone.resolve();
        if (names.includes('a3')) aDone.resolve();
      },
      2,
      (error) => {
        throw error;
      },
      { lanes: 2, keyOf },
    );
    batcher.push(delivery('a', 1, log));
    await within(aStarted.promise);
    for (let n = 1; n <= 3; n += 1) {
      if (n > 1) batcher.push(delivery('a', n, log));
      batcher.push(delivery('b', n, log));
    }
    // b's orders go on in the second lane while a's first batch is held; a's later orders
    // wait for it (never two batches of one player in flight).
    await within(bDone.promise);
    expect(log).toEqual(['ack b1', 'ack b2', 'ack b3']);
    expect(batcher.pending).toBe(2); // a2 and a3 wait behind a's held batch
    gate.resolve();
    await within(aDone.promise);
    await within(batcher.close());
    expect(log.filter((l) => / a\d$/.test(l))).toEqual(['ack a1', 'ack a2', 'ack a3']);
    expect(seen).toEqual([['a1'], ['b1', 'b2'], ['b3'], ['a2', 'a3']]);
  });

  it('THEN a delivery whose key cannot be read is settled like the others, and one the handler left unsettled is requeued', async () => {
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
        keyOf: () => {
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

describe('GIVEN four lanes and a second batch only once 3 orders wait for it', () => {
  const keyOf = (data: unknown) => (data as { player: string }).player;

  it('THEN arrivals behind a running batch wait and go in one batch, until 3 of them start a parallel one', async () => {
    const log: string[] = [];
    const seen: string[][] = [];
    const gates: (() => void)[] = [];
    const started: (() => void)[] = [];
    const nextStart = () => new Promise<void>((resolve) => started.push(resolve));
    const batcher = new DeliveryBatcher(
      async (batch: readonly Delivery[]) => {
        seen.push(batch.map((d) => `${(d.data as { player: string }).player}${(d.data as { n: number }).n}`));
        started.shift()?.();
        await new Promise<void>((resolve) => gates.push(resolve));
        for (const d of batch) await d.ack();
      },
      100,
      (error) => {
        throw error;
      },
      { lanes: 4, keyOf, minParallelBatch: 3 },
    );
    let s = nextStart();
    batcher.push(delivery('a', 1, log));
    await within(s); // the first batch starts at once
    batcher.push(delivery('b', 1, log));
    batcher.push(delivery('c', 1, log));
    batcher.push(delivery('a', 2, log)); // a is in flight: does not count towards a parallel batch
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([['a1']]);
    expect(batcher.pending).toBe(3);
    s = nextStart();
    batcher.push(delivery('d', 1, log)); // b1, c1, d1: enough for a parallel batch
    await within(s);
    expect(seen).toEqual([['a1'], ['b1', 'c1', 'd1']]);
    expect(batcher.pending).toBe(1);
    gates.shift()?.(); // a1 commits: a2 alone is not worth a parallel batch beside b1, c1, d1
    await until(() => log.includes('ack a1'));
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(2);
    s = nextStart();
    gates.shift()?.(); // … so it goes once they commit
    await within(s);
    expect(seen.at(-1)).toEqual(['a2']);
    for (const open of gates.splice(0)) open();
    await within(batcher.close());
    expect(log.sort()).toEqual(['ack a1', 'ack a2', 'ack b1', 'ack c1', 'ack d1']);
  });
});

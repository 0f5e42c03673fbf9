import { afterEach, describe, expect, it, vi } from 'vitest';
import { AckCoalescer } from './ack-coalescer.js';

/** A coalescer over tags 1…n whose sends are recorded as `tag` or `tag+` (multiple). */
function make(n: number, maxDeferMs?: number) {
  const sent: string[] = [];
  const c = new AckCoalescer<number>({ send: (tag, multiple) => void sent.push(`${tag}${multiple ? '+' : ''}`), ...(maxDeferMs === undefined ? {} : { maxDeferMs }) });
  for (let tag = 1; tag <= n; tag += 1) c.track(tag, tag);
  return { c, sent };
}

const turn = () => new Promise<void>((resolve) => queueMicrotask(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('GIVEN deliveries acked in the same turn', () => {
  it('THEN one multiple ack covers the whole run', async () => {
    const { c, sent } = make(300);
    for (let tag = 300; tag >= 1; tag -= 1) c.ack(tag);
    await turn();
    expect(sent).toEqual(['300+']);
    expect(c.outstanding).toBe(0);
  });

  it('THEN a run stops at the oldest delivery still in work, and the rest follows once it settles', async () => {
    const { c, sent } = make(6);
    for (const tag of [1, 2, 4, 5]) c.ack(tag);
    await turn();
    expect(sent).toEqual(['2+']);
    c.ack(3);
    await turn();
    expect(sent).toEqual(['2+', '5+']);
    expect(c.outstanding).toBe(1);
  });

  it('THEN a released (nacked) delivery does not stop the run, and is not what the ack names', async () => {
    const { c, sent } = make(4);
    c.ack(1);
    c.release(2);
    c.ack(3);
    c.release(4);
    await turn();
    expect(sent).toEqual(['3+']);
    expect(c.outstanding).toBe(0);
  });

  it('THEN acking twice, or acking a released or unknown tag, sends nothing more', async () => {
    const { c, sent } = make(2);
    c.release(1);
    c.ack(1);
    c.ack(2);
    c.ack(2);
    c.ack(99);
    await turn();
    expect(sent).toEqual(['2+']);
  });
});

describe('GIVEN the oldest delivery stays in work', () => {
  it('THEN the settled ones behind it are acked one by one after maxDeferMs, and it is never covered', async () => {
    vi.useFakeTimers();
    const { c, sent } = make(4, 50);
    c.ack(2);
    c.ack(4);
    await turn();
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['2', '4']);
    c.ack(1);
    await turn();
    // Tag 1 alone: a multiple ack on 1 covers nothing else.
    expect(sent).toEqual(['2', '4', '1+']);
    c.ack(3);
    await turn();
    expect(sent).toEqual(['2', '4', '1+', '3+']);
    expect(c.outstanding).toBe(0);
  });

  it('THEN a run that catches up before the deadline cancels the one-by-one acks', async () => {
    vi.useFakeTimers();
    const { c, sent } = make(3, 50);
    c.ack(2);
    c.ack(3);
    await turn();
    c.ack(1);
    await turn();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual(['3+']);
  });

  it('THEN dispose stops the deferral (the channel is gone)', async () => {
    vi.useFakeTimers();
    const { c, sent } = make(2, 50);
    c.ack(2);
    await turn();
    c.dispose();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([]);
  });
});

describe('GIVEN a long stream of deliveries', () => {
  it('THEN memory is reclaimed as runs are acked (tracked entries do not pile up)', async () => {
    const sent: string[] = [];
    const c = new AckCoalescer<number>({ send: (tag, multiple) => void sent.push(`${tag}${multiple ? '+' : ''}`) });
    let tag = 0;
    for (let round = 0; round < 50; round += 1) {
      const first = tag + 1;
      for (let i = 0; i < 100; i += 1) c.track(++tag, tag);
      for (let t = first; t <= tag; t += 1) c.ack(t);
      await turn();
    }
    expect(sent).toHaveLength(50);
    expect(sent.at(-1)).toBe('5000+');
    expect(c.outstanding).toBe(0);
    expect((c as unknown as { entries: unknown[] }).entries.length).toBeLessThan(2_100);
  });
});

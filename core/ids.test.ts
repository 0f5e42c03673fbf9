import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isNewId, newId, splitByNewId } from './ids.js';
import { EVENT_NAMESPACE, uuidV5 } from './order-message.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('GIVEN new row ids', () => {
  it('THEN each is a lower-case RFC 9562 version-7 uuid carrying the current Unix time in ms', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(id).toMatch(V7);
    const ms = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });
  it('THEN ids made one after another sort by the millisecond they were made in, with no repeats', () => {
    const ids = Array.from({ length: 10_000 }, () => newId());
    const ms = (id: string) => id.replaceAll('-', '').slice(0, 12);
    expect(ids.map(ms)).toEqual([...ids.map(ms)].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(V7);
  });
});

describe('GIVEN ids made by newId, derived by uuidV5 and drawn at random', () => {
  it('THEN only the first are told apart as made once (isNewId)', () => {
    expect(Array.from({ length: 100 }, () => isNewId(newId())).every(Boolean)).toBe(true);
    expect(isNewId(uuidV5('poison:{}', EVENT_NAMESPACE))).toBe(false);
    expect(isNewId(randomUUID())).toBe(false);
    expect(isNewId('not-a-uuid')).toBe(false);
  });
  it('THEN splitByNewId parts items by their id, keeping each part in order', () => {
    const items = [newId(), uuidV5('a', EVENT_NAMESPACE), newId(), randomUUID()].map((id, n) => ({ id, n }));
    const { once, derived } = splitByNewId(items, (x) => x.id);
    expect(once.map((x) => x.n)).toEqual([0, 2]);
    expect(derived.map((x) => x.n)).toEqual([1, 3]);
  });
});

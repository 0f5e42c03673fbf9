/**
 * `pgArray` against the real PostgreSQL: whatever the elements, the literal casts back to the
 * same array (text, uuid, numeric and boolean), and it is the text `pg` would have sent for the
 * plain cases.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/database.js';
import type { TestDatabase } from '../../test/support/database.js';
import { pgArray } from './sql-array.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('sqlarray');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

const ALPHABET = ['a', 'Z', '0', ' ', '\t', '\n', '"', '\\', ',', '{', '}', "'", 'N', 'U', 'L', 'é', '개미', '🐜', '\u2028', '$', '\r'];
/** A random string of 0–12 characters drawn from the awkward alphabet above (deterministic per seed). */
function awkward(seed: number): string {
  let x = seed * 2_654_435_761 + 1;
  const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31);
  return Array.from({ length: next() % 13 }, () => ALPHABET[next() % ALPHABET.length] ?? '').join('');
}

describe('GIVEN arrays of awkward text', () => {
  it('THEN every literal casts back to exactly the same array, nulls, empty strings and the word NULL included', async () => {
    const samples: (string | null)[][] = [
      [],
      [''],
      ['NULL', 'null', 'Null', null, ''],
      ['a,b', '{x}', 'say "hi"', 'back\\slash', ' lead', 'trail ', 'tab\there', 'line\nbreak'],
      ...Array.from({ length: 200 }, (_, i) => Array.from({ length: 1 + (i % 7) }, (_, j) => (j === 3 && i % 5 === 0 ? null : awkward(i * 31 + j)))),
    ];
    for (const values of samples) {
      const { rows } = await client.query<{ a: (string | null)[] }>('SELECT $1::text[] AS a', [pgArray(values)]);
      expect(rows[0]?.a).toEqual(values);
    }
  });
});

describe('GIVEN uuids, decimals and flags', () => {
  it('THEN they cast to uuid[], numeric[] and boolean[] unchanged, and plain elements are not quoted', async () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const amounts = ['-13513.50000000', '0.00010000', '135000000.00000000', '0', '99999999999.99999999'];
    const { rows } = await client.query<{ u: string[]; n: string[]; b: boolean[] }>(
      'SELECT $1::uuid[]::text[] AS u, $2::numeric[]::text[] AS n, $3::boolean[] AS b',
      [pgArray(ids), pgArray(amounts), pgArray([true, false, null])],
    );
    expect(rows[0]).toEqual({ u: ids, n: amounts, b: [true, false, null] });
    expect(pgArray(ids)).toBe(`{${ids.join(',')}}`);
    expect(pgArray(['1', '-2.5', 'trade_events.order_filled'])).toBe('{1,-2.5,trade_events.order_filled}');
  });
});

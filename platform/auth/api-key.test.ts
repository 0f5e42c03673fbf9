import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js';

describe('GIVEN a generated API key', () => {
  const k = generateApiKey();

  it('THEN it has the documented shape and its prefix is its start', () => {
    expect(k.key).toMatch(/^gaemi_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$/);
    expect(k.key.startsWith(`${k.prefix}_`)).toBe(true);
    expect(looksLikeApiKey(k.key)).toBe(true);
  });

  it('THEN the stored hash is the SHA-256 of the key and never the key', () => {
    expect(k.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(k.hash).toBe(hashApiKey(k.key));
    expect(k.hash).not.toContain(k.key.slice(15));
  });

  it('THEN two keys never collide', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(seen.size).toBe(200);
  });
});

describe('GIVEN text that is not a key', () => {
  it('THEN it is refused before any lookup', () => {
    for (const t of ['', 'gaemi_', 'gaemi_ABCDEFGH_xxx', 'Bearer x', `${generateApiKey().key}x`, 'gaemi_abcdefgh_' + 'a'.repeat(42)]) {
      expect(looksLikeApiKey(t), t).toBe(false);
    }
  });
});

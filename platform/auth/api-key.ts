/**
 * API key format and hashing (SPEC §9). Pure functions over `node:crypto`.
 *
 * A key reads `gaemi_<prefix>_<secret>`: `prefix` is 8 lower-case base-32 characters shown in
 * listings (`gaemi_k3j4h5g6`), `secret` is 32 random bytes in base64url. The database keeps
 * the display prefix and the SHA-256 of the whole key, never the key. A fast hash is right
 * here (unlike passwords): the secret carries 256 bits of entropy, so there is nothing to
 * brute-force, and every request can be checked with one indexed lookup.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Scopes of SPEC §9: `read` (GET), `trade` (place and cancel orders), `admin` (admin routes). */
export const API_SCOPES = ['read', 'trade', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const KEY_RE = /^gaemi_([a-z2-7]{8})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A freshly generated key: the plaintext (show once), its display prefix and its hash. */
export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** Make a new random key. */
export function generateApiKey(): GeneratedApiKey {
  const p = randomBytes(8);
  let prefix = '';
  for (const b of p) prefix += BASE32[b & 31] ?? 'a';
  const secret = randomBytes(32).toString('base64url');
  const key = `gaemi_${prefix}_${secret}`;
  return { key, prefix: `gaemi_${prefix}`, hash: hashApiKey(key) };
}

/** SHA-256 (hex) of a key, as stored in `api_keys.key_hash`. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether `text` has the shape of a key (checked before any lookup). */
export function looksLikeApiKey(text: string): boolean {
  return KEY_RE.test(text);
}

/**
 * API keys (`api_keys`): create (the plaintext is returned once), list, rotate, soft
 * revoke, and the per-request lookup by hash (one indexed query, see platform/auth/api-key).
 */
import type { Sequelize } from 'sequelize';
import { ErrorCode, err, ok } from '../../core/errors.js';
import type { Result } from '../../core/errors.js';
import { generateApiKey, hashApiKey } from '../../platform/auth/api-key.js';
import type { ApiScope } from '../../platform/auth/api-key.js';
import type { Role } from '../../platform/auth/token.service.js';
import { exec, row, rows } from '../sql.js';

/** A key as listed (never the secret or its hash). */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  rate_limit_per_min: number;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

/** The answer to create and rotate: the view plus the plaintext key, shown this once. */
export interface IssuedApiKey extends ApiKeyView {
  key: string;
}

/** What authentication needs of a key and its owner. */
export interface ApiKeyAuth {
  id: string;
  prefix: string;
  scopes: ApiScope[];
  rate_limit_per_min: number;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  user_id: string;
  username: string;
  role: Role;
  is_suspended: boolean;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  rate_limit_per_min: number;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function view(r: KeyRow): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    rate_limit_per_min: r.rate_limit_per_min,
    created_at: r.created_at.toISOString(),
    last_used_at: iso(r.last_used_at),
    expires_at: iso(r.expires_at),
    revoked_at: iso(r.revoked_at),
  };
}

const KEY_COLUMNS = 'id, name, prefix, scopes, rate_limit_per_min, created_at, last_used_at, expires_at, revoked_at';

/** `last_used_at` is written at most once per this many ms per key (no write per request). */
export const LAST_USED_GRANULARITY_MS = 60_000;

export class ApiKeyRepository {
  constructor(private readonly sequelize: Sequelize) {}

  async create(userId: string, input: { name: string; scopes: ApiScope[]; rateLimitPerMin: number; expiresAt: Date | null }): Promise<IssuedApiKey> {
    const generated = generateApiKey();
    const created = await rows<KeyRow>(
      this.sequelize,
      `INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, rate_limit_per_min, expires_at)
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7) RETURNING ${KEY_COLUMNS}`,
      [userId, input.name, generated.prefix, generated.hash, input.scopes, input.rateLimitPerMin, input.expiresAt],
    );
    const r = created[0];
    if (r === undefined) throw new Error('api key insert returned no row');
    return { ...view(r), key: generated.key };
  }

  async list(userId: string, includeRevoked: boolean): Promise<ApiKeyView[]> {
    const found = await rows<KeyRow>(
      this.sequelize,
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE user_id = $1 AND ($2 OR revoked_at IS NULL) ORDER BY created_at DESC, id`,
      [userId, includeRevoked],
    );
    return found.map(view);
  }

  /**
   * New secret for a live key of `userId` (same id, name, scopes); the old secret stops working at once.
   * @returns `NOT_FOUND` for a key that is not the caller's, or is revoked.
   */
  async rotate(userId: string, keyId: string): Promise<Result<IssuedApiKey>> {
    const generated = generateApiKey();
    const updated = await rows<KeyRow>(
      this.sequelize,
      `UPDATE api_keys SET prefix = $3, key_hash = $4, last_used_at = NULL
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING ${KEY_COLUMNS}`,
      [keyId, userId, generated.prefix, generated.hash],
    );
    const r = updated[0];
    if (r === undefined) return err(ErrorCode.NOT_FOUND, 'no such live API key');
    return ok({ ...view(r), key: generated.key });
  }

  /** Soft revoke (kept for the record). Revoking a revoked key is a no-op that succeeds. */
  async revoke(userId: string, keyId: string): Promise<Result<ApiKeyView>> {
    const updated = await rows<KeyRow>(
      this.sequelize,
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${KEY_COLUMNS}`,
      [keyId, userId],
    );
    const r = updated[0];
    return r === undefined ? err(ErrorCode.NOT_FOUND, 'no such API key') : ok(view(r));
  }

  /** The key whose SHA-256 is `hashApiKey(key)`, with its owner. */
  findForAuth(key: string): Promise<ApiKeyAuth | null> {
    return row<ApiKeyAuth>(
      this.sequelize,
      `SELECT k.id, k.prefix, k.scopes, k.rate_limit_per_min, k.last_used_at, k.expires_at, k.revoked_at,
              u.id AS user_id, u.username, u.role, u.is_suspended
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1`,
      [hashApiKey(key)],
    );
  }

  /** Record use, at most once per {@link LAST_USED_GRANULARITY_MS}. */
  async touch(key: ApiKeyAuth, now: Date): Promise<void> {
    if (key.last_used_at !== null && now.getTime() - key.last_used_at.getTime() < LAST_USED_GRANULARITY_MS) return;
    await exec(this.sequelize, 'UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [key.id, now]);
  }
}

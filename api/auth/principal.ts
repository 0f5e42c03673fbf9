/**
 * Who is calling: the authenticated user, how (session token or API key), and with which
 * scopes (SPEC §9: `read`, `trade`, `admin`).
 */
import type { ApiScope } from '../../platform/auth/api-key.js';
import type { Role, TokenClaims } from '../../platform/auth/token.service.js';

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  scopes: ReadonlySet<ApiScope>;
  via: 'session' | 'api_key';
  /** The verified access token, for session callers. */
  session?: TokenClaims;
  /** The key used, for API-key callers. */
  apiKey?: { id: string; prefix: string; rateLimitPerMin: number };
}

/** Scopes a role may hold: every user reads and trades; admins also administer. */
export function scopesOfRole(role: Role): ApiScope[] {
  return role === 'ADMIN' ? ['read', 'trade', 'admin'] : ['read', 'trade'];
}

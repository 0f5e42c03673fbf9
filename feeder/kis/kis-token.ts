/**
 * KIS access tokens (`POST /oauth2/tokenP`), shared by every process through Redis.
 *
 * KIS issues a token valid 24 h and allows one issue per minute per app key (a second one
 * within the minute is refused with HTTP 403 `EGW00133`). So:
 * - the token lives at Redis `kis:token` (JSON `{access_token, expires_at}`, expiring with it);
 * - a process that needs a new one first takes `kis:token:lock` (`SET NX PX 61000`) and keeps it
 *   for the whole minute: whoever holds it is the only issuer in that minute, across processes;
 * - a process that finds the lock taken waits (polling, up to `waitMs`) for the issuer's token;
 * - the token is reissued `refreshBeforeMs` before it expires, while the old one still serves;
 * - {@link KisTokenProvider.invalidate} drops a token the server called expired (`EGW00123`),
 *   only if it is still the cached one.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../../platform/redis.js';
import { SourceError } from '../source-runner.js';

export const KIS_TOKEN_KEY = 'kis:token';
export const KIS_TOKEN_LOCK_KEY = 'kis:token:lock';
/** One issue a minute (KIS rule), plus a second of margin. */
export const ISSUE_INTERVAL_MS = 61_000;

export interface CachedToken {
  access_token: string;
  /** Epoch ms. */
  expires_at: number;
}

export interface KisTokenOptions {
  redis: Redis;
  baseUrl: string;
  appKey: string;
  appSecret: string;
  timeoutMs: number;
  refreshBeforeMs: number;
  /** How long to wait for another process's issue, ms (default 5,000). */
  waitMs?: number;
  /** Minimum time between two issues across processes, ms (default {@link ISSUE_INTERVAL_MS}; tests shorten it). */
  issueIntervalMs?: number;
  now?: () => number;
}

/** Shape of the `tokenP` answer (KIS 접근토큰발급(P) [인증-001]). */
interface TokenAnswer {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  access_token_token_expired?: unknown;
  error_code?: unknown;
  error_description?: unknown;
}

/** `YYYY-MM-DD HH:MM:SS` in Korea time → epoch ms. */
function parseKst(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  if (m === null) return null;
  const t = Date.parse(`${m[1] ?? ''}T${m[2] ?? ''}+09:00`);
  return Number.isNaN(t) ? null : t;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class KisTokenProvider {
  private readonly id = randomUUID();
  private readonly now: () => number;
  /** Issues made by this provider (for tests and health). */
  issued = 0;

  constructor(private readonly o: KisTokenOptions) {
    this.now = o.now ?? Date.now;
  }

  private async cached(): Promise<CachedToken | null> {
    const text = await this.o.redis.get(KIS_TOKEN_KEY);
    if (text === null) return null;
    try {
      const t = JSON.parse(text) as Partial<CachedToken>;
      return typeof t.access_token === 'string' && typeof t.expires_at === 'number' ? { access_token: t.access_token, expires_at: t.expires_at } : null;
    } catch {
      return null; // a corrupt entry counts as none
    }
  }

  /**
   * A valid access token (cached, or issued now when this process may issue).
   * @throws SourceError `EGW00133` (retry after a minute) when KIS refuses to issue, or
   *   `token_wait` when another process holds the issue lock and no token appeared in time.
   */
  async token(signal?: AbortSignal): Promise<string> {
    const now = this.now();
    const cached = await this.cached();
    if (cached !== null && cached.expires_at - now > this.o.refreshBeforeMs) return cached.access_token;
    const locked = await this.o.redis.set(KIS_TOKEN_LOCK_KEY, this.id, 'PX', this.o.issueIntervalMs ?? ISSUE_INTERVAL_MS, 'NX');
    if (locked === 'OK') {
      try {
        return await this.issue();
      } catch (error) {
        // An early refresh that fails leaves the current token in service.
        if (cached !== null && cached.expires_at > this.now()) return cached.access_token;
        throw error;
      }
    }
    // Someone issued (or is issuing) within the minute.
    if (cached !== null && cached.expires_at > now) return cached.access_token;
    const deadline = now + (this.o.waitMs ?? 5_000);
    while (this.now() < deadline) {
      await sleep(100, undefined, signal ? { signal } : undefined);
      const t = await this.cached();
      if (t !== null && t.expires_at > this.now()) return t.access_token;
    }
    const ttl = await this.o.redis.pttl(KIS_TOKEN_LOCK_KEY);
    throw new SourceError('KIS token is being issued by another process; none arrived yet', 'token_wait', Math.max(1_000, ttl));
  }

  /** Drop `token` from the cache when it is still the cached one (the server said it expired). */
  async invalidate(token: string): Promise<void> {
    const cached = await this.cached();
    if (cached?.access_token === token) await this.o.redis.del(KIS_TOKEN_KEY);
  }

  private async issue(): Promise<string> {
    let response: Response;
    try {
      response = await fetch(new URL('/oauth2/tokenP', this.o.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        body: JSON.stringify({ grant_type: 'client_credentials', appkey: this.o.appKey, appsecret: this.o.appSecret }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (error) {
      throw new SourceError(`KIS tokenP request failed: ${error instanceof Error ? error.message : String(error)}`, 'token_http', undefined, { cause: error });
    }
    const text = await response.text();
    let body: TokenAnswer;
    try {
      body = JSON.parse(text) as TokenAnswer;
    } catch {
      throw new SourceError(`KIS tokenP answered HTTP ${response.status} with a body that is not JSON`, 'token_malformed');
    }
    if (body.error_code === 'EGW00133') {
      throw new SourceError(`KIS refused a token (EGW00133, one issue a minute): ${describe(body.error_description)}`, 'EGW00133', ISSUE_INTERVAL_MS);
    }
    if (!response.ok || typeof body.access_token !== 'string' || body.access_token === '') {
      const code = typeof body.error_code === 'string' ? body.error_code : `HTTP ${response.status}`;
      throw new SourceError(`KIS tokenP failed (${code}): ${describe(body.error_description)}`, 'token_refused');
    }
    const now = this.now();
    const bySeconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? now + body.expires_in * 1000 : null;
    const byDate = parseKst(body.access_token_token_expired);
    const expires = Math.min(bySeconds ?? Infinity, byDate ?? Infinity);
    const expires_at = Number.isFinite(expires) ? expires : now + 86_400_000;
    const entry: CachedToken = { access_token: body.access_token, expires_at };
    const ttl = Math.max(1, expires_at - now);
    await this.o.redis.set(KIS_TOKEN_KEY, JSON.stringify(entry), 'PX', ttl);
    this.issued += 1;
    return entry.access_token;
  }
}

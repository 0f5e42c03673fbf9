/**
 * Rate limits (rate-limiter-flexible on Redis, so replicas share counters; the embedded
 * in-memory Redis works the same), each a fixed one-minute window:
 * - per client IP on every `/api/v1` request (`API_RATE_LIMIT_PER_IP_PER_MIN`);
 * - per API key (`api_keys.rate_limit_per_min`);
 * - per client IP and username on logins (`LOGIN_RATE_LIMIT_PER_MIN`), against password guessing.
 * Beyond a limit: 429 `RATE_LIMITED` with `Retry-After` (seconds). If Redis fails, an
 * in-process limiter takes over (insurance), so an outage neither opens nor closes the API.
 * Redis keys: `rl:ip:<ip>`, `rl:key:<limit>:<key id>`, `rl:login:<ip>:<username>`.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export type LimitOutcome = { allowed: true; limit: number; remaining: number; resetS: number } | { allowed: false; limit: number; retryAfterS: number };

const WINDOW_S = 60;

function limiter(redis: Redis, points: number, keyPrefix: string): RateLimiterAbstract {
  return new RateLimiterRedis({
    storeClient: redis,
    points,
    duration: WINDOW_S,
    keyPrefix,
    insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_S, keyPrefix }),
  });
}

async function consume(l: RateLimiterAbstract, points: number, key: string): Promise<LimitOutcome> {
  try {
    const res = await l.consume(key, 1);
    return { allowed: true, limit: points, remaining: res.remainingPoints, resetS: Math.ceil(res.msBeforeNext / 1000) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, limit: points, retryAfterS: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    throw rejection;
  }
}

export class RateLimits {
  private readonly ipLimiter: RateLimiterAbstract;
  private readonly loginLimiter: RateLimiterAbstract;
  private readonly keyLimiters = new Map<number, RateLimiterAbstract>();

  constructor(
    private readonly redis: Redis,
    private readonly limits: { perIpPerMin: number; loginPerMin: number },
  ) {
    this.ipLimiter = limiter(redis, limits.perIpPerMin, 'rl:ip');
    this.loginLimiter = limiter(redis, limits.loginPerMin, 'rl:login');
  }

  ip(ip: string): Promise<LimitOutcome> {
    return consume(this.ipLimiter, this.limits.perIpPerMin, ip);
  }

  login(ip: string, username: string): Promise<LimitOutcome> {
    return consume(this.loginLimiter, this.limits.loginPerMin, `${ip}:${username.toLowerCase()}`);
  }

  apiKey(keyId: string, perMin: number): Promise<LimitOutcome> {
    let l = this.keyLimiters.get(perMin);
    if (l === undefined) {
      l = limiter(this.redis, perMin, `rl:key:${perMin}`);
      this.keyLimiters.set(perMin, l);
    }
    return consume(l, perMin, keyId);
  }
}

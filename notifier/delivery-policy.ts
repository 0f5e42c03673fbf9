/**
 * What to do with Discord's answer to a webhook post (pure). Source: Discord developer docs,
 * "Rate Limits" (429 body `{message, retry_after, global}` with `retry_after` in seconds as a
 * float, `Retry-After` header, `X-RateLimit-Remaining` / `X-RateLimit-Reset-After` headers)
 * and "Execute Webhook" (`?wait=true` returns the created message).
 *
 * | answer | outcome |
 * |---|---|
 * | 2xx | `sent`; when `X-RateLimit-Remaining: 0`, pause the webhook for `X-RateLimit-Reset-After` s |
 * | 429 | `retry` after `retry_after` (body, else `Retry-After`, else `X-RateLimit-Reset-After`) |
 * | 401, 403, 404, 405, 410 | `broken`: the webhook is gone or its token is wrong; stop posting to it |
 * | 400, 413, 415, 422 | `rejected`: Discord will never take this message; keep it, alert, go on |
 * | other 4xx, 5xx, network error, timeout | `retry` after exponential backoff with jitter |
 */
import type { HttpResult } from '../core/ports.js';

export type DeliveryOutcome =
  | { kind: 'sent'; messageId: string | null; pauseMs: number }
  | { kind: 'retry'; delayMs: number; reason: string; rateLimited: boolean }
  | { kind: 'broken'; status: number; reason: string }
  | { kind: 'rejected'; status: number; reason: string };

export interface BackoffOptions {
  /** First retry delay, ms. */
  baseMs: number;
  /** Longest retry delay, ms. */
  maxMs: number;
  /** Uniform random in [0, 1) (injectable for tests). */
  random: () => number;
}

/**
 * Exponential backoff with "equal jitter": `e = min(max, base × 2^(failures−1))`, delay
 * uniform in `[e/2, e)`. Source: AWS Architecture Blog, "Exponential Backoff And Jitter".
 * @param failures failed attempts so far, ≥ 1.
 */
export function backoffMs(failures: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.floor(exp / 2 + opts.random() * (exp / 2));
}

/** Seconds (a decimal, possibly fractional) → whole ms, rounded up; null when not a number ≥ 0. */
export function secondsToMs(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n) || n < 0) return null;
  return Math.ceil(n * 1000);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function describe(res: HttpResult): string {
  const body = parseJson(res.body);
  const message = body !== null && typeof body['message'] === 'string' ? body['message'] : res.body.slice(0, 200);
  const code = body !== null && (typeof body['code'] === 'number' || typeof body['code'] === 'string') ? ` (code ${String(body['code'])})` : '';
  return `HTTP ${res.status}${message === '' ? '' : `: ${message}`}${code}`;
}

/**
 * Classify Discord's answer to a post, or the network error it threw.
 * @param attempt the attempt number just made, ≥ 1 (the backoff exponent).
 */
export function classify(answer: HttpResult | Error, attempt: number, backoff: BackoffOptions): DeliveryOutcome {
  if (answer instanceof Error) {
    return { kind: 'retry', delayMs: backoffMs(attempt, backoff), reason: `network: ${answer.message}`, rateLimited: false };
  }
  const { status, headers } = answer;
  if (status >= 200 && status < 300) {
    const body = parseJson(answer.body);
    const id = body !== null && typeof body['id'] === 'string' ? body['id'] : null;
    const remaining = headers['x-ratelimit-remaining'];
    const resetAfter = secondsToMs(headers['x-ratelimit-reset-after']);
    const pauseMs = remaining !== undefined && remaining.trim() === '0' && resetAfter !== null ? resetAfter : 0;
    return { kind: 'sent', messageId: id, pauseMs };
  }
  if (status === 429) {
    const body = parseJson(answer.body);
    const wait =
      secondsToMs(body?.['retry_after']) ?? secondsToMs(headers['retry-after']) ?? secondsToMs(headers['x-ratelimit-reset-after']);
    const scope = body?.['global'] === true ? ' (global)' : '';
    return wait === null
      ? { kind: 'retry', delayMs: backoffMs(attempt, backoff), reason: `HTTP 429${scope} without retry_after`, rateLimited: true }
      : { kind: 'retry', delayMs: wait, reason: `HTTP 429${scope}: retry after ${wait} ms`, rateLimited: true };
  }
  if ([401, 403, 404, 405, 410].includes(status)) return { kind: 'broken', status, reason: describe(answer) };
  if ([400, 413, 415, 422].includes(status)) return { kind: 'rejected', status, reason: describe(answer) };
  return { kind: 'retry', delayMs: backoffMs(attempt, backoff), reason: describe(answer), rateLimited: false };
}

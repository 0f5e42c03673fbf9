import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { errorBodySchema, httpStatusOf } from './errors.js';

describe('GIVEN every error code', () => {
  it('THEN each maps to an HTTP error status (4xx or 5xx)', () => {
    for (const code of Object.values(ErrorCode)) {
      const status = httpStatusOf(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('THEN player mistakes are 4xx and infrastructure failures 5xx', () => {
    expect(httpStatusOf(ErrorCode.INVALID_QUANTITY)).toBe(400);
    expect(httpStatusOf(ErrorCode.UNAUTHORIZED)).toBe(401);
    expect(httpStatusOf(ErrorCode.FORBIDDEN)).toBe(403);
    expect(httpStatusOf(ErrorCode.ACCOUNT_SUSPENDED)).toBe(403);
    expect(httpStatusOf(ErrorCode.NOT_FOUND)).toBe(404);
    expect(httpStatusOf(ErrorCode.UNKNOWN_TICKER)).toBe(404);
    expect(httpStatusOf(ErrorCode.CONFLICT)).toBe(409);
    expect(httpStatusOf(ErrorCode.INSUFFICIENT_FUNDS)).toBe(422);
    expect(httpStatusOf(ErrorCode.RATE_LIMITED)).toBe(429);
    expect(httpStatusOf(ErrorCode.INTERNAL)).toBe(500);
    expect(httpStatusOf(ErrorCode.PUBLISH_FAILED)).toBe(503);
    expect(httpStatusOf(ErrorCode.STALE_PRICE)).toBe(503);
  });
});

describe('GIVEN the error body schema', () => {
  it('THEN it accepts the SPEC shape and refuses unknown codes', () => {
    const body = { error: { code: 'NOT_FOUND', message: 'no such order', details: {}, request_id: 'abc' } };
    expect(errorBodySchema.safeParse(body).success).toBe(true);
    expect(errorBodySchema.safeParse({ error: { ...body.error, code: 'NOPE' } }).success).toBe(false);
  });
});

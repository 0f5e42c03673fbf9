/**
 * Error codes and the one application error type.
 *
 * Expected rejections (a player lacks funds, a market is closed) are values: `Result<T, E>`
 * with an `ErrorCode`. Throws are for the unexpected (infrastructure, bugs) and carry an
 * `AppError` with a code so every edge (HTTP, Discord, the engine's ack/nack) maps it once.
 * Source of the shape: ARCHITECTURE.md practice 4 (unkey `BaseError`).
 */

/** Every error code the game can produce. The string is also the translation key. */
export enum ErrorCode {
  // Input
  INVALID_INPUT = 'INVALID_INPUT',
  INVALID_AMOUNT = 'INVALID_AMOUNT',
  INVALID_QUANTITY = 'INVALID_QUANTITY',
  INVALID_PRICE = 'INVALID_PRICE',
  INVALID_TICKER = 'INVALID_TICKER',
  UNKNOWN_TICKER = 'UNKNOWN_TICKER',
  // Settlement rejects (order status FAILED, fail_reason)
  INSUFFICIENT_FUNDS = 'INSUFFICIENT_FUNDS',
  INSUFFICIENT_SHARES = 'INSUFFICIENT_SHARES',
  MARKET_CLOSED = 'MARKET_CLOSED',
  STALE_PRICE = 'STALE_PRICE',
  STALE_FX = 'STALE_FX',
  ACCOUNT_SUSPENDED = 'ACCOUNT_SUSPENDED',
  MARGIN_EXCEEDED = 'MARGIN_EXCEEDED',
  /** The order names a user the engine does not know and carries no `player` to register. */
  UNKNOWN_USER = 'UNKNOWN_USER',
  /** An order type the engine does not settle yet (pending types arrive with their issue). */
  UNSUPPORTED_ORDER_TYPE = 'UNSUPPORTED_ORDER_TYPE',
  // Auth and access
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  // Infrastructure
  CONFIG_INVALID = 'CONFIG_INVALID',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  PUBLISH_FAILED = 'PUBLISH_FAILED',
  INTERNAL = 'INTERNAL',
}

/** Options of an {@link AppError}. `retry` says whether the same call may succeed later. */
export interface AppErrorOptions {
  retry?: boolean;
  context?: Record<string, unknown>;
  cause?: unknown;
}

/** The one thrown error type of the project: a code, a human message, and context. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retry: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retry = options.retry ?? false;
    this.context = options.context ?? {};
  }
}

/** A rejection as a value: the code plus a message fit to show a player or operator. */
export interface Failure<C extends string = ErrorCode> {
  readonly code: C;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Either a value or a {@link Failure}. */
export type Result<T, C extends string = ErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Failure<C> };

/** Build a successful {@link Result}. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Build a failed {@link Result}. */
export function err<C extends string>(
  code: C,
  message: string,
  details?: Record<string, unknown>,
): { readonly ok: false; readonly error: Failure<C> } {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

/** Unwrap a Result or throw an {@link AppError} carrying its code (for places where a failure is a bug). */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new AppError(result.error.code, result.error.message, { context: result.error.details ?? {} });
}

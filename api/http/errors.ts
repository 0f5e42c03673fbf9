/**
 * Errors at the HTTP edge: one body shape, one mapping from {@link ErrorCode} to status.
 *
 * Every error answer is `{"error": {"code", "message", "details", "request_id"}}` (SPEC §9).
 * Unexpected errors are logged with their stack and answered `INTERNAL` with a generic
 * message: a stack trace never reaches a client.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../core/errors.js';
import type { Failure } from '../../core/errors.js';

/** The HTTP status of an error code. Exhaustive with no `default`: a new code must be placed here. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.INVALID_INPUT:
    case ErrorCode.INVALID_AMOUNT:
    case ErrorCode.INVALID_QUANTITY:
    case ErrorCode.INVALID_PRICE:
    case ErrorCode.INVALID_TICKER:
      return 400;
    case ErrorCode.UNAUTHORIZED:
      return 401;
    case ErrorCode.FORBIDDEN:
    case ErrorCode.ACCOUNT_SUSPENDED:
      return 403;
    case ErrorCode.NOT_FOUND:
    case ErrorCode.UNKNOWN_TICKER:
    case ErrorCode.UNKNOWN_USER:
      return 404;
    case ErrorCode.CONFLICT:
    case ErrorCode.MARKET_CLOSED:
      return 409;
    case ErrorCode.INSUFFICIENT_FUNDS:
    case ErrorCode.INSUFFICIENT_SHARES:
    case ErrorCode.MARGIN_EXCEEDED:
    case ErrorCode.UNSUPPORTED_ORDER_TYPE:
      return 422;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.CONFIG_INVALID:
    case ErrorCode.INTERNAL:
      return 500;
    case ErrorCode.STALE_PRICE:
    case ErrorCode.STALE_FX:
    case ErrorCode.DEPENDENCY_UNAVAILABLE:
    case ErrorCode.PUBLISH_FAILED:
      return 503;
  }
}

/** The error body of SPEC §9. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ErrorCode),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The request id given to this response (set by the request-id middleware). */
export function requestIdOf(res: Response): string {
  const v = res.getHeader('X-Request-Id');
  return typeof v === 'string' ? v : '';
}

/** Send an error answer for `code`. */
export function sendError(res: Response, code: ErrorCode, message: string, details: Record<string, unknown> = {}): void {
  const body: ErrorBody = { error: { code, message, details, request_id: requestIdOf(res) } };
  if (code === ErrorCode.UNAUTHORIZED) res.setHeader('WWW-Authenticate', 'Bearer realm="gaemi"');
  res.status(httpStatusOf(code)).json(body);
}

/** Send a {@link Failure} (an expected rejection) as an error answer. */
export function sendFailure(res: Response, failure: Failure): void {
  sendError(res, failure.code, failure.message, failure.details ?? {});
}

/** Issues of a zod error as `details.issues`: `[{path: "body.quantity", message}]` (at most 20). */
export function zodIssues(error: z.ZodError, where: string): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

function isBodyParserError(e: unknown): e is BodyParserError & Error {
  return e instanceof Error && typeof (e as BodyParserError).type === 'string' && typeof (e as BodyParserError).status === 'number';
}

/**
 * The last middleware: maps anything thrown to the error body. `AppError` keeps its code
 * (context goes to `details` only when the code is a client error); body-parser failures
 * (bad JSON, too large, wrong charset) are `INVALID_INPUT`; everything else is `INTERNAL`
 * and logged with the request id.
 */
export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AppError) {
      const status = httpStatusOf(error.code);
      if (status >= 500) req.log.error({ err: error }, 'request failed');
      sendError(res, error.code, status >= 500 ? 'the service could not complete the request; try again' : error.message, status >= 500 ? {} : error.context);
      return;
    }
    if (isBodyParserError(error)) {
      const type = String(error.type);
      const message =
        type === 'entity.too.large'
          ? 'request body is too large'
          : type === 'entity.parse.failed'
            ? 'request body is not valid JSON'
            : 'request body could not be read';
      sendError(res, ErrorCode.INVALID_INPUT, message, { reason: type });
      return;
    }
    req.log.error({ err: error }, 'unexpected error');
    sendError(res, ErrorCode.INTERNAL, 'internal error; the request id identifies it in the logs');
  };
}

/**
 * JSON logs (pino). One root logger per process, built in the composition root and passed
 * down; children carry a `component` and, where there is one, a `request_id`/`order_id`.
 */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/** Build the root logger. `level` comes from `LOG_LEVEL`. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'gaemi', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}

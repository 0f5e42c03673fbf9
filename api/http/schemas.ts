/**
 * Shared zod pieces of request and answer schemas. Strings refuse control characters
 * (a NUL byte would make PostgreSQL fail the query), decimals travel as strings (SPEC §2).
 */
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';

/** One line of text: no control characters, trimmed, `min`–`max` characters. */
export const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** Multi-line text (tabs and newlines allowed, other control characters refused). */
export const multiline = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !/[\p{Cc}]/u.test(s.replace(/[\t\n\r]/g, '')), 'must not contain control characters other than tab and newline');

export const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a uuid')
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid', example: '0b8f7a52-6a0e-4c1e-9e53-2d6f1c1b7a10' });

/** A decimal as sent by clients: a string (preferred) or a JSON safe integer; checked again by core/money. */
export const wireDecimal = z
  .union([z.string().max(64), z.number().int().refine(Number.isSafeInteger, 'must be a safe integer; send decimals as strings')])
  .meta({ description: 'decimal as a string, e.g. "1.5" (a JSON integer is also accepted)', example: '1.5' });

/** A decimal string in answers (8 decimals at most, no exponent). */
export const decimalOut = z.string().meta({ description: 'decimal string', example: '70500.00000000' });

/** `limit`/`offset` query parameters. */
export const pagination = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** `true`/`false` in a query string. */
export const queryBool = z.enum(['true', 'false']).transform((s) => s === 'true');

export const idParams = z.object({ id: uuid });

/** ISO-8601 instant in a query string. */
export const isoInstant = z.iso.datetime({ offset: true });

export const okBody = z.object({ ok: z.literal(true) });

export { ErrorCode };

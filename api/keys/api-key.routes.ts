/**
 * API key routes (SPEC §9). Managing keys needs a session token (a leaked key cannot mint
 * more keys); a key's scopes can never exceed its owner's role.
 */
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import { API_SCOPES } from '../../platform/auth/api-key.js';
import { scopesOfRole } from '../auth/principal.js';
import { errorBodySchema, sendError, sendFailure } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { idParams, isoInstant, queryBool, text } from '../http/schemas.js';
import type { ApiKeyRepository } from './api-key.repository.js';

const scope = z.enum(API_SCOPES);

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'display prefix, e.g. gaemi_k3j4h5g6' }),
    scopes: z.array(scope),
    rate_limit_per_min: z.number().int(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const issuedApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: 'the key itself; shown only in this answer — send it as X-API-Key' }) })
  .meta({ id: 'IssuedApiKey' });

const createBody = z
  .object({
    name: text(1, 64),
    scopes: z.array(scope).min(1).max(3).default(['read']),
    rate_limit_per_min: z.number().int().min(1).max(6000).default(600),
    expires_at: isoInstant.optional(),
  })
  .meta({ id: 'CreateApiKey' });

const err = (description: string) => ({ description, schema: errorBodySchema });

export function apiKeyRoutes(keys: ApiKeyRepository, now: () => Date): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api-keys',
      tags: ['api-keys'],
      summary: 'Create an API key (the key is shown once)',
      auth: 'read',
      sessionOnly: true,
      body: createBody,
      responses: { 201: { description: 'created', schema: issuedApiKeySchema }, 400: err('bad input'), 403: err('scope above your role') },
      handler: async ({ body, principal, res }) => {
        const allowed = new Set(scopesOfRole(principal.role));
        const over = body.scopes.filter((s) => !allowed.has(s));
        if (over.length > 0) {
          sendError(res, ErrorCode.FORBIDDEN, `your role cannot grant the scope(s): ${over.join(', ')}`, { scopes: over });
          return 'handled';
        }
        const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at);
        if (expiresAt !== null && expiresAt.getTime() <= now().getTime()) {
          sendError(res, ErrorCode.INVALID_INPUT, 'expires_at must be in the future', { field: 'expires_at' });
          return 'handled';
        }
        const issued = await keys.create(principal.userId, {
          name: body.name,
          scopes: [...new Set(body.scopes)],
          rateLimitPerMin: body.rate_limit_per_min,
          expiresAt,
        });
        return { status: 201, body: issued, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api-keys',
      tags: ['api-keys'],
      summary: 'Your API keys (never the secrets)',
      auth: 'read',
      sessionOnly: true,
      query: z.object({ include_revoked: queryBool.default(false) }),
      responses: { 200: { description: 'keys, newest first', schema: z.object({ keys: z.array(apiKeySchema) }) } },
      handler: async ({ principal, query }) => ({ status: 200, body: { keys: await keys.list(principal.userId, query.include_revoked) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/api-keys/{id}/rotate',
      tags: ['api-keys'],
      summary: 'Replace the secret of a key (the old one stops working at once)',
      auth: 'read',
      sessionOnly: true,
      params: idParams,
      responses: { 200: { description: 'the new key, shown once', schema: issuedApiKeySchema }, 404: err('not your live key') },
      handler: async ({ principal, params, res }) => {
        const rotated = await keys.rotate(principal.userId, params.id);
        if (!rotated.ok) {
          sendFailure(res, rotated.error);
          return 'handled';
        }
        return { status: 200, body: rotated.value, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api-keys/{id}',
      tags: ['api-keys'],
      summary: 'Revoke a key (soft: it stays listed with revoked_at)',
      auth: 'read',
      sessionOnly: true,
      params: idParams,
      responses: { 200: { description: 'revoked', schema: apiKeySchema }, 404: err('not your key') },
      handler: async ({ principal, params, res }) => {
        const revoked = await keys.revoke(principal.userId, params.id);
        if (!revoked.ok) {
          sendFailure(res, revoked.error);
          return 'handled';
        }
        return { status: 200, body: revoked.value };
      },
    }),
  ];
}

/**
 * The OpenAPI 3 document of `/api/v1`, generated from the route table's zod schemas
 * (@asteasolutions/zod-to-openapi), so the document and the validation cannot disagree.
 * Served at `/api/v1/openapi.json`; `/api/v1/docs` shows it with Swagger UI (served from
 * the `swagger-ui-dist` package, no CDN).
 */
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { AnyRoute } from './route.js';

export const API_PREFIX = '/api/v1';

type Doc = ReturnType<OpenApiGeneratorV3['generateDocument']>;

/** Build the document (once per process; the routes do not change at run time). */
export function openApiDocument(routes: readonly AnyRoute[], version: string): Doc {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  for (const route of routes) {
    const request: NonNullable<RouteConfig['request']> = {};
    if (route.params instanceof z.ZodObject) request.params = route.params;
    if (route.query instanceof z.ZodObject) request.query = route.query;
    if (route.body !== undefined) {
      request.body = {
        required: true,
        content: {
          'application/json': { schema: route.body },
          ...(route.form ? { 'application/x-www-form-urlencoded': { schema: route.body } } : {}),
        },
      };
    }
    const responses: RouteConfig['responses'] = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] =
        spec.schema === undefined
          ? spec.contentType === undefined
            ? { description: spec.description }
            : { description: spec.description, content: { [spec.contentType]: { schema: { type: 'string' } } } }
          : { description: spec.description, content: { [spec.contentType ?? 'application/json']: { schema: spec.schema } } };
    }
    if (route.auth !== 'public') {
      responses['401'] ??= { description: 'missing, invalid, expired or revoked credentials' };
      responses['403'] ??= { description: `needs the "${route.auth}" scope${route.auth === 'admin' ? ' and the ADMIN role' : ''}, or the account is suspended` };
      responses['429'] ??= { description: 'rate limited (Retry-After)' };
    }
    const config: RouteConfig = {
      method: route.method,
      path: `${API_PREFIX}${route.path}`,
      tags: route.tags,
      summary: route.summary,
      request,
      responses,
      security: route.auth === 'public' ? [] : route.sessionOnly ? [{ bearer: [] }] : [{ bearer: [] }, { apiKey: [] }],
    };
    if (route.description !== undefined) config.description = route.description;
    if (route.auth !== 'public') config['x-required-scope'] = route.auth;
    registry.registerPath(config);
  }
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Gaemi (개미) API',
      version,
      description:
        'Paper trading over REST. Authenticate with `Authorization: Bearer <access token>` (from `POST /api/v1/login/access-token`) or `X-API-Key`. Money and quantities are decimal strings. Errors: `{"error": {"code", "message", "details", "request_id"}}`; every response carries `X-Request-Id`.',
    },
    servers: [{ url: '/' }],
  });
}

/** The docs page (Swagger UI from `/api/v1/docs/assets/`, no inline script for the CSP). */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Gaemi API</title>
<link rel="stylesheet" href="${API_PREFIX}/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${API_PREFIX}/docs/assets/swagger-ui-bundle.js"></script>
<script src="${API_PREFIX}/docs/init.js"></script>
</body>
</html>
`;

export const DOCS_INIT_JS = `window.ui = SwaggerUIBundle({ url: '${API_PREFIX}/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/**
 * Input fuzzing (fast-check) of every route in the OpenAPI document: random JSON bodies
 * built from each route's own field names (and random ones), random query strings and path
 * parameters, malformed JSON. The api must answer 2xx–4xx with the error body — never 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness } from './testing/harness.js';
import type { ApiHarness } from './testing/harness.js';

interface SchemaObject {
  $ref?: string;
  properties?: Record<string, unknown>;
}
interface Operation {
  parameters?: { name: string; in: 'query' | 'path' }[];
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, SchemaObject> };
}

let h: ApiHarness;
let doc: Doc;
let adminToken: string;
let playerToken: string;

const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'Infinity', '0x10', '1.123456789', '999999999999999', 'all', 'null', '\u0000', '../../etc/passwd', "'; DROP TABLE users;--", '%00', 'CRYPTO-COIN-BTC', '{nickname}', '삼성전자', '😀'.repeat(30), 'a'.repeat(5000)),
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.boolean(),
  fc.constant(null),
  fc.array(weirdString, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), weirdString, { maxKeys: 3 }),
);

function fieldNames(op: Operation): string[] {
  const content = op.requestBody?.content['application/json'];
  let schema = content?.schema;
  if (schema?.$ref !== undefined) schema = doc.components.schemas[schema.$ref.split('/').pop() ?? ''];
  return Object.keys(schema?.properties ?? {});
}

function bodyArb(fields: string[]): fc.Arbitrary<unknown> {
  const known = fields.length === 0 ? fc.constant({}) : fc.record(Object.fromEntries(fields.map((f) => [f, weirdValue])), { requiredKeys: [] });
  return fc.oneof(known, fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.string({ maxLength: 10 }), weirdValue, { maxKeys: 5 }));
}

beforeAll(async () => {
  h = await startApiHarness({ label: 'fuzz', amqp: false });
  doc = (await h.request<Doc>('GET', '/api/v1/openapi.json')).body;
  adminToken = await h.adminToken();
  playerToken = (await h.createPlayer('fuzzy')).token;
  await h.process.infra.redis.client.set(
    'price:CRYPTO-COIN-BTC',
    JSON.stringify({ ticker_id: 'CRYPTO-COIN-BTC', price: '1000', currency: 'KRW-COIN', change_pct: '0', volume: '1', ts: new Date().toISOString(), source: 'test' }),
    'EX',
    600,
  );
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

describe('GIVEN random input on every route', () => {
  it('THEN no answer is a 5xx, and every 4xx has the error body', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    const seed = Date.now() % 2_147_483_647; // fresh exploration each run; printed with any failure
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (template === '/api/v1/stream') continue; // an accepted stream never ends; its query is fuzzed via the ticket route's auth
        const fields = fieldNames(op);
        const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const hasPath = template.includes('{');
        const sample = fc.record({
          body: bodyArb(fields),
          query: fc.dictionary(fc.constantFrom(...queryNames, 'x', 'limit', 'offset'), weirdString, { maxKeys: 4 }),
          param: weirdString,
          raw: fc.option(fc.string({ maxLength: 60 }), { freq: 4 }),
          asPlayer: fc.boolean(),
        });
        await fc.assert(
          fc.asyncProperty(sample, async (s) => {
            const path = template.replace(/\{[a-z_]+\}/g, () => encodeURIComponent(s.param) || 'x');
            const qs = new URLSearchParams(s.query).toString();
            const url = `${hasPath ? path : template}${qs === '' ? '' : `?${qs}`}`;
            const token = template === '/api/v1/logout' ? (await h.createPlayer(`l${Math.random().toString(36).slice(2, 10)}`)).token : s.asPlayer ? playerToken : adminToken;
            const withBody = method !== 'get' && method !== 'delete';
            const r = await h.request<{ error?: { code?: string; request_id?: string } }>(method.toUpperCase(), url, {
              token,
              ...(withBody ? (s.raw !== null ? { raw: s.raw, headers: { 'Content-Type': 'application/json' } } : { body: s.body }) : {}),
            });
            if (r.status >= 500) failures.push(`${method.toUpperCase()} ${url} ${JSON.stringify(s.body).slice(0, 200)} → ${r.status} ${r.text.slice(0, 200)}`);
            else if (r.status >= 400 && (typeof r.body.error?.code !== 'string' || r.body.error.request_id !== r.headers.get('x-request-id'))) {
              failures.push(`${method.toUpperCase()} ${url} → ${r.status} without the error body: ${r.text.slice(0, 200)}`);
            }
            return true;
          }),
          { numRuns: 12, seed: seed + template.length },
        );
      }
    }
    expect(failures.map((f) => `seed ${seed}: ${f}`)).toEqual([]);
  });
});

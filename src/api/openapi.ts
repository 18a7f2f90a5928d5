import { z } from 'zod';
import { ApiErrorBody } from './errors.js';
import { contractRoutes } from './index.js';
import type { RouteContract } from './route.js';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (the OpenAPI 3.1 dialect) of a request part or an answer. */
function schemaOf(s: z.ZodType, io: 'input' | 'output'): Json {
  // Refinements (real dates, IANA zones) have no JSON Schema form; the server still applies them.
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
}

function parameters(r: RouteContract): Json[] {
  const out: Json[] = [];
  for (const [where, s] of [['path', r.params], ['query', r.query]] as const) {
    if (!s) continue;
    const js = schemaOf(s, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema });
    }
  }
  return out;
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid input: `error.fields` maps each field (dotted path) to what is wrong',
  '401': 'Not logged in',
  '403': 'Logged in, but not allowed (no care relation, wrong role); refusals are audited',
  '404': 'Not found (or not visible to the caller)',
  '409': 'Conflicts with the current state (someone else was faster, no active episode…)',
};

/**
 * The OpenAPI 3.1 document of the JSON API, generated from the contract (src/api). Served at
 * /api/openapi.json and browsable at /api/docs.
 */
export function openApiDocument(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  for (const r of contractRoutes()) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const status = String(r.status ?? (r.response === null ? 204 : 200));
    const ok: Json = r.response === null
      ? { description: 'Done (no content)' }
      : { description: 'OK', content: { 'application/json': { schema: schemaOf(r.response, 'output') } } };
    const errors = Object.fromEntries(
      Object.entries(ERROR_STATUSES)
        .filter(([code]) => !(r.public && code === '401') && (code !== '400' || r.body || r.query || r.params))
        .map(([code, description]) => [code, { description, content: { 'application/json': { schema: errorRef } } }]),
    );
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(r.public ? { security: [] } : {}),
      parameters: parameters(r),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses: { [status]: ok, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Varde API',
      version: '0.1.0',
      description: 'The JSON API of the Varde patient and clinic apps. Authentication, CSRF rules, errors and idempotency: docs/API.md. FHIR has its own contract at /fhir/metadata.',
    },
    // Relative: the same document is right behind any proxy or host name.
    servers: [{ url: '/' }],
    components: {
      schemas: { Error: schemaOf(ApiErrorBody, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'varde_session', description: 'Session cookie set by the OIDC login (/auth/login)' },
        bearer: { type: 'http', scheme: 'bearer', description: 'Access token from POST /auth/token (client credentials; device clients)' },
      },
    },
    security: [{ session: [] }, { bearer: [] }],
    paths,
  };
}

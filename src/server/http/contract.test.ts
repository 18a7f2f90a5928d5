import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import fc from 'fast-check';
import { z } from 'zod';
import { ERROR_CODES } from '../../api/errors.js';
import { contractRoutes } from '../../api/index.js';
import { route } from '../../api/route.js';
import { useTestServer } from '../testing/server.js';
import type { App, AppDeps } from './app.js';
import { serialise, serve } from './contract.js';

const env = useTestServer();

test('an answer that drifts from the contract is a 500, never a different shape on the wire', async () => {
  const Answer = z.object({ id: z.string(), createdAt: z.string() });
  const app = Fastify({ logger: false }) as unknown as App;
  const deps = {} as AppDeps;
  const ok = route({ method: 'GET', path: '/ok', tag: 't', summary: 's', response: Answer, public: true });
  const drifted = route({ method: 'GET', path: '/drifted', tag: 't', summary: 's', response: Answer, public: true });
  serve(app, deps, ok, async () => ({ id: 'a', createdAt: new Date(0) as unknown as string, secret: 'not in the contract' } as z.input<typeof Answer>));
  // A renamed field, as when a DTO changes and the contract does not.
  serve(app, deps, drifted, async () => ({ id: 'a', created_at: '1970-01-01T00:00:00.000Z' }) as unknown as z.input<typeof Answer>);
  const good = await app.inject({ method: 'GET', url: '/ok' });
  assert.equal(good.statusCode, 200);
  // Dates are checked in their wire form; fields outside the contract are not sent.
  assert.deepEqual(JSON.parse(good.body), { id: 'a', createdAt: '1970-01-01T00:00:00.000Z' });
  const bad = await app.inject({ method: 'GET', url: '/drifted' });
  assert.equal(bad.statusCode, 500);
  assert.match(bad.body, /does not match the API contract/);
  await app.close();
});

test('an answer is put on the wire as if its JSON form had been checked (property, against the round-trip reference)', () => {
  // serialise() parses the answer as it is and falls back to its JSON form only when the schema
  // refuses it. The reference is the former behaviour: always the JSON form. Generated answers
  // mix what services return with what the JSON form changes (Dates, undefined, NaN, extra keys).
  const Row = z.object({ v: z.number(), unit: z.string() });
  const Answer = z.object({
    id: z.string(), at: z.string(), n: z.number().nullable(), tags: z.array(z.string()), note: z.string().optional(),
    meta: z.record(z.string(), z.unknown()), rows: z.array(Row), zone: z.enum(['green', 'red']).nullable(),
  });
  const r = route({ method: 'GET', path: '/p', tag: 't', summary: 's', response: Answer, public: true });
  const wire = (f: () => unknown) => {
    try {
      return JSON.stringify(f());
    } catch (e) {
      return e instanceof Error && /does not match the API contract/.test(e.message) ? 'refused' : `threw ${String(e)}`;
    }
  };
  const reference = (x: unknown) => {
    const c = Answer.safeParse(x === undefined ? undefined : JSON.parse(JSON.stringify(x)));
    if (!c.success) throw new Error('does not match the API contract');
    return c.data;
  };
  const date = fc.date();
  const str = fc.oneof(fc.string(), date, fc.constant(undefined), fc.integer(), fc.constant(null));
  const num = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.string(), date);
  const answer = fc.record({
    id: str, at: str, n: num, tags: fc.array(str, { maxLength: 4 }), note: str,
    meta: fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), date, fc.constant(undefined)), { maxKeys: 4 }),
    rows: fc.array(fc.record({ v: num, unit: str, extra: fc.anything() }, { requiredKeys: [] }), { maxLength: 4 }),
    zone: fc.oneof(fc.constantFrom('green', 'red', 'yellow'), fc.constant(null), fc.constant(undefined)),
    secret: fc.anything(),
  }, { requiredKeys: [] });
  fc.assert(fc.property(fc.oneof(answer, fc.constant(undefined)), (x) => {
    assert.equal(wire(() => serialise(r, x)), wire(() => reference(x)));
  }), { numRuns: 2000 });
});

test('a real route whose answer drifts fails: GET /api/organisations checked against a narrowed contract', async () => {
  // The served answer is validated by the contract's schema; a stricter schema must reject it.
  const served = contractRoutes().find((r) => r.path === '/api/organisations')!;
  const res = await env.call('GET', '/api/organisations', env.c.nurseA);
  assert.equal(res.status, 200);
  assert.ok(served.response!.safeParse(res.body).success);
  const narrowed = z.object({ organisations: z.array(z.object({ id: z.string(), orgNumber: z.number() })) });
  assert.equal(narrowed.safeParse(res.body).success, false);
});

test('every route of the contract is served, once', () => {
  const served = new Set(env.server.app.vardeRoutes.map((r) => `${r.method} ${r.url}`));
  const keys = contractRoutes().map((r) => `${r.method} ${r.path}`);
  assert.equal(new Set(keys).size, keys.length, 'a route is declared twice');
  assert.deepEqual(keys.filter((k) => !served.has(k)), []);
});

test('GET /api/openapi.json: OpenAPI 3.1 with every contract route, public', async () => {
  const res = await env.call('GET', '/api/openapi.json', null);
  assert.equal(res.status, 200);
  const doc = res.body as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  assert.equal(doc.openapi, '3.1.0');
  for (const r of contractRoutes()) {
    const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path} documented`);
    assert.ok(op.responses[String(r.status ?? (r.response ? 200 : 204))], `${r.method} ${r.path} success status`);
  }
  // The error body names the codes the apps translate.
  assert.match(JSON.stringify((doc as unknown as { components: unknown }).components), /alerts_changed/);
});

test('GET /api/docs: Swagger UI from our own origin under the CSP (no CDN)', async () => {
  const page = await env.server.app.inject({ method: 'GET', url: '/api/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
  assert.doesNotMatch(page.body, /https?:\/\//, 'no absolute URLs: every asset from our origin');
  assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts');
  for (const asset of ['swagger-ui-bundle.js', 'swagger-initializer.js', 'swagger-ui.css']) {
    const r = await env.server.app.inject({ method: 'GET', url: `/api/docs/static/${asset}` });
    assert.equal(r.statusCode, 200, asset);
  }
  const init = await env.server.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
  assert.match(init.body, /url: resolveUrl\('\.\/json'\)/, 'the initializer loads the spec from us');
  assert.match(init.body, /"validatorUrl":null/, 'no call to the online validator');
  const spec = await env.server.app.inject({ method: 'GET', url: '/api/docs/json' });
  assert.equal(spec.statusCode, 200);
  assert.equal((JSON.parse(spec.body) as { openapi: string }).openapi, '3.1.0');
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

test('every error code the server writes is in the contract (the apps translate them)', () => {
  const known = new Set<string>(ERROR_CODES);
  const unknown: string[] = [];
  // Domain results (err('code', …)) are handed on as the error code of the answer.
  for (const file of [...sources('src/server'), ...sources('src/domain')]) {
    if (file.includes('/fhir/') || file.includes('/ble/')) continue; // FHIR answers OperationOutcome; BLE parsing errors stay in the gateway.
    for (const m of readFileSync(file, 'utf8').matchAll(/new AppError\(\s*\d+,\s*'([a-z_]+)'|code: '([a-z_]+)', message:|\berr\(\s*'([a-z_]+)'/g)) {
      const code = m[1] ?? m[2] ?? m[3]!;
      // zod issues carry code 'custom'; they become validation_failed.
      if (code !== 'custom' && !known.has(code)) unknown.push(`${file}: ${code}`);
    }
  }
  assert.deepEqual(unknown, []);
});

test('the contract names the receiver kinds the outbox stores', async () => {
  const { RECEIVER_KINDS } = await import('../outbox/repo.js');
  const { RECEIVER_KINDS: inContract } = await import('../../api/outbox.js');
  assert.deepEqual([...inContract], [...RECEIVER_KINDS]);
});

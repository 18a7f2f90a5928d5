import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import helmet from 'helmet';
import { loadConfig } from '../config/index.js';
import type { Db } from '../db/port.js';
import { startServer, type Server } from '../server.js';
import { registerClient } from '../auth/clients.js';
import { helmetOptions, securityHeaders } from './app.js';
import { testDb } from '../testing/db.js';
import { countRows, useTestServer } from '../testing/server.js';

const t = useTestServer();
const EVIL = 'https://evil.example';

const notesOf = (patientId: string) => countRows(t.db, 'contact_notes where patient_id = $1', [patientId]);

async function post(url: string, headers: Record<string, string>, payload: string) {
  return t.server.app.inject({ method: 'POST', url, headers, payload });
}

describe('browser protections (helmet)', () => {
  test('pages get a CSP without inline scripts, no framing, nosniff and no referrer; no HSTS over http', async () => {
    const res = await t.server.app.inject({ method: 'GET', url: '/' });
    const csp = String(res.headers['content-security-policy']);
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert.equal(scriptSrc.trim(), "'self'", csp);
    assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['strict-transport-security'], undefined);
  });

  test('the headers worked out once are exactly what helmet sets on a real response (http and https)', () => {
    for (const PUBLIC_URL of ['http://127.0.0.1:3000', 'https://varde.example.no']) {
      const req = new IncomingMessage(new Socket());
      const res = new ServerResponse(req);
      let called = false;
      helmet(helmetOptions({ PUBLIC_URL }))(req, res, () => { called = true; });
      assert.ok(called);
      const once = securityHeaders({ PUBLIC_URL });
      const mine = new ServerResponse(req);
      for (const name of once.removed) mine.removeHeader(name);
      for (const [name, value] of once.set) mine.setHeader(name, value);
      assert.deepEqual(mine.getHeaders(), res.getHeaders(), PUBLIC_URL);
      assert.equal(Object.keys(res.getHeaders()).length, PUBLIC_URL.startsWith('https') ? 12 : 11);
    }
  });

  test('every answer carries the same security headers: pages, API, FHIR, refusals, and device clients whose token is cached', async () => {
    const HELMET = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'referrer-policy',
      'x-content-type-options', 'x-dns-prefetch-control', 'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
    const security = (h: Record<string, unknown>) => Object.fromEntries(HELMET.map((k) => [k, h[k]]));
    const page = security((await t.server.app.inject({ method: 'GET', url: '/' })).headers);
    for (const k of HELMET) assert.ok(page[k] !== undefined, k);
    const { clientId, clientSecret } = await registerClient(t.db, { clientId: 'helmet-gw', name: 'Gateway', organisationId: t.f.orgs.muniA, scopes: ['observation.write'] });
    const tok = await post('/auth/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` }, 'grant_type=client_credentials');
    const bearer = { authorization: `Bearer ${tok.json().access_token}`, 'content-type': 'application/json' };
    const answers = [
      await t.server.app.inject({ method: 'GET', url: '/api/health' }),
      await t.server.app.inject({ method: 'GET', url: '/api/me' }),
      await t.server.app.inject({ method: 'GET', url: '/fhir/metadata' }),
      await post(`/api/patients/${t.f.patient.id}/notes`, { origin: EVIL, 'content-type': 'application/json' }, '{}'),
      // The first request looks the token up, the second finds it in the cache (http/app.ts): both answered alike.
      await post('/api/ingest/observations', bearer, JSON.stringify({ sentAt: new Date().toISOString(), readings: [{ readingId: 'h-1', patientId: t.f.patient.id, effectiveAt: new Date().toISOString(), measurements: [{ code: 'spo2', value: 96 }] }] })),
      await post('/api/ingest/observations', bearer, JSON.stringify({ sentAt: new Date().toISOString(), readings: [{ readingId: 'h-2', patientId: t.f.patient.id, effectiveAt: new Date().toISOString(), measurements: [{ code: 'spo2', value: 97 }] }] })),
      await post('/api/ingest/observations', bearer, '{}'),
    ];
    assert.deepEqual(answers.map((r) => r.statusCode), [200, 401, 200, 403, 201, 201, 400]);
    for (const r of answers) assert.deepEqual(security(r.headers), page, `${r.statusCode} ${r.body.slice(0, 80)}`);
  });

  test('API, FHIR and auth answers are never cached', async () => {
    for (const [url, cookie] of [['/api/me', t.c.nurseA], [`/api/patients/${t.f.patient.id}/observations`, t.c.nurseA], ['/api/health', null], ['/fhir/metadata', null], [`/fhir/Patient/${t.f.patient.id}`, t.c.nurseA], ['/api/me', null]] as const) {
      const res = await t.server.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
      assert.equal(res.headers['cache-control'], 'no-store', `${url} (${res.statusCode})`);
    }
  });
});

describe('CSRF: state-changing requests from other sites', () => {
  const notes = () => `/api/patients/${t.f.patient.id}/notes`;
  const body = JSON.stringify({ contactType: 'phone', text: 'Forfalsket notat.' });

  test('a foreign Origin or Sec-Fetch-Site: cross-site is refused with 403 and nothing is written', async () => {
    const before = await notesOf(t.f.patient.id);
    for (const h of [{ origin: EVIL }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { 'sec-fetch-site': 'cross-site', origin: 'null' }] as Record<string, string>[]) {
      const res = await post(notes(), { cookie: t.c.nurseA, 'content-type': 'application/json', ...h }, body);
      assert.equal(res.statusCode, 403, JSON.stringify(h));
      assert.equal(res.json().error.code, 'cross_site_request');
    }
    // Logout and the token endpoint are state-changing too.
    assert.equal((await post('/auth/logout', { cookie: t.c.nurseA, origin: EVIL }, '')).statusCode, 403);
    assert.equal((await t.call('GET', '/api/me', t.c.nurseA)).status, 200, 'the session survived the forged logout');
    assert.equal(await notesOf(t.f.patient.id), before);
  });

  test('the refusal comes before authentication (403, not 401, without a session)', async () => {
    const res = await post(notes(), { origin: EVIL, 'content-type': 'application/json' }, body);
    assert.equal(res.statusCode, 403);
  });

  test('our own origin and same-origin fetches are served', async () => {
    const res = await post(notes(), { cookie: t.c.nurseA, 'content-type': 'application/json', origin: t.server.url, 'sec-fetch-site': 'same-origin' }, body);
    assert.equal(res.statusCode, 201, res.body);
    // Our own HTML form posts carry `Origin: null` under Referrer-Policy: no-referrer; Sec-Fetch-Site tells the truth.
    const form = await post(notes(), { cookie: t.c.nurseA, 'content-type': 'application/json', origin: 'null', 'sec-fetch-site': 'same-origin' }, body);
    assert.equal(form.statusCode, 201, form.body);
  });

  test('machine clients with a bearer token and no cookie are not affected', async () => {
    const { clientId, clientSecret } = await registerClient(t.db, { clientId: 'csrf-gw', name: 'Gateway', organisationId: t.f.orgs.muniA, scopes: ['observation.write'] });
    const tok = await post('/auth/token', { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL, authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` }, 'grant_type=client_credentials');
    assert.equal(tok.statusCode, 200, tok.body);
    const res = await post(`/api/patients/${t.f.patient.id}/observations`, { authorization: `Bearer ${tok.json().access_token}`, 'content-type': 'application/json', origin: EVIL },
      JSON.stringify({ idempotencyKey: 'csrf-gw-1', measurements: [{ code: 'spo2', value: 96 }] }));
    assert.equal(res.statusCode, 201, res.body);
  });

  test('the JSON API and FHIR refuse form and text bodies with 415; the token endpoint takes forms', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const res = await post(notes(), { cookie: t.c.nurseA, 'content-type': type }, 'contactType=phone&text=x');
      assert.equal(res.statusCode, 415, type);
      assert.equal(res.json().error.code, 'unsupported_media_type');
      const fhir = await post('/fhir/Observation', { cookie: t.c.nurseA, 'content-type': type }, 'x=1');
      assert.equal(fhir.statusCode, 415, `FHIR ${type}`);
      assert.equal(fhir.json().resourceType, 'OperationOutcome');
    }
    const token = await post('/auth/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials&client_id=nobody&client_secret=x');
    assert.equal(token.statusCode, 401);
    assert.equal(token.json().error, 'invalid_client');
  });
});

describe('malformed credentials are 401, never 500', () => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const cases: [string, string][] = [
    ['scheme only', 'Basic'],
    ['not base64', 'Basic !!!not-base64!!!'],
    ['no colon', `Basic ${b64('just-a-client-id')}`],
    ['empty id', `Basic ${b64(':secret')}`],
    ['empty secret', `Basic ${b64('gw-1:')}`],
    ['bad percent escape in id', `Basic ${b64('%zz:secret')}`],
    ['truncated UTF-8 escape in secret', `Basic ${b64('gw-1:%E0%A4%A')}`],
    ['other scheme', 'Digest username="gw-1"'],
    ['garbage', '\u00ff\u00fe'],
  ];
  for (const [name, header] of cases) {
    test(`token endpoint: ${name}`, async () => {
      const res = await post('/auth/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: header }, 'grant_type=client_credentials');
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().error, 'invalid_client');
    });
  }
  for (const header of ['Bearer', 'Bearer ', 'bearer   ', 'Basic xyz', 'Negotiate abc', 'Bearer \u00ff']) {
    test(`API: ${JSON.stringify(header)}`, async () => {
      const res = await t.server.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: header } });
      assert.equal(res.statusCode, 401, res.body);
    });
  }
});

describe('production', () => {
  let db: Db;
  let prod: Server;
  before(async () => {
    db = await testDb();
    const config = loadConfig({}, {
      NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent',
      PUBLIC_URL: 'https://varde.example.no', COOKIE_SECRET: 'p'.repeat(40),
      // Never contacted: discovery happens on the first login, which this test does not start.
      HELSEID_ISSUER: 'https://helseid.invalid', HELSEID_CLIENT_ID: 'c', HELSEID_CLIENT_SECRET: 's',
      IDPORTEN_ISSUER: 'https://idporten.invalid', IDPORTEN_CLIENT_ID: 'p', IDPORTEN_CLIENT_SECRET: 's',
    });
    prod = await startServer(config, { db, sweepMs: 0 });
  });
  after(async () => {
    await prod?.close();
    await db?.close();
  });

  test('/idp is not mounted and no route lists test people or patients', async () => {
    assert.deepEqual(prod.app.vardeRoutes.filter((r) => r.url.startsWith('/idp')), []);
    for (const url of ['/idp/.well-known/openid-configuration', '/idp/interaction/abc', '/idp/auth']) {
      const res = await prod.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /Testpasienter|testperson|HPR/i);
    }
    assert.equal((await prod.app.inject({ method: 'POST', url: '/idp/interaction/abc/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'hpr=1000001' })).statusCode, 404);
  });

  test('HSTS is sent when PUBLIC_URL is https', async () => {
    const res = await prod.app.inject({ method: 'GET', url: '/api/health' });
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
  });
});

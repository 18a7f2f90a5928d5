import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerClient } from './clients.js';
import { resolveLaunch } from './smart.js';
import { useTestServer } from '../testing/server.js';

/*
 * SMART EHR launch, the parts around the browser flow (e2e/smart-launch.test.ts has the flow):
 * who may register a launch and for whom, what /launch refuses before any login starts, and the
 * care-relation check the OIDC callback makes (single use, expiry, clinical roles only).
 */
let token = '';
const env = useTestServer({
  setup: async (e) => {
    const c = await registerClient(e.db, { clientId: 'epj-a', name: 'EPJ', organisationId: e.f.orgs.gpOffice, scopes: ['smart.launch'] });
    const res = await e.server.app.inject({
      method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString(),
    });
    token = (JSON.parse(res.body) as { access_token: string }).access_token;
  },
});

const register = (body: unknown, auth = token) => env.server.app.inject({
  method: 'POST', url: '/smart/launch', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, payload: JSON.stringify(body),
});
const launchOf = async () => (JSON.parse((await register({ patientIdentifier: env.f.patient.identifier })).body) as { launch: string; launchUrl: string });

test('registering a launch: EPJ clients with smart.launch, a valid identifier of a known patient', async () => {
  assert.equal((await register({ patientIdentifier: env.f.patient.identifier }, 'not-a-token')).statusCode, 401);
  assert.equal((await register({ patientIdentifier: '12345678901' })).statusCode, 400, 'not a valid fødselsnummer');
  assert.equal((await register({})).statusCode, 400, 'no patient');
  assert.equal((await register({ patientId: '00000000-0000-4000-8000-000000000000' })).statusCode, 404);
  const ok = await register({ patientId: env.f.patient.id });
  assert.equal(ok.statusCode, 201);
  assert.equal(await env.count(`audit_events where resource_type = 'SmartLaunch' and patient_id = $1`, [env.f.patient.id]), 1);
});

test('/launch refuses a wrong iss, a missing or unknown launch before any login starts', async () => {
  const { launch } = await launchOf();
  const get = (q: string) => env.server.app.inject({ method: 'GET', url: `/launch?${q}` });
  assert.equal((await get(`launch=${launch}`)).statusCode, 400);
  assert.equal((await get(`launch=${launch}&iss=${encodeURIComponent('https://other.example/fhir')}`)).statusCode, 400);
  assert.equal((await get(`launch=${'x'.repeat(32)}&iss=${encodeURIComponent(`${env.server.url}/fhir`)}`)).statusCode, 400);
  const start = await get(`launch=${launch}&iss=${encodeURIComponent(`${env.server.url}/fhir`)}`);
  assert.equal(start.statusCode, 302, 'to the identity provider');
  assert.match(String(start.headers.location), /\/idp\/auth\?/);
});

test('the callback\'s check: a clinical member of the care team gets the patient once; others, late or second uses do not', async () => {
  const now = new Date();
  const gp = [{ organisation_id: env.f.orgs.gpOffice, role: 'gp' as const }];
  const a = await launchOf();
  assert.deepEqual(await resolveLaunch(env.db, a.launch, env.f.people.nurseB, [{ organisation_id: env.f.orgs.muniB, role: 'nurse' }], now), { ok: false, reason: 'no_care_relation', patientId: env.f.patient.id });
  assert.deepEqual(await resolveLaunch(env.db, a.launch, env.f.people.gp, [{ organisation_id: env.f.orgs.gpOffice, role: 'admin' }], now), { ok: false, reason: 'no_care_relation', patientId: env.f.patient.id }, 'an administrator is not a clinician');
  assert.deepEqual(await resolveLaunch(env.db, a.launch, env.f.people.gp, gp, now), { ok: true, patientId: env.f.patient.id, organisationId: env.f.orgs.gpOffice, role: 'gp' });
  assert.equal((await resolveLaunch(env.db, a.launch, env.f.people.gp, gp, now)).ok, false, 'single use');
  const b = await launchOf();
  assert.equal((await resolveLaunch(env.db, b.launch, env.f.people.gp, gp, new Date(now.getTime() + 6 * 60_000))).ok, false, 'expired after 5 minutes');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { personnelCookie } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import { LAUNCH_ROUTES } from './launch-bound.js';
import { bindSessionToLaunch } from './smart.js';

/*
 * A session opened from the EPJ by a SMART EHR launch is bound to the launch's patient (issue 14).
 * The fixture's GP office is in the care team of both fixture patients, so an ordinary GP session
 * reads both; the launch-bound one reads only the patient it was opened for. Every refusal is
 * audited as denied.
 */
let bound = '';
const env = useTestServer({
  setup: async (e) => {
    bound = await personnelCookie(e.db, e.f.people.gp, e.f.orgs.gpOffice, 'gp');
    await bindSessionToLaunch(e.db, bound.split('=')[1]!, e.f.patient.id);
  },
});

const denials = (route: string) => env.count(`audit_events where outcome = 'denied' and actor_id = $1 and route = $2`, [env.f.people.gp, route]);

test('an ordinary GP session reads both patients of the care relation (the control)', async () => {
  assert.equal((await env.call('GET', `/api/patients/${env.f.otherPatient.id}`, env.c.gp)).status, 200);
  assert.equal((await env.call('GET', '/api/worklist', env.c.gp)).status, 200);
});

test('the launch-bound session reads and writes its patient, and says so in /api/me', async () => {
  const me = await env.call('GET', '/api/me', bound);
  assert.equal(me.status, 200);
  assert.deepEqual(me.body!.launchPatient, { id: env.f.patient.id, name: 'Kari Testesen' });
  assert.equal((await env.call('GET', '/api/me', env.c.gp)).body!.launchPatient, null);
  // The clinic app's files are not patient data: the gate leaves them alone.
  assert.notEqual((await env.server.app.inject({ method: 'GET', url: '/clinic/', headers: { cookie: bound } })).statusCode, 403);
  for (const path of ['', '/observations', '/alerts', '/pathway', '/notes', '/plans']) {
    assert.equal((await env.call('GET', `/api/patients/${env.f.patient.id}${path}`, bound)).status, 200, `GET …${path}`);
  }
  assert.equal((await env.call('POST', `/api/patients/${env.f.patient.id}/notes`, bound, { contactType: 'phone', text: 'Ringte.' })).status, 201);
  const fhir = await env.server.app.inject({ method: 'GET', url: `/fhir/Observation?patient=Patient/${env.f.patient.id}`, headers: { cookie: bound } });
  assert.equal(fhir.statusCode, 200);
});

test('other patients\' views and writes answer 403, audited as denied', async () => {
  const other = env.f.otherPatient.id;
  for (const path of ['', '/observations', '/alerts', '/pathway', '/notes']) {
    const r = await env.call('GET', `/api/patients/${other}${path}`, bound);
    assert.equal(r.status, 403, `GET …${path}`);
  }
  assert.equal((await env.call('POST', `/api/patients/${other}/notes`, bound, { contactType: 'phone', text: 'Ringte.' })).status, 403);
  assert.ok((await denials('GET /api/patients/:id')) >= 1);
  assert.ok((await env.count(`audit_events where outcome = 'denied' and actor_id = $1 and patient_id = $2`, [env.f.people.gp, other])) >= 6, 'each refusal names the patient');
});

test('lists across patients answer 403 and are audited: worklist, inbox, escalations, referrals, pathway tasks, devices, enrolment', async () => {
  for (const [method, url, route] of [
    ['GET', '/api/worklist', 'GET /api/worklist'],
    ['GET', '/api/messages/inbox', 'GET /api/messages/inbox'],
    ['GET', '/api/escalations', 'GET /api/escalations'],
    ['GET', '/api/referrals', 'GET /api/referrals'],
    ['GET', '/api/pathway/tasks', 'GET /api/pathway/tasks'],
    ['GET', '/api/devices', 'GET /api/devices'],
    ['POST', '/api/patients', 'POST /api/patients'],
  ] as const) {
    const r = await env.call(method, url, bound, method === 'POST' ? {} : undefined);
    assert.equal(r.status, 403, url);
    assert.equal(await denials(route), 1, `${route} audited once`);
  }
});

test('FHIR: reads and searches for another patient answer 403 (audited); a Patient search lists the launch\'s patient only', async () => {
  const get = (url: string) => env.server.app.inject({ method: 'GET', url, headers: { cookie: bound } });
  const other = env.f.otherPatient.id;
  assert.equal((await get(`/fhir/Observation?patient=Patient/${other}`)).statusCode, 403);
  assert.equal((await get(`/fhir/Patient/${other}`)).statusCode, 403);
  assert.equal((await get(`/fhir/CarePlan?patient=${other}`)).statusCode, 403);
  assert.equal((await get('/fhir/Device')).statusCode, 403, 'the device register lists other patients\' loans');
  assert.ok((await env.count(`audit_events where outcome = 'denied' and actor_id = $1 and patient_id = $2 and route like 'GET /fhir/%'`, [env.f.people.gp, other])) >= 3);
  const search = JSON.parse((await get('/fhir/Patient')).body) as { entry?: { resource: { id: string } }[] };
  assert.deepEqual((search.entry ?? []).map((e) => e.resource.id), [env.f.patient.id]);
  // The same search by the ordinary GP session finds both.
  const all = JSON.parse((await env.server.app.inject({ method: 'GET', url: '/fhir/Patient', headers: { cookie: env.c.gp } })).body) as { entry?: unknown[] };
  assert.equal(all.entry?.length, 2);
});

test('deny by default: every non-public app route outside the launch\'s patient and LAUNCH_ROUTES is 403 and audited', async () => {
  const nil = '00000000-0000-4000-8000-000000000000';
  const seen = new Set<string>();
  let checked = 0;
  for (const r of env.server.app.vardeRoutes) {
    const key = `${r.method} ${r.url}`;
    // FHIR is decided by patientAccess per resource (tested above); LAUNCH_ROUTES pass the gate by design.
    if (r.method === 'HEAD' || r.method === 'OPTIONS' || seen.has(key) || LAUNCH_ROUTES.has(key) || r.url.startsWith('/fhir')) continue;
    seen.add(key);
    const url = r.url.replace(/:id\b/, env.f.otherPatient.id).replace(/:[a-zA-Z]+/g, nil).replace('*', 'x');
    const json = r.method === 'GET' ? {} : { 'content-type': 'application/json' };
    const body = r.method === 'GET' ? {} : { payload: '{}' };
    const anonymous = await env.server.app.inject({ method: r.method as 'GET', url, headers: json, ...body });
    // Public routes (login, the apps' files, the local receiver's inbox): what anyone gets.
    if (anonymous.statusCode !== 401) continue;
    const before = await env.count(`audit_events where outcome = 'denied' and actor_id = $1 and details->>'reason' = 'launch_bound_session'`, [env.f.people.gp]);
    const res = await env.server.app.inject({ method: r.method as 'GET', url, headers: { cookie: bound, ...json }, ...body });
    assert.equal(res.statusCode, 403, `${key} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    assert.equal(await env.count(`audit_events where outcome = 'denied' and actor_id = $1 and details->>'reason' = 'launch_bound_session'`, [env.f.people.gp]), before + 1, `refusal audited: ${key}`);
    checked++;
  }
  assert.ok(checked > 40, `swept ${checked} routes`);
});

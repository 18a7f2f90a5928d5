import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

/**
 * Sweeps every registered route. A new route fails this test until it is classified here, so
 * nobody can add an endpoint that skips authentication, authorisation or the audit trail.
 *
 * - public: reachable without a session (login machinery, health).
 * - patient-data: must give 401 without a session, 403 to a nurse without a care relation (and
 *   audit the refusal), and write at least one audit record when the right person calls it.
 * - self: the patient's own data (/api/me/…): 401 without a session, 403 for personnel, audited.
 * - personnel: no patient data of one person (lists, streams): 401 without a session, 403 for a patient.
 */
type Kind = 'public' | 'patient-data' | 'self' | 'personnel' | 'session';
interface Spec {
  kind: Kind;
  /** Who may call it successfully, and with what body. */
  as?: 'nurseA' | 'gp' | 'patient';
  body?: (f: Fixture, ids: Ids) => unknown;
  expect?: number;
}
interface Ids {
  alertId: string;
  draftPlanId: string;
  escalationId?: string;
  loanId?: string;
  deviceId?: string;
}

const note = { note: { contactType: 'phone', text: 'Snakket med pasienten.' } };
const SPECS: Record<string, Spec> = {
  'GET /api/health': { kind: 'public' },
  // The API reference generated from the contract (src/api): no data, the contract is public.
  'GET /api/openapi.json': { kind: 'public' },
  'GET /api/docs': { kind: 'public' },
  'GET /api/docs/': { kind: 'public' },
  'GET /api/docs/static/index.html': { kind: 'public' },
  'GET /api/docs/static/swagger-initializer.js': { kind: 'public' },
  'GET /api/docs/json': { kind: 'public' },
  'GET /api/docs/yaml': { kind: 'public' },
  'GET /api/docs/static/*': { kind: 'public' },
  'GET /': { kind: 'public' },
  'GET /*': { kind: 'public' },
  'GET /auth/login': { kind: 'public' },
  'GET /auth/callback/:app': { kind: 'public' },
  'POST /auth/logout': { kind: 'public' },
  'POST /auth/token': { kind: 'public' },
  'GET /idp/*': { kind: 'public' },
  'POST /idp/*': { kind: 'public' },
  'OPTIONS /idp/*': { kind: 'public' },
  'GET /idp/interaction/:uid': { kind: 'public' },
  'POST /idp/interaction/:uid/login': { kind: 'public' },
  'GET /api/me': { kind: 'session' },
  'GET /api/me/plan': { kind: 'self' },
  'GET /api/me/today': { kind: 'self' },
  'GET /api/me/status': { kind: 'self' },
  'POST /api/me/observations': { kind: 'self', body: () => ({ idempotencyKey: 'sweep-me-1', measurements: [{ code: 'spo2', value: 95 }] }), expect: 201 },
  'GET /api/me/observations': { kind: 'self' },
  'GET /api/me/messages': { kind: 'self' },
  'POST /api/me/messages': { kind: 'self', body: () => ({ body: 'Hei' }), expect: 201 },
  'GET /api/me/messages/unread': { kind: 'self' },
  'GET /api/me/access-log': { kind: 'self' },
  'PUT /api/me/language': { kind: 'self', body: () => ({ lang: 'nn' }), expect: 204 },
  'GET /api/worklist': { kind: 'personnel' },
  'GET /api/me/memberships': { kind: 'personnel' },
  'POST /api/me/organisation': { kind: 'personnel' },
  'POST /api/patients/:id/emergency-access': { kind: 'personnel' },
  'GET /api/admin/emergency-access': { kind: 'personnel' },
  'POST /api/admin/emergency-access/:id/review': { kind: 'personnel' },
  'GET /api/admin/members': { kind: 'personnel' },
  'POST /api/admin/members': { kind: 'personnel' },
  'DELETE /api/admin/members/:id/roles/:role': { kind: 'personnel' },
  // Device clients and lifting a brute-force lockout: administrators of the client's organisation (auth/security.test.ts).
  'GET /api/admin/api-clients': { kind: 'personnel' },
  'POST /api/admin/api-clients/:clientId/unlock': { kind: 'personnel' },
  'GET /api/worklist/stream': { kind: 'personnel' },
  'GET /api/organisations': { kind: 'personnel' },
  // The hours of the caller's own service: no patient data; writes audited (opening-hours/opening-hours.test.ts).
  'GET /api/opening-hours': { kind: 'personnel' },
  'PUT /api/opening-hours': { kind: 'personnel' },
  // The service's inactive-patient days: no patient data; writes audited (service-settings/settings.test.ts).
  'GET /api/service-settings': { kind: 'personnel' },
  'PUT /api/service-settings': { kind: 'personnel' },
  // Device route (bearer token, observation.write): nobody with a session may use it; device rules are tested in ingest/.
  'POST /api/ingest/observations': { kind: 'personnel' },
  // Incoming dialogmelding (the GP's answer): bearer integration clients only (dialogmelding.receive); rules in integration/gp-answer.test.ts.
  'POST /api/integration/dialogmelding': { kind: 'personnel' },
  'POST /api/patients': { kind: 'personnel' },
  'GET /api/patients/:id': { kind: 'patient-data' },
  'POST /api/patients/:id/end-episode': { kind: 'patient-data', body: () => ({ reason: 'Flyttet' }), expect: -1 },
  'GET /api/patients/:id/plans': { kind: 'patient-data' },
  // Care pathway (pathway/pathway.test.ts): the fixture patient is active, so the step swept is a pause.
  'POST /api/referrals': { kind: 'personnel' },
  'GET /api/referrals': { kind: 'personnel' },
  'GET /api/pathway/tasks': { kind: 'personnel' },
  'GET /api/me/pathway': { kind: 'self' },
  // Delegation: the patient lets a relative record for them; recording on the patient's behalf (delegation/delegation.test.ts).
  'GET /api/me/delegations': { kind: 'self' },
  'POST /api/me/delegations': { kind: 'self', body: (f) => ({ name: 'Kari Testesen', identifier: f.patient.identifier, relation: 'søster' }), expect: 201 },
  'POST /api/me/delegations/revoke': { kind: 'self', body: (f) => ({ identifier: f.patient.identifier }) },
  'GET /api/me/delegated-to-me': { kind: 'self' },
  'POST /api/patients/:id/observations/on-behalf': { kind: 'patient-data', body: () => ({ idempotencyKey: 'sweep-onbehalf-1', measurements: [{ code: 'spo2', value: 95 }] }), expect: 201 },
  'GET /api/patients/:id/pathway': { kind: 'patient-data' },
  'POST /api/patients/:id/pathway': { kind: 'patient-data', body: () => ({ action: 'pause', reason: 'Ferie', until: '2199-01-01' }) },
  'PUT /api/patients/:id/pathway/onboarding': { kind: 'patient-data', body: () => ({ goals: 'Gå tur hver dag.' }) },
  'POST /api/patients/:id/plans': { kind: 'patient-data', as: 'gp', body: (f) => ({ definition: TEST_DEF }), expect: 201 },
  'POST /api/patients/:id/plans/:planId/approve': { kind: 'patient-data', as: 'gp' },
  'GET /api/patients/:id/observations': { kind: 'patient-data' },
  'POST /api/patients/:id/observations': { kind: 'patient-data', body: () => ({ idempotencyKey: 'sweep-nurse-1', measurements: [{ code: 'spo2', value: 86 }] }), expect: 201 },
  'GET /api/patients/:id/alerts': { kind: 'patient-data' },
  // Alert burden and threshold-review suggestions (alerts/burden.test.ts).
  'GET /api/patients/:id/alert-burden': { kind: 'patient-data' },
  // The link to the service's video service; null here, as the sweep's server has none configured (notes/video.test.ts).
  'GET /api/patients/:id/video-link': { kind: 'patient-data' },
  'GET /api/patients/:id/notes': { kind: 'patient-data' },
  'POST /api/patients/:id/notes': { kind: 'patient-data', body: () => ({ contactType: 'phone', text: 'Ringte.' }), expect: 201 },
  'GET /api/patients/:id/messages': { kind: 'patient-data' },
  'POST /api/patients/:id/messages': { kind: 'patient-data', body: () => ({ body: 'Hei fra sykepleier' }), expect: 201 },
  'POST /api/patients/:id/messages/handled': { kind: 'patient-data', body: () => ({ note: 'Ringte pasienten.' }), expect: 200 },
  'GET /api/messages/inbox': { kind: 'personnel' },
  'GET /api/messages/unread-count': { kind: 'personnel' },
  'POST /api/alerts/:id/acknowledge': { kind: 'patient-data', body: () => note },
  'POST /api/alerts/:id/resolve': { kind: 'patient-data', body: () => note },
  'POST /api/patients/:id/alerts/acknowledge': { kind: 'patient-data', body: (_f, ids) => ({ alertIds: [ids.alertId], ...note }), expect: -1 },
  'GET /api/questionnaires/:code': { kind: 'session' },
  'POST /api/me/questionnaires/:code': {
    kind: 'self', expect: 201,
    body: () => ({ idempotencyKey: 'sweep-gad7-1', answers: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((i) => [`gad7-${i}`, 0])) }),
  },
  'GET /api/patients/:id/questionnaire-responses': { kind: 'patient-data' },
  'POST /api/alerts/:id/escalate': { kind: 'patient-data', body: () => ({ note: 'Vurder antibiotika.' }), expect: 201 },
  'GET /api/escalations': { kind: 'personnel' },
  'POST /api/escalations/:id/handle': { kind: 'patient-data', as: 'gp', body: () => ({ note: 'Ringte pasienten.' }) },
  'GET /api/patients/:id/escalations': { kind: 'patient-data' },
  'GET /api/devices': { kind: 'personnel' },
  'POST /api/devices': { kind: 'personnel' },
  // Bluetooth identity of a device of the caller's own register: no patient data; audited (devices/identity.test.ts).
  'PATCH /api/devices/:id': { kind: 'personnel' },
  'GET /api/patients/:id/device-loans': { kind: 'patient-data' },
  'POST /api/patients/:id/device-loans': { kind: 'patient-data', body: (_f, ids) => ({ deviceId: ids.deviceId }), expect: 201 },
  'POST /api/device-loans/:id/return': { kind: 'patient-data' },
  // Outbox dead letters and receivers: administrators of their own organisation, no patient data
  // listed; resend and receiver changes audited (outbox/outbox.test.ts).
  'GET /api/admin/outbox': { kind: 'personnel' },
  'POST /api/admin/outbox/:id/resend': { kind: 'personnel' },
  'GET /api/admin/receivers': { kind: 'personnel' },
  'PUT /api/admin/receivers/:kind': { kind: 'personnel' },
  // The local receiver (never in production): it stands for another system, so posting to it needs
  // no session; what it holds and its failure modes are for personnel only.
  'POST /dev/receiver/:channel': { kind: 'public' },
  'GET /dev/receiver/documents': { kind: 'personnel' },
  'PUT /dev/receiver/mode': { kind: 'personnel' },
  'GET /api/templates': { kind: 'personnel' },
  'GET /api/templates/plan': { kind: 'personnel' },
  'GET /api/reports/indicators': { kind: 'personnel' },
  'GET /api/reports/indicators.csv': { kind: 'personnel' },
  // FHIR face (src/server/fhir). Reads and searches take resource ids and query parameters this sweep
  // cannot fill in, so they are 'session' here; fhir/fhir.test.ts sweeps every /fhir route with the
  // same rules (401 without session, 403 + audited refusal without care relation, audited when served).
  'GET /fhir/metadata': { kind: 'public' },
  // SMART EHR launch (auth/smart.ts, e2e/smart-launch.test.ts): discovery and the launch URL are public; the
  // launch registration is for EPJ clients with a bearer token (smart.launch), like device ingest.
  'GET /fhir/.well-known/smart-configuration': { kind: 'public' },
  'GET /.well-known/smart-configuration': { kind: 'public' },
  'GET /launch': { kind: 'public' },
  'POST /smart/launch': { kind: 'personnel' },
  'GET /fhir/*': { kind: 'session' },
  'GET /fhir': { kind: 'session' },
  'GET /fhir/Patient/:id': { kind: 'patient-data' },
  'GET /fhir/Patient': { kind: 'session' },
  'GET /fhir/Observation/:id': { kind: 'session' },
  'GET /fhir/Observation': { kind: 'session' },
  'POST /fhir/Observation': { kind: 'patient-data', body: (f) => fhirObservation(f, 'sweep-fhir-obs-1'), expect: 201 },
  'GET /fhir/QuestionnaireResponse/:id': { kind: 'session' },
  'GET /fhir/QuestionnaireResponse': { kind: 'session' },
  'GET /fhir/CarePlan/:id': { kind: 'session' },
  'GET /fhir/CarePlan': { kind: 'session' },
  'GET /fhir/CarePlan/$dbep': { kind: 'session' },
  'GET /fhir/CarePlan/:id/$dbep': { kind: 'session' },
  'POST /fhir/CarePlan/$dbep': { kind: 'session' },
  'GET /fhir/Flag/:id': { kind: 'session' },
  'GET /fhir/Flag': { kind: 'session' },
  'GET /fhir/Communication/:id': { kind: 'session' },
  'GET /fhir/Communication': { kind: 'session' },
  'GET /fhir/Device/:id': { kind: 'session' },
  'GET /fhir/Device': { kind: 'session' },
  'POST /fhir/Device': { kind: 'session' },
  'POST /fhir/QuestionnaireResponse': { kind: 'session' },
  'PUT /fhir/Observation/:id': { kind: 'session' },
  'GET /fhir/DeviceMetric/:id': { kind: 'session' },
  'GET /fhir/AuditEvent': { kind: 'session' },
  'POST /fhir': {
    kind: 'patient-data', expect: 200,
    body: (f) => ({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: fhirObservation(f, 'sweep-fhir-tx-1'), request: { method: 'POST', url: 'Observation' } }] }),
  },
};
let TEST_DEF: unknown;
/** A FHIR heart-rate Observation for the sweep's /fhir writes. */
function fhirObservation(f: Fixture, key: string) {
  return {
    resourceType: 'Observation', status: 'final', identifier: [{ system: 'urn:varde:idempotency', value: key }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: `Patient/${env.f.patient.id}` },
    effectiveDateTime: new Date(Date.now() - 60_000).toISOString(), valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

const routes: { method: string; url: string }[] = [];

const env = useTestServer({
  setup: async () => {
    TEST_DEF = (await env.db.query<{ definition: unknown }>('select definition from plans where id = $1', [env.f.patient.planId])).rows[0]!.definition;
  },
});

function registered(): { method: string; url: string }[] {
  if (routes.length) return routes;
  const out = new Set<string>();
  for (const r of env.server.app.vardeRoutes) {
    if (r.method === 'HEAD') continue;
    const key = `${r.method} ${r.url}`;
    if (!out.has(key)) {
      out.add(key);
      routes.push(r);
    }
  }
  return routes;
}

function fill(url: string, ids: Ids, patientId: string): string {
  return url
    .replace(':planId', ids.draftPlanId)
    .replace(':code', 'gad7')
    .replace('/api/escalations/:id', `/api/escalations/${ids.escalationId ?? ids.alertId}`)
    .replace('/api/device-loans/:id', `/api/device-loans/${ids.loanId ?? ids.alertId}`)
    .replace('/api/alerts/:id', `/api/alerts/${ids.alertId}`)
    .replace(':id', patientId);
}

async function inject(method: string, url: string, cookie: string | null, body?: unknown) {
  const res = await env.server.app.inject({
    method: method as 'GET', url,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return res.statusCode;
}

const auditCount = async () => (await env.db.query<{ n: number }>('select count(*)::int as n from audit_events')).rows[0]!.n;

test('every route is classified in the sweep', () => {
  const unknown = registered().map((r) => `${r.method} ${r.url}`).filter((k) => !SPECS[k]);
  assert.deepEqual(unknown, [], 'add the new routes to SPECS with their access kind');
});

test('every non-public route refuses a caller without a session (401)', async () => {
  for (const r of registered()) {
    const spec = SPECS[`${r.method} ${r.url}`]!;
    if (spec.kind === 'public') continue;
    const status = await inject(r.method, fill(r.url, { alertId: '00000000-0000-4000-8000-000000000000', draftPlanId: '00000000-0000-4000-8000-000000000000' }, env.f.patient.id), null, spec.body?.(env.f, { alertId: '', draftPlanId: '' }));
    assert.equal(status, 401, `${r.method} ${r.url}`);
  }
});

test('patient data: refused without care relation (403, audited); allowed and audited with one', async () => {
  // Ids that the POST routes act on: an open alert and a plan draft of the patient.
  await inject('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'sweep-red-1', measurements: [{ code: 'spo2', value: 85 }] });
  await inject('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'sweep-red-2', measurements: [{ code: 'heart_rate', value: 130 }] });
  const alertIds = (await env.db.query<{ id: string }>('select id from alerts where patient_id = $1 order by rule_id', [env.f.patient.id])).rows.map((r) => r.id);
  assert.equal(alertIds.length, 2);
  const draft = await env.server.app.inject({ method: 'POST', url: `/api/patients/${env.f.patient.id}/plans`, headers: { cookie: env.c.gp, 'content-type': 'application/json' }, payload: JSON.stringify({ definition: TEST_DEF }) });
  const draftPlanId = (JSON.parse(draft.body) as { id: string }).id;
  // An escalation for the GP to handle, a device to lend and a loan to take back.
  const esc = await env.server.app.inject({ method: 'POST', url: `/api/alerts/${alertIds[1]}/escalate`, headers: { cookie: env.c.nurseA, 'content-type': 'application/json' }, payload: JSON.stringify({ note: 'Se på pulsen.' }) });
  const escalationId = (JSON.parse(esc.body) as { id: string }).id;
  const dev = async (serial: string) => (await env.db.query<{ id: string }>(`insert into devices (organisation_id, serial, model, kind) values ($1,$2,'Nonin 3230','pulse_oximeter') returning id`, [env.f.orgs.muniA, serial])).rows[0]!.id;
  const deviceId = await dev('SWEEP-1');
  const loanId = (await env.db.query<{ id: string }>('insert into device_loans (device_id, patient_id) values ($1,$2) returning id', [await dev('SWEEP-2'), env.f.patient.id])).rows[0]!.id;

  const ordered = registered().filter((r) => SPECS[`${r.method} ${r.url}`]!.kind === 'patient-data')
    // End the episode last: after it, writes are refused.
    .sort((a, b) => Number(a.url.endsWith('end-episode')) - Number(b.url.endsWith('end-episode'))
      // Acknowledge-all takes the alert that is resolved later, so it must come before resolve.
      || Number(b.url.endsWith('/alerts/acknowledge')) - Number(a.url.endsWith('/alerts/acknowledge')));
  for (const r of ordered) {
    const spec = SPECS[`${r.method} ${r.url}`]!;
    const ids = { alertId: r.url.endsWith('resolve') || r.url.endsWith('/alerts/acknowledge') ? alertIds[1]! : alertIds[0]!, draftPlanId, escalationId, deviceId, loanId };
    const url = fill(r.url, ids, env.f.patient.id);
    const body = spec.body?.(env.f, ids);

    const deniedBefore = (await env.db.query<{ n: number }>(`select count(*)::int as n from audit_events where outcome = 'denied'`)).rows[0]!.n;
    assert.equal(await inject(r.method, url, env.c.nurseB, body), 403, `nurse B: ${r.method} ${r.url}`);
    const deniedAfter = (await env.db.query<{ n: number }>(`select count(*)::int as n from audit_events where outcome = 'denied'`)).rows[0]!.n;
    assert.ok(deniedAfter > deniedBefore, `refusal audited: ${r.method} ${r.url}`);
    assert.equal(await inject(r.method, url, env.c.coordinator, body), 403, `coordinator: ${r.method} ${r.url}`);

    const before = await auditCount();
    const who = env.c[spec.as ?? (r.url.endsWith('end-episode') ? 'gp' : 'nurseA')];
    const status = await inject(r.method, url, who, body);
    assert.ok(status >= 200 && status < 300, `${r.method} ${r.url} → ${status}`);
    if (spec.expect && spec.expect > 0) assert.equal(status, spec.expect, `${r.method} ${r.url}`);
    assert.ok((await auditCount()) > before, `audited: ${r.method} ${r.url}`);
  }
});

test('own-data routes: personnel are refused, the patient is served and audited', async () => {
  for (const r of registered()) {
    const spec = SPECS[`${r.method} ${r.url}`]!;
    if (spec.kind !== 'self') continue;
    const body = spec.body?.(env.f, { alertId: '', draftPlanId: '' });
    const url = fill(r.url, { alertId: '', draftPlanId: '' }, env.f.otherPatient.id);
    assert.equal(await inject(r.method, url, env.c.nurseA, body), 403, `${r.method} ${r.url}`);
    const before = await auditCount();
    const status = await inject(r.method, url, env.c.otherPatient, body);
    assert.ok(status >= 200 && status < 300, `${r.method} ${r.url} → ${status}`);
    assert.ok((await auditCount()) > before, `audited: ${r.method} ${r.url}`);
  }
});

test('personnel routes refuse patients', async () => {
  for (const r of registered()) {
    const spec = SPECS[`${r.method} ${r.url}`]!;
    if (spec.kind !== 'personnel') continue;
    assert.equal(await inject(r.method, r.url, env.c.patient, r.method === 'POST' ? {} : undefined), 403, `${r.method} ${r.url}`);
  }
});

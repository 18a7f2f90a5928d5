import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Bundle, CarePlan, Condition, OperationOutcome, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { PLAN, planerProblems, ZONE_CONDITION, ZONE_PLAN } from '../../../test/national/planer-checks.js';
import { TEST_PLAN } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

/*
 * DBEP (issue 14): the plan in force exported in HL7 Norway's plan-sharing shape (overall CarePlan,
 * zone Conditions and zone CarePlans per measure, Goal and ServiceRequests), valid against R4 and
 * the v2 profiles' rules; one plan in force per patient; a hospital's plan in that shape imported as
 * a draft only; export → import gives the same measures, limits, actions, schedules, medicines and contacts.
 */
const env = useTestServer();
const fixture = (f: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../test/national/planer/${f}`, import.meta.url)), 'utf8')) as Resource;

async function fhir<T>(method: string, url: string, who: keyof typeof env.c | null, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await env.server.app.inject({ method: method as 'GET', url, headers: { ...(who ? { cookie: env.c[who] } : {}), ...(body ? { 'content-type': 'application/fhir+json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
  return { status: res.statusCode, body: JSON.parse(res.body) as T };
}
const resources = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!);

test('the published examples pass the profile checks, and the checks can fail', () => {
  assert.deepEqual(planerProblems(fixture('CarePlan-CarePlan-Oddfrid-Red-V2.json')), []);
  assert.deepEqual(planerProblems(fixture('Condition-ZoneCondition-Red-Oddfrid-V2.json')), []);
  const broken = fixture('CarePlan-CarePlan-Oddfrid-Red-V2.json') as CarePlan;
  delete broken.partOf;
  assert.ok(planerProblems(broken).some((p) => p.includes('partOf')));
  const c = fixture('Condition-ZoneCondition-Red-Oddfrid-V2.json') as Condition;
  c.severity!.coding![0]!.code = 'purple';
  assert.ok(planerProblems(c).length > 0);
});

test('export: the plan in force as a DBEP Bundle, every resource valid; one plan in force; no care relation, no plan', async () => {
  const r = await fhir<Bundle>('GET', `/fhir/CarePlan/$dbep?patient=${env.f.patient.id}`, 'nurseA');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const all = resources(r.body);
  assert.deepEqual(all.flatMap(planerProblems), []);
  const overall = all.filter((x): x is CarePlan => x.resourceType === 'CarePlan' && !!x.meta?.profile?.includes(PLAN));
  assert.equal(overall.length, 1, 'one plan in force');
  assert.equal(overall[0]!.status, 'active');
  assert.equal(overall[0]!.subject!.identifier!.value, env.f.patient.identifier);
  // Per measure: a ServiceRequest, three zone Conditions and three zone CarePlans.
  assert.equal(all.filter((x) => x.resourceType === 'ServiceRequest').length, TEST_PLAN.measures.length);
  assert.equal(all.filter((x) => x.meta?.profile?.includes(ZONE_CONDITION)).length, 3 * TEST_PLAN.measures.length);
  assert.equal(all.filter((x) => x.meta?.profile?.includes(ZONE_PLAN)).length, 3 * TEST_PLAN.measures.length);
  const red = all.find((x): x is Condition => x.id!.endsWith('-zc-spo2-red'))!;
  assert.match(red.code!.text!, /under 88/);
  const sr = all.find((x): x is ServiceRequest => x.resourceType === 'ServiceRequest')!;
  assert.deepEqual(sr.occurrenceTiming!.repeat!.timeOfDay, ['10:00:00']);
  assert.equal((await fhir('GET', `/fhir/CarePlan/$dbep?patient=${env.f.patient.id}`, 'nurseB')).status, 403);
  const byId = await fhir<Bundle>('GET', `/fhir/CarePlan/${env.f.patient.planId}/$dbep`, 'gp');
  assert.equal(byId.status, 200);
});

test('import: a hospital plan becomes a draft for the GP, never in force; export → import is the same plan; bad input writes nothing', async () => {
  const exported = (await fhir<Bundle>('GET', `/fhir/CarePlan/$dbep?patient=${env.f.patient.id}`, 'gp')).body;
  const count = () => env.count('plans p join episodes e on e.id = p.episode_id where e.patient_id = $1', [env.f.patient.id]);
  const before = await count();

  const broken = structuredClone(exported);
  broken.entry = broken.entry!.filter((e) => !(e.resource!.id ?? '').endsWith('-zp-spo2-red'));
  const bad = await fhir<OperationOutcome>('POST', '/fhir/CarePlan/$dbep', 'gp', broken);
  assert.equal(bad.status, 422);
  assert.match(bad.body.issue[0]!.diagnostics!, /spo2: no zone CarePlan with an action for red/);
  assert.equal((await fhir('POST', '/fhir/CarePlan/$dbep', 'nurseB', exported)).status, 403, 'no care relation');
  assert.equal(await count(), before, 'nothing written');

  const imported = await fhir<Bundle>('POST', '/fhir/CarePlan/$dbep', 'gp', exported);
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  const draft = resources(imported.body).find((x): x is CarePlan => x.resourceType === 'CarePlan' && !!x.meta?.profile?.includes(PLAN))!;
  assert.equal(draft.status, 'draft', 'imported plans wait for the GP');
  assert.equal(await count(), before + 1);
  const stored = (await env.db.query<{ status: string; definition: typeof TEST_PLAN }>(
    `select p.status, p.definition from plans p join episodes e on e.id = p.episode_id where e.patient_id = $1 order by p.version desc limit 1`, [env.f.patient.id])).rows[0]!;
  assert.equal(stored.status, 'draft');
  assert.deepEqual(stored.definition.measures, TEST_PLAN.measures, 'measures, limits, actions and schedules survive the round trip');
  assert.equal(stored.definition.medicines, TEST_PLAN.medicines);
  assert.equal(stored.definition.contacts, TEST_PLAN.contacts);
  // The plan in force is still the approved one.
  const inForce = resources((await fhir<Bundle>('GET', `/fhir/CarePlan/$dbep?patient=${env.f.patient.id}`, 'gp')).body).find((x) => x.meta?.profile?.includes(PLAN)) as CarePlan;
  assert.equal(inForce.identifier![0]!.value, env.f.patient.planId);
});

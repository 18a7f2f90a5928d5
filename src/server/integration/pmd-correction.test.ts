import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { codeProblems, observationProblems } from '../../../test/national/checks.js';
import { validationProblems } from '../../../test/national/profiles.js';
import { localReceiverOf } from '../outbox/routes.js';
import { OutboxWorker } from '../outbox/worker.js';
import { useTestServer } from '../testing/server.js';
import { PMD_CORRECTION_KIND, PMD_DOCUMENT_KIND, queueSharedMeasurements } from './pmd-job.js';

/*
 * Issue 14, Pasientens måledata: a reading retracted after it was shared (entered-in-error over
 * FHIR) is sent once more, as the same Observation with status entered-in-error, by the same
 * periodic job; never before the reading itself was delivered, and only once.
 */
const env = useTestServer();
const FHIR = 'https://varde.test/fhir';
const run = () => queueSharedMeasurements(env.db, new Date(), { fhirBase: FHIR });
const reading = (key: string, value: number) => env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: key, measurements: [{ code: 'spo2', value }] });
const idsOf = async (key: string) => (await env.db.query<{ id: string }>('select id from observations where idempotency_key = $1', [key])).rows.map((r) => r.id);
/** The nurse retracts the app reading over FHIR by its idempotency key (fhir/observations.ts). */
async function retract(key: string, value: number) {
  const res = await env.server.app.inject({
    method: 'POST', url: '/fhir/Observation', headers: { cookie: env.c.nurseA, 'content-type': 'application/fhir+json' },
    payload: JSON.stringify({
      resourceType: 'Observation', status: 'entered-in-error', identifier: [{ system: 'urn:varde:idempotency', value: key }],
      code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] }, subject: { reference: `Patient/${env.f.patient.id}` },
      effectiveDateTime: new Date().toISOString(), valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    }),
  });
  assert.ok(res.statusCode < 300, res.body);
}
const received = (kind: string) => localReceiverOf(env.server.app)!.list().filter((d) => d.documentKind === kind).map((d) => JSON.parse(d.body) as Bundle);
const deliver = async () => {
  const w = new OutboxWorker(env.db, { id: 'pmd-corr', requestTimeoutMs: 5_000 });
  const r = await w.tick();
  await w.stop();
  return r.delivered;
};

test('shared, then entered-in-error: the same Observation goes once more as entered-in-error, valid, audited', async () => {
  await env.db.query(`insert into integration_receivers (organisation_id, kind, url, helseid_client_id) values ($1,'pasientens_maledata',$2,'varde-test-pmd')`,
    [env.f.orgs.muniA, `${env.server.url}/dev/receiver/pasientens_maledata`]);
  const c = await env.call('PUT', `/api/patients/${env.f.patient.id}/pathway/onboarding`, env.c.nurseA, { consent: { scope: 'Målinger deles med Pasientens måledata.', shareMeasurements: true } });
  assert.equal(c.status, 200);
  assert.equal((await reading('pmd-corr-0001', 84)).status, 201);
  assert.equal((await reading('pmd-corr-0002', 95)).status, 201);
  const wrong = await idsOf('pmd-corr-0001');
  assert.deepEqual(await run(), { messages: 1, readings: 2, corrections: 0 });

  // Retracted before the sharing was delivered: nothing yet (the correction must not overtake it).
  await retract('pmd-corr-0001', 84);
  assert.deepEqual(await idsOf('pmd-corr-0001'), [], 'moved out of observations');
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 });

  assert.equal(await deliver(), 1);
  assert.deepEqual(await run(), { messages: 1, readings: 0, corrections: 1 });
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 }, 'once');
  const mark = await env.db.query<{ correction_key: string | null }>('select correction_key from pmd_shared where observation_id = any($1::uuid[])', [wrong]);
  const outboxKey = await env.db.query<{ idempotency_key: string }>('select idempotency_key from outbox where document_kind = $1', [PMD_CORRECTION_KIND]);
  assert.deepEqual(mark.rows.map((r) => r.correction_key), outboxKey.rows.map((r) => r.idempotency_key), 'the shared reading is marked with its correction\'s outbox key');
  assert.equal(await deliver(), 1);

  const [shared] = received(PMD_DOCUMENT_KIND);
  const [correction] = received(PMD_CORRECTION_KIND);
  assert.ok(shared && correction);
  const sentIds = shared.entry!.map((e) => e.resource!.id);
  assert.deepEqual(correction.entry!.map((e) => e.resource!.id), wrong, 'only the retracted reading');
  assert.ok(wrong.every((id) => sentIds.includes(id)), 'the same resource id as when it was shared');
  assert.deepEqual(correction.entry!.map((e) => [e.request!.method, e.request!.url]), wrong.map((id) => ['PUT', `Observation/${id}`]));
  assert.deepEqual(correction.entry!.map((e) => (e.resource as Observation).status), ['entered-in-error']);
  assert.equal((correction.entry![0]!.resource as Observation).valueQuantity!.value, 84);
  const problems: string[] = [...validationProblems(correction)];
  for (const e of correction.entry ?? []) problems.push(...validationProblems(e.resource!), ...codeProblems(e.resource!), ...observationProblems(e.resource as Observation));
  assert.deepEqual(problems, []);
  assert.equal(await env.count(`audit_events where actor_kind = 'system' and patient_id = $1 and details->>'correction' = 'entered-in-error'`, [env.f.patient.id]), 1);
});

test('a reading retracted that was never shared sends nothing', async () => {
  await env.call('PUT', `/api/patients/${env.f.patient.id}/pathway/onboarding`, env.c.nurseA, { consent: { shareMeasurements: false } });
  assert.equal((await reading('pmd-corr-0003', 83)).status, 201);
  await retract('pmd-corr-0003', 83);
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 });
});

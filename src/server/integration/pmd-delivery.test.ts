import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { codeProblems, observationProblems } from '../../../test/national/checks.js';
import { validationProblems } from '../../../test/national/profiles.js';
import { localReceiverOf } from '../outbox/routes.js';
import { OutboxWorker } from '../outbox/worker.js';
import { useTestServer } from '../testing/server.js';
import { PMD_DOCUMENT_KIND, queueSharedMeasurements } from './pmd-job.js';

/*
 * Issue 14, Pasientens måledata: readings of a patient who consented to sharing are queued by the
 * periodic job (never on ingest's path) and delivered as a valid pmd-Bundle-Observation batch; a
 * patient without consent, readings from before the consent, and an organisation without an
 * enabled receiver send nothing; a reading is queued once however often the job runs.
 */
const env = useTestServer();
const FHIR = 'https://varde.test/fhir';
const run = () => queueSharedMeasurements(env.db, new Date(), { fhirBase: FHIR });
const reading = (key: string, value: number) => env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: key, measurements: [{ code: 'spo2', value }, { code: 'heart_rate', value: 80 }] });
const consent = (shareMeasurements: boolean) =>
  env.call('PUT', `/api/patients/${env.f.patient.id}/pathway/onboarding`, env.c.nurseA, { consent: { scope: 'Målinger deles med Pasientens måledata, fastlege og sykehus.', shareMeasurements } });

function problems(b: Bundle): string[] {
  const out = validationProblems(b);
  for (const e of b.entry ?? []) out.push(...validationProblems(e.resource!), ...codeProblems(e.resource!), ...observationProblems(e.resource as Observation));
  return out;
}

test('no consent, nothing sent; consent → new readings queued once and delivered as a valid batch; withdrawn → nothing more', async () => {
  await env.db.query(`insert into integration_receivers (organisation_id, kind, url, helseid_client_id) values ($1,'pasientens_maledata',$2,'varde-test-pmd')`,
    [env.f.orgs.muniA, `${env.server.url}/dev/receiver/pasientens_maledata`]);
  { const r = await reading('pmd-reading-1', 95); assert.equal(r.status, 201, JSON.stringify(r.body)); }
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 }, 'a patient who has not consented is not sent');

  assert.equal((await consent(true)).status, 200);
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 }, 'readings from before the consent stay');
  assert.equal((await reading('pmd-reading-2', 96)).status, 201);
  assert.equal((await reading('pmd-reading-3', 93)).status, 201);
  assert.deepEqual(await run(), { messages: 1, readings: 4, corrections: 0 }, 'one batch for the patient, both sittings');
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 }, 'queued once');
  // Re-recording the consent text keeps sharing from when it was first given.
  assert.equal((await consent(true)).status, 200);
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 });

  const w = new OutboxWorker(env.db, { id: 'pmd', requestTimeoutMs: 5_000 });
  assert.equal((await w.tick()).delivered, 1);
  await w.stop();
  const got = localReceiverOf(env.server.app)!.list().filter((d) => d.documentKind === PMD_DOCUMENT_KIND);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.channel, 'pasientens_maledata');
  const b = JSON.parse(got[0]!.body) as Bundle;
  assert.deepEqual(problems(b), []);
  assert.equal(b.type, 'batch');
  assert.deepEqual(b.entry!.map((e) => (e.resource as Observation).valueQuantity!.value).sort(), [80, 80, 93, 96]);
  assert.ok(b.entry!.every((e) => (e.resource as Observation).subject!.identifier!.value === env.f.patient.identifier));
  assert.equal(await env.count(`audit_events where actor_kind = 'system' and patient_id = $1 and details->>'disclosure' = 'pasientens_maledata'`, [env.f.patient.id]), 1);

  assert.equal((await consent(false)).status, 200);
  assert.equal((await reading('pmd-reading-4', 94)).status, 201);
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 }, 'withdrawn consent: nothing more is queued');
});

test('consent but the organisation\'s receiver is switched off: nothing queued, and it is shared once it is switched on', async () => {
  await env.db.query(`update integration_receivers set enabled = false where kind = 'pasientens_maledata'`);
  assert.equal((await consent(true)).status, 200);
  assert.equal((await reading('pmd-reading-5', 92)).status, 201);
  assert.deepEqual(await run(), { messages: 0, readings: 0, corrections: 0 });
  await env.db.query(`update integration_receivers set enabled = true where kind = 'pasientens_maledata'`);
  assert.deepEqual(await run(), { messages: 1, readings: 2, corrections: 0 });
});

test('the outbox worker runs the job as leader only, at most once per interval', async () => {
  let calls = 0;
  let t = Date.parse('2026-03-02T08:00:00Z');
  const now = () => new Date(t);
  const producers = [async () => { calls++; }];
  const a = new OutboxWorker(env.db, { id: 'lead', now, producers, producerEveryMs: 60_000 });
  const b = new OutboxWorker(env.db, { id: 'other', now, producers, producerEveryMs: 60_000 });
  await a.tick();
  await b.tick();
  assert.equal(calls, 1, 'only the lease holder queues');
  t += 30_000;
  await a.tick();
  assert.equal(calls, 1);
  t += 31_000;
  await a.tick();
  assert.equal(calls, 2);
  await a.stop();
  await b.stop();
});

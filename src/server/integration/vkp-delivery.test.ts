import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, DetectedIssue, Observation } from '@medplum/fhirtypes';
import { vkpDocumentProblems } from '../../../test/national/checks.js';
import { dialogmeldingProblems } from '../../../test/national/xmllint.js';
import { localReceiverOf } from '../outbox/routes.js';
import { OutboxWorker } from '../outbox/worker.js';
import { countRows, useTestServer } from '../testing/server.js';

/*
 * Issue 14, end to end: a red reading raises an alert, a nurse acknowledges it with a contact
 * note, the VKP DHO document is written to the outbox in that transaction and delivered by the
 * worker to the (local) receiver of the nurse's municipality, where it is a valid VKP document.
 */
const env = useTestServer();
const note = (text: string) => ({ note: { contactType: 'phone', text } });

async function setup() {
  await env.db.query(`insert into integration_receivers (organisation_id, kind, url, helseid_client_id) values ($1,'vkp',$2,'varde-test-vkp')`,
    [env.f.orgs.muniA, `${env.server.url}/dev/receiver/vkp`]);
}
const worker = () => new OutboxWorker(env.db, { id: 'e2e', leaseMs: 30_000, requestTimeoutMs: 5_000 });
const alertsOf = async (patientId: string) =>
  (await env.db.query<{ id: string; rule_id: string; status: string }>('select id, rule_id, status from alerts where patient_id = $1 order by rule_id', [patientId])).rows;

test('red SpO2 → nurse acknowledges → VKP document delivered to the municipality\'s receiver, valid against the VKP profiles', async () => {
  await setup();
  const r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'e2e-red-1', measurements: [{ code: 'spo2', value: 85 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const [alert] = await alertsOf(env.f.patient.id);
  assert.ok(alert);
  assert.equal(await countRows(env.db, 'outbox'), 0, 'nothing is sent before a nurse has handled the alert');

  const ack = await env.call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseA, note('Ringte pasienten, startet beredskapspakke.'));
  assert.equal(ack.status, 200, JSON.stringify(ack.body));
  assert.equal(await countRows(env.db, `outbox where status = 'pending'`), 1);
  // A refused second acknowledgement rolls back and queues nothing.
  assert.equal((await env.call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseA, note('Igjen.'))).status, 409);
  assert.equal(await countRows(env.db, 'outbox'), 1);

  const w = worker();
  assert.equal((await w.tick()).delivered, 1);
  const receiver = localReceiverOf(env.server.app)!;
  const [got] = receiver.list();
  assert.ok(got);
  assert.equal(got.channel, 'vkp');
  assert.equal(got.documentKind, 'vkp-dho-document');
  assert.match(got.key, new RegExp(`^varde-vkp-.*-${alert.id}-acknowledge$`));
  const doc = JSON.parse(got.body) as Bundle;
  assert.deepEqual(vkpDocumentProblems(doc), []);
  const issue = doc.entry!.find((e) => e.resource?.resourceType === 'DetectedIssue')!.resource as DetectedIssue;
  assert.equal(issue.code!.coding![0]!.code, '5.2.1');
  assert.equal(issue.severity, 'high');
  const spo2 = doc.entry!.find((e) => e.resource?.resourceType === 'Observation')!.resource as Observation;
  assert.equal(spo2.valueQuantity!.value, 85);
  assert.equal(spo2.subject!.identifier!.value, env.f.patient.identifier);
  assert.ok(got.body.includes('Ringte pasienten, startet beredskapspakke.'));
  assert.ok(got.body.includes('1000001'), 'the nurse by HPR number');
  assert.ok(got.body.includes('900000001'), 'the municipality by organisation number');

  // Resolving documents again (another document, another key).
  const res = await env.call('POST', `/api/alerts/${alert.id}/resolve`, env.c.nurseA, note('Bedre i dag, SpO2 93 %.'));
  assert.equal(res.status, 200);
  assert.equal((await w.tick()).delivered, 1);
  assert.equal(receiver.list().length, 2);
  assert.deepEqual(vkpDocumentProblems(JSON.parse(receiver.list()[0]!.body) as Bundle), []);
});

test('acknowledging several alerts at once sends one document per alert; a municipality without a receiver sends nothing', async () => {
  await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'e2e-red-2', measurements: [{ code: 'spo2', value: 84 }] });
  await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'e2e-red-3', measurements: [{ code: 'heart_rate', value: 135 }] });
  const open = (await alertsOf(env.f.patient.id)).filter((a) => a.status === 'open');
  assert.equal(open.length, 2);
  const before = await countRows(env.db, 'outbox');
  const bulk = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.nurseA, { alertIds: open.map((a) => a.id), ...note('Ringte, begge målinger gjentatt.') });
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  assert.equal(await countRows(env.db, 'outbox'), before + 2);
  assert.equal((await worker().tick()).delivered, 2);

  // Municipality B has no receiver: its nurse's acknowledgement queues nothing.
  const rb = await env.call('POST', '/api/me/observations', env.c.otherPatient, { idempotencyKey: 'e2e-muni-b-1', measurements: [{ code: 'spo2', value: 85 }] });
  assert.equal(rb.status, 201, JSON.stringify(rb.body));
  const [b] = await alertsOf(env.f.otherPatient.id);
  assert.equal((await env.call('POST', `/api/alerts/${b!.id}/acknowledge`, env.c.nurseB, note('Ringte.'))).status, 200);
  assert.equal(await countRows(env.db, `outbox where patient_id = $1`, [env.f.otherPatient.id]), 0);
});

test('an escalation to the GP office also goes as a dialogmelding, valid against the XSDs', async () => {
  await env.db.query(`insert into integration_receivers (organisation_id, kind, url) values ($1,'dialogmelding',$2)`, [env.f.orgs.muniA, `${env.server.url}/dev/receiver/dialogmelding`]);
  await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'e2e-red-esc', measurements: [{ code: 'spo2', value: 83 }] });
  const open = (await alertsOf(env.f.patient.id)).find((a) => a.status !== 'resolved')!;
  const esc = await env.call('POST', `/api/alerts/${open.id}/escalate`, env.c.nurseA, { note: 'SpO2 83 %, tung i pusten. Vurder antibiotika?' });
  assert.equal(esc.status, 201, JSON.stringify(esc.body));
  assert.equal((await worker().tick()).delivered, 1);
  const got = localReceiverOf(env.server.app)!.list().find((d) => d.channel === 'dialogmelding')!;
  assert.ok(got);
  assert.match(got.contentType, /application\/xml/);
  assert.equal(dialogmeldingProblems(got.body), null);
  assert.match(got.body, /SpO2 83 %, tung i pusten/);
  assert.match(got.body, new RegExp(`<Id>${env.f.patient.identifier}</Id>`));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

/*
 * Alert burden (issue 12): acknowledging all of a patient's open alerts with one note takes the
 * same "no action needed" judgement as acknowledging one (alerts.no_action_needed), so a nurse who
 * clears several needless alerts at once still counts them in the burden figures.
 */
const env = useTestServer();
const note = { contactType: 'phone', text: 'Ringte, alt i orden.' };

/** Two open alerts (one per rule), as in bulk.test.ts. */
async function raise(patientCookie: string, key: string) {
  for (const [i, m] of [{ code: 'heart_rate', value: 130 }, { code: 'spo2', value: 85 }].entries()) {
    const r = await env.call('POST', '/api/me/observations', patientCookie, { idempotencyKey: `${key}-${i}`, measurements: [m] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
}
const open = async (patientId: string) => (await env.db.query<{ id: string }>(`select id from alerts where patient_id = $1 and status = 'open'`, [patientId])).rows.map((r) => r.id);
const judged = async (ids: string[]) => (await env.db.query<{ no_action_needed: boolean | null }>(`select no_action_needed from alerts where id = any($1::uuid[])`, [ids])).rows.map((r) => r.no_action_needed);

test('acknowledge-all with noActionNeeded true stores it on every alert, audited, and the burden counts them', async () => {
  await raise(env.c.patient, 'bulk-judge-1');
  const ids = await open(env.f.patient.id);
  assert.ok(ids.length >= 2);
  const r = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.nurseA, { alertIds: ids, note, noActionNeeded: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual((r.body!.alerts as { noActionNeeded: boolean | null }[]).map((a) => a.noActionNeeded), ids.map(() => true));
  assert.deepEqual(await judged(ids), ids.map(() => true));
  assert.equal(await env.count(`audit_events where resource_type = 'Flag' and details->>'bulk' = 'true' and details->>'noActionNeeded' = 'true'`), ids.length);
  const burden = await env.call('GET', `/api/patients/${env.f.patient.id}/alert-burden`, env.c.nurseA);
  assert.equal(burden.status, 200);
  assert.equal(burden.body!.noActionNeeded, ids.length);
});

test('false is stored as "something was done"; left out stays not judged; a bad value is refused', async () => {
  await raise(env.c.otherPatient, 'bulk-judge-2');
  const ids = await open(env.f.otherPatient.id);
  assert.ok(ids.length >= 2, JSON.stringify(ids));
  const bad = await env.call('POST', `/api/patients/${env.f.otherPatient.id}/alerts/acknowledge`, env.c.nurseB, { alertIds: ids, note, noActionNeeded: 'yes' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await judged(ids), ids.map(() => null), 'nothing written');
  const [first, ...rest] = ids;
  assert.equal((await env.call('POST', `/api/patients/${env.f.otherPatient.id}/alerts/acknowledge`, env.c.nurseB, { alertIds: [first], note, noActionNeeded: false })).status, 200);
  assert.equal((await env.call('POST', `/api/patients/${env.f.otherPatient.id}/alerts/acknowledge`, env.c.nurseB, { alertIds: rest, note })).status, 200);
  assert.deepEqual(await judged([first!]), [false]);
  assert.deepEqual(await judged(rest), rest.map(() => null));
});

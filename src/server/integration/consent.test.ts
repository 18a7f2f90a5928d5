import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

/*
 * Issue 14: the sharing consent (Pasientens måledata) is visible to the care team and the patient,
 * and a nurse can record its withdrawal without re-dating the consent to follow-up itself.
 */
const env = useTestServer();
const onboarding = (body: unknown) => env.call('PUT', `/api/patients/${env.f.patient.id}/pathway/onboarding`, env.c.nurseA, body);
const pathway = async () => (await env.call('GET', `/api/patients/${env.f.patient.id}/pathway`, env.c.nurseA)).body as { onboarding: { consentAt: string | null; shareMeasurementsSince: string | null } };
const own = async () => (await env.call('GET', '/api/me/pathway', env.c.patient)).body as { shareMeasurementsSince: string | null };

test('given: the pathway and the patient\'s own view say since when; withdrawn: both say not shared, the consent date stays, audited', async () => {
  assert.equal((await pathway()).onboarding.shareMeasurementsSince, null);
  assert.equal((await own()).shareMeasurementsSince, null);
  assert.equal((await onboarding({ consent: { scope: 'Målinger deles med Pasientens måledata.', shareMeasurements: true } })).status, 200);
  const given = await pathway();
  assert.ok(given.onboarding.shareMeasurementsSince);
  assert.equal((await own()).shareMeasurementsSince, given.onboarding.shareMeasurementsSince);

  const w = await onboarding({ consent: { shareMeasurements: false } });
  assert.equal(w.status, 200, JSON.stringify(w.body));
  const after = await pathway();
  assert.equal(after.onboarding.shareMeasurementsSince, null);
  assert.equal(after.onboarding.consentAt, given.onboarding.consentAt, 'withdrawing sharing does not re-record the consent text');
  assert.equal((await own()).shareMeasurementsSince, null);
  assert.equal(await env.count(`audit_events where resource_type = 'EpisodeOfCare' and action = 'update' and patient_id = $1 and details->>'shareMeasurements' = 'false'`, [env.f.patient.id]), 1);
  assert.equal(await env.count(`audit_events where resource_type = 'EpisodeOfCare' and action = 'update' and patient_id = $1 and details->>'shareMeasurements' = 'true'`, [env.f.patient.id]), 1);
});

test('an empty consent object is refused, nothing written', async () => {
  const r = await onboarding({ consent: {} });
  assert.equal(r.status, 400);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

// Migration 032: alerts and observations carry one key (episode_id, patient_id) → episodes instead
// of one to each table. It must refuse what both refused (an unknown episode or patient) and, in
// addition, a row that names one patient and another patient's episode.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

const FK = { code: '23503' };

function alert(patientId: string, episodeId: string, planId: string) {
  return env.db.query(
    `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
     values ($1, $2, 'threshold:spo2', 'threshold', 'red', $3, 1, '{"nb":"SpO2 85 %"}', '[]', now(), now())`,
    [patientId, episodeId, planId],
  );
}

function observation(patientId: string, episodeId: string, at = new Date()) {
  return env.db.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by)
     values ($1, $2, 'spo2', 96, '%', $3, 'patient', 'test')`,
    [patientId, episodeId, at],
  );
}

test('an alert names its own patient and episode, or it is refused', async () => {
  const { patient, otherPatient } = f;
  await assert.rejects(alert(otherPatient.id, patient.episodeId, patient.planId), FK);
  await assert.rejects(alert(patient.id, '00000000-0000-4000-8000-000000000000', patient.planId), FK);
  await assert.rejects(alert('00000000-0000-4000-8000-000000000000', patient.episodeId, patient.planId), FK);
  await alert(patient.id, patient.episodeId, patient.planId);
  // The key also holds the other way: an episode cannot be moved to another patient under its alerts.
  const stranger = (await env.db.query<{ id: string }>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex) values ('synthetic-032', 'fnr', 'Test', '1940-01-01', 'male') returning id`)).rows[0]!.id;
  await assert.rejects(env.db.query('update episodes set patient_id = $1 where id = $2', [stranger, patient.episodeId]), FK);
});

test('a reading names its own patient and episode, in any month partition, or it is refused', async () => {
  const { patient, otherPatient } = f;
  for (const at of [new Date(), new Date('2019-03-01T08:00:00Z')]) {
    await assert.rejects(observation(otherPatient.id, patient.episodeId, at), FK);
    await assert.rejects(observation(patient.id, '00000000-0000-4000-8000-000000000000', at), FK);
    await observation(patient.id, patient.episodeId, at);
  }
});

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

// Migration 043: the reading's keys are kept by per-statement triggers; the device key too.
async function device(serial: string): Promise<string> {
  return (await env.db.query<{ id: string }>(
    `insert into devices (organisation_id, serial, model, kind) values ($1, $2, 'UA-651BLE', 'blood_pressure') returning id`, [f.orgs.muniA, serial])).rows[0]!.id;
}

function readings(rows: { episodeId?: string; deviceId?: string | null; code: string }[]) {
  const { patient } = f;
  return env.db.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, device_id)
     select $1, u.episode_id, u.code, 96, '%', now(), 'device', 'test', u.device_id
       from unnest($2::uuid[], $3::text[], $4::uuid[]) as u(episode_id, code, device_id)`,
    [patient.id, rows.map((r) => r.episodeId ?? patient.episodeId), rows.map((r) => r.code), rows.map((r) => r.deviceId ?? null)],
  );
}

test('a reading naming a device that does not exist is refused, with every reading of its statement', async () => {
  const cuff = await device('043-1');
  const count = async () => (await env.db.query<{ n: number }>(`select count(*)::int as n from observations where code like 'k043%'`)).rows[0]!.n;
  await assert.rejects(readings([{ code: 'k043a', deviceId: cuff }, { code: 'k043b' }, { code: 'k043c', deviceId: '00000000-0000-4000-8000-000000000000' }]), FK);
  await assert.rejects(readings([{ code: 'k043d' }, { code: 'k043e', episodeId: f.otherPatient.episodeId }]), FK);
  assert.equal(await count(), 0);
  await readings([{ code: 'k043f', deviceId: cuff }, { code: 'k043g' }]);
  assert.equal(await count(), 2);
  // Updates: a changed reference is checked, an unchanged one is not in the way.
  await assert.rejects(env.db.query(`update observations set device_id = '00000000-0000-4000-8000-000000000000' where code = 'k043g'`), FK);
  await assert.rejects(env.db.query(`update observations set patient_id = $1 where code = 'k043g'`, [f.otherPatient.id]), FK);
  await env.db.query(`update observations set zone = 'green' where code like 'k043%'`);
  await env.db.query(`update observations set device_id = $1 where code = 'k043g'`, [cuff]);
});

test('a device or episode named by a reading is neither deleted nor re-keyed', async () => {
  const cuff = await device('043-2');
  const spare = await device('043-3');
  await readings([{ code: 'k043h', deviceId: cuff }]);
  await assert.rejects(env.db.query('delete from devices where id = $1', [cuff]), FK);
  await assert.rejects(env.db.query('update devices set id = gen_random_uuid() where id = $1', [cuff]), FK);
  await assert.rejects(env.db.query('delete from episodes where id = $1', [f.patient.episodeId]), FK);
  // A device nothing names may go; a model change is not a key change.
  await env.db.query(`update devices set model = 'UA-651BLE Plus' where id = $1`, [cuff]);
  await env.db.query('delete from devices where id = $1', [spare]);
});

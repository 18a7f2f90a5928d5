import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

// Migration 046: a stored FHIR resource's patient, organisation and device are checked per
// statement by triggers instead of per row by foreign keys. They must refuse all that the keys
// refused, with the same error code, and leave nothing of the statement written.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

const FK = { code: '23503' };
const NOBODY = '00000000-0000-4000-8000-000000000000';

type Row = { patientId?: string | null; orgId?: string | null; deviceId?: string | null; tag: string };

/** Inserts resources in ONE statement (as fhir/repo.ts#insertFhirResources does). */
function resources(rows: Row[]) {
  return env.db.query(
    `insert into fhir_resources (id, resource_type, patient_id, organisation_id, device_id, resource, content_hash, recorded_by)
     select gen_random_uuid(), 'Observation', u.p, u.o, u.d, jsonb_build_object('resourceType', 'Observation', 'id', u.t), u.t, 'test'
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) as u(p, o, d, t)`,
    [rows.map((r) => (r.patientId === undefined ? f.patient.id : r.patientId)), rows.map((r) => (r.orgId === undefined ? f.orgs.muniA : r.orgId)),
      rows.map((r) => r.deviceId ?? null), rows.map((r) => r.tag)],
  );
}

async function count(tag: string): Promise<number> {
  return (await env.db.query<{ n: number }>('select count(*)::int as n from fhir_resources where content_hash like $1', [`${tag}%`])).rows[0]!.n;
}

async function device(serial: string): Promise<string> {
  return (await env.db.query<{ id: string }>(
    `insert into devices (organisation_id, serial, model, kind) values ($1, $2, 'UA-651BLE', 'blood_pressure') returning id`, [f.orgs.muniA, serial])).rows[0]!.id;
}

test('a resource naming a patient, organisation or device that does not exist is refused, with its whole statement', async () => {
  const cuff = await device('046-1');
  await assert.rejects(resources([{ tag: 'r046a1', patientId: NOBODY }]), FK);
  await assert.rejects(resources([{ tag: 'r046a2', orgId: NOBODY }]), FK);
  await assert.rejects(resources([{ tag: 'r046a3', deviceId: NOBODY }]), FK);
  // One bad row among good ones: none of them is written.
  await assert.rejects(resources([{ tag: 'r046b1' }, { tag: 'r046b2', deviceId: cuff }, { tag: 'r046b3', patientId: NOBODY }, { tag: 'r046b4' }]), FK);
  assert.equal(await count('r046'), 0);
  // Patient-less resources (a Device, a PHD time stamp) and ones of no organisation stay allowed.
  await resources([{ tag: 'r046c1' }, { tag: 'r046c2', patientId: null, deviceId: cuff }, { tag: 'r046c3', orgId: null }, { tag: 'r046c4', patientId: f.otherPatient.id, orgId: f.orgs.muniB }]);
  assert.equal(await count('r046c'), 4);
});

test('an update that points a resource at something that does not exist is refused; other updates pass', async () => {
  await resources([{ tag: 'r046u1' }]);
  const where = `content_hash = 'r046u1'`;
  await assert.rejects(env.db.query(`update fhir_resources set patient_id = $1 where ${where}`, [NOBODY]), FK);
  await assert.rejects(env.db.query(`update fhir_resources set organisation_id = $1 where ${where}`, [NOBODY]), FK);
  await assert.rejects(env.db.query(`update fhir_resources set device_id = $1 where ${where}`, [NOBODY]), FK);
  // A retraction in place changes no reference.
  await env.db.query(`update fhir_resources set status = 'entered-in-error', triage = 'retracted', last_updated = now() where ${where}`);
  await env.db.query(`update fhir_resources set patient_id = $1 where ${where}`, [f.otherPatient.id]);
  const row = (await env.db.query<{ status: string; patient_id: string }>(`select status, patient_id from fhir_resources where ${where}`)).rows[0]!;
  assert.deepEqual(row, { status: 'entered-in-error', patient_id: f.otherPatient.id });
});

test('a patient, organisation or device named by a resource is neither deleted nor re-keyed', async () => {
  const cuff = await device('046-2');
  const spare = await device('046-3');
  await resources([{ tag: 'r046d1', deviceId: cuff }]);
  await assert.rejects(env.db.query('delete from devices where id = $1', [cuff]), FK);
  await assert.rejects(env.db.query('update devices set id = gen_random_uuid() where id = $1', [cuff]), FK);
  // The fixture's patients and organisations are named by other keys too; ones named only by a resource:
  const org = (await env.db.query<{ id: string }>(
    `insert into organisations (org_number, name, kind, helsefellesskap) values ('900000046', 'Kommune 046', 'municipality', 'Test') returning id`)).rows[0]!.id;
  await resources([{ tag: 'r046d3', orgId: org }]);
  await assert.rejects(env.db.query('delete from organisations where id = $1', [org]), FK);
  await assert.rejects(env.db.query('update organisations set id = gen_random_uuid() where id = $1', [org]), FK);
  const lone = (await env.db.query<{ id: string }>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex) values ('synthetic-046', 'fnr', 'Test', '1940-01-01', 'male') returning id`)).rows[0]!.id;
  await resources([{ tag: 'r046d2', patientId: lone }]);
  await assert.rejects(env.db.query('delete from patients where id = $1', [lone]), FK);
  await assert.rejects(env.db.query('update patients set id = gen_random_uuid() where id = $1', [lone]), FK);
  // What no resource names may go; a name change is not a key change.
  await env.db.query(`update patients set name = 'Test Testesen' where id = $1`, [lone]);
  await env.db.query('delete from devices where id = $1', [spare]);
  assert.equal((await env.db.query('select 1 from devices where id = $1', [spare])).rows.length, 0);
});

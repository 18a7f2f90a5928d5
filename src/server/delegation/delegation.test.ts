import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Observation } from '../../api/observations.js';
import { personnelCookie } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

/*
 * Someone else records for the patient (issue 12): home-care staff with a care relation, and a
 * relative with the patient's delegation (granted, audited, revocable). Readings go through the
 * normal triage and show who entered them. A relative without a delegation gets 403.
 * Ola (the fixture's other patient, with an ID-porten login of his own) is Kari's relative.
 */
const env = useTestServer();
const kari = () => env.f.patient.id;
let homeCare = '';
let foreignHomeCare = '';

const onBehalf = (cookie: string, key: string, value = 85) =>
  env.call('POST', `/api/patients/${kari()}/observations/on-behalf`, cookie, { idempotencyKey: key, measurements: [{ code: 'spo2', value }] });
const denied = () => env.count(`audit_events where outcome = 'denied' and resource_type = 'Observation' and patient_id = $1`, [kari()]);

describe('a relative records with the patient\'s delegation', () => {
  test('without a delegation: 403, audited, nothing stored', async () => {
    const before = await denied();
    const r = await onBehalf(env.c.otherPatient, 'behalf-rel-0');
    assert.equal(r.status, 403);
    assert.equal(await denied(), before + 1);
    assert.equal(await env.count(`observations where patient_id = $1 and idempotency_key = 'behalf-rel-0'`, [kari()]), 0);
  });

  test('the patient grants it (audited); personnel cannot; own number and a second grant are refused', async () => {
    assert.equal((await env.call('POST', '/api/me/delegations', env.c.nurseA, { name: 'Ola', identifier: env.f.otherPatient.identifier })).status, 403);
    const own = await env.call('POST', '/api/me/delegations', env.c.patient, { name: 'Meg selv', identifier: env.f.patient.identifier });
    assert.equal(own.status, 400);
    const bad = await env.call('POST', '/api/me/delegations', env.c.patient, { name: 'Ola', identifier: '12345678901' });
    assert.equal(bad.status, 400, 'not a valid fødselsnummer');
    const r = await env.call('POST', '/api/me/delegations', env.c.patient, { name: 'Ola Testesen', identifier: env.f.otherPatient.identifier, relation: 'sønn' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body!.name, 'Ola Testesen');
    assert.equal(r.body!.revokedAt, null);
    assert.ok(!String(r.body!.identifier).includes(env.f.otherPatient.identifier.slice(6)), 'the number is masked');
    assert.equal(await env.count(`audit_events where resource_type = 'Consent' and patient_id = $1 and details->>'delegation' = 'granted'`, [kari()]), 1);
    assert.equal((await env.call('POST', '/api/me/delegations', env.c.patient, { name: 'Ola', identifier: env.f.otherPatient.identifier })).status, 409);
    const mine = await env.call('GET', '/api/me/delegated-to-me', env.c.otherPatient);
    assert.deepEqual((mine.body!.patients as { patientId: string }[]).map((p) => p.patientId), [kari()]);
  });

  test('the relative\'s reading goes through triage (a red alert for Kari) and shows who entered it', async () => {
    const r = await onBehalf(env.c.otherPatient, 'behalf-rel-1', 85);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const obs = r.body!.observations as Observation[];
    assert.equal(obs[0]!.zone, 'red');
    assert.deepEqual(obs[0]!.enteredBy, { kind: 'relative', name: 'Ola Testesen', relation: 'sønn' });
    const row = (await env.db.query<{ recorded_by: string; patient_id: string; source: string }>(`select recorded_by, patient_id, source from observations where idempotency_key = 'behalf-rel-1'`)).rows[0]!;
    assert.equal(row.patient_id, kari());
    assert.match(row.recorded_by, /^relative:[0-9a-f-]{36}$/);
    assert.equal(row.source, 'patient');
    assert.equal(await env.count(`alerts where patient_id = $1 and zone = 'red' and status = 'open'`, [kari()]), 1);
    assert.equal(await env.count(`audit_events where patient_id = $1 and resource_type = 'Observation' and details->>'onBehalf' = 'relative' and outcome is distinct from 'denied'`, [kari()]), 1);
    // A replay of the same key is not a second reading.
    assert.equal((await onBehalf(env.c.otherPatient, 'behalf-rel-1', 85)).status, 200);
    assert.equal(await env.count(`observations where idempotency_key = 'behalf-rel-1'`), 1);

    // The clinic's measurement table and the patient's own list both say who entered it.
    const clinic = await env.call('GET', `/api/patients/${kari()}/observations`, env.c.nurseA);
    const c = (clinic.body!.observations as Observation[]).find((o) => o.value === 85)!;
    assert.deepEqual(c.enteredBy, { kind: 'relative', name: 'Ola Testesen', relation: 'sønn' });
    const own = await env.call('GET', '/api/me/observations', env.c.patient);
    assert.equal((own.body!.observations as Observation[]).find((o) => o.value === 85)!.enteredBy?.name, 'Ola Testesen');
  });

  test('the delegation gives no read access to the patient\'s data', async () => {
    assert.equal((await env.call('GET', `/api/patients/${kari()}/observations`, env.c.otherPatient)).status, 403);
  });

  test('revoked by the patient: the relative is refused again (403, audited)', async () => {
    assert.equal((await env.call('POST', '/api/me/delegations/revoke', env.c.otherPatient, { identifier: env.f.patient.identifier })).status, 404, 'Ola cannot revoke a grant that is not his');
    const list = await env.call('GET', '/api/me/delegations', env.c.patient);
    const id = (list.body!.delegations as { id: string }[])[0]!.id;
    const r = await env.call('POST', '/api/me/delegations/revoke', env.c.patient, { id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body!.revokedAt);
    assert.equal(await env.count(`audit_events where resource_type = 'Consent' and details->>'delegation' = 'revoked'`), 1);
    const before = await denied();
    assert.equal((await onBehalf(env.c.otherPatient, 'behalf-rel-2')).status, 403);
    assert.equal(await denied(), before + 1);
    assert.equal((await env.call('POST', '/api/me/delegations/revoke', env.c.patient, { id })).status, 404, 'already revoked');
  });
});

describe('home-care staff record on the patient\'s behalf', () => {
  test('staff of the home nursing service in the care team: stored, triaged, shown with their name', async () => {
    const org = async (n: string, name: string) => (await env.db.query<{ id: string }>(`insert into organisations (org_number, name, kind, helsefellesskap) values ($1,$2,'municipality','Test') returning id`, [n, name])).rows[0]!.id;
    const person = async (hpr: string, name: string, o: string) => {
      const id = (await env.db.query<{ id: string }>('insert into personnel (hpr_number, name) values ($1,$2) returning id', [hpr, name])).rows[0]!.id;
      await env.db.query(`insert into memberships values ($1,$2,'nurse')`, [id, o]);
      return personnelCookie(env.db, id, o, 'nurse');
    };
    const hjemme = await org('900000011', 'Hjemmesykepleien A');
    await env.db.query(`insert into care_team values ($1,$2,'home_care', now())`, [env.f.patient.episodeId, hjemme]);
    homeCare = await person('1000011', 'Hjemmesykepleier Hanne', hjemme);
    foreignHomeCare = await person('1000012', 'Hjemmesykepleier Per', await org('900000012', 'Hjemmesykepleien B'));

    const r = await onBehalf(homeCare, 'behalf-hc-1', 96);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual((r.body!.observations as Observation[])[0]!.enteredBy, { kind: 'personnel', name: 'Hjemmesykepleier Hanne', relation: null });
    const listed = await env.call('GET', '/api/me/observations', env.c.patient);
    const o = (listed.body!.observations as Observation[]).find((x) => x.value === 96)!;
    assert.equal(o.source, 'personnel');
    assert.deepEqual(o.enteredBy, { kind: 'personnel', name: 'Hjemmesykepleier Hanne', relation: null });
  });

  test('home-care staff outside the care team: 403, audited', async () => {
    const before = await env.count(`audit_events where outcome = 'denied' and patient_id = $1`, [kari()]);
    assert.equal((await onBehalf(foreignHomeCare, 'behalf-hc-2')).status, 403);
    assert.ok((await env.count(`audit_events where outcome = 'denied' and patient_id = $1`, [kari()])) > before);
  });
});

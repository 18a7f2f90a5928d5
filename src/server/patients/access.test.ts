import assert from 'node:assert/strict';
import { test } from 'node:test';
import { personnelCookie } from '../testing/fixtures.js';
import { countRows, useTestServer } from '../testing/server.js';

/*
 * Access cannot be manufactured (issue 16): the care relation is per episode, so enrolling a
 * patient again, or having followed them once, opens only that episode; only the responsible
 * organisations end an episode; readings are authored by whoever calls.
 */
const env = useTestServer();
const call = (method: string, url: string, cookie: string | null, body?: unknown) => env.call(method, url, cookie, body);
const reading = (key: string, value: number) => ({ idempotencyKey: key, measurements: [{ code: 'spo2', value }] });

async function newGpOffice(orgNumber: string, hpr: string) {
  const org = (await env.db.query<{ id: string }>(
    `insert into organisations (org_number, name, kind, helsefellesskap) values ($1, $2, 'gp_office', 'Test') returning id`,
    [orgNumber, `Legekontor ${orgNumber}`],
  )).rows[0]!.id;
  const gp = (await env.db.query<{ id: string }>('insert into personnel (hpr_number, name) values ($1, $2) returning id', [hpr, `Lege ${hpr}`])).rows[0]!.id;
  await env.db.query(`insert into memberships values ($1, $2, 'gp')`, [gp, org]);
  return { org, gp, cookie: await personnelCookie(env.db, gp, org, 'gp') };
}

const enrolBody = (identifier: string, followUp: string) => ({
  identifier, name: 'Kari Testesen', diagnoses: [{ system: 'ICPC-2', code: 'R95', display: 'KOLS' }], riskLevel: 'high', consent: true,
  followUpOrganisationId: followUp,
});

test('re-enrolment and a former care team: each organisation reads only the episodes it was part of', async () => {
  const { patient, orgs } = env.f;
  const pid = patient.id;
  // Episode 1 (Kommune A + Legekontoret): a reading, a note and a message.
  assert.equal((await call('POST', `/api/patients/${pid}/observations`, env.c.nurseA, reading('episode-one-1', 86))).status, 201);
  assert.equal((await call('POST', `/api/patients/${pid}/notes`, env.c.nurseA, { contactType: 'phone', text: 'Første forløp.' })).status, 201);
  assert.equal((await call('POST', `/api/patients/${pid}/messages`, env.c.nurseA, { body: 'Hei fra kommune A' })).status, 201);
  assert.equal((await call('POST', `/api/patients/${pid}/end-episode`, env.c.nurseA, { reason: 'Flyttet til kommune B' })).status, 200);

  // A GP office with no relation to episode 1 enrols the same patient with Kommune B.
  const other = await newGpOffice('900000013', '1000013');
  const enrol = await call('POST', '/api/patients', other.cookie, enrolBody(patient.identifier, orgs.muniB));
  assert.equal(enrol.status, 201, JSON.stringify(enrol.body));
  assert.equal(enrol.body!.patientId, pid, 'the existing patient is found, not duplicated');
  const episode2 = enrol.body!.episodeId as string;
  await env.db.query(
    `insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at)
     select $1, 1, 'approved', definition, created_by, approved_by, now() from plans where id = $2`,
    [episode2, patient.planId],
  );
  assert.equal((await call('POST', `/api/patients/${pid}/observations`, env.c.nurseB, reading('episode-two-1', 97))).status, 201);
  assert.equal((await call('POST', `/api/patients/${pid}/notes`, env.c.nurseB, { contactType: 'visit', text: 'Andre forløp.' })).status, 201);

  type Obs = { observations: { value: number }[] };
  const values = async (cookie: string) => ((await call('GET', `/api/patients/${pid}/observations`, cookie)).body as unknown as Obs).observations.map((o) => o.value).sort();
  const episodes = async (cookie: string) =>
    ((await call('GET', `/api/patients/${pid}`, cookie)).body!.episodes as { id: string }[]).map((e) => e.id);
  const notes = async (cookie: string) => ((await call('GET', `/api/patients/${pid}/notes`, cookie)).body!.notes as { text: string }[]).map((n) => n.text);
  const messages = async (cookie: string) => ((await call('GET', `/api/patients/${pid}/messages`, cookie)).body!.messages as { body: string }[]).map((m) => m.body);
  const alerts = async (cookie: string) => ((await call('GET', `/api/patients/${pid}/alerts`, cookie)).body!.alerts as { episodeId: string }[]).map((a) => a.episodeId);

  // The new GP office: the new episode only, nothing from before it was involved.
  assert.deepEqual(await episodes(other.cookie), [episode2]);
  assert.deepEqual(await values(other.cookie), [97]);
  assert.deepEqual(await notes(other.cookie), ['Andre forløp.']);
  assert.deepEqual(await messages(other.cookie), []);
  assert.deepEqual(await alerts(other.cookie), []);
  assert.equal((await call('GET', `/api/patients/${pid}/plans`, other.cookie)).status, 200);

  // The former care team (Kommune A) keeps episode 1 for its documentation duty, and nothing later.
  assert.deepEqual(await episodes(env.c.nurseA), [patient.episodeId]);
  assert.deepEqual(await values(env.c.nurseA), [86]);
  assert.deepEqual(await notes(env.c.nurseA), ['Første forløp.']);
  assert.deepEqual(await messages(env.c.nurseA), ['Hei fra kommune A']);
  assert.deepEqual(new Set(await alerts(env.c.nurseA)), new Set([patient.episodeId]), 'the red reading of episode 1 raised an alert there');
  assert.equal((await call('GET', `/api/patients/${pid}/plans`, env.c.nurseA)).status, 403, 'not the plan Kommune B runs now');
  assert.equal((await call('POST', `/api/patients/${pid}/observations`, env.c.nurseA, reading('former-team-1', 95))).status, 403);

  // Kommune B, likewise, sees its own episode only.
  assert.deepEqual(await values(env.c.nurseB), [97]);
  assert.deepEqual(await notes(env.c.nurseB), ['Andre forløp.']);

  // The GP office of episode 1 was not part of episode 2 either.
  assert.deepEqual(await values(env.c.gp), [86]);

  // The patient sees everything that is theirs.
  const own = (await call('GET', '/api/me/observations', env.c.patient)).body as unknown as Obs;
  assert.deepEqual(own.observations.map((o) => o.value).sort(), [86, 97]);

  // FHIR search and read follow the same scope.
  const bundle = await env.server.app.inject({ method: 'GET', url: `/fhir/Observation?patient=Patient/${pid}`, headers: { cookie: env.c.nurseA } });
  const entries = (JSON.parse(bundle.body) as { entry?: { resource: { id: string; valueQuantity?: { value: number } } }[] }).entry ?? [];
  assert.deepEqual(entries.map((e) => e.resource.valueQuantity?.value), [86]);
  const later = (await env.db.query<{ id: string }>('select id from observations where episode_id = $1', [episode2])).rows[0]!.id;
  assert.equal((await env.server.app.inject({ method: 'GET', url: `/fhir/Observation/${later}`, headers: { cookie: env.c.nurseA } })).statusCode, 403);

  // Nor does the audit log tell the former care team who follows the patient now.
  const log = await env.server.app.inject({ method: 'GET', url: `/fhir/AuditEvent?patient=Patient/${pid}`, headers: { cookie: env.c.nurseA } });
  assert.equal(log.statusCode, 200);
  assert.ok(log.body.includes('Sykepleier A') && !log.body.includes('Sykepleier B') && !log.body.includes('Kommune B'), 'own organisation only');

  // Enrolling again while the episode runs is refused, and the refusal is audited.
  const again = await call('POST', '/api/patients', env.c.gp, enrolBody(patient.identifier, orgs.muniA));
  assert.equal(again.status, 409);
  assert.equal(
    await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'EpisodeOfCare' and outcome = 'denied' and actor_id = $2`, [pid, env.f.people.gp]),
    1,
  );
  assert.deepEqual(await values(env.c.gp), [86], 'the refused enrolment gave the GP office nothing new');
});

test('only the follow-up service or the GP office of the episode ends it; the refusal is audited', async () => {
  const pid = env.f.otherPatient.id;
  await env.db.query(`insert into care_team values ($1, $2, 'hospital', now())`, [env.f.otherPatient.episodeId, env.f.orgs.hospital]);
  const refused = await call('POST', `/api/patients/${pid}/end-episode`, env.c.specialist, { reason: 'Ferdig behandlet på sykehuset' });
  assert.equal(refused.status, 403);
  assert.equal(await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'EpisodeOfCare' and outcome = 'denied'`, [pid]), 1);
  assert.equal((await env.db.query<{ status: string }>('select status from episodes where id = $1', [env.f.otherPatient.episodeId])).rows[0]!.status, 'active');
  const ended = await call('POST', `/api/patients/${pid}/end-episode`, env.c.gp, { reason: 'Stabil, avsluttes' });
  assert.equal(ended.status, 200);
  assert.equal(ended.body!.status, 'ended');
});

test('a reading posted through the clinic route is authored by the caller', async () => {
  const { id } = env.f.otherPatient;
  await env.db.query(`update episodes set status = 'active', ended_at = null, end_reason = null where id = $1`, [env.f.otherPatient.episodeId]);
  const asPatient = await call('POST', `/api/patients/${id}/observations`, env.c.otherPatient, reading('author-patient-1', 95));
  assert.equal(asPatient.status, 201);
  const asNurse = await call('POST', `/api/patients/${id}/observations`, env.c.nurseB, reading('author-nurse-1', 96));
  assert.equal(asNurse.status, 201);
  const rows = (await env.db.query<{ idempotency_key: string; source: string; recorded_by: string }>(
    `select idempotency_key, source, recorded_by from observations where patient_id = $1 and idempotency_key like 'author-%' order by idempotency_key`, [id],
  )).rows;
  assert.deepEqual(rows, [
    { idempotency_key: 'author-nurse-1', source: 'personnel', recorded_by: `personnel:${env.f.people.nurseB}` },
    { idempotency_key: 'author-patient-1', source: 'patient', recorded_by: `patient:${id}` },
  ]);
});

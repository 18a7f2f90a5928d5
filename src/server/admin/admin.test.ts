import assert from 'node:assert/strict';
import { test } from 'node:test';
import { personnelCookie } from '../testing/fixtures.js';
import { countRows, useTestServer } from '../testing/server.js';

const env = useTestServer();

const call = (method: string, url: string, cookie: string | null, body?: unknown) => env.call(method, url, cookie, body);

test('emergency access: a reason in words, one running grant, time-limited, read-only, audited', async () => {
  const url = `/api/patients/${env.f.patient.id}/observations`;
  const grantUrl = `/api/patients/${env.f.patient.id}/emergency-access`;
  assert.equal((await call('GET', url, env.c.nurseB)).status, 403);
  // Reasons a reviewer could not judge are refused (table: why each one fails).
  for (const [reason, why] of [
    ['akutt', 'too short'],
    ['aaaaaaaaaaaaaaaaaaaaaaaaa', 'one repeated character'],
    ['a a a a a a a a a a a a a a', 'one repeated character with spaces'],
    ['............................', 'no words'],
    ['Nødsituasjonnødsituasjon!!!', 'one word'],
    ['akutt akutt akutt akutt akutt', 'one word repeated'],
  ] as const) {
    const r = await call('POST', grantUrl, env.c.nurseB, { reason });
    assert.equal(r.status, 400, why);
    assert.ok((r.body!.error as { fields: Record<string, string> }).fields.reason, why);
  }
  assert.equal((await call('POST', grantUrl, env.c.nurseB, { reason: 'Pasienten innlagt hos oss i natt, trenger målingene.', hours: 24 })).status, 400, 'at most one shift');
  const grant = await call('POST', grantUrl, env.c.nurseB, { reason: 'Pasienten innlagt hos oss i natt, trenger målingene.', hours: 2 });
  assert.equal(grant.status, 201);
  const again = await call('POST', grantUrl, env.c.nurseB, { reason: 'Trenger fortsatt målingene til pasienten i natt.', hours: 8 });
  assert.equal(again.status, 409, 'one running grant per person and patient');
  assert.equal(await countRows(env.db, `emergency_access where personnel_id = $1`, [env.f.people.nurseB]), 1);
  assert.equal(await countRows(env.db, `audit_events where resource_type = 'EmergencyAccess' and outcome = 'denied'`), 1);
  assert.equal((await call('GET', url, env.c.nurseB)).status, 200);
  // Reading only: writing still needs a care relation.
  const write = await call('POST', url, env.c.nurseB, { idempotencyKey: 'emergency-write-1', measurements: [{ code: 'spo2', value: 95 }] });
  assert.equal(write.status, 403);

  // The patient sees the access, its reason, and what was read under it.
  const log = (await call('GET', '/api/me/access-log', env.c.patient)).body!.events as { resourceType: string; actorName: string; emergency: boolean; reason: string | null }[];
  const opened = log.find((e) => e.resourceType === 'EmergencyAccess' && e.actorName === 'Sykepleier B');
  assert.equal(opened?.reason, 'Pasienten innlagt hos oss i natt, trenger målingene.');
  assert.ok(log.some((e) => e.resourceType === 'Observation' && e.actorName === 'Sykepleier B' && e.emergency), 'reads under emergency access are marked');
  assert.ok(log.filter((e) => e.actorName !== 'Sykepleier B').every((e) => !e.emergency));

  // Expired grants give nothing, and a new one may then be taken.
  await env.db.query(`update emergency_access set expires_at = now() - interval '1 minute'`);
  assert.equal((await call('GET', url, env.c.nurseB)).status, 403);
});

test('emergency access is reviewed by the requester\'s organisation and the patient\'s follow-up service, never by the requester', async () => {
  const grantId = (await env.db.query<{ id: string }>('select id from emergency_access order by granted_at limit 1')).rows[0]!.id;
  type Grant = { id: string; reviewAs: string[]; canReview: boolean; reviewedAt: string | null; followUpReviewedAt: string | null };
  const list = async (cookie: string) => (await call('GET', '/api/admin/emergency-access', cookie)).body!.grants as Grant[];

  // Kommune A follows the patient up: it sees the grant a nurse of Kommune B took, and reviews it.
  const followUp = await personnelCookie(env.db, env.f.people.coordinator, env.f.orgs.muniA, 'coordinator');
  assert.deepEqual((await list(followUp)).map((g) => [g.id, g.reviewAs, g.canReview]), [[grantId, ['follow_up'], true]]);
  // An organisation with no part in it sees nothing.
  await env.db.query(`insert into memberships values ($1, $2, 'coordinator')`, [env.f.people.coordinator, env.f.orgs.hospital]);
  assert.deepEqual(await list(await personnelCookie(env.db, env.f.people.coordinator, env.f.orgs.hospital, 'coordinator')), []);

  // The requester, now also a coordinator in Kommune B, may not review their own grant.
  await env.db.query(`insert into memberships values ($1, $2, 'coordinator')`, [env.f.people.nurseB, env.f.orgs.muniB]);
  const self = await personnelCookie(env.db, env.f.people.nurseB, env.f.orgs.muniB, 'coordinator');
  assert.equal((await list(self))[0]!.canReview, false);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grantId}/review`, self, { note: 'Min egen, ok.' })).status, 403);
  assert.equal(await countRows(env.db, `audit_events where resource_type = 'EmergencyAccess' and action = 'update' and outcome = 'denied'`), 1);

  assert.equal((await call('POST', `/api/admin/emergency-access/${grantId}/review`, followUp, { note: 'Sett av oppfølgingstjenesten.' })).status, 204);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grantId}/review`, followUp, { note: 'igjen' })).status, 409);
  await env.db.query(`insert into memberships values ($1, $2, 'coordinator')`, [env.f.people.coordinator, env.f.orgs.muniB]);
  const requesterOrg = await personnelCookie(env.db, env.f.people.coordinator, env.f.orgs.muniB, 'coordinator');
  assert.deepEqual((await list(requesterOrg)).map((g) => [g.reviewAs, g.canReview]), [[['requester'], true]]);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grantId}/review`, requesterOrg, { note: 'Begrunnet, ok.' })).status, 204);
  const done = (await list(followUp))[0]!;
  assert.ok(done.reviewedAt && done.followUpReviewedAt, 'both sides have reviewed');
  // The patient sees who reviewed (the reason is about them), not marked as emergency access itself.
  const log = (await call('GET', '/api/me/access-log', env.c.patient)).body!.events as { resourceType: string; action: string; actorName: string; emergency: boolean }[];
  const reviews = log.filter((e) => e.resourceType === 'EmergencyAccess' && e.actorName === 'Koordinator');
  assert.ok(reviews.some((e) => e.action === 'update') && reviews.some((e) => e.action === 'read'));
  assert.ok(reviews.every((e) => !e.emergency));
  // Even written straight to the database, a self-review is refused.
  await assert.rejects(env.db.query('update emergency_access set reviewed_by = personnel_id where id = $1', [grantId]));
});

test('an administrator manages users and roles of their own organisation only', async () => {
  const admin = (await env.db.query<{ id: string }>(`insert into personnel (hpr_number, name) values ('1000099', 'Admin A') returning id`)).rows[0]!.id;
  await env.db.query(`insert into memberships values ($1, $2, 'admin')`, [admin, env.f.orgs.muniA]);
  const cookie = await personnelCookie(env.db, admin, env.f.orgs.muniA, 'admin');
  const bad = await call('POST', '/api/admin/members', cookie, { hpr: '12', name: 'X', role: 'nurse' });
  assert.equal(bad.status, 400);
  assert.ok((bad.body!.error as { fields: Record<string, string> }).fields.hpr);
  // An administrator cannot make themselves a clinician; the attempt is audited.
  for (const role of ['nurse', 'gp', 'specialist']) {
    assert.equal((await call('POST', '/api/admin/members', cookie, { hpr: '1000099', name: 'Admin A', role })).status, 403, role);
  }
  assert.equal(await countRows(env.db, `audit_events where resource_type = 'PractitionerRole' and outcome = 'denied' and actor_id = $1`, [admin]), 3);
  assert.equal(await countRows(env.db, `memberships where personnel_id = $1`, [admin]), 1);
  assert.equal((await call('POST', '/api/admin/members', cookie, { hpr: '1000099', name: 'Admin A', role: 'coordinator' })).status, 201, 'a non-clinical role is fine');
  const add = await call('POST', '/api/admin/members', cookie, { hpr: '1000002', name: 'Sykepleier B', role: 'nurse' });
  assert.equal(add.status, 201);
  const members = (await call('GET', '/api/admin/members', cookie)).body!.members as { hpr: string; roles: string[] }[];
  assert.deepEqual(members.find((m) => m.hpr === '1000002')?.roles, ['nurse']);
  assert.equal((await call('GET', '/api/admin/members', env.c.nurseA)).status, 403);
  // Nurse B now works in both municipalities and switches between them.
  const switched = await call('POST', '/api/me/organisation', env.c.nurseB, { organisationId: env.f.orgs.muniA, role: 'nurse' });
  assert.equal(switched.status, 204);
  assert.equal((await call('GET', `/api/patients/${env.f.patient.id}`, env.c.nurseB)).status, 200);
  assert.equal((await call('POST', '/api/me/organisation', env.c.nurseB, { organisationId: env.f.orgs.hospital, role: 'nurse' })).status, 403);
  assert.equal((await call('DELETE', `/api/admin/members/${env.f.people.nurseB}/roles/nurse`, cookie)).status, 204);
  // Every role change is in the audit trail, with the organisation it applies to.
  const changes = (await env.db.query<{ action: string; resource_id: string; details: { role: string; organisationId: string } }>(
    `select action, resource_id, details from audit_events where resource_type = 'PractitionerRole' and outcome = 'success' order by id`,
  )).rows.map((r) => [r.action, r.resource_id, r.details.role, r.details.organisationId]);
  assert.deepEqual(changes, [
    ['create', admin, 'coordinator', env.f.orgs.muniA],
    ['create', env.f.people.nurseB, 'nurse', env.f.orgs.muniA],
    ['delete', env.f.people.nurseB, 'nurse', env.f.orgs.muniA],
  ]);
  // The session acting for Kommune A stops working once the membership is gone.
  assert.equal((await call('GET', '/api/worklist', env.c.nurseB)).status, 401);
});

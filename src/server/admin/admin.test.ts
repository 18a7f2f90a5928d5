import assert from 'node:assert/strict';
import { test } from 'node:test';
import { personnelCookie } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

const env = useTestServer();

const call = (method: string, url: string, cookie: string | null, body?: unknown) => env.call(method, url, cookie, body);

test('emergency access: reason required, read-only, time-limited, audited and reviewable', async () => {
  const url = `/api/patients/${env.f.patient.id}/observations`;
  assert.equal((await call('GET', url, env.c.nurseB)).status, 403);
  const short = await call('POST', `/api/patients/${env.f.patient.id}/emergency-access`, env.c.nurseB, { reason: 'akutt' });
  assert.equal(short.status, 400);
  const grant = await call('POST', `/api/patients/${env.f.patient.id}/emergency-access`, env.c.nurseB, { reason: 'Pasienten innlagt hos oss i natt, trenger målingene.', hours: 2 });
  assert.equal(grant.status, 201);
  assert.equal((await call('GET', url, env.c.nurseB)).status, 200);
  // Reading only: writing still needs a care relation.
  const write = await call('POST', url, env.c.nurseB, { idempotencyKey: 'emergency-write-1', measurements: [{ code: 'spo2', value: 95 }] });
  assert.equal(write.status, 403);
  // Expired grants give nothing.
  await env.db.query(`update emergency_access set expires_at = now() - interval '1 minute'`);
  assert.equal((await call('GET', url, env.c.nurseB)).status, 403);

  const log = await call('GET', '/api/me/access-log', env.c.patient);
  assert.ok((log.body!.events as { resourceType: string; actorName: string }[]).some((e) => e.resourceType === 'EmergencyAccess' && e.actorName === 'Sykepleier B'));

  const coordinatorB = await personnelCookie(env.db, env.f.people.coordinator, env.f.orgs.muniA, 'coordinator');
  assert.deepEqual((await call('GET', '/api/admin/emergency-access', coordinatorB)).body!.grants, [], 'another organisation sees nothing');
  await env.db.query(`insert into memberships values ($1, $2, 'coordinator')`, [env.f.people.coordinator, env.f.orgs.muniB]);
  const asB = await personnelCookie(env.db, env.f.people.coordinator, env.f.orgs.muniB, 'coordinator');
  const grants = (await call('GET', '/api/admin/emergency-access', asB)).body!.grants as { id: string; reviewedAt: string | null }[];
  assert.equal(grants.length, 1);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grants[0]!.id}/review`, asB, { note: 'Begrunnet, ok.' })).status, 204);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grants[0]!.id}/review`, asB, { note: 'igjen' })).status, 409);
});

test('an administrator manages users and roles of their own organisation only', async () => {
  const admin = (await env.db.query<{ id: string }>(`insert into personnel (hpr_number, name) values ('1000099', 'Admin A') returning id`)).rows[0]!.id;
  await env.db.query(`insert into memberships values ($1, $2, 'admin')`, [admin, env.f.orgs.muniA]);
  const cookie = await personnelCookie(env.db, admin, env.f.orgs.muniA, 'admin');
  const bad = await call('POST', '/api/admin/members', cookie, { hpr: '12', name: 'X', role: 'nurse' });
  assert.equal(bad.status, 400);
  assert.ok((bad.body!.error as { fields: Record<string, string> }).fields.hpr);
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
  // The session acting for Kommune A stops working once the membership is gone.
  assert.equal((await call('GET', '/api/worklist', env.c.nurseB)).status, 401);
});

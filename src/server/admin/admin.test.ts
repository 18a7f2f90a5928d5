import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../db/port.js';
import type { Server } from '../server.js';
import { testDb } from '../testing/db.js';
import { cookiesFor, personnelCookie, seedFixture, type Fixture } from '../testing/fixtures.js';
import { startTestServer } from '../testing/server.js';

let db: Db;
let server: Server;
let f: Fixture;
let c: Awaited<ReturnType<typeof cookiesFor>>;
before(async () => {
  db = await testDb();
  f = await seedFixture(db);
  c = await cookiesFor(db, f);
  server = await startTestServer(db);
});
after(async () => {
  await server.close();
  await db.close();
});

async function call(method: string, url: string, cookie: string, body?: unknown) {
  const res = await server.app.inject({
    method: method as 'GET', url, headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : null };
}

test('emergency access: reason required, read-only, time-limited, audited and reviewable', async () => {
  const url = `/api/patients/${f.patient.id}/observations`;
  assert.equal((await call('GET', url, c.nurseB)).status, 403);
  const short = await call('POST', `/api/patients/${f.patient.id}/emergency-access`, c.nurseB, { reason: 'akutt' });
  assert.equal(short.status, 400);
  const grant = await call('POST', `/api/patients/${f.patient.id}/emergency-access`, c.nurseB, { reason: 'Pasienten innlagt hos oss i natt, trenger målingene.', hours: 2 });
  assert.equal(grant.status, 201);
  assert.equal((await call('GET', url, c.nurseB)).status, 200);
  // Reading only: writing still needs a care relation.
  const write = await call('POST', url, c.nurseB, { idempotencyKey: 'emergency-write-1', measurements: [{ code: 'spo2', value: 95 }] });
  assert.equal(write.status, 403);
  // Expired grants give nothing.
  await db.query(`update emergency_access set expires_at = now() - interval '1 minute'`);
  assert.equal((await call('GET', url, c.nurseB)).status, 403);

  const log = await call('GET', '/api/me/access-log', c.patient);
  assert.ok((log.body!.events as { resourceType: string; actorName: string }[]).some((e) => e.resourceType === 'EmergencyAccess' && e.actorName === 'Sykepleier B'));

  const coordinatorB = await personnelCookie(db, f.people.coordinator, f.orgs.muniA, 'coordinator');
  assert.deepEqual((await call('GET', '/api/admin/emergency-access', coordinatorB)).body!.grants, [], 'another organisation sees nothing');
  await db.query(`insert into memberships values ($1, $2, 'coordinator')`, [f.people.coordinator, f.orgs.muniB]);
  const asB = await personnelCookie(db, f.people.coordinator, f.orgs.muniB, 'coordinator');
  const grants = (await call('GET', '/api/admin/emergency-access', asB)).body!.grants as { id: string; reviewedAt: string | null }[];
  assert.equal(grants.length, 1);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grants[0]!.id}/review`, asB, { note: 'Begrunnet, ok.' })).status, 204);
  assert.equal((await call('POST', `/api/admin/emergency-access/${grants[0]!.id}/review`, asB, { note: 'igjen' })).status, 409);
});

test('an administrator manages users and roles of their own organisation only', async () => {
  const admin = (await db.query<{ id: string }>(`insert into personnel (hpr_number, name) values ('1000099', 'Admin A') returning id`)).rows[0]!.id;
  await db.query(`insert into memberships values ($1, $2, 'admin')`, [admin, f.orgs.muniA]);
  const cookie = await personnelCookie(db, admin, f.orgs.muniA, 'admin');
  const bad = await call('POST', '/api/admin/members', cookie, { hpr: '12', name: 'X', role: 'nurse' });
  assert.equal(bad.status, 400);
  assert.ok((bad.body!.error as { fields: Record<string, string> }).fields.hpr);
  const add = await call('POST', '/api/admin/members', cookie, { hpr: '1000002', name: 'Sykepleier B', role: 'nurse' });
  assert.equal(add.status, 201);
  const members = (await call('GET', '/api/admin/members', cookie)).body!.members as { hpr: string; roles: string[] }[];
  assert.deepEqual(members.find((m) => m.hpr === '1000002')?.roles, ['nurse']);
  assert.equal((await call('GET', '/api/admin/members', c.nurseA)).status, 403);
  // Nurse B now works in both municipalities and switches between them.
  const switched = await call('POST', '/api/me/organisation', c.nurseB, { organisationId: f.orgs.muniA, role: 'nurse' });
  assert.equal(switched.status, 204);
  assert.equal((await call('GET', `/api/patients/${f.patient.id}`, c.nurseB)).status, 200);
  assert.equal((await call('POST', '/api/me/organisation', c.nurseB, { organisationId: f.orgs.hospital, role: 'nurse' })).status, 403);
  assert.equal((await call('DELETE', `/api/admin/members/${f.people.nurseB}/roles/nurse`, cookie)).status, 204);
  // The session acting for Kommune A stops working once the membership is gone.
  assert.equal((await call('GET', '/api/worklist', c.nurseB)).status, 401);
});

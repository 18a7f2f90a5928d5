import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

const env = useTestServer();

const { call, count } = env;

let oximeter: string;
let loanId: string;

test('the municipality registers devices; serial numbers are unique per organisation', async () => {
  const r = await call('POST', '/api/devices', env.c.nurseA, { serial: 'NON-3230-0001', model: 'Nonin 3230', kind: 'pulse_oximeter' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  oximeter = r.body!.id as string;
  assert.equal((await call('POST', '/api/devices', env.c.nurseA, { serial: 'NON-3230-0001', model: 'Nonin 3230', kind: 'pulse_oximeter' })).status, 409);
  const bad = await call('POST', '/api/devices', env.c.nurseA, { serial: '', model: 'X', kind: 'toaster' });
  assert.equal(bad.status, 400);
  assert.ok((bad.body!.error as { fields: Record<string, string> }).fields.kind);
  assert.equal((await call('POST', '/api/devices', env.c.patient, { serial: 'P-1', model: 'Pasientens egen', kind: 'scale' })).status, 403);
  // Another municipality may use the same serial in its own register.
  assert.equal((await call('POST', '/api/devices', env.c.nurseB, { serial: 'NON-3230-0001', model: 'Nonin 3230', kind: 'pulse_oximeter' })).status, 201);
});

test('a device is lent to a patient in the care of the organisation, once at a time', async () => {
  const r = await call('POST', `/api/patients/${env.f.patient.id}/device-loans`, env.c.nurseA, { deviceId: oximeter });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  loanId = r.body!.id as string;
  assert.equal(r.body!.serial, 'NON-3230-0001');
  assert.equal((await call('POST', `/api/patients/${env.f.patient.id}/device-loans`, env.c.nurseA, { deviceId: oximeter })).status, 409);
  // No care relation to the other municipality's patient.
  assert.equal((await call('POST', `/api/patients/${env.f.otherPatient.id}/device-loans`, env.c.nurseA, { deviceId: oximeter })).status, 403);
  // Nurse B cannot lend nurse A's device (it is not in B's register).
  const theirs = (await call('GET', '/api/devices', env.c.nurseB)).body!.devices as { id: string }[];
  assert.equal(theirs.length, 1);
  assert.notEqual(theirs[0]!.id, oximeter);
  assert.equal((await call('POST', `/api/patients/${env.f.otherPatient.id}/device-loans`, env.c.nurseB, { deviceId: oximeter })).status, 404);
  assert.equal(await count(`audit_events where patient_id = $1 and action = 'create' and resource_type = 'DeviceLoan'`, [env.f.patient.id]), 1);
});

test('the device list shows who has it to clinicians (audited), but not to a coordinator', async () => {
  const before = await count(`audit_events where patient_id = $1 and resource_type = 'DeviceLoan' and action = 'read'`, [env.f.patient.id]);
  const nurse = (await call('GET', '/api/devices', env.c.nurseA)).body!.devices as { loan: { patient: { name: string } | null } | null }[];
  assert.equal(nurse[0]!.loan!.patient!.name, 'Kari Testesen');
  assert.equal(await count(`audit_events where patient_id = $1 and resource_type = 'DeviceLoan' and action = 'read'`, [env.f.patient.id]), before + 1);
  const coordinator = await call('GET', '/api/devices', env.c.coordinator);
  assert.equal(coordinator.status, 200);
  const list = coordinator.body!.devices as { loan: { patient: unknown } | null }[];
  assert.ok(list[0]!.loan, 'the coordinator sees that the device is lent');
  assert.equal(list[0]!.loan!.patient, null, 'but not to whom');
  const loans = await call('GET', `/api/patients/${env.f.patient.id}/device-loans`, env.c.nurseA);
  assert.deepEqual((loans.body!.loans as { serial: string; returnedAt: string | null }[]).map((l) => [l.serial, l.returnedAt]), [['NON-3230-0001', null]]);
  assert.equal((await call('GET', `/api/patients/${env.f.patient.id}/device-loans`, env.c.nurseB)).status, 403);
});

test('the device comes back, also after the episode has ended; only the lending organisation takes it back', async () => {
  await call('POST', `/api/patients/${env.f.patient.id}/end-episode`, env.c.gp, { reason: 'Stabil, avslutter oppfølgingen.' });
  assert.equal((await call('POST', `/api/device-loans/${loanId}/return`, env.c.nurseB)).status, 403);
  const r = await call('POST', `/api/device-loans/${loanId}/return`, env.c.nurseA);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body!.returnedAt);
  assert.equal((await call('POST', `/api/device-loans/${loanId}/return`, env.c.nurseA)).status, 409);
  const devices = (await call('GET', '/api/devices', env.c.nurseA)).body!.devices as { loan: unknown }[];
  assert.equal(devices[0]!.loan, null);
  assert.equal(await count(`audit_events where patient_id = $1 and action = 'update' and resource_type = 'DeviceLoan'`, [env.f.patient.id]), 1);
});

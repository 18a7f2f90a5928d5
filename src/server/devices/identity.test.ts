import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerClient } from '../auth/clients.js';
import { countRows, useTestServer } from '../testing/server.js';

const t = useTestServer();
let token: string | undefined;
let cuff: string;
let scale: string;

/** The gateway's bearer token, fetched once the shared set-up has run. */
async function bearer(): Promise<string> {
  if (token) return token;
  const gw = await registerClient(t.db, { clientId: 'home-gw-1', name: 'Home gateway', organisationId: t.f.orgs.muniA, scopes: ['observation.write'] });
  const res = await t.server.app.inject({
    method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: gw.clientId, client_secret: gw.clientSecret, scope: 'observation.write' }).toString(),
  });
  token = (JSON.parse(res.body) as { access_token: string }).access_token;
  return token;
}

const count = (from: string, params: unknown[] = []) => countRows(t.db, from, params);
async function ingest(body: unknown) {
  const res = await t.server.app.inject({ method: 'POST', url: '/api/ingest/observations', headers: { authorization: `Bearer ${await bearer()}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: JSON.parse(res.body) as { error?: { code: string; message: string; fields?: Record<string, string> }; results?: { patientId: string; observationIds: string[] }[] } };
}
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

test('the register keeps the Bluetooth identity: address normalised, System ID checked, each unique per organisation', async () => {
  const r = await t.call('POST', '/api/devices', t.c.nurseA, {
    serial: 'AND-UA651-0042', model: 'A&D UA-651BLE', kind: 'bp_monitor', manufacturer: 'A&D Medical', bluetoothId: '5c-31-3e-01-02-a3', systemId: '00 1C 05 FF FE 01 02 A3',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  cuff = r.body!.id as string;
  assert.deepEqual([r.body!.bluetoothId, r.body!.systemId, r.body!.manufacturer], ['5C:31:3E:01:02:A3', '001c05fffe0102a3', 'A&D Medical']);
  const bad = await t.call('POST', '/api/devices', t.c.nurseA, { serial: 'X-2', model: 'Scale', kind: 'scale', systemId: '12 34' });
  assert.equal(bad.status, 400);
  assert.ok((bad.body!.error as { fields: Record<string, string> }).fields.systemId);
  const dup = await t.call('POST', '/api/devices', t.c.nurseA, { serial: 'OTHER-1', model: 'Another cuff', kind: 'bp_monitor', bluetoothId: '5C:31:3E:01:02:A3' });
  assert.equal(dup.status, 409);
  assert.match((dup.body!.error as { message: string }).message, /5C:31:3E:01:02:A3 is already registered for device AND-UA651-0042/);
  // Another municipality may register the same device in its own register.
  assert.equal((await t.call('POST', '/api/devices', t.c.nurseB, { serial: 'AND-UA651-0042', model: 'A&D UA-651BLE', kind: 'bp_monitor', bluetoothId: '5C:31:3E:01:02:A3' })).status, 201);
});

test('an identity is added to a device registered without one; audited; only in the own register', async () => {
  const r = await t.call('POST', '/api/devices', t.c.nurseA, { serial: 'BEURER-BF600-7', model: 'Beurer BF 600', kind: 'scale' });
  scale = r.body!.id as string;
  assert.equal(r.body!.bluetoothId, null);
  const p = await t.call('PATCH', `/api/devices/${scale}`, t.c.nurseA, { bluetoothId: 'D0:4D:2C:00:11:22' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body!.bluetoothId, 'D0:4D:2C:00:11:22');
  assert.equal(await count(`audit_events where resource_type = 'Device' and resource_id = $1 and action = 'update'`, [scale]), 1);
  assert.equal((await t.call('PATCH', `/api/devices/${scale}`, t.c.nurseB, { bluetoothId: 'D0:4D:2C:00:11:23' })).status, 404);
  assert.equal((await t.call('PATCH', `/api/devices/${scale}`, t.c.patient, { bluetoothId: 'D0:4D:2C:00:11:23' })).status, 403);
  assert.equal((await t.call('PATCH', `/api/devices/${scale}`, t.c.nurseA, { bluetoothId: '5C:31:3E:01:02:A3' })).status, 409);
});

test('a reading from a lent device goes to the patient it is lent to, with the device', async () => {
  assert.equal((await t.call('POST', `/api/patients/${t.f.patient.id}/device-loans`, t.c.nurseA, { deviceId: cuff })).status, 201);
  // Lent two days ago, so the readings below were taken while the patient had it.
  await t.db.query(`update device_loans set lent_at = now() - interval '2 days' where device_id = $1`, [cuff]);
  const r = await ingest({
    sentAt: ago(0), device: { serial: 'AND-UA651-0042', model: 'UA-651BLE', bluetoothId: '5c:31:3e:01:02:a3' },
    readings: [{ readingId: 't-2026-11-30T07:58:00', effectiveAt: ago(120_000), measurements: [{ code: 'bp_systolic', value: 142, unit: 'mm[Hg]' }, { code: 'bp_diastolic', value: 88, unit: 'mm[Hg]' }] }],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.results![0]!.patientId, t.f.patient.id);
  const rows = (await t.db.query<{ device_id: string; source: string }>('select device_id, source from observations where id = any($1::uuid[])', [r.body.results![0]!.observationIds])).rows;
  assert.deepEqual(rows.map((x) => [x.device_id, x.source]), [[cuff, 'device'], [cuff, 'device']]);
});

test('found by its Bluetooth address when the device sends no serial of its own; no second device is registered', async () => {
  const before = await count('devices');
  const r = await ingest({
    sentAt: ago(0), device: { serial: '5C:31:3E:01:02:A3', bluetoothId: '5C313E0102A3' },
    readings: [{ readingId: 't-2026-11-30T08:10:00', effectiveAt: ago(60_000), measurements: [{ code: 'heart_rate', value: 71 }] }],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(await count('devices'), before);
  const o = (await t.db.query<{ device_id: string }>('select device_id from observations where id = $1', [r.body.results![0]!.observationIds[0]])).rows[0]!;
  assert.equal(o.device_id, cuff);
});

test('an unknown device is refused with a clear error and nothing is stored', async () => {
  const before = await count('observations');
  const r = await ingest({
    sentAt: ago(0), device: { serial: 'OMRON-X7-999', model: 'Omron X7', bluetoothId: '00:5F:BF:00:00:01' },
    readings: [{ readingId: 'r-1', effectiveAt: ago(60_000), measurements: [{ code: 'bp_systolic', value: 130 }, { code: 'bp_diastolic', value: 80 }] }],
  });
  assert.equal(r.status, 422);
  assert.equal(r.body.error!.code, 'unknown_device');
  assert.match(r.body.error!.message, /Unknown device \(Omron X7, serial OMRON-X7-999, Bluetooth 00:5F:BF:00:00:01\).*not in your organisation's device register/);
  // Also when it names a patient: a Bluetooth identity must belong to a registered device.
  const named = await ingest({ sentAt: ago(0), device: { serial: 'OMRON-X7-999', bluetoothId: '00:5F:BF:00:00:01' }, readings: [{ readingId: 'r-2', patientId: t.f.patient.id, effectiveAt: ago(60_000), measurements: [{ code: 'heart_rate', value: 70 }] }] });
  assert.equal(named.body.error?.code, 'unknown_device');
  // A device of another organisation's register is unknown here.
  const theirs = await ingest({ sentAt: ago(0), device: { serial: 'X', bluetoothId: '5C:31:3E:01:02:A4' }, readings: [{ readingId: 'r-3', effectiveAt: ago(60_000), measurements: [{ code: 'heart_rate', value: 70 }] }] });
  assert.equal(theirs.body.error?.code, 'unknown_device');
  assert.equal(await count('observations'), before);
  // Without a patient and without a device the upload is malformed.
  const none = await ingest({ sentAt: ago(0), readings: [{ readingId: 'r-4', effectiveAt: ago(60_000), measurements: [{ code: 'heart_rate', value: 70 }] }] });
  assert.equal(none.status, 400);
  assert.ok(none.body.error!.fields!['readings.0.patientId']);
});

test('a registered device that is not lent, or lent to someone else, is refused', async () => {
  const notLent = await ingest({ sentAt: ago(0), device: { serial: 'BEURER-BF600-7', bluetoothId: 'D0:4D:2C:00:11:22' }, readings: [{ readingId: 'w-1', effectiveAt: ago(60_000), measurements: [{ code: 'weight', value: 81.4, unit: 'kg' }] }] });
  assert.equal(notLent.status, 422);
  assert.equal(notLent.body.error!.code, 'device_not_lent');
  const other = await ingest({
    sentAt: ago(0), device: { serial: 'AND-UA651-0042' },
    readings: [{ readingId: 'o-1', patientIdentifier: t.f.otherPatient.identifier, effectiveAt: ago(60_000), measurements: [{ code: 'heart_rate', value: 70 }] }],
  });
  assert.equal(other.status, 422);
  assert.equal(other.body.error!.code, 'device_lent_to_another_patient');
  assert.ok(other.body.error!.fields!['readings.0.patientIdentifier']);
  // Naming the borrower explicitly is fine.
  const same = await ingest({ sentAt: ago(0), device: { serial: 'AND-UA651-0042' }, readings: [{ readingId: 'o-2', patientIdentifier: t.f.patient.identifier, effectiveAt: ago(30_000), measurements: [{ code: 'heart_rate', value: 72 }] }] });
  assert.equal(same.status, 201, JSON.stringify(same.body));
});

test('a record measured before the device was lent to this patient is refused: it may be the previous borrower\'s', async () => {
  const before = await count('observations');
  const r = await ingest({
    sentAt: ago(0), device: { serial: 'AND-UA651-0042', bluetoothId: '5C:31:3E:01:02:A3' },
    readings: [
      { readingId: 'old-1', effectiveAt: ago(3 * 86_400_000), measurements: [{ code: 'heart_rate', value: 64 }] },
      { readingId: 'new-1', effectiveAt: ago(10_000), measurements: [{ code: 'heart_rate', value: 66 }] },
    ],
  });
  assert.equal(r.status, 422);
  assert.equal(r.body.error!.code, 'measured_before_loan');
  assert.deepEqual(Object.keys(r.body.error!.fields!), ['readings.0.effectiveAt']);
  assert.equal(await count('observations'), before);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTestServer } from '../testing/server.js';

/*
 * Readings the patient app read over Bluetooth (issue 13): stored as source 'device' with the lent
 * device and its clock offset, listed with the device for the nurse, refused for a device that is
 * not lent to the patient or for a record older than the loan.
 */
const env = useTestServer();
const call = (method: string, url: string, cookie: string | null, body?: unknown) => env.call(method, url, cookie, body);

async function lend(serial: string, model: string, systemId: string | null, lentAt: Date, patientId = env.f.patient.id): Promise<string> {
  const d = (await env.db.query<{ id: string }>(
    `insert into devices (organisation_id, serial, model, kind, manufacturer, system_id) values ($1,$2,$3,'bp_monitor','A&D Medical',$4) returning id`,
    [env.f.orgs.muniA, serial, model, systemId],
  )).rows[0]!.id;
  await env.db.query('insert into device_loans (device_id, patient_id, lent_at) values ($1,$2,$3)', [d, patientId, lentAt]);
  return d;
}

const sitting = (key: string, device: unknown, effectiveAt?: string) => ({
  idempotencyKey: key, ...(effectiveAt ? { effectiveAt } : {}),
  measurements: [{ code: 'bp_systolic', value: 128, unit: 'mm[Hg]' }, { code: 'bp_diastolic', value: 82, unit: 'mm[Hg]' }],
  device,
});

describe('device readings from the patient app', () => {
  test('matched by System ID: stored as device readings of the lent device with the clock offset, and listed with the device', async () => {
    const id = await lend('BP-0001', 'UA-651BLE', '0011223344556677', new Date(Date.now() - 86_400_000));
    const r = await call('POST', '/api/me/observations', env.c.patient,
      sitting('ble:0011223344556677:bpm:1', { model: 'UA-651BLE', systemId: '00:11:22:33:44:55:66:77', clockOffsetMs: -93_000 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const rows = (await env.db.query<{ source: string; device_id: string; device_clock_offset_ms: number }>(
      `select source, device_id, device_clock_offset_ms from observations where idempotency_key = 'ble:0011223344556677:bpm:1'`)).rows;
    assert.deepEqual(rows.map((x) => [x.source, x.device_id, x.device_clock_offset_ms]), [['device', id, -93_000], ['device', id, -93_000]]);
    const list = await call('GET', `/api/patients/${env.f.patient.id}/observations`, env.c.nurseA);
    const obs = (list.body!.observations as { code: string; source: string; device?: { model: string; serial: string } }[]).filter((o) => o.code === 'bp_systolic');
    assert.deepEqual(obs.map((o) => [o.source, o.device?.model, o.device?.serial]), [['device', 'UA-651BLE', 'BP-0001']]);
  });

  test('a typed reading stays the patient\'s, without a device', async () => {
    const r = await call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'typed-weight-1', measurements: [{ code: 'weight', value: 80.4, unit: 'kg' }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const list = await call('GET', `/api/patients/${env.f.patient.id}/observations?code=weight`, env.c.nurseA);
    const [o] = list.body!.observations as { source: string; device?: unknown }[];
    assert.equal(o!.source, 'patient');
    assert.equal(o!.device, undefined);
  });

  test('matched by model when one device of that model is lent and no System ID was readable', async () => {
    await lend('GL-0001', 'Accu-Chek Guide', null, new Date(Date.now() - 86_400_000));
    const r = await call('POST', '/api/me/observations', env.c.patient, {
      idempotencyKey: 'ble:glucose:7', measurements: [{ code: 'glucose', value: 6.1, unit: 'mmol/L' }], device: { model: 'Accu-Chek Guide' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  test('a device not lent to the patient is refused with unknown_device and nothing is stored', async () => {
    await lend('BP-0002', 'UA-651BLE', '8899aabbccddeeff', new Date(Date.now() - 86_400_000), env.f.otherPatient.id);
    const r = await call('POST', '/api/me/observations', env.c.patient, sitting('ble:8899aabbccddeeff:bpm:1', { model: 'UA-651BLE', systemId: '8899aabbccddeeff' }));
    assert.equal(r.status, 422);
    assert.equal((r.body!.error as { code: string }).code, 'unknown_device');
    const n = (await env.db.query(`select 1 from observations where idempotency_key = 'ble:8899aabbccddeeff:bpm:1'`)).rows.length;
    assert.equal(n, 0);
  });

  test('a stored record from before the loan is refused (the previous borrower\'s)', async () => {
    const r = await call('POST', '/api/me/observations', env.c.patient,
      sitting('ble:0011223344556677:bpm:old', { systemId: '0011223344556677' }, new Date(Date.now() - 3 * 86_400_000).toISOString()));
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal((r.body!.error as { code: string }).code, 'measured_before_loan');
  });
});

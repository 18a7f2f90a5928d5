import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CHARACTERISTIC, currentTimeFor, encodeBloodPressureMeasurement, encodeGlucoseMeasurement, fromHex, hex, mf, SERVICE, type BleDateTime,
} from '../domain/ble/index.js';
import { toLocal } from '../domain/time.js';
import { registerClient } from '../server/auth/clients.js';
import { useTestServer } from '../server/testing/server.js';
import { flushAndLog, handlePeripheral, runGateway, type GatewayOptions } from './gateway.js';
import { ReadingQueue } from './queue.js';
import { SimulatedPeripheral, SimulatedTransport } from './simulated.js';
import { IngestClient } from './upload.js';

/*
 * The gateway end to end without hardware: simulated peripherals replay encoded notifications
 * byte for byte through the BLE transport interface, the gateway parses, queues to a file and
 * uploads to a real server (127.0.0.1) through the device ingest with client credentials.
 */

const t = useTestServer();
const dir = mkdtempSync(join(tmpdir(), 'varde-gateway-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TZ = 'Europe/Oslo';
const CUFF = '5C:31:3E:01:02:A3';
const METER = 'C4:7C:8D:00:AA:01';
const METER_2 = 'C4:7C:8D:00:AA:02';
let creds: { clientId: string; clientSecret: string } | undefined;
const lines: string[] = [];

/** Client, devices in the register and lent to the patient: the clinic's side, done once. */
async function setup(): Promise<{ clientId: string; clientSecret: string }> {
  if (creds) return creds;
  creds = await registerClient(t.db, { clientId: 'gw-home-1', name: 'Home gateway', organisationId: t.f.orgs.muniA, scopes: ['observation.write'] });
  for (const d of [
    { serial: 'UA651-0042', model: 'UA-651BLE', kind: 'bp_monitor', bluetoothId: CUFF },
    { serial: 'GM-77', model: 'Glucose meter', kind: 'glucometer', bluetoothId: METER },
    { serial: 'GM-78', model: 'Glucose meter', kind: 'glucometer', bluetoothId: METER_2 },
  ]) {
    const r = await t.call('POST', '/api/devices', t.c.nurseA, d);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await t.call('POST', `/api/patients/${t.f.patient.id}/device-loans`, t.c.nurseA, { deviceId: r.body!.id })).status, 201);
  }
  // Lent two days ago: the readings below were taken while the patient had the devices.
  await t.db.query(`update device_loans set lent_at = now() - interval '2 days'`);
  return creds;
}

function options(queue: ReadingQueue, baseUrl: string, c: { clientId: string; clientSecret: string }, peripherals: SimulatedPeripheral[] = []): GatewayOptions {
  return {
    transport: new SimulatedTransport(peripherals), queue, client: new IngestClient(baseUrl, c.clientId, c.clientSecret),
    timeZone: TZ, now: () => new Date(), log: (l) => lines.push(l), setClockBeyondMs: 60_000, deviceTimeoutMs: 5_000,
  };
}

/** The device's wall clock for an instant in Oslo. */
function wall(at: Date): BleDateTime {
  const l = toLocal(at, TZ);
  return { year: l.year, month: l.month, day: l.day, hours: l.hour, minutes: l.minute, seconds: l.second };
}

function glucoseRecord(sequence: number, at: Date, mantissa: number, typeLocation = 0x11): { sequence: number; value: Uint8Array } {
  return {
    sequence,
    value: encodeGlucoseMeasurement({
      sequenceNumber: sequence, baseTime: wall(at), molPerL: true, contextFollows: false,
      concentration: { value: mf(mantissa, -4), type: typeLocation & 0x0f, sampleLocation: typeLocation >> 4 },
    }),
  };
}

const minute = 60_000;

test('a cuff with a slow clock: readings go to the lent patient at the right time, the clock is set, flags stay in the log', async () => {
  const c = await setup();
  const now = Date.now();
  const measured = new Date(now - 5 * minute);
  // The cuff's clock is 10 minutes slow, so it stamped the reading 15 minutes ago by its own clock.
  const cuff = new SimulatedPeripheral({
    id: 'cuff', address: CUFF, service: SERVICE.bloodPressure, info: { manufacturer: 'A&D', model: 'UA-651BLE', serial: 'UA651-0042' },
    currentTime: currentTimeFor(toLocal(new Date(now - 10 * minute), TZ)),
    notifications: [
      // [NRF-BPM] full vector, captured bytes: its time stamp has no year, so the gateway's receive time is used.
      { characteristic: CHARACTERISTIC.bloodPressureMeasurement, value: fromHex('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00') },
      {
        characteristic: CHARACTERISTIC.bloodPressureMeasurement,
        value: encodeBloodPressureMeasurement({
          unit: 'mmHg', systolic: mf(152), diastolic: mf(94), meanArterialPressure: mf(113), timeStamp: wall(new Date(measured.getTime() - 10 * minute)),
          pulseRate: mf(78), status: { raw: 0x04 } as never,
        }),
      },
    ],
  });
  const queue = new ReadingQueue(join(dir, 'cuff.json'));
  const opts = options(queue, t.server.url, c);
  const session = await handlePeripheral(cuff, opts);
  assert.equal(session.readings.length, 2);
  assert.ok(Math.abs(session.deviceOffsetMs! + 10 * minute) < 5000, String(session.deviceOffsetMs));
  assert.equal(session.clockSet, true);
  assert.equal(cuff.log.writes.filter((w) => w.characteristic === CHARACTERISTIC.currentTime).length, 1);
  assert.deepEqual(queue.pending.map((r) => r.interpretations.filter((i) => i.startsWith('bp_'))), [
    ['bp_body_movement', 'bp_cuff_too_loose', 'bp_irregular_pulse', 'bp_improper_position'], ['bp_irregular_pulse'],
  ]);
  // Survives a restart: the queue is on disk.
  assert.equal(new ReadingQueue(join(dir, 'cuff.json')).pending.length, 2);

  const r = await flushAndLog(opts);
  assert.deepEqual([r.uploaded, r.duplicates, r.rejected, r.pending], [2, 0, 0, 0], lines.join('\n'));
  const rows = (await t.db.query<{ code: string; value: number; effective_at: Date; device_id: string; serial: string }>(
    `select o.code, o.value, o.effective_at, o.device_id, d.serial from observations o join devices d on d.id = o.device_id
      where o.patient_id = $1 and d.bluetooth_id = $2 order by o.effective_at, o.code`, [t.f.patient.id, CUFF])).rows;
  assert.equal(rows.length, 6);
  assert.ok(rows.every((x) => x.serial === 'UA651-0042'));
  const sys = rows.find((x) => x.code === 'bp_systolic' && x.value === 152)!;
  // Corrected by the server from the device's clock into ours: measured 5 minutes ago.
  assert.ok(Math.abs(sys.effective_at.getTime() - measured.getTime()) < 5000, `${sys.effective_at.toISOString()} vs ${measured.toISOString()}`);
});

test('a glucose meter while offline: queued to the file, uploaded later, next time only the new records are fetched, never twice', async () => {
  const c = await setup();
  const now = Date.now();
  const records = [glucoseRecord(1, new Date(now - 3 * 3600_000), 67), glucoseRecord(2, new Date(now - 2 * 3600_000), 55, 0x4a), glucoseRecord(3, new Date(now - 3600_000), 121)];
  const meter = new SimulatedPeripheral({ id: 'meter', address: METER, service: SERVICE.glucose, info: { model: 'Glucose meter', serial: 'GM-77' }, records });
  const file = join(dir, 'meter.json');
  const queue = new ReadingQueue(file);
  // Nothing listens on port 9 of 127.0.0.1: the gateway is offline.
  const offline = options(queue, 'http://127.0.0.1:9', c);
  await handlePeripheral(meter, offline);
  assert.deepEqual([...meter.log.writes[0]!.value], [0x01, 0x01], 'first time: all stored records');
  assert.deepEqual(queue.pending.map((r) => [r.readingId, r.measurements[0]!.value, r.measurements[0]!.unit]), [['seq-1', 6.7, 'mmol/L'], ['seq-3', 12.1, 'mmol/L']]);
  assert.ok(lines.some((l) => /Control solution/.test(l)), 'the control-solution test is logged, not uploaded');
  const r1 = await flushAndLog(offline);
  assert.match(r1.stoppedBecause!, /offline/);
  assert.equal(r1.pending, 2);

  const online = options(new ReadingQueue(file), t.server.url, c);
  const r2 = await flushAndLog(online);
  assert.deepEqual([r2.uploaded, r2.pending], [2, 0]);

  records.push(glucoseRecord(4, new Date(now - 10 * minute), 88));
  await handlePeripheral(meter, online);
  assert.equal(hex(meter.log.writes[1]!.value), '01 03 01 04 00', 'records from sequence number 4 on');
  assert.deepEqual(online.queue.pending.map((r) => r.readingId), ['seq-4']);
  const again = online.queue.pending[0]!;
  assert.deepEqual((await flushAndLog(online)).uploaded, 1);
  // The answer got lost and the gateway sends the same reading again: the server has it already.
  online.queue.add([again]);
  const r3 = await flushAndLog(online);
  assert.deepEqual([r3.uploaded, r3.duplicates], [0, 1]);
  const stored = (await t.db.query<{ n: number }>(`select count(*)::int as n from observations o join devices d on d.id = o.device_id where d.bluetooth_id = $1`, [METER])).rows[0]!.n;
  assert.equal(stored, 3);
});

test('a device that is not in the register is refused with the server\'s message and not retried', async () => {
  const c = await setup();
  const stranger = new SimulatedPeripheral({
    id: 'stranger', address: '00:5F:BF:00:00:09', service: SERVICE.bloodPressure, info: { model: 'Omron X7', serial: 'OMRON-9' },
    notifications: [{ characteristic: CHARACTERISTIC.bloodPressureMeasurement, value: fromHex('00 BD F0 0B 00 9F F0') }],
  });
  const queue = new ReadingQueue(join(dir, 'stranger.json'));
  const opts = options(queue, t.server.url, c, [stranger]);
  const stop = new AbortController();
  const run = runGateway(opts, stop.signal, 60_000);
  // runGateway reads and uploads each device it finds; wait until the upload has been answered.
  for (let i = 0; queue.rejected.length === 0 && i < 1000; i++) await new Promise((r) => setTimeout(r, 20));
  stop.abort();
  await run;
  assert.equal(queue.pending.length, 0);
  assert.equal(queue.rejected[0]!.code, 'unknown_device');
  assert.ok(lines.some((l) => /refused by the server \(422 unknown_device\): Unknown device \(Omron X7, serial OMRON-9, Bluetooth 00:5F:BF:00:00:09\)/.test(l)), lines.join('\n'));
  assert.ok(JSON.parse(readFileSync(join(dir, 'stranger.json'), 'utf8')).rejected.length === 1);
});

test('a meter still holding the previous borrower\'s records: those are set aside with the server\'s reason, the patient\'s own go up', async () => {
  const c = await setup();
  const now = Date.now();
  const meter = new SimulatedPeripheral({
    id: 'meter-2', address: METER_2, service: SERVICE.glucose, info: { model: 'Glucose meter', serial: 'GM-78' },
    records: [glucoseRecord(40, new Date(now - 5 * 86_400_000), 99), glucoseRecord(41, new Date(now - 3600_000), 72)],
  });
  const opts = options(new ReadingQueue(join(dir, 'meter-2.json')), t.server.url, c);
  await handlePeripheral(meter, opts);
  const r = await flushAndLog(opts);
  assert.deepEqual([r.uploaded, r.rejected, r.pending], [1, 1, 0]);
  assert.equal(opts.queue.rejected[0]!.code, 'measured_before_loan');
  assert.deepEqual(opts.queue.rejected[0]!.readings.map((x) => x.readingId), ['seq-40']);
  const stored = (await t.db.query<{ value: number }>(`select o.value from observations o join devices d on d.id = o.device_id where d.bluetooth_id = $1`, [METER_2])).rows;
  assert.deepEqual(stored.map((x) => x.value), [7.2]);
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodePlxContinuous, encodeWeightMeasurement, fromHex, mf, parsePlxContinuous, parseWeightMeasurement, parseGlucoseMeasurement, toDeviceReading, type HealthMeasurement } from '../domain/ble/index.js';
import { toQueued } from './gateway.js';
import { ReadingQueue } from './queue.js';
import type { DeviceSession, SessionReading } from './session.js';

const dir = mkdtempSync(join(tmpdir(), 'varde-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const at = new Date('2026-11-30T08:00:00Z');
function reading(p: { ok: true; value: HealthMeasurement } | { ok: false }, deviceTime: Date | null = null, receivedAt = at): SessionReading {
  if (!p.ok) assert.fail('vector did not parse');
  return { reading: toDeviceReading(p.value), deviceTime, receivedAt, characteristic: 0, bytes: '' };
}
function session(readings: SessionReading[], deviceOffsetMs: number | null = null): DeviceSession {
  return { identity: { serial: 'S-1', bluetoothId: 'AA:BB:CC:DD:EE:FF', model: 'M' }, deviceOffsetMs, clockSet: false, readings, notes: [] };
}

test('a continuous oximeter uploads the last value of the session only', () => {
  const values = [97, 96, 94].map((s, i) => reading(parsePlxContinuous(encodePlxContinuous({ spo2: mf(s), pulseRate: mf(70 + i) })), null, new Date(at.getTime() + i * 1000)));
  const q = toQueued(session(values), at, () => {});
  assert.deepEqual(q.map((r) => r.measurements.map((m) => m.value)), [[94, 72]]);
  assert.equal(q[0]!.readingId, 'plx_continuous-rx-2026-11-30T08:00:02.000Z');
  assert.equal(q[0]!.deviceClock, false);
});

test('excluded records and implausible values are logged and left out; the rest of the reading goes', () => {
  const log: string[] = [];
  // Weight "measurement unsuccessful" (0xFFFF), and 2 kg (below the catalogue's plausible range: a cat on the scale).
  const unsuccessful = reading(parseWeightMeasurement(fromHex('00 FF FF')));
  const light = reading(parseWeightMeasurement(encodeWeightMeasurement({ unit: 'SI', weightRaw: 400 })));
  // Glucose 6.7 mmol/L with a time stamp (sequence 7).
  const glucose = reading(parseGlucoseMeasurement(fromHex('06 07 00 EA 07 0B 1E 08 00 00 43 C0 11')), new Date('2026-11-30T07:00:00Z'));
  const q = toQueued(session([unsuccessful, light, glucose], -90_000), at, (l) => log.push(l));
  assert.deepEqual(q.map((r) => [r.readingId, r.deviceClock, r.deviceOffsetMs, r.effectiveAt]), [['seq-7', true, -90_000, '2026-11-30T07:00:00.000Z']]);
  assert.equal(log.length, 3);
  assert.match(log[0]!, /measurement unsuccessful/);
  assert.match(log[1]!, /weight 2 kg left out/);
  assert.match(log[2]!, /no measurement to upload/);
});

test('the queue file survives a restart, keeps a reading once, and remembers the last glucose record per device', () => {
  const path = join(dir, 'q.json');
  const glucose = reading(parseGlucoseMeasurement(fromHex('06 07 00 EA 07 0B 1E 08 00 00 43 C0 11')), new Date('2026-11-30T07:00:00Z'));
  const q1 = new ReadingQueue(path);
  const entries = toQueued(session([glucose]), at, () => {});
  assert.equal(q1.add(entries, { deviceKey: 'AA:BB:CC:DD:EE:FF', sequence: 7 }), 1);
  assert.equal(q1.add(toQueued(session([glucose]), at, () => {})), 0, 'the same reading again is not queued twice');
  const q2 = new ReadingQueue(path);
  assert.equal(q2.pending.length, 1);
  assert.equal(q2.lastSequence('AA:BB:CC:DD:EE:FF'), 7);
  q2.remove([q2.pending[0]!], { status: 422, code: 'unknown_device', message: 'Unknown device', at: at.toISOString() });
  const q3 = new ReadingQueue(path);
  assert.deepEqual([q3.pending.length, q3.rejected.length, q3.rejected[0]!.code], [0, 1, 'unknown_device']);
});

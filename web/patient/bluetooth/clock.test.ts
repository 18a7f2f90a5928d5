import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, parseCurrentTime, parseGlucoseMeasurement, toDeviceReading } from '../../../src/domain/ble/index.js';
import { clockOffsetMs, measuredInstant, phoneWallMs, wallMs } from './clock.js';
import { recordKey, sittingsOf } from './sittings.js';

// Tests run with TZ=UTC, so the phone's local wall clock is UTC here.
const now = new Date('2026-11-30T11:20:00.500Z');

test('a device clock three minutes slow: offset −180 s, and its 08:00 record was taken at 08:03 by the phone', () => {
  // [CTS] layout: 2026-11-30 11:17:00, Monday, 128/256 s, manual update.
  const ct = parseCurrentTime(fromHex('EA 07 0B 1E 0B 11 00 01 80 01'));
  assert.ok(ct.ok);
  assert.equal(clockOffsetMs(ct.value, now), -180_000);
  const at = measuredInstant({ year: 2026, month: 11, day: 30, hours: 8, minutes: 0, seconds: 0 }, -180_000, now);
  assert.equal(at.toISOString(), '2026-11-30T08:03:00.000Z');
});

test('without a time stamp the reading was taken now; without Current Time the device clock is taken as right', () => {
  assert.equal(measuredInstant(null, -180_000, now).getTime(), now.getTime());
  assert.equal(measuredInstant({ year: 2026, month: 11, day: 30, hours: 9, minutes: 30, seconds: 0 }, null, now).toISOString(), '2026-11-30T09:30:00.000Z');
});

test('property: correcting by the offset read at the visit puts the reading where the phone clock had it', () => {
  fc.assert(fc.property(fc.integer({ min: -40 * 86_400, max: 40 * 86_400 }), fc.integer({ min: 0, max: 30 * 86_400 }), (offsetS, agoS) => {
    const phoneAt = new Date(now.getTime() - agoS * 1000);
    const deviceWall = new Date(phoneWallMs(phoneAt) + offsetS * 1000);
    const stamp = { year: deviceWall.getUTCFullYear(), month: deviceWall.getUTCMonth() + 1, day: deviceWall.getUTCDate(), hours: deviceWall.getUTCHours(), minutes: deviceWall.getUTCMinutes(), seconds: deviceWall.getUTCSeconds() };
    const got = measuredInstant(stamp, offsetS * 1000, now).getTime();
    return Math.abs(got - phoneAt.getTime()) < 1000 && wallMs(stamp) <= deviceWall.getTime();
  }));
});

test('glucose records are keyed by System ID and sequence number; control solution is left out', () => {
  const rec = (h: string) => {
    const p = parseGlucoseMeasurement(fromHex(h));
    assert.ok(p.ok);
    return toDeviceReading(p.value);
  };
  const visit = {
    identity: { model: 'Accu-Chek Guide', systemId: 'aabbccddeeff0011' }, clockOffsetMs: -180_000, unreadable: 0,
    readings: [rec('06 08 00 EA 07 0B 1E 08 00 00 43 C0 11'), rec('06 0B 00 EA 07 0B 1E 08 00 00 43 C0 4A')],
  };
  const { sittings, excluded } = sittingsOf(visit, 'web-id', now);
  assert.equal(excluded, 1, 'control solution (sample location 4)');
  assert.deepEqual(sittings.map((s) => [s.idempotencyKey, s.effectiveAt, s.measurements, s.sequenceNumber, s.device.clockOffsetMs]), [
    ['ble:aabbccddeeff0011:seq-8', '2026-11-30T08:03:00.000Z', [{ code: 'glucose', unit: 'mmol/L', value: 6.7 }], 8, -180_000],
  ]);
  // The same record from the same meter always has the same key: sent twice, stored once.
  assert.equal(recordKey('aabbccddeeff0011', visit.readings[0]!), 'ble:aabbccddeeff0011:seq-8');
});

test('a clock off by more than the stored range still corrects the time, without storing the offset', () => {
  const p = parseGlucoseMeasurement(fromHex('06 08 00 EA 07 0B 1E 08 00 00 43 C0 11'));
  assert.ok(p.ok);
  // A meter a month fast: its 2026-11-30 08:00 was 2026-10-31 08:00.
  const visit = { identity: {}, clockOffsetMs: 30 * 86_400_000, unreadable: 0, readings: [toDeviceReading(p.value)] };
  const [s] = sittingsOf(visit, 'web-id', now).sittings;
  assert.equal(s!.device.clockOffsetMs, null);
  assert.equal(s!.effectiveAt, '2026-10-31T08:00:00.000Z');
  assert.match(s!.idempotencyKey, /^ble:web-web-id:seq-8$/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeFloat, decodeSfloat, encodeBloodPressureMeasurement, encodeCurrentTime, encodeDateTime, encodeFloat, encodeGlucoseMeasurement,
  encodeGlucoseMeasurementContext, encodePlxContinuous, encodePlxSpotCheck, encodeRacpRequest, encodeRacpResponse, encodeSfloat,
  encodeTemperatureMeasurement, encodeWeightMeasurement, medicalFloatText, medicalFloatValue, parseBloodPressureMeasurement,
  parseCurrentTime, parseDateTime, parseGlucoseMeasurement, parseGlucoseMeasurementContext, parsePlxContinuous, parsePlxSpotCheck,
  parseRacpRequest, parseRacpResponse, parseTemperatureMeasurement, parseWeightMeasurement, FLOAT_MAX_MANTISSA, SFLOAT_MAX_MANTISSA,
  type MedicalFloat, type BleDateTime,
} from './index.js';

/* encode → parse round trips over generated values, and parse → encode giving the same bytes. */

const special = fc.constantFrom<MedicalFloat>({ kind: 'nan' }, { kind: 'nres' }, { kind: '+infinity' }, { kind: '-infinity' }, { kind: 'reserved' });
const sfloat: fc.Arbitrary<MedicalFloat> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('number' as const), mantissa: fc.integer({ min: -SFLOAT_MAX_MANTISSA, max: SFLOAT_MAX_MANTISSA }), exponent: fc.integer({ min: -8, max: 7 }) }) },
  { weight: 1, arbitrary: special },
);
const float: fc.Arbitrary<MedicalFloat> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('number' as const), mantissa: fc.integer({ min: -FLOAT_MAX_MANTISSA, max: FLOAT_MAX_MANTISSA }), exponent: fc.integer({ min: -128, max: 127 }) }) },
  { weight: 1, arbitrary: special },
);
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const dateTime: fc.Arbitrary<BleDateTime> = fc.record({ year: u16, month: u8, day: u8, hours: u8, minutes: u8, seconds: u8 });

function parsed<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

/** Drops keys whose value is undefined, so optional fields compare as absent. */
function clean<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

test('SFLOAT and FLOAT: decode(encode(x)) = x, and the exact decimal text survives', () => {
  fc.assert(fc.property(sfloat, (f) => assert.deepEqual(decodeSfloat(encodeSfloat(f)), { ...f })));
  fc.assert(fc.property(float, (f) => assert.deepEqual(decodeFloat(encodeFloat(f)), { ...f })));
  // Every 16-bit pattern decodes, and re-encoding a number gives the same pattern back.
  fc.assert(fc.property(u16, (raw) => {
    const f = decodeSfloat(raw);
    if (f.kind === 'number') assert.equal(encodeSfloat(f), raw);
  }));
  // One decimal: m × 10⁻¹ prints as the decimal it is (36.7, not 36.699999).
  fc.assert(fc.property(fc.integer({ min: -2045, max: 2045 }), (m) => {
    const v = medicalFloatValue({ kind: 'number', mantissa: m, exponent: -1 });
    assert.equal(String(v), medicalFloatText({ kind: 'number', mantissa: m, exponent: -1 }));
  }));
});

test('Blood Pressure Measurement round trip', () => {
  const arb = fc.record({
    unit: fc.constantFrom('mmHg' as const, 'kPa' as const), systolic: sfloat, diastolic: sfloat, meanArterialPressure: sfloat,
    timeStamp: fc.option(dateTime, { nil: undefined }), pulseRate: fc.option(sfloat, { nil: undefined }), userId: fc.option(u8, { nil: undefined }),
    statusRaw: fc.option(u16, { nil: undefined }),
  });
  fc.assert(fc.property(arb, ({ statusRaw, ...m }) => {
    const bytes = encodeBloodPressureMeasurement(m);
    const p = parsed(parseBloodPressureMeasurement(bytes));
    assert.deepEqual(clean({ ...p, status: p.status?.raw }), clean({ type: 'blood_pressure', ...m, status: undefined }));
    if (statusRaw !== undefined) {
      const withStatus = parsed(parseBloodPressureMeasurement(encodeBloodPressureMeasurement({ ...m, status: { raw: statusRaw } as never })));
      assert.equal(withStatus.status!.raw, statusRaw);
      assert.deepEqual([...encodeBloodPressureMeasurement(withStatus)], [...encodeBloodPressureMeasurement({ ...m, status: { raw: statusRaw } as never })]);
    }
  }));
});

test('Weight Measurement round trip; the weight is raw × 0.005 kg or × 0.01 lb exactly', () => {
  const arb = fc.record({
    unit: fc.constantFrom('SI' as const, 'imperial' as const), weightRaw: u16, timeStamp: fc.option(dateTime, { nil: undefined }),
    userId: fc.option(u8, { nil: undefined }), bmi: fc.option(fc.tuple(u16, u16), { nil: undefined }),
  });
  fc.assert(fc.property(arb, ({ bmi, ...m }) => {
    const input = { ...m, ...(bmi ? { bmiRaw: bmi[0], heightRaw: bmi[1] } : {}) };
    const bytes = encodeWeightMeasurement(input);
    const p = parsed(parseWeightMeasurement(bytes));
    assert.deepEqual([...encodeWeightMeasurement(p)], [...bytes]);
    assert.equal(p.weightRaw, m.weightRaw);
    if (m.weightRaw !== 0xffff) assert.equal(String(p.weight), String(m.unit === 'SI' ? +(m.weightRaw * 0.005).toFixed(3) : +(m.weightRaw * 0.01).toFixed(2)));
  }));
});

test('PLX Spot-Check and Continuous round trips', () => {
  const common = {
    spo2: sfloat, pulseRate: sfloat, measurementStatus: fc.option(u16, { nil: undefined }),
    deviceAndSensorStatus: fc.option(fc.integer({ min: 0, max: 0xffffff }), { nil: undefined }), pulseAmplitudeIndex: fc.option(sfloat, { nil: undefined }),
  };
  fc.assert(fc.property(fc.record({ ...common, timeStamp: fc.option(dateTime, { nil: undefined }), deviceClockNotSet: fc.boolean() }), (m) => {
    assert.deepEqual(clean(parsed(parsePlxSpotCheck(encodePlxSpotCheck(m)))), clean({ type: 'plx_spot_check', ...m }));
  }));
  const pair = fc.record({ spo2: sfloat, pulseRate: sfloat });
  fc.assert(fc.property(fc.record({ ...common, fast: fc.option(pair, { nil: undefined }), slow: fc.option(pair, { nil: undefined }) }), (m) => {
    assert.deepEqual(clean(parsed(parsePlxContinuous(encodePlxContinuous(m)))), clean({ type: 'plx_continuous', ...m }));
  }));
});

test('Glucose Measurement and Context round trips', () => {
  const arb = fc.record({
    sequenceNumber: u16, baseTime: dateTime, timeOffset: fc.option(fc.integer({ min: -32768, max: 32767 }), { nil: undefined }), molPerL: fc.boolean(),
    concentration: fc.option(fc.record({ value: sfloat, type: fc.integer({ min: 0, max: 15 }), sampleLocation: fc.integer({ min: 0, max: 15 }) }), { nil: undefined }),
    sensorStatus: fc.option(u16, { nil: undefined }), contextFollows: fc.boolean(),
  });
  fc.assert(fc.property(arb, (m) => assert.deepEqual(clean(parsed(parseGlucoseMeasurement(encodeGlucoseMeasurement(m)))), clean({ type: 'glucose', ...m }))));
  const ctx = fc.record({
    sequenceNumber: u16, extendedFlags: fc.option(u8, { nil: undefined }), carbohydrate: fc.option(fc.record({ id: u8, grams: sfloat }), { nil: undefined }),
    meal: fc.option(u8, { nil: undefined }), exercise: fc.option(fc.record({ durationSeconds: u16, intensityPercent: u8 }), { nil: undefined }),
    medication: fc.option(fc.record({ id: u8, amount: sfloat, unit: fc.constantFrom('kg' as const, 'L' as const) }), { nil: undefined }),
    hba1c: fc.option(sfloat, { nil: undefined }), th: fc.option(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })), { nil: undefined }),
  });
  fc.assert(fc.property(ctx, ({ th, ...c }) => {
    const input = { ...c, ...(th ? { tester: th[0], health: th[1] } : {}) };
    assert.deepEqual(clean(parsed(parseGlucoseMeasurementContext(encodeGlucoseMeasurementContext(input)))), clean({ type: 'glucose_context', ...input }));
  }));
});

test('Temperature Measurement round trip', () => {
  const arb = fc.record({ unit: fc.constantFrom('Cel' as const, 'degF' as const), temperature: float, timeStamp: fc.option(dateTime, { nil: undefined }), temperatureType: fc.option(u8, { nil: undefined }) });
  fc.assert(fc.property(arb, (m) => assert.deepEqual(clean(parsed(parseTemperatureMeasurement(encodeTemperatureMeasurement(m)))), clean({ type: 'temperature', ...m }))));
});

test('RACP requests and responses, Date Time and Current Time round trips', () => {
  const req = fc.oneof(
    fc.record({ op: fc.constantFrom('report' as const, 'count' as const), from: fc.constant('all' as const) }),
    fc.record({ op: fc.constantFrom('report' as const, 'count' as const), from: fc.constant('sequence' as const), minSequence: u16 }),
    fc.constant({ op: 'abort' as const }),
  );
  fc.assert(fc.property(req, (q) => assert.deepEqual(parsed(parseRacpRequest(encodeRacpRequest(q))), { ...q })));
  fc.assert(fc.property(u16, (count) => assert.deepEqual(parsed(parseRacpResponse(encodeRacpResponse({ kind: 'number_of_records', count }))), { kind: 'number_of_records', count })));
  fc.assert(fc.property(u8, u8, (requestOpCode, code) => {
    const r = parsed(parseRacpResponse(encodeRacpResponse({ kind: 'response', requestOpCode, code })));
    assert.deepEqual([r.kind, r.kind === 'response' && r.requestOpCode, r.kind === 'response' && r.code], ['response', requestOpCode, code]);
  }));
  fc.assert(fc.property(dateTime, (d) => assert.deepEqual(parsed(parseDateTime(encodeDateTime(d))), { ...d })));
  fc.assert(fc.property(fc.record({ dateTime, dayOfWeek: u8, fractions256: u8, adjustReason: u8 }), (t) => assert.deepEqual(clean(parsed(parseCurrentTime(encodeCurrentTime(t)))), clean(t))));
});

test('any truncation of a valid value is reported, never thrown', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
    for (const parse of [parseBloodPressureMeasurement, parseWeightMeasurement, parsePlxSpotCheck, parsePlxContinuous, parseGlucoseMeasurement, parseGlucoseMeasurementContext, parseTemperatureMeasurement, parseRacpResponse, parseRacpRequest, parseCurrentTime]) {
      const r = parse(bytes);
      assert.ok(r.ok || /^ble_/.test(r.error.code));
    }
  }));
});

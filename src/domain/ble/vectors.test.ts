import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeFloat, decodeSfloat, encodeRacpRequest, fromHex, medicalFloatText, medicalFloatValue, mf, parseBloodPressureMeasurement,
  parseCurrentTime, parseDateTime, parseGlucoseMeasurement, parseGlucoseMeasurementContext, parseMeasurement, parsePlxContinuous,
  parsePlxSpotCheck, parseRacpResponse, parseTemperatureMeasurement, parseWeightMeasurement, plxDeviceStatus, plxMeasurementStatus,
  glucoseSensorStatus, glucoseTime, toDeviceReading, encodeCurrentTime, currentTimeFor, adjustReasons, type HealthMeasurement,
} from './index.js';
import { normaliseMeasurement } from '../catalogue.js';

/*
 * Byte-exact test vectors. Sources:
 *  [NRF-BPM]  NordicSemiconductor/Android-BLE-Common-Library, ble-common/src/test/…/callback/bps/BloodPressureMeasurementDataCallbackTest.java
 *  [NRF-GLS]  same repository, …/callback/glucose/GlucoseMeasurementDataCallbackTest.java and GlucoseMeasurementContextDataCallbackTest.java
 *  [NRF-HTS]  same repository, …/callback/ht/TemperatureMeasurementDataCallbackTest.java
 *  [NRF-RACP] same repository, …/callback/RecordAccessControlPointDataCallbackTest.java
 *  [NRF-DT]   same repository, …/callback/DateTimeDataCallbackTest.java
 *  [SPEZI-PLX] StanfordSpezi/SpeziBluetooth, Tests/SpeziBluetoothServicesTests/PLXTests.swift
 *  [SPEZI-WSS] StanfordSpezi/SpeziKt, core/bluetooth/src/test/java/edu/stanford/spezikt/core/bluetooth/WeightDataConverterTest.kt
 *  [11073]    IEEE 11073-20601 Annex F.8 (SFLOAT/FLOAT and their special values), as restated in the
 *             Bluetooth SIG Personal Health Devices Transcoding white paper
 *  [GLS]      Bluetooth SIG Glucose Profile/Service v1.0.1, §4.9 RACP procedures (request layout)
 *  [CTS]      Bluetooth SIG Current Time Service v1.1 §3.1 (Current Time layout), GSS Exact Time 256
 * Expected values are those asserted by the cited test, re-stated here.
 */

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}
const num = (f: Parameters<typeof medicalFloatValue>[0]) => medicalFloatValue(f);

describe('IEEE 11073-20601 SFLOAT and FLOAT', () => {
  const sfloat: [string, number, string][] = [
    // [source, raw, exact text]
    ['[11073] NaN', 0x07ff, 'NAN'],
    ['[11073] NRes', 0x0800, 'NRES'],
    ['[11073] +INFINITY', 0x07fe, '+INFINITY'],
    ['[11073] -INFINITY', 0x0802, '-INFINITY'],
    ['[11073] reserved', 0x0801, 'RESERVED'],
    ['[11073] special mantissa with non-zero exponent is not defined', 0xf7ff, 'RESERVED'],
    ['[NRF-BPM] 138 mmHg', 0x008a, '138'],
    ['[NRF-BPM] 18.9 kPa', 0xf0bd, '18.9'],
    ['[SPEZI-PLX] 100.0 % as 1000e-1', 0xf3e8, '100'],
    ['[SPEZI-PLX] PAI 8.90 as 890e-2', 0xe37a, '8.9'],
    ['[11073] 36.7 as 367e-1', 0xf16f, '36.7'],
    ['[11073] negative mantissa -1 × 10^0', 0x0fff, '-1'],
    ['[11073] 2045 × 10^7, the largest', 0x77fd, '20450000000'],
    ['[11073] -2045 × 10^-8, the smallest', 0x8803, '-0.00002045'],
  ];
  for (const [name, raw, text] of sfloat) {
    test(`SFLOAT ${raw.toString(16).padStart(4, '0')}: ${name}`, () => assert.equal(medicalFloatText(decodeSfloat(raw)), text));
  }
  test('decoded values stay exact: 36.7 is 36.7, not 36.69999…', () => {
    assert.equal(num(decodeSfloat(0xf16f)), 36.7);
    assert.equal(num(decodeFloat(0xff00016f)), 36.7);
    assert.equal(num(decodeFloat(0xfe000eb0)), 37.6); // [NRF-HTS]
    assert.equal(String(num(mf(1001, -3))), '1.001');
    assert.ok(Number.isNaN(num(decodeSfloat(0x07ff))));
    assert.equal(num(decodeSfloat(0x07fe)), Infinity);
    assert.equal(num(decodeSfloat(0x0802)), -Infinity);
  });
  const float: [string, number, string][] = [
    ['[11073] FLOAT NaN', 0x007fffff, 'NAN'],
    ['[11073] FLOAT NRes', 0x00800000, 'NRES'],
    ['[11073] FLOAT +INFINITY', 0x007ffffe, '+INFINITY'],
    ['[11073] FLOAT -INFINITY', 0x00800002, '-INFINITY'],
    ['[11073] FLOAT reserved', 0x00800001, 'RESERVED'],
    ['[NRF-HTS] 37.60 °C as 3760e-2', 0xfe000eb0, '37.6'],
    ['[11073] -273.15 as -27315e-2', 0xfe000000 + (0x1000000 - 27315), '-273.15'],
  ];
  for (const [name, raw, text] of float) {
    test(`FLOAT ${raw.toString(16).padStart(8, '0')}: ${name}`, () => assert.equal(medicalFloatText(decodeFloat(raw)), text));
  }
});

describe('Blood Pressure Measurement 0x2A35', () => {
  test('[NRF-BPM] full: mmHg, time stamp without year, pulse, user, every status bit but the range', () => {
    const m = ok(parseBloodPressureMeasurement(fromHex('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00')));
    assert.equal(m.unit, 'mmHg');
    assert.deepEqual([num(m.systolic), num(m.diastolic), num(m.meanArterialPressure), num(m.pulseRate!)], [138, 88, 120, 60]);
    assert.deepEqual(m.timeStamp, { year: 0, month: 4, day: 17, hours: 20, minutes: 41, seconds: 59 });
    assert.equal(m.userId, 1);
    assert.deepEqual(m.status, { bodyMovement: true, cuffTooLoose: true, irregularPulse: true, pulseRateRange: 'within', improperPosition: true, raw: 0x27 });
    const r = toDeviceReading(m);
    assert.deepEqual(r.measurements, [{ code: 'bp_systolic', value: 138, unit: 'mm[Hg]' }, { code: 'bp_diastolic', value: 88, unit: 'mm[Hg]' }, { code: 'heart_rate', value: 60, unit: '/min' }]);
    assert.equal(r.measuredAt, null, 'a stamp without a year cannot be placed in time');
    assert.deepEqual(r.interpretations.map((i) => i.code), ['bp_body_movement', 'bp_cuff_too_loose', 'bp_irregular_pulse', 'bp_improper_position']);
    assert.equal(r.details.meanArterialPressure, '120 mm[Hg]');
  });
  test('[NRF-BPM] some: kPa, pulse, status "cuff too loose" and pulse below the lower limit', () => {
    const m = ok(parseBloodPressureMeasurement(fromHex('15 BD F0 0B 00 9F F0 3C 00 12 00')));
    assert.equal(m.unit, 'kPa');
    assert.deepEqual([medicalFloatText(m.systolic), medicalFloatText(m.diastolic), medicalFloatText(m.meanArterialPressure)], ['18.9', '11', '15.9']);
    assert.equal(m.userId, undefined);
    assert.equal(m.status!.pulseRateRange, 'below_lower_limit');
    assert.equal(m.status!.cuffTooLoose, true);
    const r = toDeviceReading(m);
    // 18.9 kPa = 141.76 mmHg (1 mmHg = 133.322387415 Pa); not rounded here.
    const sys = r.measurements.find((x) => x.code === 'bp_systolic')!;
    assert.ok(Math.abs(sys.value! - 141.7616) < 0.0001, String(sys.value));
    assert.equal(ok(normaliseMeasurement(sys)).unit, 'mm[Hg]');
    assert.deepEqual(r.interpretations.map((i) => i.code), ['bp_cuff_too_loose', 'bp_pulse_below_range']);
  });
  test('[NRF-BPM] minimal: no optional fields', () => {
    const m = ok(parseBloodPressureMeasurement(fromHex('00 BD F0 0B 00 9F F0')));
    assert.deepEqual(Object.keys(m).sort(), ['diastolic', 'meanArterialPressure', 'systolic', 'type', 'unit']);
  });
  test('[NRF-BPM] too short, and time stamp flagged but missing, are errors', () => {
    for (const h of ['01 02 03 04 05 06', '03 02 03 04 05 06 07']) {
      const r = parseBloodPressureMeasurement(fromHex(h));
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, 'ble_value_too_short');
    }
  });
});

describe('Weight Measurement 0x2A9D', () => {
  test('[SPEZI-WSS] 23.2 kg for user 1 with an all-zero (unknown) time stamp', () => {
    const m = ok(parseWeightMeasurement(fromHex('06 20 12 00 00 00 00 00 00 00 01')));
    assert.deepEqual([m.unit, m.weightRaw, m.weight, m.userId], ['SI', 4640, 23.2, 1]);
    const r = toDeviceReading(m);
    assert.deepEqual(r.measurements, [{ code: 'weight', value: 23.2, unit: 'kg' }]);
    assert.equal(r.measuredAt, null);
  });
  test('[SPEZI-WSS] 18.0 kg', () => assert.equal(ok(parseWeightMeasurement(fromHex('06 10 0E 00 00 00 00 00 00 00 01'))).weight, 18));
  test('WSS §3.2.1.2: 0.005 kg steps stay exact; imperial 0.01 lb; BMI and height; 0xFFFF = unsuccessful', () => {
    assert.equal(ok(parseWeightMeasurement(fromHex('00 5B 3A'))).weight, 74.695); // 0x3A5B = 14939 × 0.005
    const lb = ok(parseWeightMeasurement(fromHex('09 8C 41 F3 00 BC 02')));
    assert.deepEqual([lb.unit, lb.weight, lb.bmi, lb.height], ['imperial', 167.8, 24.3, 70]);
    assert.deepEqual(toDeviceReading(lb).measurements, [{ code: 'weight', value: 167.8, unit: '[lb_av]' }]);
    const si = ok(parseWeightMeasurement(fromHex('08 5B 3A F3 00 CE 06')));
    assert.deepEqual([si.bmi, si.height], [24.3, 1.742]);
    const failed = toDeviceReading(ok(parseWeightMeasurement(fromHex('00 FF FF'))));
    assert.deepEqual(failed.measurements, []);
    assert.match(failed.excluded!, /unsuccessful/);
  });
});

describe('PLX Spot-Check 0x2A5E and Continuous 0x2A5F', () => {
  test('[SPEZI-PLX] continuous, very simple: 1000e-1 % and 900e-1 /min; the same as 100 and 90', () => {
    const a = ok(parsePlxContinuous(fromHex('00 E8 F3 84 F3')));
    const b = ok(parsePlxContinuous(fromHex('00 64 00 5A 00')));
    assert.deepEqual([num(a.spo2), num(a.pulseRate)], [100, 90]);
    assert.deepEqual(toDeviceReading(a).measurements, toDeviceReading(b).measurements);
  });
  test('[SPEZI-PLX] continuous with measurement status, device status and pulse amplitude index', () => {
    const m = ok(parsePlxContinuous(fromHex('1C 5F 00 5A 00 20 00 00 00 00 57 F0')));
    assert.deepEqual([num(m.spo2), num(m.pulseRate), medicalFloatText(m.pulseAmplitudeIndex!)], [95, 90, '8.7']);
    assert.deepEqual(plxMeasurementStatus(m.measurementStatus!), ['measurement_ongoing']);
    assert.deepEqual(plxDeviceStatus(m.deviceAndSensorStatus!), []);
  });
  test('[SPEZI-PLX] continuous, every field: fast and slow SpO2/PR', () => {
    const m = ok(parsePlxContinuous(fromHex('1F DE F3 CA F3 CA F3 5A F5 D4 F3 B2 F2 20 01 00 00 00 7A E3')));
    assert.deepEqual([num(m.spo2), num(m.pulseRate), num(m.fast!.spo2), num(m.fast!.pulseRate), num(m.slow!.spo2), num(m.slow!.pulseRate)], [99, 97, 97, 137, 98, 69]);
    assert.deepEqual(plxMeasurementStatus(m.measurementStatus!), ['measurement_ongoing', 'fully_qualified_data']);
    assert.equal(medicalFloatText(m.pulseAmplitudeIndex!), '8.9');
  });
  test('[SPEZI-PLX] spot-check with time stamp, questionable measurement, malfunction and low perfusion', () => {
    const m = ok(parsePlxSpotCheck(fromHex('0F AC F3 BE F5 E8 07 0B 1D 17 08 39 20 40 22 00 00 66 E3')));
    assert.deepEqual([num(m.spo2), num(m.pulseRate)], [94, 147]);
    assert.deepEqual(m.timeStamp, { year: 2024, month: 11, day: 29, hours: 23, minutes: 8, seconds: 57 });
    assert.deepEqual(plxMeasurementStatus(m.measurementStatus!), ['measurement_ongoing', 'questionable_measurement']);
    assert.deepEqual(plxDeviceStatus(m.deviceAndSensorStatus!), ['equipment_malfunction', 'low_perfusion']);
    assert.equal(medicalFloatText(m.pulseAmplitudeIndex!), '8.7');
    const r = toDeviceReading(m);
    assert.deepEqual(r.measurements, [{ code: 'spo2', value: 94, unit: '%' }, { code: 'heart_rate', value: 147, unit: '/min' }]);
    assert.deepEqual(r.interpretations.map((i) => i.code), ['plx_questionable_measurement', 'plx_equipment_malfunction', 'plx_low_perfusion']);
    assert.equal(r.excluded, undefined);
  });
  test('PLXS §3.1.1.3: demonstration data and invalid measurements are not the patient’s readings', () => {
    // flags 0x02 (status), SpO2 97, PR 70, status bit 10 (demonstration)
    assert.match(toDeviceReading(ok(parsePlxSpotCheck(fromHex('02 61 00 46 00 00 04')))).excluded!, /Demonstration/);
    assert.match(toDeviceReading(ok(parsePlxSpotCheck(fromHex('02 61 00 46 00 00 80')))).excluded!, /invalid/);
  });
  test('[11073] an SpO2 of NaN is no measurement but is kept as an interpretation', () => {
    const r = toDeviceReading(ok(parsePlxSpotCheck(fromHex('00 FF 07 46 00'))));
    assert.deepEqual(r.measurements, [{ code: 'heart_rate', value: 70, unit: '/min' }]);
    assert.deepEqual(r.interpretations.map((i) => i.code), ['value_nan']);
  });
});

describe('Glucose Measurement 0x2A18 and Context 0x2A34', () => {
  test('[NRF-GLS] time offset −5 min, kg/L, capillary plasma from a finger, status annunciation, context follows', () => {
    const m = ok(parseGlucoseMeasurement(fromHex('1B 01 00 E3 07 02 1B 0B 0A 1E FB FF 1E 00 12 05 01')));
    assert.equal(m.sequenceNumber, 1);
    assert.deepEqual(m.baseTime, { year: 2019, month: 2, day: 27, hours: 11, minutes: 10, seconds: 30 });
    assert.equal(m.timeOffset, -5);
    assert.deepEqual(glucoseTime(m), { year: 2019, month: 2, day: 27, hours: 11, minutes: 5, seconds: 30 });
    assert.equal(m.molPerL, false);
    assert.deepEqual([medicalFloatText(m.concentration!.value), m.concentration!.type, m.concentration!.sampleLocation], ['30', 2, 1]);
    assert.equal(m.sensorStatus, 261);
    assert.deepEqual(glucoseSensorStatus(m.sensorStatus!), ['device_battery_low', 'sample_size_insufficient', 'sensor_temperature_too_low']);
    assert.equal(m.contextFollows, true);
    const r = toDeviceReading(m);
    assert.deepEqual([r.details.sampleType, r.details.sampleLocation, r.sequenceNumber], ['capillary_plasma', 'finger', 1]);
  });
  test('[NRF-GLS] a record with its time offset cut off is refused', () => {
    assert.equal(parseGlucoseMeasurement(fromHex('1B 00 00 E2 07 04 1A 0B 09 1E 1E 00 12 05 01')).ok, false);
  });
  test('GLS/GSS: kg/L and mol/L become mg/dL and mmol/L by shifting the decimal exponent', () => {
    // 0xB078: exponent −5, mantissa 120 → 120 × 10⁻⁵ kg/L = 120 mg/dL exactly (the catalogue converts to mmol/L)
    const kg = toDeviceReading(ok(parseGlucoseMeasurement(fromHex('02 07 00 EA 07 0B 1E 08 00 00 78 B0 11'))));
    assert.deepEqual(kg.measurements, [{ code: 'glucose', value: 120, unit: 'mg/dL' }]);
    assert.equal(ok(normaliseMeasurement(kg.measurements[0]!)).unit, 'mmol/L');
    assert.deepEqual(kg.measuredAt, { year: 2026, month: 11, day: 30, hours: 8, minutes: 0, seconds: 0 });
    // 0xC043: exponent −4, mantissa 67 → 67 × 10⁻⁴ mol/L = 6.7 mmol/L exactly
    const mol = toDeviceReading(ok(parseGlucoseMeasurement(fromHex('06 08 00 EA 07 0B 1E 08 00 00 43 C0 11'))));
    assert.deepEqual(mol.measurements, [{ code: 'glucose', value: 6.7, unit: 'mmol/L' }]);
  });
  test('GLS: HI/LO annunciations are kept; a control-solution test is not a blood sample', () => {
    const hi = toDeviceReading(ok(parseGlucoseMeasurement(fromHex('0E 09 00 EA 07 0B 1E 08 00 00 FE 07 11 20 00'))));
    assert.deepEqual(hi.measurements, [{ code: 'glucose', unit: 'mmol/L', interpretation: 'HI' }]);
    assert.deepEqual(hi.interpretations.map((i) => i.code), ['value_plus_infinity', 'glucose_hi']);
    assert.deepEqual(ok(normaliseMeasurement(hi.measurements[0]!)).interpretation, 'HI');
    // 6 × 10⁻⁴ mol/L = 0.6 mmol/L with the LO annunciation: the number travels with the flag.
    const lo = toDeviceReading(ok(parseGlucoseMeasurement(fromHex('0E 0A 00 EA 07 0B 1E 08 00 00 06 C0 11 40 00'))));
    assert.deepEqual(lo.measurements, [{ code: 'glucose', value: 0.6, unit: 'mmol/L', interpretation: 'LO' }]);
    assert.deepEqual(lo.interpretations.map((i) => i.code), ['glucose_lo']);
    const control = toDeviceReading(ok(parseGlucoseMeasurement(fromHex('06 0B 00 EA 07 0B 1E 08 00 00 43 C0 4A'))));
    assert.match(control.excluded!, /Control solution/);
  });
  test('[NRF-GLS] context: flags 0 with sequence number 1 (trailing zeros ignored)', () => {
    const c = ok(parseGlucoseMeasurementContext(fromHex('00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00')));
    assert.deepEqual(c, { type: 'glucose_context', sequenceNumber: 1 });
  });
  test('GLS §3.107: context with meal (casual), tester/health nibbles and HbA1c', () => {
    const c = ok(parseGlucoseMeasurementContext(fromHex('46 05 00 04 12 59 F1')));
    assert.deepEqual([c.meal, c.tester, c.health, medicalFloatText(c.hba1c!)], [4, 2, 1, '34.5']);
  });
});

describe('Record Access Control Point 0x2A52', () => {
  test('[GLS] requests: all records, records from a sequence number, number of records', () => {
    assert.deepEqual([...encodeRacpRequest({ op: 'report', from: 'all' })], [0x01, 0x01]);
    assert.deepEqual([...encodeRacpRequest({ op: 'report', from: 'sequence', minSequence: 0x0102 })], [0x01, 0x03, 0x01, 0x02, 0x01]);
    assert.deepEqual([...encodeRacpRequest({ op: 'count', from: 'all' })], [0x04, 0x01]);
    assert.deepEqual([...encodeRacpRequest({ op: 'count', from: 'sequence', minSequence: 7 })], [0x04, 0x03, 0x01, 0x07, 0x00]);
    assert.deepEqual([...encodeRacpRequest({ op: 'abort' })], [0x03, 0x00]);
  });
  const responses: [string, string, unknown][] = [
    ['[NRF-RACP] success of "report stored records"', '06 00 01 01', { kind: 'response', requestOpCode: 1, code: 1, meaning: 'success' }],
    ['[NRF-RACP] op code not supported', '06 00 0C 02', { kind: 'response', requestOpCode: 12, code: 2, meaning: 'op_code_not_supported' }],
    ['[NRF-RACP] invalid operator', '06 00 01 03', { kind: 'response', requestOpCode: 1, code: 3, meaning: 'invalid_operator' }],
    ['[NRF-RACP] operator not supported', '06 00 02 04', { kind: 'response', requestOpCode: 2, code: 4, meaning: 'operator_not_supported' }],
    ['[NRF-RACP] invalid operand', '06 00 01 05', { kind: 'response', requestOpCode: 1, code: 5, meaning: 'invalid_operand' }],
    ['[NRF-RACP] no records found', '06 00 01 06', { kind: 'response', requestOpCode: 1, code: 6, meaning: 'no_records_found' }],
    ['[NRF-RACP] abort unsuccessful', '06 00 03 07', { kind: 'response', requestOpCode: 3, code: 7, meaning: 'abort_unsuccessful' }],
    ['[NRF-RACP] procedure not completed', '06 00 02 08', { kind: 'response', requestOpCode: 2, code: 8, meaning: 'procedure_not_completed' }],
    ['[NRF-RACP] operand not supported', '06 00 02 09', { kind: 'response', requestOpCode: 2, code: 9, meaning: 'operand_not_supported' }],
    ['[NRF-RACP] unknown response code', '06 00 01 0A', { kind: 'response', requestOpCode: 1, code: 10, meaning: 'reserved' }],
    ['[NRF-RACP] number of records, uint8', '05 00 01', { kind: 'number_of_records', count: 1 }],
    ['[NRF-RACP] number of records, uint16', '05 00 02 01', { kind: 'number_of_records', count: 258 }],
    ['[NRF-RACP] number of records, uint32', '05 00 04 03 02 01', { kind: 'number_of_records', count: 16909060 }],
  ];
  for (const [name, h, want] of responses) test(name, () => assert.deepEqual(ok(parseRacpResponse(fromHex(h))), want));
  for (const [name, h] of [['[NRF-RACP] unsupported count length', '05 00 03 02 01'], ['[NRF-RACP] too short', '01 01'], ['[NRF-RACP] a request, not a response', '01 03 01 02 00'], ['[NRF-RACP] response with an operator', '06 01 01']]) {
    test(`${name} is refused`, () => assert.equal(parseRacpResponse(fromHex(h!)).ok, false));
  }
});

describe('Health Thermometer Temperature Measurement 0x2A1C', () => {
  test('[NRF-HTS] 37.60 °C, time stamp, finger', () => {
    const m = ok(parseTemperatureMeasurement(fromHex('06 B0 0E 00 FE DC 07 0C 05 0B 32 1B 04')));
    assert.equal(m.unit, 'Cel');
    assert.equal(medicalFloatText(m.temperature), '37.6');
    assert.deepEqual(m.timeStamp, { year: 2012, month: 12, day: 5, hours: 11, minutes: 50, seconds: 27 });
    const r = toDeviceReading(m);
    assert.deepEqual(r.measurements, [{ code: 'temperature', value: 37.6, unit: 'Cel' }]);
    assert.equal(r.details.site, 'finger');
  });
  test('[NRF-HTS] type flagged but missing is refused', () => {
    assert.equal(parseTemperatureMeasurement(fromHex('06 B0 0E 00 FE DC 07 0C 05 0B 32 1B')).ok, false);
  });
  test('HTS §3.1.1.1: Fahrenheit goes to the catalogue as [degF]', () => {
    // 98.6 °F = 986 × 10⁻¹
    const r = toDeviceReading(ok(parseTemperatureMeasurement(fromHex('01 DA 03 00 FF'))));
    assert.deepEqual(r.measurements, [{ code: 'temperature', value: 98.6, unit: '[degF]' }]);
    assert.deepEqual(ok(normaliseMeasurement(r.measurements[0]!)), { code: 'temperature', value: 37, unit: 'Cel' });
  });
});

describe('Date Time 0x2A08 and Current Time 0x2A2B', () => {
  test('[NRF-DT] 2018-04-17 15:51:00, and a time without date', () => {
    assert.deepEqual(ok(parseDateTime(fromHex('E2 07 04 11 0F 33 00'))), { year: 2018, month: 4, day: 17, hours: 15, minutes: 51, seconds: 0 });
    assert.deepEqual(ok(parseDateTime(fromHex('00 00 00 00 12 1A 20'))), { year: 0, month: 0, day: 0, hours: 18, minutes: 26, seconds: 32 });
    assert.equal(parseDateTime(fromHex('E2 07 04 11 0F 33')).ok, false);
  });
  test('[CTS] Current Time: 2005-12-27 12:31:40, Tuesday, 127/256 s, manual update', () => {
    const bytes = fromHex('D5 07 0C 1B 0C 1F 28 02 7F 01');
    const t = ok(parseCurrentTime(bytes));
    assert.deepEqual(t, { dateTime: { year: 2005, month: 12, day: 27, hours: 12, minutes: 31, seconds: 40 }, dayOfWeek: 2, fractions256: 127, adjustReason: 1 });
    assert.deepEqual(adjustReasons(t.adjustReason), ['manual_time_update']);
    const set = currentTimeFor({ year: 2005, month: 12, day: 27, hour: 12, minute: 31, second: 40, weekday: 2 }, 498);
    assert.deepEqual([...encodeCurrentTime(set)], [...bytes]);
  });
});

describe('parseMeasurement dispatches by characteristic UUID', () => {
  test('16-bit, hex text and 128-bit forms; unknown characteristics are refused', () => {
    const bytes = fromHex('00 BD F0 0B 00 9F F0');
    for (const u of [0x2a35, '2A35', '00002a35-0000-1000-8000-00805f9b34fb']) assert.equal((ok(parseMeasurement(u, bytes)) as HealthMeasurement).type, 'blood_pressure');
    const r = parseMeasurement(0x2a37, bytes);
    assert.equal(!r.ok && r.error.code, 'ble_unsupported_characteristic');
  });
});

import { err, type Result } from '../result.js';
import { addMinutes, Writer, type BleDateTime } from './bytes.js';
import { bitNames, BleInvalid, parseWith } from './common.js';
import type { MedicalFloat } from './ieee11073.js';

/* ───────────── Glucose Measurement 0x2A18 (Glucose Service, GLS v1.0.1 §3.106 / GSS) ───────────── */

/** Type nibble (low 4 bits of the Type-Sample Location octet). */
export const GLUCOSE_TYPES: Readonly<Record<number, string>> = {
  1: 'capillary_whole_blood', 2: 'capillary_plasma', 3: 'venous_whole_blood', 4: 'venous_plasma', 5: 'arterial_whole_blood',
  6: 'arterial_plasma', 7: 'undetermined_whole_blood', 8: 'undetermined_plasma', 9: 'interstitial_fluid', 10: 'control_solution',
};
/** Sample Location nibble (high 4 bits). */
export const GLUCOSE_LOCATIONS: Readonly<Record<number, string>> = {
  1: 'finger', 2: 'alternate_site_test', 3: 'earlobe', 4: 'control_solution', 15: 'not_available',
};
/** Sensor Status Annunciation bits 0–11. */
export const GLUCOSE_SENSOR_STATUS = [
  'device_battery_low', 'sensor_malfunction', 'sample_size_insufficient', 'strip_insertion_error', 'strip_type_incorrect',
  'result_too_high', 'result_too_low', 'sensor_temperature_too_high', 'sensor_temperature_too_low', 'sensor_read_interrupted',
  'general_device_fault', 'time_fault',
] as const;
export type GlucoseSensorStatus = (typeof GLUCOSE_SENSOR_STATUS)[number];

export interface GlucoseMeasurement {
  type: 'glucose';
  sequenceNumber: number;
  baseTime: BleDateTime;
  /** Minutes to add to the base time (sint16), when sent. */
  timeOffset?: number;
  /** Flags bit 2: concentration in mol/L (true) or kg/L (false). Kept even without a concentration. */
  molPerL: boolean;
  concentration?: { value: MedicalFloat; type: number; sampleLocation: number };
  sensorStatus?: number;
  contextFollows: boolean;
}

/** Base time plus time offset: the wall-clock time the sample was taken. */
export function glucoseTime(m: GlucoseMeasurement): BleDateTime {
  return m.timeOffset ? addMinutes(m.baseTime, m.timeOffset) : m.baseTime;
}

/** Named bits of a Sensor Status Annunciation field. */
export function glucoseSensorStatus(raw: number): GlucoseSensorStatus[] {
  return bitNames(raw, GLUCOSE_SENSOR_STATUS);
}

/** Parses a Glucose Measurement (0x2A18) value. */
export function parseGlucoseMeasurement(bytes: Uint8Array): Result<GlucoseMeasurement> {
  return parseWith('Glucose Measurement', bytes, (r) => {
    const flags = r.u8('flags');
    const m: GlucoseMeasurement = {
      type: 'glucose', sequenceNumber: r.u16('sequenceNumber'), baseTime: r.dateTime('baseTime'),
      molPerL: (flags & 0x04) !== 0, contextFollows: (flags & 0x10) !== 0,
    };
    if (flags & 0x01) m.timeOffset = r.s16('timeOffset');
    if (flags & 0x02) {
      const value = r.sfloat('concentration');
      const ts = r.u8('typeSampleLocation');
      m.concentration = { value, type: ts & 0x0f, sampleLocation: ts >> 4 };
    }
    if (flags & 0x08) m.sensorStatus = r.u16('sensorStatus');
    return m;
  });
}

/** Encodes a Glucose Measurement. */
export function encodeGlucoseMeasurement(m: Omit<GlucoseMeasurement, 'type'>): Uint8Array {
  const flags = (m.timeOffset !== undefined ? 1 : 0) | (m.concentration ? 2 : 0) | (m.molPerL ? 4 : 0) | (m.sensorStatus !== undefined ? 8 : 0) | (m.contextFollows ? 0x10 : 0);
  const w = new Writer().u8(flags).u16(m.sequenceNumber).dateTime(m.baseTime);
  if (m.timeOffset !== undefined) w.s16(m.timeOffset);
  if (m.concentration) w.sfloat(m.concentration.value).u8((m.concentration.sampleLocation << 4) | (m.concentration.type & 0x0f));
  if (m.sensorStatus !== undefined) w.u16(m.sensorStatus);
  return w.bytes();
}

/* ───────────── Glucose Measurement Context 0x2A34 (optional; GLS §3.107) ───────────── */

export const GLUCOSE_MEALS: Readonly<Record<number, string>> = { 1: 'preprandial', 2: 'postprandial', 3: 'fasting', 4: 'casual', 5: 'bedtime' };

export interface GlucoseMeasurementContext {
  type: 'glucose_context';
  /** Matches the sequence number of the Glucose Measurement it belongs to. */
  sequenceNumber: number;
  extendedFlags?: number;
  carbohydrate?: { id: number; grams: MedicalFloat };
  meal?: number;
  /** Low nibble tester (1 self, 2 health care professional, 3 lab), high nibble health. */
  tester?: number;
  health?: number;
  exercise?: { durationSeconds: number; intensityPercent: number };
  medication?: { id: number; amount: MedicalFloat; unit: 'kg' | 'L' };
  hba1c?: MedicalFloat;
}

/** Parses a Glucose Measurement Context (0x2A34) value. */
export function parseGlucoseMeasurementContext(bytes: Uint8Array): Result<GlucoseMeasurementContext> {
  return parseWith('Glucose Measurement Context', bytes, (r) => {
    const flags = r.u8('flags');
    const c: GlucoseMeasurementContext = { type: 'glucose_context', sequenceNumber: r.u16('sequenceNumber') };
    if (flags & 0x80) c.extendedFlags = r.u8('extendedFlags');
    if (flags & 0x01) c.carbohydrate = { id: r.u8('carbohydrate.id'), grams: r.sfloat('carbohydrate.amount') };
    if (flags & 0x02) c.meal = r.u8('meal');
    if (flags & 0x04) {
      const th = r.u8('testerHealth');
      c.tester = th & 0x0f;
      c.health = th >> 4;
    }
    if (flags & 0x08) c.exercise = { durationSeconds: r.u16('exercise.duration'), intensityPercent: r.u8('exercise.intensity') };
    if (flags & 0x10) c.medication = { id: r.u8('medication.id'), amount: r.sfloat('medication.amount'), unit: flags & 0x20 ? 'L' : 'kg' };
    if (flags & 0x40) c.hba1c = r.sfloat('hba1c');
    return c;
  });
}

/** Encodes a Glucose Measurement Context. */
export function encodeGlucoseMeasurementContext(c: Omit<GlucoseMeasurementContext, 'type'>): Uint8Array {
  const flags = (c.carbohydrate ? 1 : 0) | (c.meal !== undefined ? 2 : 0) | (c.tester !== undefined ? 4 : 0) | (c.exercise ? 8 : 0)
    | (c.medication ? 0x10 : 0) | (c.medication?.unit === 'L' ? 0x20 : 0) | (c.hba1c ? 0x40 : 0) | (c.extendedFlags !== undefined ? 0x80 : 0);
  const w = new Writer().u8(flags).u16(c.sequenceNumber);
  if (c.extendedFlags !== undefined) w.u8(c.extendedFlags);
  if (c.carbohydrate) w.u8(c.carbohydrate.id).sfloat(c.carbohydrate.grams);
  if (c.meal !== undefined) w.u8(c.meal);
  if (c.tester !== undefined) w.u8(((c.health ?? 0) << 4) | (c.tester & 0x0f));
  if (c.exercise) w.u16(c.exercise.durationSeconds).u8(c.exercise.intensityPercent);
  if (c.medication) w.u8(c.medication.id).sfloat(c.medication.amount);
  if (c.hba1c) w.sfloat(c.hba1c);
  return w.bytes();
}

/* ───────────── Record Access Control Point 0x2A52 (GLS §3.108 / §4.9) ───────────── */

export const RACP_OP = { reportStoredRecords: 1, deleteStoredRecords: 2, abort: 3, reportNumberOfRecords: 4, numberOfRecordsResponse: 5, responseCode: 6 } as const;
export const RACP_OPERATOR = { null: 0, all: 1, lessOrEqual: 2, greaterOrEqual: 3, withinRange: 4, first: 5, last: 6 } as const;
/** Filter type 0x01: the operand is a sequence number (uint16) (GLS §4.9.1). */
export const RACP_FILTER_SEQUENCE_NUMBER = 1;
export const RACP_RESPONSE: Readonly<Record<number, string>> = {
  1: 'success', 2: 'op_code_not_supported', 3: 'invalid_operator', 4: 'operator_not_supported', 5: 'invalid_operand',
  6: 'no_records_found', 7: 'abort_unsuccessful', 8: 'procedure_not_completed', 9: 'operand_not_supported',
};

/** A request written to the RACP: which stored records to report (or count). */
export type RacpRequest =
  | { op: 'report' | 'count'; from: 'all' }
  | { op: 'report' | 'count'; from: 'sequence'; minSequence: number }
  | { op: 'abort' };

/** "Report stored records": all, or those with sequence number ≥ minSequence. */
export function encodeRacpRequest(q: RacpRequest): Uint8Array {
  if (q.op === 'abort') return Uint8Array.of(RACP_OP.abort, RACP_OPERATOR.null);
  const op = q.op === 'report' ? RACP_OP.reportStoredRecords : RACP_OP.reportNumberOfRecords;
  if (q.from === 'all') return Uint8Array.of(op, RACP_OPERATOR.all);
  return new Writer().u8(op).u8(RACP_OPERATOR.greaterOrEqual).u8(RACP_FILTER_SEQUENCE_NUMBER).u16(q.minSequence).bytes();
}

/** Parses a RACP request (what the simulated meter reads from the control point). */
export function parseRacpRequest(bytes: Uint8Array): Result<RacpRequest> {
  const r = parseWith('RACP request', bytes, (rd): RacpRequest => {
    const op = rd.u8('opCode');
    const operator = rd.u8('operator');
    if (op === RACP_OP.abort) return { op: 'abort' };
    if (op !== RACP_OP.reportStoredRecords && op !== RACP_OP.reportNumberOfRecords) throw new BleInvalid('opCode', `op code ${op} is not supported`);
    const kind = op === RACP_OP.reportStoredRecords ? 'report' : 'count';
    if (operator === RACP_OPERATOR.all) return { op: kind, from: 'all' };
    if (operator !== RACP_OPERATOR.greaterOrEqual) throw new BleInvalid('operator', `operator ${operator} is not supported`);
    const filter = rd.u8('filterType');
    if (filter !== RACP_FILTER_SEQUENCE_NUMBER) throw new BleInvalid('filterType', `filter type ${filter} is not supported`);
    return { op: kind, from: 'sequence', minSequence: rd.u16('operand') };
  });
  return r;
}

/** What the meter answers on the RACP (indication). */
export type RacpResponse =
  | { kind: 'number_of_records'; count: number }
  | { kind: 'response'; requestOpCode: number; code: number; meaning: string };

/**
 * Parses a RACP indication: Number of Stored Records (op 5, operator 0, count) or Response Code
 * (op 6, operator 0, request op code, response code value). The count is a uint16 in GLS; one- and
 * four-octet counts are also accepted, as some meters and CGMs send them.
 */
export function parseRacpResponse(bytes: Uint8Array): Result<RacpResponse> {
  return parseWith('RACP response', bytes, (r): RacpResponse => {
    const op = r.u8('opCode');
    const operator = r.u8('operator');
    if (operator !== RACP_OPERATOR.null) throw new BleInvalid('operator', `a response has the Null operator, got ${operator}`);
    if (op === RACP_OP.numberOfRecordsResponse) {
      const n = r.remaining;
      if (n === 1) return { kind: 'number_of_records', count: r.u8('count') };
      if (n === 2) return { kind: 'number_of_records', count: r.u16('count') };
      if (n === 4) return { kind: 'number_of_records', count: r.u32('count') };
      throw new BleInvalid('count', `a count of ${n} octets`);
    }
    if (op === RACP_OP.responseCode) {
      const requestOpCode = r.u8('requestOpCode');
      const code = r.u8('responseCode');
      return { kind: 'response', requestOpCode, code, meaning: RACP_RESPONSE[code] ?? 'reserved' };
    }
    throw new BleInvalid('opCode', `op code ${op} is not a response`);
  });
}

/** Encodes a RACP indication (the simulated meter's answers). */
export function encodeRacpResponse(x: { kind: 'number_of_records'; count: number } | { kind: 'response'; requestOpCode: number; code: number }): Uint8Array {
  if (x.kind === 'number_of_records') return new Writer().u8(RACP_OP.numberOfRecordsResponse).u8(0).u16(x.count).bytes();
  return Uint8Array.of(RACP_OP.responseCode, 0, x.requestOpCode, x.code);
}

/** Convenience for callers that only need a short explanation of a failed RACP procedure. */
export function racpFailure(res: RacpResponse): Result<never> | null {
  if (res.kind !== 'response' || res.code === 1 || res.code === 6) return null;
  return err('ble_racp_failed', `Record Access Control Point: ${res.meaning} (request op code ${res.requestOpCode})`);
}

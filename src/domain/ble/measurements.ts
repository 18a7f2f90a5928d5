import type { Result } from '../result.js';
import { Writer, type BleDateTime } from './bytes.js';
import { bitNames, parseWith } from './common.js';
import type { MedicalFloat } from './ieee11073.js';

/* ───────────── Blood Pressure Measurement 0x2A35 (Blood Pressure Service, BLS v1.1.1 §3.2) ───────────── */

/** Measurement Status bits 0–2 and 5; bits 3–4 are the pulse-rate range (BLS §3.2.1.5). */
export interface BloodPressureStatus {
  bodyMovement: boolean;
  cuffTooLoose: boolean;
  irregularPulse: boolean;
  pulseRateRange: 'within' | 'above_upper_limit' | 'below_lower_limit' | 'reserved';
  improperPosition: boolean;
  /** The whole 16-bit field, so bits defined later are not lost. */
  raw: number;
}

export interface BloodPressureMeasurement {
  type: 'blood_pressure';
  unit: 'mmHg' | 'kPa';
  systolic: MedicalFloat;
  diastolic: MedicalFloat;
  meanArterialPressure: MedicalFloat;
  timeStamp?: BleDateTime;
  pulseRate?: MedicalFloat;
  /** 0–254; 255 means "unknown user" (BLS §3.2.1.4). */
  userId?: number;
  status?: BloodPressureStatus;
}

const PULSE_RANGE = ['within', 'above_upper_limit', 'below_lower_limit', 'reserved'] as const;

/** Decodes the Measurement Status field of 0x2A35. */
export function bloodPressureStatus(raw: number): BloodPressureStatus {
  return {
    bodyMovement: (raw & 0x01) !== 0, cuffTooLoose: (raw & 0x02) !== 0, irregularPulse: (raw & 0x04) !== 0,
    pulseRateRange: PULSE_RANGE[(raw >> 3) & 0x03]!, improperPosition: (raw & 0x20) !== 0, raw,
  };
}

/** Parses a Blood Pressure Measurement (0x2A35) value. */
export function parseBloodPressureMeasurement(bytes: Uint8Array): Result<BloodPressureMeasurement> {
  return parseWith('Blood Pressure Measurement', bytes, (r) => {
    const flags = r.u8('flags');
    const m: BloodPressureMeasurement = {
      type: 'blood_pressure', unit: flags & 0x01 ? 'kPa' : 'mmHg',
      systolic: r.sfloat('systolic'), diastolic: r.sfloat('diastolic'), meanArterialPressure: r.sfloat('meanArterialPressure'),
    };
    if (flags & 0x02) m.timeStamp = r.dateTime('timeStamp');
    if (flags & 0x04) m.pulseRate = r.sfloat('pulseRate');
    if (flags & 0x08) m.userId = r.u8('userId');
    if (flags & 0x10) m.status = bloodPressureStatus(r.u16('status'));
    return m;
  });
}

/** Encodes a Blood Pressure Measurement (flags follow from the fields present). */
export function encodeBloodPressureMeasurement(m: Omit<BloodPressureMeasurement, 'type'>): Uint8Array {
  const flags = (m.unit === 'kPa' ? 1 : 0) | (m.timeStamp ? 2 : 0) | (m.pulseRate ? 4 : 0) | (m.userId !== undefined ? 8 : 0) | (m.status ? 0x10 : 0);
  const w = new Writer().u8(flags).sfloat(m.systolic).sfloat(m.diastolic).sfloat(m.meanArterialPressure);
  if (m.timeStamp) w.dateTime(m.timeStamp);
  if (m.pulseRate) w.sfloat(m.pulseRate);
  if (m.userId !== undefined) w.u8(m.userId);
  if (m.status) w.u16(m.status.raw);
  return w.bytes();
}

/* ───────────── Weight Measurement 0x2A9D (Weight Scale Service, WSS v1.0 §3.2) ───────────── */

/** The weight field's value meaning "Measurement Unsuccessful" (WSS §3.2.1.2). */
export const WEIGHT_UNSUCCESSFUL = 0xffff;

export interface WeightMeasurement {
  type: 'weight';
  unit: 'SI' | 'imperial';
  /** uint16 in 0.005 kg (SI) or 0.01 lb (imperial) steps, as sent. */
  weightRaw: number;
  /** kg or lb, exact to the resolution; null when the scale reports "Measurement Unsuccessful". */
  weight: number | null;
  timeStamp?: BleDateTime;
  /** 255 = unknown user. */
  userId?: number;
  /** BMI (0.1 kg/m² steps) and height (0.001 m or 0.1 in steps), sent together. */
  bmiRaw?: number;
  heightRaw?: number;
  bmi?: number;
  /** metres (SI) or inches (imperial) */
  height?: number;
}

/** kg or lb of a raw weight, computed as an integer quotient so it is exact to the resolution. */
export function weightValue(raw: number, unit: 'SI' | 'imperial'): number | null {
  if (raw === WEIGHT_UNSUCCESSFUL) return null;
  // 0.005 kg = 5/1000 kg; 0.01 lb = 1/100 lb (WSS §3.2.1.2)
  return unit === 'SI' ? (raw * 5) / 1000 : raw / 100;
}

/** Parses a Weight Measurement (0x2A9D) value. */
export function parseWeightMeasurement(bytes: Uint8Array): Result<WeightMeasurement> {
  return parseWith('Weight Measurement', bytes, (r) => {
    const flags = r.u8('flags');
    const unit = flags & 0x01 ? 'imperial' : 'SI';
    const weightRaw = r.u16('weight');
    const m: WeightMeasurement = { type: 'weight', unit, weightRaw, weight: weightValue(weightRaw, unit) };
    if (flags & 0x02) m.timeStamp = r.dateTime('timeStamp');
    if (flags & 0x04) m.userId = r.u8('userId');
    if (flags & 0x08) {
      m.bmiRaw = r.u16('bmi');
      m.heightRaw = r.u16('height');
      m.bmi = m.bmiRaw / 10;
      m.height = unit === 'SI' ? m.heightRaw / 1000 : m.heightRaw / 10;
    }
    return m;
  });
}

/** Encodes a Weight Measurement from its raw fields. */
export function encodeWeightMeasurement(m: Pick<WeightMeasurement, 'unit' | 'weightRaw' | 'timeStamp' | 'userId' | 'bmiRaw' | 'heightRaw'>): Uint8Array {
  const bmi = m.bmiRaw !== undefined && m.heightRaw !== undefined;
  const flags = (m.unit === 'imperial' ? 1 : 0) | (m.timeStamp ? 2 : 0) | (m.userId !== undefined ? 4 : 0) | (bmi ? 8 : 0);
  const w = new Writer().u8(flags).u16(m.weightRaw);
  if (m.timeStamp) w.dateTime(m.timeStamp);
  if (m.userId !== undefined) w.u8(m.userId);
  if (bmi) w.u16(m.bmiRaw!).u16(m.heightRaw!);
  return w.bytes();
}

/* ───────────── PLX Spot-Check 0x2A5E and Continuous 0x2A5F (Pulse Oximeter Service, PLXS v1.0.1 §3.1–3.2) ───────────── */

/** Measurement Status bits 5–15 (PLXS §3.1.1.3); bits 0–4 are reserved. */
export const PLX_MEASUREMENT_STATUS = [
  null, null, null, null, null,
  'measurement_ongoing', 'early_estimated_data', 'validated_data', 'fully_qualified_data', 'data_from_storage',
  'data_for_demonstration', 'data_for_testing', 'calibration_ongoing', 'measurement_unavailable',
  'questionable_measurement', 'invalid_measurement',
] as const;
export type PlxMeasurementStatus = NonNullable<(typeof PLX_MEASUREMENT_STATUS)[number]>;

/** Device and Sensor Status bits 0–15 of the 24-bit field (PLXS §3.1.1.4). */
export const PLX_DEVICE_STATUS = [
  'extended_display_update_ongoing', 'equipment_malfunction', 'signal_processing_irregularity', 'inadequate_signal',
  'poor_signal', 'low_perfusion', 'erratic_signal', 'nonpulsatile_signal', 'questionable_pulse', 'signal_analysis_ongoing',
  'sensor_interference', 'sensor_unconnected', 'unknown_sensor', 'sensor_displaced', 'sensor_malfunctioning', 'sensor_disconnected',
] as const;
export type PlxDeviceStatus = (typeof PLX_DEVICE_STATUS)[number];

interface PlxCommon {
  spo2: MedicalFloat;
  pulseRate: MedicalFloat;
  measurementStatus?: number;
  /** 24-bit field. */
  deviceAndSensorStatus?: number;
  pulseAmplitudeIndex?: MedicalFloat;
}

export interface PlxSpotCheckMeasurement extends PlxCommon {
  type: 'plx_spot_check';
  timeStamp?: BleDateTime;
  /** Flags bit 4: the time stamp comes from a clock that was never set. */
  deviceClockNotSet: boolean;
}

export interface PlxContinuousMeasurement extends PlxCommon {
  type: 'plx_continuous';
  fast?: { spo2: MedicalFloat; pulseRate: MedicalFloat };
  slow?: { spo2: MedicalFloat; pulseRate: MedicalFloat };
}

/** Named bits of a PLX Measurement Status field. */
export function plxMeasurementStatus(raw: number): PlxMeasurementStatus[] {
  return bitNames(raw, PLX_MEASUREMENT_STATUS);
}
/** Named bits of a PLX Device and Sensor Status field. */
export function plxDeviceStatus(raw: number): PlxDeviceStatus[] {
  return bitNames(raw, PLX_DEVICE_STATUS);
}

/** Parses a PLX Spot-Check Measurement (0x2A5E) value. */
export function parsePlxSpotCheck(bytes: Uint8Array): Result<PlxSpotCheckMeasurement> {
  return parseWith('PLX Spot-Check Measurement', bytes, (r) => {
    const flags = r.u8('flags');
    const m: PlxSpotCheckMeasurement = { type: 'plx_spot_check', spo2: r.sfloat('spo2'), pulseRate: r.sfloat('pulseRate'), deviceClockNotSet: (flags & 0x10) !== 0 };
    if (flags & 0x01) m.timeStamp = r.dateTime('timeStamp');
    if (flags & 0x02) m.measurementStatus = r.u16('measurementStatus');
    if (flags & 0x04) m.deviceAndSensorStatus = r.u24('deviceAndSensorStatus');
    if (flags & 0x08) m.pulseAmplitudeIndex = r.sfloat('pulseAmplitudeIndex');
    return m;
  });
}

/** Encodes a PLX Spot-Check Measurement. */
export function encodePlxSpotCheck(m: Omit<PlxSpotCheckMeasurement, 'type'>): Uint8Array {
  const flags = (m.timeStamp ? 1 : 0) | (m.measurementStatus !== undefined ? 2 : 0) | (m.deviceAndSensorStatus !== undefined ? 4 : 0)
    | (m.pulseAmplitudeIndex ? 8 : 0) | (m.deviceClockNotSet ? 0x10 : 0);
  const w = new Writer().u8(flags).sfloat(m.spo2).sfloat(m.pulseRate);
  if (m.timeStamp) w.dateTime(m.timeStamp);
  if (m.measurementStatus !== undefined) w.u16(m.measurementStatus);
  if (m.deviceAndSensorStatus !== undefined) w.u24(m.deviceAndSensorStatus);
  if (m.pulseAmplitudeIndex) w.sfloat(m.pulseAmplitudeIndex);
  return w.bytes();
}

/** Parses a PLX Continuous Measurement (0x2A5F) value. */
export function parsePlxContinuous(bytes: Uint8Array): Result<PlxContinuousMeasurement> {
  return parseWith('PLX Continuous Measurement', bytes, (r) => {
    const flags = r.u8('flags');
    const m: PlxContinuousMeasurement = { type: 'plx_continuous', spo2: r.sfloat('spo2'), pulseRate: r.sfloat('pulseRate') };
    if (flags & 0x01) m.fast = { spo2: r.sfloat('fast.spo2'), pulseRate: r.sfloat('fast.pulseRate') };
    if (flags & 0x02) m.slow = { spo2: r.sfloat('slow.spo2'), pulseRate: r.sfloat('slow.pulseRate') };
    if (flags & 0x04) m.measurementStatus = r.u16('measurementStatus');
    if (flags & 0x08) m.deviceAndSensorStatus = r.u24('deviceAndSensorStatus');
    if (flags & 0x10) m.pulseAmplitudeIndex = r.sfloat('pulseAmplitudeIndex');
    return m;
  });
}

/** Encodes a PLX Continuous Measurement. */
export function encodePlxContinuous(m: Omit<PlxContinuousMeasurement, 'type'>): Uint8Array {
  const flags = (m.fast ? 1 : 0) | (m.slow ? 2 : 0) | (m.measurementStatus !== undefined ? 4 : 0) | (m.deviceAndSensorStatus !== undefined ? 8 : 0) | (m.pulseAmplitudeIndex ? 0x10 : 0);
  const w = new Writer().u8(flags).sfloat(m.spo2).sfloat(m.pulseRate);
  if (m.fast) w.sfloat(m.fast.spo2).sfloat(m.fast.pulseRate);
  if (m.slow) w.sfloat(m.slow.spo2).sfloat(m.slow.pulseRate);
  if (m.measurementStatus !== undefined) w.u16(m.measurementStatus);
  if (m.deviceAndSensorStatus !== undefined) w.u24(m.deviceAndSensorStatus);
  if (m.pulseAmplitudeIndex) w.sfloat(m.pulseAmplitudeIndex);
  return w.bytes();
}

/* ───────────── Temperature Measurement 0x2A1C (Health Thermometer Service, HTS v1.0 §3.1) ───────────── */

/** Temperature Type values (HTS §3.2 / GSS Temperature Type). */
export const TEMPERATURE_TYPES: Readonly<Record<number, string>> = {
  1: 'armpit', 2: 'body', 3: 'ear', 4: 'finger', 5: 'gastrointestinal', 6: 'mouth', 7: 'rectum', 8: 'toe', 9: 'tympanum',
};

export interface TemperatureMeasurement {
  type: 'temperature';
  unit: 'Cel' | 'degF';
  /** 32-bit FLOAT. */
  temperature: MedicalFloat;
  timeStamp?: BleDateTime;
  temperatureType?: number;
}

/** Parses a Temperature Measurement (0x2A1C) value. */
export function parseTemperatureMeasurement(bytes: Uint8Array): Result<TemperatureMeasurement> {
  return parseWith('Temperature Measurement', bytes, (r) => {
    const flags = r.u8('flags');
    const m: TemperatureMeasurement = { type: 'temperature', unit: flags & 0x01 ? 'degF' : 'Cel', temperature: r.float('temperature') };
    if (flags & 0x02) m.timeStamp = r.dateTime('timeStamp');
    if (flags & 0x04) m.temperatureType = r.u8('temperatureType');
    return m;
  });
}

/** Encodes a Temperature Measurement. */
export function encodeTemperatureMeasurement(m: Omit<TemperatureMeasurement, 'type'>): Uint8Array {
  const flags = (m.unit === 'degF' ? 1 : 0) | (m.timeStamp ? 2 : 0) | (m.temperatureType !== undefined ? 4 : 0);
  const w = new Writer().u8(flags).float(m.temperature);
  if (m.timeStamp) w.dateTime(m.timeStamp);
  if (m.temperatureType !== undefined) w.u8(m.temperatureType);
  return w.bytes();
}

import type { Interpretation as MeterFlag, MeasureCode } from '../catalogue.js';
import { isCompleteDateTime, type BleDateTime } from './bytes.js';
import { GLUCOSE_LOCATIONS, GLUCOSE_TYPES, glucoseSensorStatus, glucoseTime, type GlucoseMeasurement, type GlucoseSensorStatus } from './glucose.js';
import { medicalFloatText, medicalFloatValue, scaleDecimal, type MedicalFloat } from './ieee11073.js';
import {
  plxDeviceStatus, plxMeasurementStatus, TEMPERATURE_TYPES,
  type BloodPressureMeasurement, type PlxContinuousMeasurement, type PlxDeviceStatus, type PlxMeasurementStatus, type PlxSpotCheckMeasurement,
  type TemperatureMeasurement, type WeightMeasurement,
} from './measurements.js';

/*
 * From a parsed GATT measurement to what Varde stores: measurement codes of domain/catalogue.ts
 * with UCUM units, the device's own flags kept as interpretations, and a reason when the record
 * is not a measurement of the patient at all (control solution, demo data, "measurement
 * unsuccessful"). Values are not rounded here: the catalogue normalises and rounds once.
 */

/** A device flag kept with the reading (irregular pulse, cuff too loose, glucose HI…). */
export interface Interpretation {
  code: string;
  /** English text for logs and for the clinician's detail view until it is translated. */
  text: string;
  /** The measures the flag concerns. */
  measures: MeasureCode[];
}

export interface DeviceMeasurement {
  code: MeasureCode;
  /** As measured; absent only when a meter showed HI or LO without a number. */
  value?: number;
  /** UCUM; the catalogue converts mg/dL, [lb_av] and [degF]. */
  unit: string;
  /** The meter's out-of-range flag (catalogue.ts Interpretation): stored at the range edge and red. */
  interpretation?: MeterFlag;
}

export interface DeviceReading {
  kind: 'blood_pressure' | 'weight' | 'plx_spot_check' | 'plx_continuous' | 'temperature' | 'glucose';
  /** The device's wall clock (no zone) when measured; null when it sent none or an incomplete one. */
  measuredAt: BleDateTime | null;
  sequenceNumber?: number;
  userId?: number;
  measurements: DeviceMeasurement[];
  interpretations: Interpretation[];
  /** Facts about the sample kept for the record (sample type, site, MAP…), exact decimal text. */
  details: Record<string, string>;
  /** Set when the record must not be stored as the patient's measurement; says why. */
  excluded?: string;
}

// 1 mmHg = 133.322 387 415 Pa (conventional millimetre of mercury: 13.5951 g/cm³ × 9.80665 m/s²;
// BIPM SI Brochure 9th ed. Table 8, NIST SP 811 B.8).
const PA_PER_MMHG = 133.322387415;

type Parsed = BloodPressureMeasurement | WeightMeasurement | PlxSpotCheckMeasurement | PlxContinuousMeasurement | TemperatureMeasurement | GlucoseMeasurement;

/** Maps a parsed health measurement to Varde's measurement codes, UCUM units and interpretations. */
export function toDeviceReading(p: Parsed): DeviceReading {
  switch (p.type) {
    case 'blood_pressure':
      return bloodPressure(p);
    case 'weight':
      return weight(p);
    case 'plx_spot_check':
    case 'plx_continuous':
      return plx(p);
    case 'temperature':
      return temperature(p);
    case 'glucose':
      return glucose(p);
  }
}

function reading(kind: DeviceReading['kind'], measuredAt: BleDateTime | undefined): DeviceReading {
  return { kind, measuredAt: measuredAt && isCompleteDateTime(measuredAt) ? measuredAt : null, measurements: [], interpretations: [], details: {} };
}

/** Adds a measurement when the float is a number; a special value becomes an interpretation instead. */
function put(r: DeviceReading, code: MeasureCode, f: MedicalFloat, unit: string, convert: (v: number) => number = (v) => v): void {
  if (f.kind === 'number') {
    r.measurements.push({ code, value: convert(medicalFloatValue(f)), unit });
    return;
  }
  const text = f.kind === 'nan' || f.kind === 'reserved' ? 'no value (NaN)' : f.kind === 'nres' ? 'not at this resolution (NRes)' : f.kind === '+infinity' ? 'above the measuring range (+INFINITY)' : 'below the measuring range (-INFINITY)';
  r.interpretations.push({ code: `value_${f.kind.replace(/[+-]/, (s) => (s === '+' ? 'plus_' : 'minus_'))}`, text: `The device sent ${text} for ${code}.`, measures: [code] });
}

function flag(r: DeviceReading, code: string, text: string, measures: MeasureCode[]): void {
  r.interpretations.push({ code, text, measures });
}

function bloodPressure(p: BloodPressureMeasurement): DeviceReading {
  const r = reading('blood_pressure', p.timeStamp);
  const toMmHg = p.unit === 'kPa' ? (kPa: number) => (kPa * 1000) / PA_PER_MMHG : undefined;
  put(r, 'bp_systolic', p.systolic, 'mm[Hg]', toMmHg);
  put(r, 'bp_diastolic', p.diastolic, 'mm[Hg]', toMmHg);
  r.details.meanArterialPressure = `${medicalFloatText(p.meanArterialPressure)} ${p.unit === 'kPa' ? 'kPa' : 'mm[Hg]'}`;
  if (p.pulseRate) put(r, 'heart_rate', p.pulseRate, '/min');
  if (p.userId !== undefined) r.userId = p.userId;
  const bp: MeasureCode[] = ['bp_systolic', 'bp_diastolic'];
  const s = p.status;
  if (s) {
    if (s.bodyMovement) flag(r, 'bp_body_movement', 'Body movement during the measurement.', bp);
    if (s.cuffTooLoose) flag(r, 'bp_cuff_too_loose', 'The cuff fits too loosely.', bp);
    if (s.irregularPulse) flag(r, 'bp_irregular_pulse', 'Irregular pulse detected.', [...bp, 'heart_rate']);
    if (s.pulseRateRange === 'above_upper_limit') flag(r, 'bp_pulse_above_range', 'Pulse rate above the device’s upper limit.', ['heart_rate']);
    if (s.pulseRateRange === 'below_lower_limit') flag(r, 'bp_pulse_below_range', 'Pulse rate below the device’s lower limit.', ['heart_rate']);
    if (s.improperPosition) flag(r, 'bp_improper_position', 'Improper measurement position.', bp);
  }
  return r;
}

function weight(p: WeightMeasurement): DeviceReading {
  const r = reading('weight', p.timeStamp);
  if (p.userId !== undefined) r.userId = p.userId;
  if (p.weight === null) {
    r.excluded = 'The scale reports "measurement unsuccessful".';
    return r;
  }
  r.measurements.push({ code: 'weight', value: p.weight, unit: p.unit === 'SI' ? 'kg' : '[lb_av]' });
  if (p.bmi !== undefined) r.details.bmi = `${p.bmi} kg/m2`;
  if (p.height !== undefined) r.details.height = `${p.height} ${p.unit === 'SI' ? 'm' : '[in_i]'}`;
  return r;
}

const PLX_STATUS_TEXT: Partial<Record<PlxMeasurementStatus, string>> = {
  early_estimated_data: 'Early estimate, not yet a settled reading.',
  questionable_measurement: 'The oximeter marks the measurement as questionable.',
  calibration_ongoing: 'Calibration was ongoing.',
  data_from_storage: 'Read from the oximeter’s memory.',
};
const PLX_EXCLUDE: Partial<Record<PlxMeasurementStatus, string>> = {
  measurement_unavailable: 'The oximeter reports the measurement as unavailable.',
  invalid_measurement: 'The oximeter marks the measurement as invalid.',
  data_for_demonstration: 'Demonstration data, not a measurement.',
  data_for_testing: 'Test data, not a measurement.',
};
const PLX_DEVICE_TEXT: Partial<Record<PlxDeviceStatus, string>> = {
  equipment_malfunction: 'Equipment malfunction detected.',
  signal_processing_irregularity: 'Signal processing irregularity.',
  inadequate_signal: 'Inadequate signal.',
  poor_signal: 'Poor signal.',
  low_perfusion: 'Low perfusion.',
  erratic_signal: 'Erratic signal.',
  nonpulsatile_signal: 'Non-pulsatile signal.',
  questionable_pulse: 'Questionable pulse.',
  sensor_interference: 'Sensor interference.',
  sensor_unconnected: 'Sensor not connected to the patient.',
  unknown_sensor: 'Unknown sensor connected.',
  sensor_displaced: 'Sensor displaced.',
  sensor_malfunctioning: 'Sensor malfunctioning.',
  sensor_disconnected: 'Sensor disconnected.',
};

function plx(p: PlxSpotCheckMeasurement | PlxContinuousMeasurement): DeviceReading {
  const r = reading(p.type, p.type === 'plx_spot_check' ? p.timeStamp : undefined);
  put(r, 'spo2', p.spo2, '%');
  put(r, 'heart_rate', p.pulseRate, '/min');
  const both: MeasureCode[] = ['spo2', 'heart_rate'];
  if (p.type === 'plx_spot_check' && p.deviceClockNotSet) flag(r, 'device_clock_not_set', 'The oximeter’s clock was never set; its time stamp is not used.', both);
  if (p.type === 'plx_spot_check' && p.deviceClockNotSet) r.measuredAt = null;
  for (const s of plxMeasurementStatus(p.measurementStatus ?? 0)) {
    if (PLX_EXCLUDE[s]) r.excluded ??= PLX_EXCLUDE[s];
    else if (PLX_STATUS_TEXT[s]) flag(r, `plx_${s}`, PLX_STATUS_TEXT[s], both);
  }
  for (const s of plxDeviceStatus(p.deviceAndSensorStatus ?? 0)) {
    if (PLX_DEVICE_TEXT[s]) flag(r, `plx_${s}`, PLX_DEVICE_TEXT[s], both);
  }
  if (p.pulseAmplitudeIndex?.kind === 'number') r.details.pulseAmplitudeIndex = `${medicalFloatText(p.pulseAmplitudeIndex)} %`;
  return r;
}

function temperature(p: TemperatureMeasurement): DeviceReading {
  const r = reading('temperature', p.timeStamp);
  put(r, 'temperature', p.temperature, p.unit === 'Cel' ? 'Cel' : '[degF]');
  if (p.temperatureType !== undefined) r.details.site = TEMPERATURE_TYPES[p.temperatureType] ?? `reserved (${p.temperatureType})`;
  return r;
}

const GLUCOSE_STATUS_TEXT: Record<GlucoseSensorStatus, string> = {
  device_battery_low: 'Meter battery low.',
  sensor_malfunction: 'Sensor malfunction.',
  sample_size_insufficient: 'Sample size insufficient.',
  strip_insertion_error: 'Strip insertion error.',
  strip_type_incorrect: 'Wrong strip type.',
  result_too_high: 'HI: the result is higher than the meter can measure.',
  result_too_low: 'LO: the result is lower than the meter can measure.',
  sensor_temperature_too_high: 'Temperature too high for a valid test.',
  sensor_temperature_too_low: 'Temperature too low for a valid test.',
  sensor_read_interrupted: 'Strip pulled out too soon.',
  general_device_fault: 'Meter fault.',
  time_fault: 'The meter’s clock is wrong.',
};

function glucose(p: GlucoseMeasurement): DeviceReading {
  const r = reading('glucose', isCompleteDateTime(p.baseTime) ? glucoseTime(p) : undefined);
  r.sequenceNumber = p.sequenceNumber;
  const c = p.concentration;
  if (c) {
    r.details.sampleType = GLUCOSE_TYPES[c.type] ?? `reserved (${c.type})`;
    r.details.sampleLocation = GLUCOSE_LOCATIONS[c.sampleLocation] ?? `reserved (${c.sampleLocation})`;
    if (c.type === 10 || c.sampleLocation === 4) r.excluded = 'Control solution test, not a blood sample.';
    // kg/L × 10⁵ = mg/dL and mol/L × 10³ = mmol/L: shift the decimal exponent, so 120 × 10⁻⁵ kg/L is exactly 120 mg/dL.
    const f = c.value;
    if (f.kind === 'number') {
      r.measurements.push(p.molPerL
        ? { code: 'glucose', value: scaleDecimal(f.mantissa, f.exponent + 3), unit: 'mmol/L' }
        : { code: 'glucose', value: scaleDecimal(f.mantissa, f.exponent + 5), unit: 'mg/dL' });
    } else put(r, 'glucose', f, 'mmol/L');
  } else r.excluded = 'The record has no glucose concentration.';
  const status = glucoseSensorStatus(p.sensorStatus ?? 0);
  for (const s of status) {
    const code = s === 'result_too_high' ? 'glucose_hi' : s === 'result_too_low' ? 'glucose_lo' : `glucose_${s}`;
    flag(r, code, GLUCOSE_STATUS_TEXT[s], ['glucose']);
  }
  // HI/LO: a result beyond the meter's range is clinically urgent, never dropped. With a number it
  // travels with the flag; without one (±INFINITY, NaN) the flag alone goes, and the catalogue
  // stores it at the meter range's edge.
  const meterFlag: MeterFlag | undefined = status.includes('result_too_high') ? 'HI' : status.includes('result_too_low') ? 'LO' : undefined;
  if (meterFlag && c && !r.excluded) {
    const m = r.measurements.find((x) => x.code === 'glucose');
    if (m) m.interpretation = meterFlag;
    else r.measurements.push({ code: 'glucose', unit: 'mmol/L', interpretation: meterFlag });
  }
  return r;
}

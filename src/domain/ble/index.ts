/*
 * Bluetooth SIG GATT health profiles: pure parsers and encoders (no I/O, no clock) shared by the
 * home gateway (src/gateway) and the patient app. See README "Devices" for the supported profiles.
 */
import { err, type Result } from '../result.js';
import { CHARACTERISTIC, shortUuid } from './common.js';
import { parseGlucoseMeasurement, type GlucoseMeasurement } from './glucose.js';
import {
  parseBloodPressureMeasurement, parsePlxContinuous, parsePlxSpotCheck, parseTemperatureMeasurement, parseWeightMeasurement,
  type BloodPressureMeasurement, type PlxContinuousMeasurement, type PlxSpotCheckMeasurement, type TemperatureMeasurement, type WeightMeasurement,
} from './measurements.js';

export * from './bytes.js';
export * from './common.js';
export * from './glucose.js';
export * from './ieee11073.js';
export * from './mapping.js';
export * from './measurements.js';
export * from './time.js';

export type HealthMeasurement = BloodPressureMeasurement | WeightMeasurement | PlxSpotCheckMeasurement | PlxContinuousMeasurement | TemperatureMeasurement | GlucoseMeasurement;

/** The measurement characteristics a gateway subscribes to, with their parsers. */
export const MEASUREMENT_PARSERS: Readonly<Record<number, (b: Uint8Array) => Result<HealthMeasurement>>> = {
  [CHARACTERISTIC.bloodPressureMeasurement]: parseBloodPressureMeasurement,
  [CHARACTERISTIC.weightMeasurement]: parseWeightMeasurement,
  [CHARACTERISTIC.plxSpotCheckMeasurement]: parsePlxSpotCheck,
  [CHARACTERISTIC.plxContinuousMeasurement]: parsePlxContinuous,
  [CHARACTERISTIC.temperatureMeasurement]: parseTemperatureMeasurement,
  [CHARACTERISTIC.glucoseMeasurement]: parseGlucoseMeasurement,
};

/**
 * Parses a notification or indication of any supported measurement characteristic.
 * @param characteristic 0x2a35, "2a35" or the 128-bit UUID
 */
export function parseMeasurement(characteristic: number | string, bytes: Uint8Array): Result<HealthMeasurement> {
  const short = shortUuid(characteristic);
  const parse = short === null ? undefined : MEASUREMENT_PARSERS[short];
  if (!parse) return err('ble_unsupported_characteristic', `Characteristic ${String(characteristic)} is not a supported health measurement`);
  return parse(bytes);
}

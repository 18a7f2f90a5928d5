import { err, ok, type Result } from '../result.js';
import { hex, Reader, ShortValue } from './bytes.js';

/** 16-bit UUIDs of the characteristics this library reads and writes (Bluetooth SIG Assigned Numbers §3.8). */
export const CHARACTERISTIC = {
  dateTime: 0x2a08,
  glucoseMeasurement: 0x2a18,
  temperatureMeasurement: 0x2a1c,
  systemId: 0x2a23,
  modelNumber: 0x2a24,
  serialNumber: 0x2a25,
  manufacturerName: 0x2a29,
  currentTime: 0x2a2b,
  glucoseMeasurementContext: 0x2a34,
  bloodPressureMeasurement: 0x2a35,
  recordAccessControlPoint: 0x2a52,
  plxSpotCheckMeasurement: 0x2a5e,
  plxContinuousMeasurement: 0x2a5f,
  weightMeasurement: 0x2a9d,
} as const;

/** 16-bit UUIDs of the services (Bluetooth SIG Assigned Numbers §3.4). */
export const SERVICE = {
  glucose: 0x1808,
  healthThermometer: 0x1809,
  deviceInformation: 0x180a,
  bloodPressure: 0x1810,
  currentTime: 0x1805,
  pulseOximeter: 0x1822,
  weightScale: 0x181d,
} as const;

/** The full 128-bit form of a 16-bit SIG UUID (Bluetooth Core Spec Vol 3 Part B §2.5.1), lower case. */
export function uuid128(short: number): string {
  return `0000${short.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`;
}

/** The 16-bit number of a SIG UUID given as 0x2a35, "2a35", "2A35" or the 128-bit form; null for vendor UUIDs. */
export function shortUuid(u: number | string): number | null {
  if (typeof u === 'number') return u;
  const s = u.toLowerCase().replace(/^0x/, '');
  if (/^[0-9a-f]{4}$/.test(s)) return parseInt(s, 16);
  const m = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/.exec(s);
  return m ? parseInt(m[1]!, 16) : null;
}

/**
 * Runs a parser over a characteristic value and turns a short value into a Result error (code
 * 'ble_value_too_short'), so a malformed notification is reported, never thrown.
 */
export function parseWith<T>(name: string, bytes: Uint8Array, fn: (r: Reader) => T): Result<T> {
  try {
    return ok(fn(new Reader(bytes)));
  } catch (e) {
    if (e instanceof ShortValue) {
      return err('ble_value_too_short', `${name}: ${e.message} (${hex(bytes)})`, e.field);
    }
    if (e instanceof BleInvalid) return err('ble_value_invalid', `${name}: ${e.message} (${hex(bytes)})`, e.field);
    throw e;
  }
}

/** A value that is long enough but says something the specification forbids. */
export class BleInvalid extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** The names of the set bits of a status field, by bit number. */
export function bitNames<T extends string>(raw: number, names: readonly (T | null)[]): T[] {
  const out: T[] = [];
  names.forEach((n, i) => {
    if (n !== null && (raw & (1 << i)) !== 0) out.push(n);
  });
  return out;
}

/** Sets the bit of each name (inverse of bitNames). */
export function bitsOf<T extends string>(set: readonly T[], names: readonly (T | null)[]): number {
  let raw = 0;
  for (const s of set) {
    const i = names.indexOf(s);
    if (i >= 0) raw |= 1 << i;
  }
  return raw >>> 0;
}

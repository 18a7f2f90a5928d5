import type { Result } from '../result.js';
import { Writer, type BleDateTime } from './bytes.js';
import { bitNames, parseWith } from './common.js';

/* Date Time 0x2A08 and Current Time 0x2A2B (Current Time Service, CTS v1.1 §3.1; GSS). */

/** Parses a Date Time (0x2A08) value: 7 octets, wall clock without zone. */
export function parseDateTime(bytes: Uint8Array): Result<BleDateTime> {
  return parseWith('Date Time', bytes, (r) => r.dateTime('dateTime'));
}

/** Encodes a Date Time (0x2A08). */
export function encodeDateTime(d: BleDateTime): Uint8Array {
  return new Writer().dateTime(d).bytes();
}

export const ADJUST_REASONS = ['manual_time_update', 'external_reference_time_update', 'change_of_time_zone', 'change_of_dst'] as const;
export type AdjustReason = (typeof ADJUST_REASONS)[number];

export interface CurrentTime {
  dateTime: BleDateTime;
  /** 1 = Monday … 7 = Sunday, 0 = unknown. */
  dayOfWeek: number;
  /** 1/256 s. */
  fractions256: number;
  /** Adjust Reason bits (raw). */
  adjustReason: number;
}

/** Parses a Current Time (0x2A2B) value: Exact Time 256 (Day Date Time + Fractions256) + Adjust Reason. */
export function parseCurrentTime(bytes: Uint8Array): Result<CurrentTime> {
  return parseWith('Current Time', bytes, (r) => ({
    dateTime: r.dateTime('dateTime'), dayOfWeek: r.u8('dayOfWeek'), fractions256: r.u8('fractions256'), adjustReason: r.u8('adjustReason'),
  }));
}

/** Encodes a Current Time value, e.g. to write the device's clock. */
export function encodeCurrentTime(t: CurrentTime): Uint8Array {
  return new Writer().dateTime(t.dateTime).u8(t.dayOfWeek).u8(t.fractions256).u8(t.adjustReason).bytes();
}

/** Named Adjust Reason bits. */
export function adjustReasons(raw: number): AdjustReason[] {
  return bitNames(raw, ADJUST_REASONS);
}

/**
 * The Current Time value that sets a device clock to a wall-clock reading (from
 * domain/time.ts#toLocal in the patient's zone; the profiles carry no zone, so the device keeps
 * local time). Adjust reason: manual time update.
 */
export function currentTimeFor(local: { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }, millis = 0): CurrentTime {
  return {
    dateTime: { year: local.year, month: local.month, day: local.day, hours: local.hour, minutes: local.minute, seconds: local.second },
    dayOfWeek: local.weekday, fractions256: Math.min(255, Math.floor((millis * 256) / 1000)), adjustReason: 0x01,
  };
}

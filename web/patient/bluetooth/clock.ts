import type { BleDateTime, CurrentTime } from '../../../src/domain/ble/index.js';

/*
 * Device time to an instant. The Bluetooth health profiles carry the device's wall clock without a
 * zone, and home devices are set (by hand, or by a phone) to local time, so a device time is
 * compared with the phone's local wall clock. Reading the device's Current Time (0x2A2B) when the
 * phone connects gives the offset between the two clocks; a stored measurement's time is corrected
 * by it. All arithmetic is on wall-clock milliseconds, so no zone rules are needed (a DST change
 * between the measurement and the reading shifts it by the hour it really moved).
 */

/** A wall-clock time as milliseconds, counted as if it were UTC (only differences are used). */
export function wallMs(d: BleDateTime, fractions256 = 0): number {
  return Date.UTC(d.year, d.month - 1, d.day, d.hours, d.minutes, d.seconds) + Math.floor((fractions256 * 1000) / 256);
}

/** The phone's local wall clock at `now`, on the same scale as wallMs. */
export function phoneWallMs(now: Date): number {
  return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours(), now.getMinutes(), now.getSeconds(), now.getMilliseconds());
}

/** The device's clock minus the phone's (ms): positive when the device is ahead. */
export function clockOffsetMs(device: CurrentTime, phoneNow: Date): number {
  return wallMs(device.dateTime, device.fractions256) - phoneWallMs(phoneNow);
}

/**
 * When a reading the device stamped `measured` was taken, as an instant: the device time less its
 * clock offset (zero when the device has no Current Time), placed on the phone's clock. A reading
 * without a usable time stamp was taken now (it arrives as it is measured).
 */
export function measuredInstant(measured: BleDateTime | null, offsetMs: number | null, phoneNow: Date): Date {
  if (!measured) return phoneNow;
  const corrected = wallMs(measured) - (offsetMs ?? 0);
  return new Date(phoneNow.getTime() - (phoneWallMs(phoneNow) - corrected));
}

import { dateTimeText, type DeviceReading } from '../../../src/domain/ble/index.js';
import type { MeasurementInput } from '../../../src/api/observations.js';
import { newKey } from '../submission.js';
import { measuredInstant } from './clock.js';
import type { DeviceIdentity, DeviceVisit } from './gatt.js';

/*
 * From what a device sent to the sittings the app posts to /api/me/observations: one sitting per
 * device record, at the device's time corrected for its clock, marked with the device it came from,
 * and keyed so that sending the same record again (the meter reports it again, the outbox retries)
 * is a replay on the server, never a second reading.
 */

/** The device identity and clock offset as the observations API takes them (src/api/observations.ts RecordDevice). */
export interface SittingDevice {
  model?: string;
  manufacturer?: string;
  serial?: string;
  systemId?: string;
  clockOffsetMs: number | null;
}

export interface DeviceSitting {
  idempotencyKey: string;
  effectiveAt: string;
  measurements: MeasurementInput[];
  device: SittingDevice;
  /** The glucose meter's record number, remembered once the sitting is sent. */
  sequenceNumber?: number;
}

export interface Sittings {
  sittings: DeviceSitting[];
  /** Records the device itself marks as not the patient's measurement (control solution, demo data…). */
  excluded: number;
}

/** The largest clock offset the observations API stores (src/api/observations.ts RecordDevice). */
export const MAX_STORED_OFFSET_MS = 2_000_000_000;

/** The part of the key that names the device: System ID, serial, else the browser's id for it. */
export function deviceKeyOf(identity: DeviceIdentity, browserId: string): string {
  return identity.systemId ?? identity.serial ?? `web-${browserId}`;
}

/**
 * Idempotency key of one record: the glucose sequence number, else the device's own time stamp
 * (a cuff resends stored readings with the same stamp), else a fresh key (nothing identifies a
 * reading without either; it arrived as it was measured).
 */
export function recordKey(deviceKey: string, r: DeviceReading): string {
  const user = r.userId !== undefined && r.userId !== 255 ? `-u${r.userId}` : '';
  if (r.sequenceNumber !== undefined) return `ble:${deviceKey}:seq-${r.sequenceNumber}`.slice(0, 100);
  const stamp = r.measuredAt ? dateTimeText(r.measuredAt) : null;
  return (stamp ? `ble:${deviceKey}:${r.kind}-${stamp}${user}` : `ble:${deviceKey}:${r.kind}-${newKey()}`).slice(0, 100);
}

/** The sittings to send for a visit, oldest first. */
export function sittingsOf(visit: DeviceVisit, browserId: string, now: Date): Sittings {
  const key = deviceKeyOf(visit.identity, browserId);
  // The offset is kept with the reading for the record (an int column in ms, about ±23 days); a
  // clock further off still corrects the time here, but its offset is not stored.
  const offset = visit.clockOffsetMs !== null && Math.abs(visit.clockOffsetMs) <= MAX_STORED_OFFSET_MS ? Math.round(visit.clockOffsetMs) : null;
  const device: SittingDevice = { ...visit.identity, clockOffsetMs: offset };
  let excluded = 0;
  const sittings: DeviceSitting[] = [];
  for (const r of visit.readings) {
    if (r.excluded || r.measurements.length === 0) {
      excluded += 1;
      continue;
    }
    const measurements = r.measurements.map((m): MeasurementInput => ({
      code: m.code, unit: m.unit, ...(m.value === undefined ? {} : { value: m.value }), ...(m.interpretation ? { interpretation: m.interpretation } : {}),
    }));
    sittings.push({
      idempotencyKey: recordKey(key, r), effectiveAt: measuredInstant(r.measuredAt, visit.clockOffsetMs, now).toISOString(), measurements, device,
      ...(r.sequenceNumber === undefined ? {} : { sequenceNumber: r.sequenceNumber }),
    });
  }
  sittings.sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt));
  return { sittings, excluded };
}

import { normaliseSystemId } from '../../api/devices.js';
import type { RecordDevice } from '../../api/observations.js';
import type { Queryable } from '../db/port.js';
import { AppError } from '../http/errors.js';

/*
 * Which lent device a sitting from the patient app came from (issue 13). The app reads the device
 * over Web Bluetooth, where the platform identifier is private to the browser and the serial
 * number (0x2A25) is on Chromium's GATT blocklist, so the app sends what it can read: System ID
 * (0x2A23), model and manufacturer, and a serial where it has one. Only devices lent to this
 * patient now are candidates: a reading cannot be attributed to someone else's device.
 */

/** A meter keeps its memory between patients; a little clock skew is forgiven at the loan's start. */
export const LOAN_START_TOLERANCE_MS = 10 * 60_000;

export interface LentDevice {
  deviceId: string;
  serial: string;
  model: string;
  lentAt: Date;
}

/**
 * The device lent to the patient that matches the identity the app read: by serial or System ID;
 * failing those, by model when exactly one device of that model is lent to the patient.
 * @throws AppError 422 `unknown_device` when no lent device matches, `measured_before_loan` when
 *   the reading is older than the loan (a returned meter still holds the previous borrower's records)
 */
export async function resolveLentDevice(q: Queryable, patientId: string, device: RecordDevice, effectiveAt: Date): Promise<LentDevice> {
  const systemId = device.systemId ? normaliseSystemId(device.systemId) : null;
  const r = await q.query<{ id: string; serial: string; model: string; system_id: string | null; lent_at: Date }>(
    `select d.id, d.serial, d.model, d.system_id, l.lent_at
       from device_loans l join devices d on d.id = l.device_id
      where l.patient_id = $1 and l.returned_at is null`,
    [patientId],
  );
  const exact = r.rows.find((d) => (device.serial && d.serial === device.serial) || (systemId && d.system_id === systemId));
  const byModel = device.model ? r.rows.filter((d) => d.model.toLowerCase() === device.model!.toLowerCase()) : [];
  // A device that sent a System ID the register does not know is not matched by model: it is another unit.
  const row = exact ?? (byModel.length === 1 && !(systemId && byModel[0]!.system_id && byModel[0]!.system_id !== systemId) ? byModel[0] : undefined);
  if (!row) {
    const what = [device.manufacturer, device.model, device.serial ? `serial ${device.serial}` : null, systemId ? `System ID ${systemId}` : null].filter(Boolean).join(', ') || 'no identity';
    throw new AppError(422, 'unknown_device',
      `This device (${what}) is not lent to you, so its readings cannot be stored. Ask the follow-up service to register it and lend it to you, or type the numbers.`,
      { device: 'Not a device lent to this patient' });
  }
  if (effectiveAt.getTime() < row.lent_at.getTime() - LOAN_START_TOLERANCE_MS) {
    throw new AppError(422, 'measured_before_loan',
      `The reading was measured before device ${row.serial} was lent to you (${row.lent_at.toISOString()}); it may be the previous borrower's.`,
      { effectiveAt: 'Measured before the device was lent to the patient' });
  }
  return { deviceId: row.id, serial: row.serial, model: row.model, lentAt: row.lent_at };
}

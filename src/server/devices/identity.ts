import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import type { DeviceRow } from './repo.js';
import { normaliseBluetoothId, normaliseSystemId } from './schema.js';

/*
 * The Bluetooth identity of registered devices, and how a device upload finds its device and the
 * patient it is lent to. A gateway (varde gateway) or the patient app reads the device's Device
 * Information (model 0x2A24, serial 0x2A25, System ID 0x2A23) and knows its Bluetooth address or
 * platform identifier; any one of serial, Bluetooth id and System ID identifies the device within
 * the organisation that registered it (unique per organisation, migration 012).
 */

/** Everyone who manages equipment (as in service.ts; repeated so the two files do not import each other in a cycle). */
const DEVICE_ROLES = ['nurse', 'gp', 'specialist', 'coordinator', 'admin'] as const;

/** The 409 for a registration or correction that collides with another device of the organisation. */
export async function identityConflict(
  q: Queryable,
  organisationId: string,
  d: { serial?: string | undefined; bluetoothId?: string | null | undefined; systemId?: string | null | undefined },
  exceptId: string | null,
): Promise<AppError> {
  const r = await q.query<{ serial: string; bluetooth_id: string | null; system_id: string | null }>(
    `select serial, bluetooth_id, system_id from devices
      where organisation_id = $1 and ($5::uuid is null or id <> $5) and (serial = $2 or bluetooth_id = $3 or system_id = $4)`,
    [organisationId, d.serial ?? null, d.bluetoothId ?? null, d.systemId ?? null, exceptId],
  );
  const x = r.rows[0];
  if (x && d.serial !== undefined && x.serial === d.serial) return conflict(`A device with serial number ${d.serial} is already registered.`);
  if (x && d.bluetoothId && x.bluetooth_id === d.bluetoothId) return conflict(`Bluetooth address ${d.bluetoothId} is already registered for device ${x.serial}.`);
  if (x && d.systemId && x.system_id === d.systemId) return conflict(`System ID ${d.systemId} is already registered for device ${x.serial}.`);
  return conflict('The device is already registered.');
}

/**
 * Adds or corrects the Bluetooth identity of one of the caller's organisation's devices (devices
 * registered before migration 012 have none). Audited with the before and after values.
 */
export async function updateIdentity(
  ctx: Ctx,
  deviceId: string,
  input: { manufacturer?: string | null | undefined; bluetoothId?: string | null | undefined; systemId?: string | null | undefined },
): Promise<DeviceRow> {
  requireRole(ctx, DEVICE_ROLES);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  if (!/^[0-9a-f-]{36}$/i.test(deviceId)) throw notFound('Device');
  return ctx.db.tx(async (tx) => {
    const before = (await tx.query<DeviceRow>('select * from devices where id = $1 and organisation_id = $2 for update', [deviceId, a.organisationId])).rows[0];
    if (!before) throw notFound('Device');
    const next = {
      manufacturer: input.manufacturer === undefined ? before.manufacturer : input.manufacturer || null,
      bluetoothId: input.bluetoothId === undefined ? before.bluetooth_id : input.bluetoothId || null,
      systemId: input.systemId === undefined ? before.system_id : input.systemId || null,
    };
    const clash = await tx.query<{ id: string }>(
      `select id from devices where organisation_id = $1 and id <> $2 and (bluetooth_id = $3 or system_id = $4)`,
      [a.organisationId, deviceId, next.bluetoothId, next.systemId],
    );
    if (clash.rows.length > 0) throw await identityConflict(tx, a.organisationId, next, deviceId);
    await tx.query('update devices set manufacturer = $2, bluetooth_id = $3, system_id = $4 where id = $1', [deviceId, next.manufacturer, next.bluetoothId, next.systemId]);
    await audit(ctx, {
      action: 'update', resourceType: 'Device', resourceId: deviceId,
      details: { before: { manufacturer: before.manufacturer, bluetoothId: before.bluetooth_id, systemId: before.system_id }, after: next },
    }, tx);
    const r = await tx.query<DeviceRow>(
      `select d.*, l.id as loan_id, l.patient_id as loan_patient_id, null::text as loan_patient_name, l.lent_at
         from devices d left join device_loans l on l.device_id = d.id and l.returned_at is null where d.id = $1`,
      [deviceId],
    );
    return r.rows[0]!;
  });
}

/** A device as an upload names it (ingest body `device`). */
export interface UploadDevice {
  serial: string;
  model?: string | undefined;
  bluetoothId?: string | undefined;
  systemId?: string | undefined;
}

/** The registered device an upload belongs to, and the patient it is lent to now (if it is). */
export interface ResolvedDevice {
  deviceId: string;
  serial: string;
  /** Who has the device now, and since when: readings measured before that may be the previous borrower's. */
  borrower: { id: string; identifier: string; lentAt: Date } | null;
}

/**
 * Finds the registered device of an upload by serial, Bluetooth id or System ID within the
 * client's organisation, with the patient it is lent to.
 *
 * Refused with 422 `unknown_device` when the upload identifies a Bluetooth device (it sends a
 * Bluetooth id or System ID, or leaves the patient to the loan) that the organisation has not
 * registered: a reading from an unknown device cannot be attributed to anyone. Uploads that name
 * only a serial (a vendor cloud, a simulator) and every patient keep the earlier behaviour, where
 * the serial is registered on first use (ingest/combiner.ts), so this returns null for them.
 * @param needsBorrower some reading names no patient and must go to the device's borrower
 */
export async function resolveUploadDevice(q: Queryable, organisationId: string, device: UploadDevice, needsBorrower: boolean): Promise<ResolvedDevice | null> {
  const bluetoothId = device.bluetoothId ? normaliseBluetoothId(device.bluetoothId) : null;
  const systemId = device.systemId ? normaliseSystemId(device.systemId) : null;
  const r = await q.query<{ id: string; serial: string; patient_id: string | null; identifier: string | null; lent_at: Date | null }>(
    `select d.id, d.serial, l.patient_id, p.identifier, l.lent_at
       from devices d left join device_loans l on l.device_id = d.id and l.returned_at is null
       left join patients p on p.id = l.patient_id
      where d.organisation_id = $1 and (d.serial = $2 or d.bluetooth_id = $3 or d.system_id = $4)
      order by (d.serial = $2) desc, (d.bluetooth_id = $3) desc limit 1`,
    [organisationId, device.serial, bluetoothId, systemId],
  );
  const row = r.rows[0];
  const bluetooth = bluetoothId !== null || systemId !== null || needsBorrower;
  if (!row) {
    if (!bluetooth) return null;
    const what = [device.model, `serial ${device.serial}`, bluetoothId ? `Bluetooth ${bluetoothId}` : null, systemId ? `System ID ${systemId}` : null].filter(Boolean).join(', ');
    throw new AppError(422, 'unknown_device',
      `Unknown device (${what}): it is not in your organisation's device register. Register it with its serial number or Bluetooth address and lend it to the patient, then send again.`,
      { 'device.serial': 'Not a registered device' });
  }
  const borrower = row.patient_id && row.identifier && row.lent_at ? { id: row.patient_id, identifier: row.identifier, lentAt: row.lent_at } : null;
  if (needsBorrower && !borrower) {
    throw new AppError(422, 'device_not_lent',
      `Device ${row.serial} is registered but not lent to any patient, so its readings cannot be attributed. Lend it to the patient in the device register, then send again.`,
      { 'device.serial': 'Not lent to a patient' });
  }
  return { deviceId: row.id, serial: row.serial, borrower };
}

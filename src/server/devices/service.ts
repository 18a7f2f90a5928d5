import { hasPatientAccess, isUuid, requirePatientAccess, requireRole, scopeEpisodeIds } from '../auth/access.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import { identityConflict } from './identity.js';
import * as repo from './repo.js';
import type { RegisterDeviceBody } from './schema.js';

/** Everyone who manages equipment for an organisation; only clinical roles see who has borrowed it. */
export const DEVICE_ROLES = ['nurse', 'gp', 'specialist', 'coordinator', 'admin'] as const;

export async function registerDevice(ctx: Ctx, input: RegisterDeviceBody): Promise<repo.DeviceRow> {
  requireRole(ctx, DEVICE_ROLES);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const d = await repo.insertDevice(ctx.db, { organisationId: a.organisationId, ...input });
  if (!d) throw await identityConflict(ctx.db, a.organisationId, input, null);
  await audit(ctx, { action: 'create', resourceType: 'Device', resourceId: d.id });
  return d;
}

/**
 * The organisation's devices and who has each one. Patient names are shown only to clinical roles
 * with a care relation (and that view is audited per patient); others see that a device is lent.
 */
export async function listDevices(ctx: Ctx): Promise<repo.DeviceRow[]> {
  requireRole(ctx, DEVICE_ROLES);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const rows = await repo.devicesOf(ctx.db, a.organisationId);
  const clinical = CLINICAL_ROLES.includes(a.role);
  const shown = new Set<string>();
  const out: repo.DeviceRow[] = [];
  for (const d of rows) {
    const pid = d.loan_patient_id;
    if (pid && clinical && (shown.has(pid) || (await hasPatientAccess(ctx, pid, 'read')))) {
      shown.add(pid);
      out.push(d);
    } else out.push({ ...d, loan_patient_id: null, loan_patient_name: null });
  }
  for (const patientId of shown) await audit(ctx, { action: 'read', resourceType: 'DeviceLoan', patientId, details: { view: 'devices' } });
  return out;
}

/** Lends one of the caller's organisation's devices to a patient in its care. */
export async function lendDevice(ctx: Ctx, patientId: string, deviceId: string): Promise<repo.LoanRow> {
  await requirePatientAccess(ctx, patientId, 'write', 'DeviceLoan');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden('Only health personnel lend out devices.');
  return ctx.db.tx(async (tx) => {
    const device = await repo.getDevice(tx, deviceId, true);
    if (!device || device.organisation_id !== a.organisationId) throw notFound('Device');
    if (await repo.openLoanOfDevice(tx, deviceId)) throw conflict('The device is already lent out. Register it as returned first.');
    const loan = await repo.insertLoan(tx, deviceId, patientId, ctx.now());
    await audit(ctx, { action: 'create', resourceType: 'DeviceLoan', resourceId: loan.id, patientId, details: { deviceId } }, tx);
    return loan;
  });
}

/**
 * Registers a device as returned. A care relation is enough even after the episode has ended
 * (devices come back after follow-up ends), but only the lending organisation takes it back.
 */
export async function returnDevice(ctx: Ctx, loanId: string): Promise<repo.LoanRow> {
  const found = isUuid(loanId) ? await repo.getLoan(ctx.db, loanId) : undefined;
  if (!found) {
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    throw notFound('Loan');
  }
  await requirePatientAccess(ctx, found.patient_id, 'read', 'DeviceLoan');
  const a = ctx.actor;
  if (a.kind !== 'personnel' || a.organisationId !== found.organisation_id) throw forbidden('Only the organisation that lent the device can take it back.');
  return ctx.db.tx(async (tx) => {
    const loan = (await repo.getLoan(tx, loanId, true))!;
    if (loan.returned_at) throw conflict('The device is already registered as returned.');
    await repo.returnLoan(tx, loan.id, ctx.now());
    await audit(ctx, { action: 'update', resourceType: 'DeviceLoan', resourceId: loan.id, patientId: loan.patient_id, details: { returned: true } }, tx);
    return (await repo.getLoan(tx, loan.id))!;
  });
}

export async function loansOfPatient(ctx: Ctx, patientId: string): Promise<repo.LoanRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'DeviceLoan');
  const rows = await repo.loansOfPatient(ctx.db, patientId, scopeEpisodeIds(scope), scope.all ? null : scope.organisationId);
  await audit(ctx, { action: 'read', resourceType: 'DeviceLoan', patientId, details: { count: rows.length } });
  return rows;
}

export function deviceDto(d: repo.DeviceRow) {
  return {
    id: d.id, serial: d.serial, model: d.model, kind: d.kind, createdAt: d.created_at.toISOString(),
    manufacturer: d.manufacturer, bluetoothId: d.bluetooth_id, systemId: d.system_id,
    loan: d.loan_id
      ? { id: d.loan_id, lentAt: d.lent_at?.toISOString() ?? null, patient: d.loan_patient_id ? { id: d.loan_patient_id, name: d.loan_patient_name } : null }
      : null,
  };
}

export function loanDto(l: repo.LoanRow) {
  return {
    id: l.id, deviceId: l.device_id, patientId: l.patient_id, serial: l.serial, model: l.model, kind: l.kind, organisation: l.organisation_name,
    lentAt: l.lent_at.toISOString(), returnedAt: l.returned_at?.toISOString() ?? null,
  };
}

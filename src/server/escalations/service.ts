import * as alerts from '../alerts/repo.js';
import { personnelOnAlert } from '../alerts/service.js';
import { isUuid, requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import { onEscalated } from '../integration/hooks.js';
import * as repo from './repo.js';

/**
 * A follow-up nurse hands an alert to the patient's GP office (the care team's 'gp' member) with a
 * note saying what the GP should look at. The GP office sees it in its list of escalations and on
 * its live stream; the alert itself stays with the follow-up service.
 */
export async function escalateAlert(ctx: Ctx, alertId: string, note: string): Promise<repo.EscalationRow> {
  const a = await personnelOnAlert(ctx, alertId, 'Escalation', 'Only health personnel escalate alerts.');
  return ctx.db.tx(async (tx) => {
    const alert = (await alerts.getAlert(tx, alertId, true))!;
    if (alert.status === 'resolved') throw conflict('The alert is resolved. Send the GP office a new escalation from an open alert.');
    if (await repo.openForAlert(tx, alert.id)) throw conflict('This alert is already escalated to the GP.');
    const gpOffice = await repo.gpOfficeOf(tx, alert.episode_id);
    if (!gpOffice) throw new AppError(409, 'no_gp_office', 'The patient has no GP office in the care team.');
    if (gpOffice === a.organisationId) throw conflict('You are the patient’s GP office; there is nobody to escalate to.');
    const e = await repo.insertEscalation(tx, {
      alert_id: alert.id, patient_id: alert.patient_id, episode_id: alert.episode_id, from_org: a.organisationId, to_org: gpOffice,
      created_by: a.personnelId, note, created_at: ctx.now(),
    });
    await audit(ctx, { action: 'create', resourceType: 'Escalation', resourceId: e.id, patientId: alert.patient_id, details: { alertId: alert.id, to: gpOffice } }, tx);
    await onEscalated(tx, ctx, { escalationId: e.id, patientId: alert.patient_id });
    // The GP office is in the care team, so its screens (and the nurses') hear about it.
    await publish(tx, { type: 'escalation', patientId: alert.patient_id, organisationIds: await careTeamOrgs(tx, alert.patient_id) });
    return (await repo.getWithNames(tx, e.id))!;
  });
}

/** The GP office marks an escalation handled, optionally saying what was done. */
export async function handleEscalation(ctx: Ctx, id: string, note: string | undefined): Promise<repo.EscalationRow> {
  const found = isUuid(id) ? await repo.getEscalation(ctx.db, id) : undefined;
  if (!found) {
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    throw notFound('Escalation');
  }
  await requirePatientAccess(ctx, found.patient_id, 'write', 'Escalation');
  const a = ctx.actor;
  if (a.kind !== 'personnel' || a.organisationId !== found.to_org) throw forbidden('Only the GP office the escalation was sent to can mark it handled.');
  return ctx.db.tx(async (tx) => {
    const e = (await repo.getEscalation(tx, id, true))!;
    if (e.status === 'handled') throw conflict('The escalation is already marked as handled.');
    await repo.markHandled(tx, e.id, a.personnelId, ctx.now(), note?.trim() ? note.trim() : null);
    await audit(ctx, { action: 'update', resourceType: 'Escalation', resourceId: e.id, patientId: e.patient_id, details: { handled: true } }, tx);
    await publish(tx, { type: 'escalation', patientId: e.patient_id, organisationIds: await careTeamOrgs(tx, e.patient_id) });
    return (await repo.getWithNames(tx, e.id))!;
  });
}

/** Escalations sent to the caller's organisation (the GP office's inbox); each patient's view is audited. */
export async function listForOrganisation(ctx: Ctx, status: 'open' | 'handled' | undefined): Promise<repo.EscalationRow[]> {
  const a = ctx.actor;
  if (a.kind !== 'personnel' || !CLINICAL_ROLES.includes(a.role)) throw forbidden('Escalations are for clinical personnel.');
  const rows = await repo.forOrganisation(ctx.db, a.organisationId, status);
  for (const patientId of new Set(rows.map((r) => r.patient_id))) {
    await audit(ctx, { action: 'read', resourceType: 'Escalation', patientId, details: { view: 'inbox' } });
  }
  return rows;
}

export async function listForPatient(ctx: Ctx, patientId: string): Promise<repo.EscalationRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Escalation');
  const rows = await repo.forPatient(ctx.db, patientId, scopeEpisodeIds(scope));
  await audit(ctx, { action: 'read', resourceType: 'Escalation', patientId, details: { count: rows.length } });
  return rows;
}

export function escalationDto(e: repo.EscalationRow) {
  return {
    id: e.id, alertId: e.alert_id, status: e.status, note: e.note, createdAt: e.created_at.toISOString(),
    patient: { id: e.patient_id, name: e.patient_name ?? null, birthDate: e.patient_birth_date ?? null },
    fromOrganisation: e.from_org_name ?? e.from_org, toOrganisation: e.to_org_name ?? e.to_org, toOrganisationId: e.to_org, createdBy: e.created_by_name ?? e.created_by,
    handledBy: e.handled_by_name ?? e.answer_from ?? e.handled_by, handledAt: e.handled_at?.toISOString() ?? null, handledNote: e.handled_note,
    alert: { zone: e.alert_zone ?? null, summary: e.alert_summary ?? null, status: e.alert_status ?? null },
    answer: e.answer_from ? { from: e.answer_from, hpr: e.answer_hpr ?? null, via: 'dialogmelding' as const } : null,
  };
}

import { isUuid, requireEpisodeAccess, requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import { onAlertHandled } from '../integration/hooks.js';
import * as notes from '../notes/repo.js';
import * as repo from './repo.js';

export async function listAlerts(ctx: Ctx, patientId: string, status?: string): Promise<repo.AlertRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Flag');
  const rows = await repo.listForPatient(ctx.db, patientId, status, scopeEpisodeIds(scope));
  await audit(ctx, { action: 'read', resourceType: 'Flag', patientId, details: { count: rows.length } });
  return rows;
}

/**
 * Acknowledges ("I have seen it and am acting") or resolves an alert. Either needs a contact note:
 * the note is the documentation for the patient record of what was done.
 */
export async function actOnAlert(
  ctx: Ctx,
  alertId: string,
  action: 'acknowledge' | 'resolve',
  note: { contactType: string; text: string },
): Promise<repo.AlertRow> {
  // Authorisation needs the patient, so the alert is looked up first; an unknown id and a
  // foreign alert both give 404/403 without saying whose it is.
  const found = isUuid(alertId) ? await repo.getAlert(ctx.db, alertId) : undefined;
  if (!found) {
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    throw notFound('Alert');
  }
  await requireEpisodeAccess(ctx, found.patient_id, found.episode_id, 'write', 'Flag');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden('Only health personnel handle alerts.');
  return ctx.db.tx(async (tx) => {
    const alert = (await repo.getAlert(tx, alertId, true))!;
    if (alert.status === 'resolved') throw conflict('The alert is already resolved.');
    if (action === 'acknowledge' && alert.status === 'acknowledged') throw conflict('The alert is already acknowledged.');
    const now = ctx.now();
    if (action === 'acknowledge') await repo.acknowledge(tx, alert.id, a.personnelId, now);
    else {
      // Resolving an open alert acknowledges it too, so response time is always measurable.
      if (alert.status === 'open') await repo.acknowledge(tx, alert.id, a.personnelId, now);
      await repo.resolve(tx, alert.id, a.personnelId, now);
    }
    const n = await notes.insertNote(tx, {
      patient_id: alert.patient_id, episode_id: alert.episode_id, alert_id: alert.id, author_id: a.personnelId,
      organisation_id: a.organisationId, contact_type: note.contactType, text: note.text,
    });
    await audit(ctx, { action: 'update', resourceType: 'Flag', resourceId: alert.id, patientId: alert.patient_id, details: { action } }, tx);
    await audit(ctx, { action: 'create', resourceType: 'ContactNote', resourceId: n.id, patientId: alert.patient_id }, tx);
    // Documentation to the municipality's EPJ (VKP), written to the outbox in this transaction.
    await onAlertHandled(tx, ctx, { alertId: alert.id, noteId: n.id, action });
    await publish(tx, { type: 'alert-updated', patientId: alert.patient_id, organisationIds: await careTeamOrgs(tx, alert.patient_id) });
    return (await repo.getAlertWithNames(tx, alert.id))!;
  });
}

export function alertDto(a: repo.AlertRow) {
  const last = a.findings[a.findings.length - 1];
  return {
    id: a.id, patientId: a.patient_id, episodeId: a.episode_id, status: a.status, zone: a.zone, ruleId: a.rule_id, kind: a.kind,
    planVersion: a.plan_version, summary: a.summary, values: last?.values ?? [], findings: a.findings,
    firstAt: a.first_at.toISOString(), lastAt: a.last_at.toISOString(), occurrences: a.occurrences,
    acknowledgedBy: a.acknowledged_by_name ?? a.acknowledged_by, acknowledgedAt: a.acknowledged_at?.toISOString() ?? null,
    resolvedBy: a.resolved_by_name ?? a.resolved_by, resolvedAt: a.resolved_at?.toISOString() ?? null,
  };
}

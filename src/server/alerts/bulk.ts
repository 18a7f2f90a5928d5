import { BulkAcknowledgeBody, alertRoutes as api } from '../../api/alerts.js';
import { inScope, isUuid, requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { AppError, forbidden, notFound } from '../http/errors.js';
import { onAlertHandled } from '../integration/hooks.js';
import * as notes from '../notes/repo.js';
import * as repo from './repo.js';
import { alertDto } from './service.js';

/** The body lives in the API contract (src/api/alerts.ts); re-exported for the tests that import it from here. */
export { BulkAcknowledgeBody };

/**
 * Acknowledges several open alerts of one patient with one contact note, in one transaction: the
 * nurse phoned about all of them at once. Either every named alert is acknowledged or none is
 * (one of them handled by someone else meanwhile gives 409 `alerts_changed`). One note per episode
 * is written (notes belong to an episode); it is not tied to a single alert since it covers several.
 */
export async function acknowledgeAll(ctx: Ctx, patientId: string, alertIds: string[], note: { contactType: string; text: string }, noActionNeeded?: boolean): Promise<repo.AlertRow[]> {
  if (!isUuid(patientId)) throw notFound('Patient');
  const scope = await requirePatientAccess(ctx, patientId, 'write', 'Flag');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden('Only health personnel handle alerts.');
  const ids = [...new Set(alertIds)];
  return ctx.db.tx(async (tx) => {
    const rows = (await tx.query<repo.AlertRow>('select * from alerts where id = any($1::uuid[]) order by id for update', [ids])).rows;
    // An alert of another patient or outside the caller's episodes is treated as unknown: no hint whose it is.
    if (rows.length !== ids.length || rows.some((r) => r.patient_id !== patientId || !inScope(scope, r.episode_id))) throw notFound('Alert');
    if (rows.some((r) => r.status !== 'open')) {
      throw new AppError(409, 'alerts_changed', 'Some of the alerts were handled by someone else meanwhile. Look at the list again.');
    }
    const now = ctx.now();
    // The judgement (alert burden) covers every alert of the call, as the note does.
    for (const r of rows) await repo.acknowledge(tx, r.id, a.personnelId, now, noActionNeeded);
    for (const episodeId of [...new Set(rows.map((r) => r.episode_id))]) {
      const n = await notes.insertNote(tx, {
        patient_id: patientId, episode_id: episodeId, alert_id: null, author_id: a.personnelId,
        organisation_id: a.organisationId, contact_type: note.contactType, text: note.text,
      });
      const covered = rows.filter((r) => r.episode_id === episodeId).map((r) => r.id);
      await audit(ctx, { action: 'create', resourceType: 'ContactNote', resourceId: n.id, patientId, details: { alertIds: covered } }, tx);
      for (const alertId of covered) await onAlertHandled(tx, ctx, { alertId, noteId: n.id, action: 'acknowledge' });
    }
    for (const r of rows) {
      await audit(ctx, { action: 'update', resourceType: 'Flag', resourceId: r.id, patientId, details: { action: 'acknowledge', bulk: true, ...(noActionNeeded !== undefined ? { noActionNeeded } : {}) } }, tx);
    }
    await publish(tx, { type: 'alert-updated', patientId, organisationIds: await careTeamOrgs(tx, patientId) });
    const out: repo.AlertRow[] = [];
    for (const r of rows) out.push((await repo.getAlertWithNames(tx, r.id))!);
    return out;
  });
}

/** POST /api/patients/:id/alerts/acknowledge → { alerts }. */
export function bulkAlertRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.acknowledgeAll, async ({ ctx, params, body }) => {
    const { alertIds, note, noActionNeeded } = body();
    return { alerts: (await acknowledgeAll(ctx(), params().id, alertIds, note, noActionNeeded)).map(alertDto) };
  });
}

import { requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { forbidden, notFound } from '../http/errors.js';
import { openEpisode } from '../patients/repo.js';
import { getAlert } from '../alerts/repo.js';
import * as repo from './repo.js';

export async function listNotes(ctx: Ctx, patientId: string): Promise<repo.NoteRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'ContactNote');
  const notes = await repo.notesFor(ctx.db, patientId, undefined, scopeEpisodeIds(scope), scope.all ? null : scope.organisationId);
  await audit(ctx, { action: 'read', resourceType: 'ContactNote', patientId, details: { count: notes.length } });
  return notes;
}

/** Documents contact with the patient (phone call, visit…), optionally about an alert. */
export async function addNote(ctx: Ctx, patientId: string, input: { contactType: string; text: string; alertId?: string }): Promise<repo.NoteRow> {
  await requirePatientAccess(ctx, patientId, 'write', 'ContactNote');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden('Only health personnel write contact notes.');
  return ctx.db.tx(async (tx) => {
    if (input.alertId) {
      const alert = await getAlert(tx, input.alertId);
      if (!alert || alert.patient_id !== patientId) throw notFound('Alert');
    }
    const episode = await openEpisode(tx, patientId);
    const note = await repo.insertNote(tx, {
      patient_id: patientId, episode_id: episode?.id ?? null, alert_id: input.alertId ?? null, author_id: a.personnelId,
      organisation_id: a.organisationId, contact_type: input.contactType, text: input.text,
    });
    await audit(ctx, { action: 'create', resourceType: 'ContactNote', resourceId: note.id, patientId }, tx);
    return note;
  });
}

export function noteDto(n: repo.NoteRow) {
  return {
    id: n.id, alertId: n.alert_id, contactType: n.contact_type, text: n.text, createdAt: n.created_at.toISOString(),
    author: n.author_name ?? null, organisation: n.organisation_name ?? null,
  };
}

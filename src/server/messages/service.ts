import { requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { forbidden } from '../http/errors.js';
import { openEpisode } from '../patients/repo.js';
import * as repo from './repo.js';

export async function listMessages(ctx: Ctx, patientId: string): Promise<repo.MessageRow[]> {
  await requirePatientAccess(ctx, patientId, 'read', 'Communication');
  const kind = ctx.actor.kind === 'patient' ? 'patient' : 'personnel';
  return ctx.db.tx(async (tx) => {
    const rows = await repo.messagesFor(tx, patientId);
    await repo.markRead(tx, patientId, kind);
    await audit(ctx, { action: 'read', resourceType: 'Communication', patientId, details: { count: rows.length } }, tx);
    return rows;
  });
}

/** A message between the patient and the follow-up service (not for emergencies: the app says so). */
export async function sendMessage(ctx: Ctx, patientId: string, body: string): Promise<repo.MessageRow> {
  await requirePatientAccess(ctx, patientId, 'write', 'Communication');
  const a = ctx.actor;
  if (a.kind !== 'patient' && a.kind !== 'personnel') throw forbidden();
  return ctx.db.tx(async (tx) => {
    const episode = await openEpisode(tx, patientId);
    const m = await repo.insertMessage(tx, {
      patient_id: patientId, episode_id: episode?.id ?? null, sender_kind: a.kind,
      sender_id: a.kind === 'patient' ? a.patientId : a.personnelId, organisation_id: a.kind === 'personnel' ? a.organisationId : null, body,
    });
    await audit(ctx, { action: 'create', resourceType: 'Communication', resourceId: m.id, patientId }, tx);
    await publish(tx, { type: 'message', patientId, organisationIds: await careTeamOrgs(tx, patientId) });
    return { ...m, sender_name: a.name };
  });
}

export function messageDto(m: repo.MessageRow) {
  return { id: m.id, from: m.sender_kind, senderName: m.sender_name, body: m.body, createdAt: m.created_at.toISOString(), readAt: m.read_at?.toISOString() ?? null };
}

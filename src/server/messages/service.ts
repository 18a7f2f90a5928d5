import { requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { forbidden } from '../http/errors.js';
import { openingHoursFor } from '../observations/service.js';
import { openEpisode } from '../patients/repo.js';
import { replyExpectation, type ReplyExpectation } from './expectation.js';
import * as repo from './repo.js';

/** How far back the inbox lists handled messages, so a nurse can see who answered what. */
const HANDLED_WINDOW_DAYS = 7;
const HANDLED_LIMIT = 50;

export async function listMessages(ctx: Ctx, patientId: string): Promise<repo.MessageRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Communication');
  const kind = ctx.actor.kind === 'patient' ? 'patient' : 'personnel';
  const episodeIds = scopeEpisodeIds(scope);
  const orgId = scope.all ? null : scope.organisationId;
  return ctx.db.tx(async (tx) => {
    const rows = await repo.messagesFor(tx, patientId, episodeIds, orgId);
    await repo.markRead(tx, patientId, kind, episodeIds, orgId);
    await audit(ctx, { action: 'read', resourceType: 'Communication', patientId, details: { count: rows.length } }, tx);
    return rows;
  });
}

/**
 * A message between the patient and the follow-up service (not for emergencies: the app says so).
 * A reply from personnel answers the thread: every message the patient sent before it counts as
 * handled by the one who replied.
 */
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
    let handled = 0;
    if (a.kind === 'personnel' && episode) {
      handled = await repo.markHandled(tx, patientId, episode.id, { by: a.personnelId, organisationId: a.organisationId, at: m.created_at, how: 'reply', replyId: m.id, note: null });
    }
    await audit(ctx, { action: 'create', resourceType: 'Communication', resourceId: m.id, patientId, details: handled ? { handled } : undefined }, tx);
    await publish(tx, { type: 'message', patientId, organisationIds: await careTeamOrgs(tx, patientId) });
    return { ...m, sender_name: a.name };
  });
}

/**
 * Marks the patient's open messages handled without a written reply (answered by phone, or
 * nothing to answer), recording who, for which organisation, when and optionally why.
 * @returns how many messages were closed; 0 when someone else handled them first
 */
export async function markHandledWithoutReply(ctx: Ctx, patientId: string, note: string | null): Promise<{ handled: number }> {
  await requirePatientAccess(ctx, patientId, 'write', 'Communication');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden('Only personnel handle messages.');
  return ctx.db.tx(async (tx) => {
    const episode = await openEpisode(tx, patientId);
    if (!episode) return { handled: 0 };
    const handled = await repo.markHandled(tx, patientId, episode.id, { by: a.personnelId, organisationId: a.organisationId, at: ctx.now(), how: 'no_reply', replyId: null, note });
    await audit(ctx, { action: 'update', resourceType: 'Communication', patientId, details: { handled, how: 'no_reply' } }, tx);
    if (handled > 0) await publish(tx, { type: 'message', patientId, organisationIds: await careTeamOrgs(tx, patientId) });
    return { handled };
  });
}

function requireClinical(ctx: Ctx) {
  const a = ctx.actor;
  if (a.kind !== 'personnel' || !CLINICAL_ROLES.includes(a.role)) throw forbidden('The message inbox is for clinical personnel.');
  return a;
}

/**
 * The follow-up service's inbox: patients with messages nobody has handled (waiting longest
 * first) and what was handled in the last week, by whom. Each listed patient is audited, at most
 * once per nurse and hour, as for the worklist.
 */
export async function inbox(ctx: Ctx) {
  const a = requireClinical(ctx);
  const since = new Date(ctx.now().getTime() - HANDLED_WINDOW_DAYS * 86_400_000);
  const [open, handled] = await Promise.all([
    repo.openThreads(ctx.db, a.organisationId),
    repo.recentlyHandled(ctx.db, a.organisationId, since, HANDLED_LIMIT),
  ]);
  await repo.auditInboxView(
    ctx.db,
    { actorId: a.personnelId, actorName: a.name, organisationId: a.organisationId, role: a.role, route: ctx.route ?? '' },
    [...open.map((x) => x.patient_id), ...handled.map((x) => x.patient_id)],
  );
  return {
    threads: open.map((x) => ({
      patient: { id: x.patient_id, name: x.name, birthDate: x.birth_date, identifier: x.identifier },
      episodeId: x.episode_id,
      unhandled: x.unhandled,
      unread: x.unread,
      oldestAt: x.oldest_at.toISOString(),
      latestAt: x.latest_at.toISOString(),
      latestBody: x.latest_body,
    })),
    handled: handled.map((x) => ({
      patient: { id: x.patient_id, name: x.name },
      episodeId: x.episode_id,
      messageId: x.message_id,
      body: x.body,
      createdAt: x.created_at.toISOString(),
      handledAt: x.handled_at.toISOString(),
      handledHow: x.handled_how,
      handledBy: x.handled_by_name,
      note: x.handled_note,
    })),
  };
}

/**
 * Counts for the navigation badge and the worklist: unhandled patient messages of the service,
 * in total and per open episode. Counts only, no names or texts, so it is not audited per patient.
 */
export async function unreadSummary(ctx: Ctx): Promise<{ messages: number; patients: number; byEpisode: Record<string, number> }> {
  const a = requireClinical(ctx);
  const rows = await repo.unhandledByEpisode(ctx.db, a.organisationId);
  return {
    messages: rows.reduce((s, r) => s + r.n, 0),
    patients: new Set(rows.map((r) => r.patient_id)).size,
    byEpisode: Object.fromEntries(rows.map((r) => [r.episode_id, r.n])),
  };
}

/** Set-based: unhandled patient messages per episode, for lists over many patients (the worklist). */
export const unhandledForEpisodes = repo.unhandledForEpisodes;

/** The patient's own unread replies (the badge in the patient app's navigation). */
export async function myUnread(ctx: Ctx, patientId: string): Promise<{ unread: number }> {
  await requirePatientAccess(ctx, patientId, 'read', 'Communication');
  const unread = await repo.unreadByPatient(ctx.db, patientId);
  await audit(ctx, { action: 'read', resourceType: 'Communication', patientId, details: { view: 'unread-count' } });
  return { unread };
}

/** When the patient can expect an answer, from their follow-up service's opening hours; null without an open episode. */
export async function myReplyExpectation(ctx: Ctx, patientId: string): Promise<ReplyExpectation | null> {
  if (ctx.actor.kind !== 'patient') throw forbidden();
  const episode = await openEpisode(ctx.db, patientId);
  if (!episode) return null;
  const hours = await openingHoursFor(ctx.db, episode.follow_up_org);
  return replyExpectation(hours, ctx.now(), ctx.actor.lang);
}

export function messageDto(m: repo.MessageRow) {
  return {
    id: m.id, from: m.sender_kind, senderName: m.sender_name, body: m.body, createdAt: m.created_at.toISOString(), readAt: m.read_at?.toISOString() ?? null,
    handledAt: m.handled_at?.toISOString() ?? null, handledBy: m.handled_by_name ?? null, handledHow: m.handled_how, handledNote: m.handled_note,
  };
}

/** What the patient sees of a message: the service's internal handling note stays in the clinic. */
export function patientMessageDto(m: repo.MessageRow) {
  const { handledNote: _n, handledBy: _b, handledHow: _h, ...rest } = messageDto(m);
  return rest;
}

import { CATALOGUE, type MeasureCode } from '../../domain/catalogue.js';
import { isOpen } from '../../domain/opening-hours.js';
import { QUESTIONNAIRES } from '../../domain/questionnaires.js';
import { toLocal, zonedInstant } from '../../domain/time.js';
import type { Schedule } from '../../domain/plan.js';
import { accessLogForPatient } from '../audit/repo.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { forbidden } from '../http/errors.js';
import { openingHoursFor } from '../observations/service.js';
import { latestPerCode, listForPatient } from '../observations/repo.js';
import { getPatientEpisode } from '../patients/service.js';
import { approvedPlan } from '../plans/repo.js';

/** The patient's own id; everything under /api/me is the logged-in patient's own data only. */
export function selfId(ctx: Ctx): string {
  if (ctx.actor.kind !== 'patient') throw forbidden('This page is for patients.');
  return ctx.actor.patientId;
}

export async function myPlan(ctx: Ctx) {
  const patientId = selfId(ctx);
  const episode = await getPatientEpisode(ctx, patientId);
  const plan = await approvedPlan(ctx.db, episode.id);
  const hours = await openingHoursFor(ctx.db, episode.follow_up_org);
  await audit(ctx, { action: 'read', resourceType: 'CarePlan', resourceId: plan?.id ?? null, patientId });
  return {
    episodeId: episode.id,
    planId: plan?.id ?? null,
    version: plan?.version ?? null,
    approvedAt: plan?.approved_at?.toISOString() ?? null,
    approvedBy: plan?.approved_by_name ?? null,
    definition: plan?.definition ?? null,
    openingHours: hours,
    serviceOpen: isOpen(hours, ctx.now()),
  };
}

/** On today's list: due today, or as needed (always offered, never "left to do"; dueBy null). */
function onTodaysList(s: Schedule, weekday: number): boolean {
  return s.kind === 'daily' || s.kind === 'as_needed' || (s.kind === 'weekly' && s.weekdays.includes(weekday));
}

/** Today's tasks from the plan: what to measure or answer, by when, and whether it is done. */
export async function myToday(ctx: Ctx) {
  const patientId = selfId(ctx);
  const episode = await getPatientEpisode(ctx, patientId);
  const plan = await approvedPlan(ctx.db, episode.id);
  if (!plan) return { tasks: [] };
  // While follow-up is paused (admission, holiday) nothing is due: the app says why and until
  // when (GET /api/me/pathway), and a task list would contradict it.
  if (episode.state === 'paused') {
    await audit(ctx, { action: 'read', resourceType: 'CarePlan', resourceId: plan.id, patientId, details: { view: 'today', paused: true } });
    return { tasks: [], paused: true };
  }
  const now = ctx.now();
  const local = toLocal(now, episode.time_zone);
  const dayStart = zonedInstant(local.date, '00:00', episode.time_zone);
  const todays = await listForPatient(ctx.db, patientId, { from: dayStart, limit: 1000 });
  const latest = new Map((await latestPerCode(ctx.db, patientId)).map((o) => [o.code, o]));
  const last = (code: string) => {
    const o = latest.get(code as MeasureCode);
    return o ? { value: o.value, unit: o.unit, effectiveAt: o.effective_at.toISOString(), zone: o.zone } : null;
  };
  const tasks = [
    ...plan.definition.measures
      .filter((m) => onTodaysList(m.schedule, local.weekday))
      .map((m) => ({
        code: m.code, kind: 'measure' as const, display: CATALOGUE[m.code].display, unit: CATALOGUE[m.code].unit,
        dueBy: m.schedule.kind === 'as_needed' ? null : m.schedule.dueBy, done: todays.some((o) => o.code === m.code), last: last(m.code),
      })),
    ...plan.definition.questionnaires
      .filter((q) => onTodaysList(q.schedule, local.weekday))
      .map((q) => ({
        code: q.code, kind: 'questionnaire' as const, display: QUESTIONNAIRES[q.code].title, unit: '{score}',
        dueBy: q.schedule.kind === 'as_needed' ? null : q.schedule.dueBy, done: todays.some((o) => o.code === q.code), last: last(q.code),
      })),
  ];
  await audit(ctx, { action: 'read', resourceType: 'CarePlan', resourceId: plan.id, patientId, details: { view: 'today' } });
  return { tasks };
}

/** Who has read or changed my data (innsyn i logg): personnel, integrations and the system. */
export async function myAccessLog(ctx: Ctx) {
  const patientId = selfId(ctx);
  const rows = await accessLogForPatient(ctx.db, patientId, 500);
  await audit(ctx, { action: 'read', resourceType: 'AuditEvent', patientId });
  return {
    events: rows.map((r) => ({
      at: r.at.toISOString(), actorKind: r.actor_kind, actorName: r.actor_name, organisation: r.organisation_name, role: r.role,
      action: r.action, resourceType: r.resource_type, emergency: r.emergency, reason: r.reason,
    })),
  };
}

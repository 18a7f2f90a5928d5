import type { AlertBurden, ThresholdReview } from '../../api/alerts.js';
import { addDays, isoWeekday, toLocal, zonedInstant } from '../../domain/time.js';
import { isUuid, requireEpisodeAccess, requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import type { Actor } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import { onAlertHandled } from '../integration/hooks.js';
import * as notes from '../notes/repo.js';
import { openEpisode } from '../patients/repo.js';
import { approvedPlan } from '../plans/repo.js';
import * as repo from './repo.js';

export async function listAlerts(ctx: Ctx, patientId: string, status?: string): Promise<repo.AlertRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Flag');
  const rows = await repo.listForPatient(ctx.db, patientId, status, scopeEpisodeIds(scope));
  await audit(ctx, { action: 'read', resourceType: 'Flag', patientId, details: { count: rows.length } });
  return rows;
}

/**
 * The health personnel member about to write on an alert (acknowledge, resolve, escalate), after
 * write access to the alert's episode is checked under `resourceType`. Authorisation needs the
 * patient, so the alert is looked up first; an unknown id and a foreign alert both give 404/403
 * without saying whose it is. `notPersonnel` is the refusal for anyone else.
 */
export async function personnelOnAlert(ctx: Ctx, alertId: string, resourceType: string, notPersonnel: string): Promise<Extract<Actor, { kind: 'personnel' }>> {
  const found = isUuid(alertId) ? await repo.getAlert(ctx.db, alertId) : undefined;
  if (!found) {
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    throw notFound('Alert');
  }
  await requireEpisodeAccess(ctx, found.patient_id, found.episode_id, 'write', resourceType);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden(notPersonnel);
  return a;
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
  noActionNeeded?: boolean,
): Promise<repo.AlertRow> {
  const a = await personnelOnAlert(ctx, alertId, 'Flag', 'Only health personnel handle alerts.');
  return ctx.db.tx(async (tx) => {
    const alert = (await repo.getAlert(tx, alertId, true))!;
    if (alert.status === 'resolved') throw conflict('The alert is already resolved.');
    if (action === 'acknowledge' && alert.status === 'acknowledged') throw conflict('The alert is already acknowledged.');
    const now = ctx.now();
    if (action === 'acknowledge') await repo.acknowledge(tx, alert.id, a.personnelId, now, noActionNeeded);
    else {
      // Resolving an open alert acknowledges it too, so response time is always measurable.
      if (alert.status === 'open') await repo.acknowledge(tx, alert.id, a.personnelId, now);
      await repo.resolve(tx, alert.id, a.personnelId, now, noActionNeeded);
    }
    const n = await notes.insertNote(tx, {
      patient_id: alert.patient_id, episode_id: alert.episode_id, alert_id: alert.id, author_id: a.personnelId,
      organisation_id: a.organisationId, contact_type: note.contactType, text: note.text,
    });
    await audit(ctx, { action: 'update', resourceType: 'Flag', resourceId: alert.id, patientId: alert.patient_id, details: { action, ...(noActionNeeded !== undefined ? { noActionNeeded } : {}) } }, tx);
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
    noActionNeeded: a.no_action_needed ?? null,
  };
}

// ------------------------------------------------------------------------------ alert burden

/** Weeks shown on the patient view: two months shows a pattern without a chart to scroll. */
export const BURDEN_WEEKS = 8;
/** "Alerts per week" is the mean over the last four weeks: one bad week should not define a patient. */
export const BURDEN_RECENT_DAYS = 28;
/*
 * When the GP is asked to review a rule's threshold. There is no national figure for "too many
 * alerts"; these are the programme's own choice, kept small and explicit:
 * - a window of 14 days: two weekly rounds, short enough that the suggestion is about the plan in
 *   force now, long enough that one bad spell (an infection) is not read as a bad threshold;
 * - at least 4 alerts of the same rule in it: twice a week, more often than a weekly review round,
 *   so the nurse meets the rule again before anyone looked at it; fewer is too little data to move
 *   a limit on (no published figure was found for this; it is a choice to revisit with the
 *   services' experience);
 * - at least 75 % of them judged "no action needed": three in four, so a rule that led to action
 *   even every other time is never suggested for loosening. Alerts not yet judged count against
 *   the suggestion (the share is over all alerts of the rule, not only the judged ones).
 * Missing-measurement rules are excluded: they have no threshold to review.
 * It is a suggestion with its data only: the GP decides, in the plan editor, as for any change.
 */
export const REVIEW_WINDOW_DAYS = 14;
export const REVIEW_MIN_ALERTS = 4;
export const REVIEW_MIN_NO_ACTION_SHARE = 0.75;

/**
 * The rules that fired often without action in the window ending at `now`: pure, so the criterion
 * is tested on its own (alerts/burden.test.ts).
 */
export function reviewCandidates(alerts: readonly Pick<repo.BurdenAlertRow, 'rule_id' | 'kind' | 'first_at' | 'no_action_needed'>[], now: Date): { ruleId: string; alerts: number; noActionNeeded: number }[] {
  const since = now.getTime() - REVIEW_WINDOW_DAYS * 86_400_000;
  const byRule = new Map<string, { alerts: number; noActionNeeded: number }>();
  for (const a of alerts) {
    if (a.kind === 'missing' || a.rule_id.startsWith('missing:')) continue;
    const t = a.first_at.getTime();
    if (t < since || t > now.getTime()) continue;
    const x = byRule.get(a.rule_id) ?? { alerts: 0, noActionNeeded: 0 };
    x.alerts++;
    if (a.no_action_needed === true) x.noActionNeeded++;
    byRule.set(a.rule_id, x);
  }
  return [...byRule]
    .filter(([, x]) => x.alerts >= REVIEW_MIN_ALERTS && x.noActionNeeded / x.alerts >= REVIEW_MIN_NO_ACTION_SHARE)
    .map(([ruleId, x]) => ({ ruleId, ...x }))
    .sort((a, b) => b.alerts - a.alerts || a.ruleId.localeCompare(b.ruleId));
}

/** The measure codes an alert's findings are about (the rule's own code, and every value's). */
function codesOf(findings: readonly repo.AlertRow['findings'][number][]): string[] {
  const out = new Set<string>();
  for (const f of Array.isArray(findings) ? findings : []) {
    if (f.code) out.add(f.code);
    for (const v of f.values ?? []) out.add(v.code);
  }
  return [...out];
}

/**
 * A patient's alert burden for the nurse's and the GP's views: alerts per ISO week (local weeks in
 * the patient's zone), the mean per week lately, the share judged "no action needed", and the rules
 * to review with the alerts and readings behind them.
 */
export async function alertBurden(ctx: Ctx, patientId: string): Promise<AlertBurden> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Flag');
  const episodeIds = scopeEpisodeIds(scope);
  const now = ctx.now();
  const episode = await openEpisode(ctx.db, patientId);
  const tz = episode?.time_zone ?? 'Europe/Oslo';
  const today = toLocal(now, tz).date;
  const firstMonday = addDays(today, -(isoWeekday(today) - 1) - 7 * (BURDEN_WEEKS - 1));
  const from = zonedInstant(firstMonday, '00:00', tz);
  const alerts = await repo.alertsSince(ctx.db, patientId, from, episodeIds);

  const weeks = Array.from({ length: BURDEN_WEEKS }, (_, i) => ({ weekStart: addDays(firstMonday, 7 * i), alerts: 0, noActionNeeded: 0 }));
  for (const a of alerts) {
    const d = toLocal(a.first_at, tz).date;
    const w = weeks.findLast((x) => x.weekStart <= d);
    if (!w) continue;
    w.alerts++;
    if (a.no_action_needed === true) w.noActionNeeded++;
  }
  const recentFrom = now.getTime() - BURDEN_RECENT_DAYS * 86_400_000;
  const recent = alerts.filter((a) => a.first_at.getTime() >= recentFrom).length;
  const judged = alerts.filter((a) => a.no_action_needed !== null).length;
  const noAction = alerts.filter((a) => a.no_action_needed === true).length;

  const reviews: ThresholdReview[] = [];
  const candidates = reviewCandidates(alerts, now);
  if (candidates.length > 0) {
    const windowFrom = new Date(now.getTime() - REVIEW_WINDOW_DAYS * 86_400_000);
    const plan = episode && (episodeIds === null || episodeIds.includes(episode.id)) ? await approvedPlan(ctx.db, episode.id) : undefined;
    for (const c of candidates) {
      const ofRule = alerts.filter((a) => a.rule_id === c.ruleId && a.first_at >= windowFrom);
      const codes = [...new Set(ofRule.flatMap((a) => codesOf(a.findings)))];
      const readings = codes.length ? await repo.readingsSince(ctx.db, patientId, codes, windowFrom, episodeIds) : [];
      reviews.push({
        ruleId: c.ruleId, kind: ofRule[0]?.kind ?? '', codes, windowDays: REVIEW_WINDOW_DAYS, alerts: c.alerts, noActionNeeded: c.noActionNeeded,
        thresholds: (plan?.definition.measures ?? []).filter((m) => codes.includes(m.code)).map((m) => ({
          code: m.code,
          thresholds: Object.fromEntries(Object.entries(m.thresholds).filter((e): e is [string, number] => typeof e[1] === 'number')),
        })),
        alertList: ofRule.map((a) => ({
          id: a.id, zone: a.zone, status: a.status, firstAt: a.first_at.toISOString(), occurrences: a.occurrences, noActionNeeded: a.no_action_needed, summary: a.summary,
        })),
        readings: readings.map((r) => ({ code: r.code, value: r.value, unit: r.unit, effectiveAt: r.effective_at.toISOString(), zone: r.zone })),
      });
    }
  }
  await audit(ctx, { action: 'read', resourceType: 'Flag', patientId, details: { view: 'alert-burden', count: alerts.length, reviews: reviews.map((r) => r.ruleId) } });
  return {
    patientId, from: from.toISOString(), to: now.toISOString(), weeks,
    perWeek: Math.round((recent / (BURDEN_RECENT_DAYS / 7)) * 10) / 10, recentDays: BURDEN_RECENT_DAYS,
    judged, noActionNeeded: noAction, noActionShare: judged > 0 ? noAction / judged : null, reviews,
  };
}

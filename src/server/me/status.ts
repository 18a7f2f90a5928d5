import type { MeasureCode } from '../../domain/catalogue.js';
import { patientFeedback } from '../../domain/opening-hours.js';
import { raisesAlert } from '../../domain/pathway.js';
import type { PlanDefinition } from '../../domain/plan.js';
import { t, type Lang } from '../../domain/text.js';
import type { Finding, Zone } from '../../domain/triage.js';
import { hashToken } from '../auth/session.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { openingHoursFor } from '../observations/service.js';
import { getPatientEpisode } from '../patients/service.js';
import { approvedPlan } from '../plans/repo.js';
import { selfId } from './service.js';

export interface SessionTimes {
  /** ISO: when the session ends if the app makes no request before then. */
  idleExpiresAt: string;
  /** ISO: when the session ends however active the patient is. */
  expiresAt: string;
  idleMinutes: number;
  /** ISO: the server's time of this answer, so a device with a wrong clock can still count down. */
  serverNow: string;
}

/** The session's own end times, so the app can warn before it is logged out mid-reading. */
export async function sessionTimes(ctx: Ctx, token: string | undefined, idleMinutes: number): Promise<SessionTimes | null> {
  if (!token) return null;
  const r = await ctx.db.query<{ expires_at: Date; last_seen_at: Date }>('select expires_at, last_seen_at from sessions where id_hash = $1', [hashToken(token)]);
  const row = r.rows[0];
  if (!row) return null;
  // This request has just counted as activity (last_seen is moved at most every 30 s), so idle time starts now.
  const idleEnd = new Date(Math.min(ctx.now().getTime() + idleMinutes * 60_000, row.expires_at.getTime()));
  return { idleExpiresAt: idleEnd.toISOString(), expiresAt: row.expires_at.toISOString(), idleMinutes, serverNow: ctx.now().toISOString() };
}

interface OpenAlert {
  zone: 'red' | 'yellow';
  rule_id: string;
  last_at: Date;
  findings: Finding[];
}

/** Each measure that deviated, with its own zone: a sitting's alert names every rule that fired. */
function deviations(a: OpenAlert): { code: string; zone: 'red' | 'yellow' }[] {
  const out: { code: string; zone: 'red' | 'yellow' }[] = [];
  for (const f of a.findings) {
    for (const rule of f.rules ?? [f]) {
      if (rule.zone === 'missing') continue;
      const m = /^threshold:(.+)$/.exec(rule.ruleId);
      if (m) out.push({ code: m[1]!, zone: rule.zone });
      else for (const v of f.values) out.push({ code: v.code, zone: rule.zone });
    }
  }
  // Red before yellow, so the most urgent advice is read first.
  return out.sort((x, y) => (x.zone === y.zone ? 0 : x.zone === 'red' ? -1 : 1));
}

/**
 * What the patient should still be doing about readings a nurse has not looked at yet: the plan's
 * advice for every deviating measure of the open (unacknowledged) red or yellow alerts, worst
 * first, with the opening-hours notice for the worst zone. Null once a nurse has acknowledged them.
 */
export async function openAdvice(ctx: Ctx, patientId: string, episodeId: string, plan: PlanDefinition | null, followUpOrg: string, lang: Lang, state?: string) {
  const r = await ctx.db.query<OpenAlert>(
    `select zone, rule_id, last_at, findings from alerts
      where patient_id = $1 and episode_id = $2 and status = 'open' and zone in ('red','yellow')
      order by case zone when 'red' then 0 else 1 end, last_at desc`,
    [patientId, episodeId],
  );
  if (r.rows.length === 0) return null;
  const worst = r.rows[0]!;
  const zone: Zone = worst.zone;
  const actions: { code: string; zone: Zone; text: string }[] = [];
  for (const a of r.rows) {
    for (const d of deviations(a)) {
      // In the baseline period only red safety advice is shown: a yellow raises no alert then
      // (domain/pathway.ts#raisesAlert), so its advice ("the nurse will call") would not be true.
      // A pause keeps the advice of alerts raised before it: those are still the nurse's.
      if (state === 'baseline' && !raisesAlert(state, d)) continue;
      const entry = plan?.measures.find((m) => m.code === (d.code as MeasureCode));
      const text = entry ? t(entry.actions[d.zone], lang) : null;
      if (text && !actions.some((x) => x.text === text)) actions.push({ code: d.code, zone: d.zone, text });
    }
  }
  const hours = await openingHoursFor(ctx.db, followUpOrg);
  // The notice names what to do now: the worst measure's own advice (red before yellow).
  const first = actions.find((a) => a.zone === zone)?.text ?? '';
  const fb = patientFeedback({ zone, actions: { nb: first, nn: first, en: first }, hours, now: ctx.now(), lang });
  return { zone, at: worst.last_at.toISOString(), actions, notice: fb.notice, serviceOpen: fb.serviceOpen };
}

/**
 * The patient app's heartbeat: whether the plan is approved yet, the advice that stays on the home
 * screen until a nurse has acknowledged it, and when the session ends.
 */
export async function myStatus(ctx: Ctx, token: string | undefined, idleMinutes: number) {
  const patientId = selfId(ctx);
  const lang: Lang = ctx.actor.kind === 'patient' ? ctx.actor.lang : 'nb';
  const session = await sessionTimes(ctx, token, idleMinutes);
  let episode;
  try {
    episode = await getPatientEpisode(ctx, patientId);
  } catch {
    // No active episode: nothing to advise, but the session warning still matters.
    await audit(ctx, { action: 'read', resourceType: 'Flag', patientId, details: { view: 'status', episode: null } });
    return { planApproved: false, advice: null, session };
  }
  const plan = await approvedPlan(ctx.db, episode.id);
  const advice = await openAdvice(ctx, patientId, episode.id, plan?.definition ?? null, episode.follow_up_org, lang, episode.state);
  await audit(ctx, { action: 'read', resourceType: 'Flag', patientId, details: { view: 'status', openAdvice: advice !== null } });
  return { planApproved: plan !== undefined, advice, session };
}

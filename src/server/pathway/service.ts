import { parseNorwegianId } from '../../domain/identifiers.js';
import {
  type PathwayRole, type PathwayState, type ThresholdProposal, actionsFrom, baselineBlockers, baselineEndsAt, coarseStatus,
  nextEvaluation, proposeThresholds, transition, pendingPlanAdjustment,
} from '../../domain/pathway.js';
import type { MeasureCode } from '../../domain/catalogue.js';
import type { PlanDefinition } from '../../domain/plan.js';
import { planFromTemplates } from '../../domain/templates.js';
import { toLocal } from '../../domain/time.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { requireEpisodeAccess, requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import { sharingConsent, sharingSince } from '../integration/consent.js';
import * as patients from '../patients/repo.js';
import { findOrCreatePatient } from '../patients/service.js';
import * as plans from '../plans/repo.js';
import * as repo from './repo.js';
import type { OnboardingBody, ReferralBody, TransitionBody } from './schema.js';

/*
 * The care pathway (issue 12): referral, decision, onboarding, baseline, pause, evaluation, end.
 * Every step is checked against domain/pathway.ts#TRANSITIONS, written with the episode row
 * locked, recorded in episode_transitions and audited in the same transaction.
 */

function personnel(ctx: Ctx) {
  const a = ctx.actor;
  if (a.kind !== 'personnel' || !CLINICAL_ROLES.includes(a.role)) throw forbidden('Only health personnel with a clinical role take part in the pathway.');
  return a;
}

/** The caller's pathway roles for an episode: its follow-up service, and/or its GP office (a GP). */
async function rolesFor(ctx: Ctx, e: patients.EpisodeRow): Promise<PathwayRole[]> {
  const a = ctx.actor;
  if (a.kind !== 'personnel') return [];
  const team = await patients.careTeam(ctx.db, e.id);
  const roles: PathwayRole[] = [];
  if (e.follow_up_org === a.organisationId) roles.push('service');
  if (a.role === 'gp' && team.some((c) => c.organisation_id === a.organisationId && c.responsibility === 'gp')) roles.push('gp');
  return roles;
}

function badRequest(message: string, fields?: Record<string, string>): AppError {
  return new AppError(400, 'validation_failed', message, fields);
}

/**
 * A referral (henvisning) from a GP, a hospital, home nursing, or the citizen (recorded by the
 * follow-up service). Creates or finds the patient and opens an episode in state `referred` with
 * the referrer, the follow-up service and the GP office in its care team, so the service can decide
 * and the referrer sees the decision. A first plan draft from templates may come with it.
 */
export async function createReferral(ctx: Ctx, body: ReferralBody) {
  const a = personnel(ctx);
  const id = parseNorwegianId(body.identifier);
  if (!id.ok) throw badRequest(id.error.message, { identifier: id.error.message });
  // Which organisation kind may send which referral: the caller's own organisation is the referrer.
  const expectedKind = { gp: 'gp_office', hospital: 'hospital', home_care: 'municipality', citizen: 'municipality' }[body.source];
  if (a.organisationKind !== expectedKind) throw badRequest(`A ${body.source} referral is sent from a ${expectedKind}.`, { source: 'Does not match your organisation' });
  if (body.source === 'gp' && a.role !== 'gp') throw badRequest('A GP referral is sent by a GP.', { source: 'Only a GP' });
  if (body.source === 'citizen' && a.organisationId !== body.followUpOrganisationId) {
    throw badRequest("A citizen's own request is recorded by the follow-up service that receives it.", { source: 'Not your service' });
  }
  const gpOrg = body.source === 'gp' ? a.organisationId : body.gpOrganisationId;
  if (!gpOrg) throw badRequest("The patient's GP office is the medical lead and must be given.", { gpOrganisationId: 'Required' });
  const hospitalOrg = body.source === 'hospital' ? a.organisationId : body.hospitalOrganisationId;
  const orgIds = [body.followUpOrganisationId, gpOrg, ...(hospitalOrg ? [hospitalOrg] : [])];
  const kinds = new Map((await ctx.db.query<{ id: string; kind: string }>('select id, kind from organisations where id = any($1)', [orgIds])).rows.map((o) => [o.id, o.kind]));
  if (kinds.get(body.followUpOrganisationId) !== 'municipality') throw badRequest('The follow-up service must be a municipality.', { followUpOrganisationId: 'Not a municipality' });
  if (kinds.get(gpOrg) !== 'gp_office') throw badRequest('Not a GP office.', { gpOrganisationId: 'Not a GP office' });
  if (hospitalOrg && kinds.get(hospitalOrg) !== 'hospital') throw badRequest('Not a hospital.', { hospitalOrganisationId: 'Not a hospital' });

  const now = ctx.now();
  const seen: { patientId: string | null } = { patientId: null };
  try {
    return await ctx.db.tx(async (tx) => {
      const patient = await findOrCreatePatient(ctx, tx, id.value, body, seen);
      if (await patients.openEpisode(tx, patient.id)) throw conflict('The patient already has an open referral or follow-up episode.');
      const ins = await tx.query<{ id: string }>(
        `insert into episodes (patient_id, diagnoses, risk_level, consent_at, enrolled_by, follow_up_org, time_zone, started_at, status, state,
                               referral_source, referral_reason, referrer_org, referred_at, inclusion)
         values ($1,$2,$3,null,$4,$5,$6,$7,'referred','referred',$8,$9,$10,$7,$11) returning id`,
        [patient.id, JSON.stringify(body.diagnoses), body.riskLevel, a.personnelId, body.followUpOrganisationId, body.timeZone, now,
          body.source, body.reason, a.organisationId, JSON.stringify(body.inclusion)],
      );
      const episodeId = ins.rows[0]!.id;
      await patients.addToCareTeam(tx, episodeId, body.followUpOrganisationId, 'follow_up');
      await patients.addToCareTeam(tx, episodeId, gpOrg, 'gp');
      if (hospitalOrg) await patients.addToCareTeam(tx, episodeId, hospitalOrg, 'hospital');
      if (body.source === 'home_care' && a.organisationId !== body.followUpOrganisationId) await patients.addToCareTeam(tx, episodeId, a.organisationId, 'home_care');
      await repo.insertTransition(tx, {
        episodeId, patientId: patient.id, from: null, to: 'referred', action: 'refer', at: now, by: a.personnelId, organisationId: a.organisationId,
        details: { source: body.source },
      });
      await audit(ctx, { action: 'create', resourceType: 'EpisodeOfCare', resourceId: episodeId, patientId: patient.id, details: { referral: body.source } }, tx);
      let draftPlanId: string | null = null;
      if (body.templates) {
        const draft = await plans.insertDraft(tx, episodeId, planFromTemplates(body.templates), a.personnelId);
        draftPlanId = draft.id;
        await audit(ctx, { action: 'create', resourceType: 'CarePlan', resourceId: draft.id, patientId: patient.id }, tx);
      }
      return { patientId: patient.id, episodeId, draftPlanId };
    });
  } catch (e) {
    if (e instanceof AppError && e.status === 409 && seen.patientId) {
      await audit(ctx, { action: 'create', resourceType: 'EpisodeOfCare', patientId: seen.patientId, outcome: 'denied', details: { reason: 'already_open_episode' } });
    }
    throw e;
  }
}

/** Referrals the caller's service has to decide, and the ones its organisation sent with their outcome. Each patient listed is audited. */
export async function listReferrals(ctx: Ctx) {
  const a = personnel(ctx);
  const rows = await repo.referralsFor(ctx.db, a.organisationId, ctx.now());
  for (const r of rows) await audit(ctx, { action: 'read', resourceType: 'EpisodeOfCare', resourceId: r.episode_id, patientId: r.patient_id, details: { list: 'referrals' } });
  return rows.map((r) => ({
    episodeId: r.episode_id, patientId: r.patient_id, patientName: r.patient_name, identifier: r.identifier, state: r.state,
    source: r.referral_source, reason: r.referral_reason, referredAt: r.referred_at?.toISOString() ?? null, inclusion: r.inclusion,
    diagnoses: r.diagnoses, riskLevel: r.risk_level, followUpOrganisation: r.follow_up_name, referrer: r.referrer_name, referredBy: r.referred_by_name,
    vedtakDate: r.vedtak_date, decidedAt: r.decided_at?.toISOString() ?? null, decidedBy: r.decided_by_name, declineReason: r.decline_reason,
    toDecide: r.state === 'referred' && r.follow_up_org === a.organisationId,
  }));
}

/** The caller's pathway tasks (see repo.tasksFor); each patient listed is audited. */
export async function listTasks(ctx: Ctx) {
  const a = personnel(ctx);
  const rows = await repo.tasksFor(ctx.db, a.organisationId, a.role === 'gp', ctx.now());
  for (const r of rows) await audit(ctx, { action: 'read', resourceType: 'EpisodeOfCare', resourceId: r.episode_id, patientId: r.patient_id, details: { list: 'pathway-tasks', task: r.kind } });
  return rows.map((r) => ({ kind: r.kind, episodeId: r.episode_id, patientId: r.patient_id, patientName: r.patient_name, dueAt: r.due_at?.toISOString() ?? null, note: r.note }));
}

/** Start of the current follow-up period: the last activation, evaluation or resume; else the episode start. */
function periodStart(e: patients.EpisodeRow, transitions: repo.TransitionRow[]): Date {
  const last = [...transitions].reverse().find((t) => t.action === 'activate' || t.action === 'complete_evaluation' || t.action === 'enrol');
  return last?.at ?? e.baseline_ended_at ?? e.started_at;
}

/** Per-patient limits from the baseline readings, beside the plan in force (the template's limits). */
async function baselineProposal(q: Queryable, e: patients.EpisodeRow, plan: PlanDefinition | null, to: Date): Promise<ThresholdProposal[]> {
  if (!plan || !e.baseline_started_at) return [];
  const readings = await repo.readingsSince(q, e.patient_id, e.id, e.baseline_started_at, to);
  return plan.measures.map((m) => proposeThresholds(m.code, m.thresholds, readings.get(m.code) ?? []));
}

/**
 * Everything the clinic shows about the pathway of the patient's current episode: state, what the
 * caller may do next, referral and decision, onboarding records, baseline (with the proposal beside
 * the template), pause, evaluation figures, end and its GP summary, and the transitions.
 */
export async function getPathway(ctx: Ctx, patientId: string) {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'EpisodeOfCare');
  const e = await repo.currentEpisode(ctx.db, patientId, scopeEpisodeIds(scope));
  if (!e) throw notFound('Episode');
  const now = ctx.now();
  const [transitions, roles, approved, loans, team] = await Promise.all([
    repo.transitionsOf(ctx.db, e.id), rolesFor(ctx, e), plans.approvedPlan(ctx.db, e.id), repo.openLoans(ctx.db, patientId), patients.careTeam(ctx.db, e.id),
  ]);
  const state = e.state;
  const actions = actionsFrom(state).filter((act) => transition(state, act, roles).ok);
  const baselineEnd = e.baseline_started_at ? baselineEndsAt(e.baseline_started_at, e.baseline_days) : null;
  const proposal = state === 'baseline' ? await baselineProposal(ctx.db, e, approved?.definition ?? null, now) : [];
  const evaluationFigures = state === 'evaluation' || (state === 'active' && e.next_evaluation_at && e.next_evaluation_at <= now)
    ? await repo.periodSummary(ctx.db, e, periodStart(e, transitions), now)
    : null;
  const ended = [...transitions].reverse().find((t) => t.to_state === 'ended');
  const adjustment = e.status === 'ended' ? null : pendingPlanAdjustment(
    transitions.filter((t) => t.action === 'complete_evaluation')
      .map((t) => ({ at: t.at, outcome: String(t.details['outcome'] ?? ''), note: String(t.details['note'] ?? '') })),
    approved?.approved_at ?? null,
  );
  await audit(ctx, { action: 'read', resourceType: 'EpisodeOfCare', resourceId: e.id, patientId });
  const name = async (id: string | null) => repo.personnelName(ctx.db, id);
  return {
    episodeId: e.id, state, status: e.status, actions, roles,
    careTeam: team.map((c) => ({ organisationId: c.organisation_id, name: c.name, responsibility: c.responsibility })),
    referral: e.referred_at ? {
      source: e.referral_source, reason: e.referral_reason, referredAt: e.referred_at.toISOString(), inclusion: e.inclusion,
      referrer: await repo.organisationName(ctx.db, e.referrer_org), referredBy: await name(e.enrolled_by), diagnoses: e.diagnoses, riskLevel: e.risk_level,
    } : null,
    decision: e.decided_at ? { vedtakDate: e.vedtak_date, decidedAt: e.decided_at.toISOString(), decidedBy: await name(e.decided_by), declineReason: e.decline_reason } : null,
    onboarding: {
      consentAt: e.consent_at?.toISOString() ?? null, consentScope: e.consent_scope, consentBy: await name(e.consent_recorded_by),
      shareMeasurementsSince: sharingSince(e),
      training: e.training, goals: e.goals,
      loans: loans.map((l) => ({ id: l.id, serial: l.serial, model: l.model, lentAt: l.lent_at.toISOString() })),
      blockers: state === 'onboarding' ? baselineBlockers({ consentAt: e.consent_at, training: e.training, hasApprovedPlan: !!approved }) : [],
    },
    plan: approved ? { id: approved.id, version: approved.version } : null,
    baseline: {
      days: e.baseline_days, startedAt: e.baseline_started_at?.toISOString() ?? null, endsAt: baselineEnd?.toISOString() ?? null,
      endedAt: e.baseline_ended_at?.toISOString() ?? null, over: baselineEnd !== null && baselineEnd <= now, proposal,
    },
    pause: state === 'paused' ? { reason: e.pause_reason, until: e.pause_until, since: e.paused_at?.toISOString() ?? null } : null,
    evaluation: {
      months: e.evaluation_months, nextAt: e.next_evaluation_at?.toISOString() ?? null, due: !!e.next_evaluation_at && e.next_evaluation_at <= now,
      figures: evaluationFigures && summaryDto(evaluationFigures),
    },
    planAdjustment: adjustment && { since: adjustment.since.toISOString(), note: adjustment.note },
    end: ended ? { reason: e.end_reason_code, note: e.end_reason, at: ended.at.toISOString(), summary: ended.details['summary'] ?? null } : null,
    transitions: transitions.map((t) => ({
      from: t.from_state, to: t.to_state, action: t.action, at: t.at.toISOString(), by: t.by_name, organisation: t.organisation_name, details: t.details,
    })),
  };
}

function summaryDto(s: repo.PeriodSummary) {
  return {
    from: s.from.toISOString(), to: s.to.toISOString(), days: s.days, daysWithReadings: s.daysWithReadings,
    adherence: s.days > 0 ? s.daysWithReadings / s.days : null, alerts: s.alerts, contacts: s.contacts, messages: s.messages,
  };
}

/** Records onboarding: consent (what, when, by whom), training checklist items done, and the patient's goals. */
export async function recordOnboarding(ctx: Ctx, patientId: string, body: OnboardingBody) {
  await requirePatientAccess(ctx, patientId, 'write', 'EpisodeOfCare');
  const a = personnel(ctx);
  const now = ctx.now();
  return ctx.db.tx(async (tx) => {
    const e = await patients.openEpisode(tx, patientId, true);
    if (!e) throw new AppError(409, 'no_active_episode', 'The patient has no open follow-up episode.');
    if (e.state === 'referred') throw new AppError(409, 'invalid_transition', 'The referral has not been accepted yet.');
    const set: Record<string, unknown> = {};
    if (body.consent?.scope !== undefined) Object.assign(set, { consent_at: now, consent_scope: body.consent.scope, consent_recorded_by: a.personnelId });
    if (body.consent?.shareMeasurements !== undefined) Object.assign(set, sharingConsent(e, body.consent.shareMeasurements, now, a.personnelId));
    if (body.training) {
      const training = { ...e.training };
      for (const item of body.training) training[item] ??= { at: now.toISOString(), by: a.personnelId };
      set['training'] = JSON.stringify(training);
    }
    if (body.goals !== undefined) set['goals'] = body.goals || null;
    const updated = await repo.updateEpisode(tx, e.id, set);
    await audit(ctx, {
      action: 'update', resourceType: 'EpisodeOfCare', resourceId: e.id, patientId,
      details: {
        onboarding: Object.keys(body).filter((k) => body[k as keyof OnboardingBody] !== undefined),
        ...(body.consent?.shareMeasurements !== undefined ? { shareMeasurements: body.consent.shareMeasurements } : {}),
      },
    }, tx);
    return updated;
  });
}

/**
 * One pathway step. The episode row is locked, the domain's transition table decides, the step's
 * own checks run (baseline needs consent, training and an approved plan; activation writes the
 * GP's individualised plan), and the episode, its transition and the audit record commit together.
 */
export async function applyTransition(ctx: Ctx, patientId: string, body: TransitionBody) {
  const scope = await requirePatientAccess(ctx, patientId, 'write', 'EpisodeOfCare');
  const a = personnel(ctx);
  const now = ctx.now();
  const current = await repo.currentEpisode(ctx.db, patientId, scopeEpisodeIds(scope));
  if (!current || current.status === 'ended') throw new AppError(409, 'no_active_episode', 'The patient has no open follow-up episode.');
  await requireEpisodeAccess(ctx, patientId, current.id, 'write', 'EpisodeOfCare');
  const roles = await rolesFor(ctx, current);
  const r0 = transition(current.state, body.action, roles);
  if (!r0.ok && r0.error.code === 'not_responsible') {
    await audit(ctx, { action: 'update', resourceType: 'EpisodeOfCare', resourceId: current.id, patientId, outcome: 'denied', details: { action: body.action } });
    throw forbidden(r0.error.message);
  }
  const result = await ctx.db.tx(async (tx) => {
    const e = await repo.episodeById(tx, current.id, true);
    if (!e) throw notFound('Episode');
    const r = transition(e.state, body.action, roles);
    if (!r.ok) throw new AppError(409, r.error.code, r.error.message);
    const to = r.value;
    const set: Record<string, unknown> = { state: to, status: coarseStatus(to) };
    const details: Record<string, unknown> = {};
    switch (body.action) {
      case 'accept':
        Object.assign(set, { vedtak_date: body.vedtakDate, decided_at: now, decided_by: a.personnelId });
        details['vedtakDate'] = body.vedtakDate;
        break;
      case 'decline':
        Object.assign(set, { decided_at: now, decided_by: a.personnelId, decline_reason: body.reason, ended_at: now, end_reason: 'declined' });
        details['reason'] = body.reason;
        break;
      case 'start_baseline': {
        const approved = await plans.approvedPlan(tx, e.id);
        const blockers = baselineBlockers({ consentAt: e.consent_at, training: e.training, hasApprovedPlan: !!approved });
        if (blockers.length > 0) throw new AppError(409, 'onboarding_incomplete', `Before the baseline period: ${blockers.join(', ')}.`, Object.fromEntries(blockers.map((b) => [b, 'missing'])));
        Object.assign(set, { baseline_days: body.days, baseline_started_at: now });
        details['days'] = body.days;
        break;
      }
      case 'activate': {
        const approved = await plans.approvedPlan(tx, e.id);
        if (!approved) throw new AppError(409, 'no_plan', 'There is no approved plan to individualise.');
        const proposal = await baselineProposal(tx, e, approved.definition, now);
        const chosen = new Set<MeasureCode>(body.useProposal);
        const unknown = body.useProposal.filter((c) => !proposal.some((p) => p.code === c && p.note === 'proposed'));
        if (unknown.length > 0) throw badRequest(`No proposal for ${unknown.join(', ')}.`, { useProposal: unknown.join(', ') });
        let planVersion = approved.version;
        if (chosen.size > 0) {
          const def: PlanDefinition = {
            ...approved.definition,
            measures: approved.definition.measures.map((m) => (chosen.has(m.code) ? { ...m, thresholds: proposal.find((p) => p.code === m.code)!.proposed } : m)),
          };
          const draft = await plans.insertDraft(tx, e.id, def, a.personnelId);
          const put = await plans.approve(tx, draft.id, e.id, a.personnelId, now);
          planVersion = put.version;
          await audit(ctx, { action: 'create', resourceType: 'CarePlan', resourceId: draft.id, patientId, details: { version: put.version, approved: put.version, fromBaseline: [...chosen] } }, tx);
        }
        Object.assign(set, { baseline_ended_at: now, schedules_from: now, next_evaluation_at: nextEvaluation(now, e.evaluation_months) });
        Object.assign(details, { planVersion, useProposal: [...chosen], proposal: proposal.map((p) => ({ code: p.code, template: p.template, proposed: p.proposed, median: p.median, readings: p.readings })) });
        break;
      }
      case 'pause':
        // Today in the patient's zone: a pause until today is allowed, until yesterday is not.
        if (body.until < toLocal(now, e.time_zone).date) throw badRequest('The pause must end today or later.', { until: 'In the past' });
        Object.assign(set, { pause_reason: body.reason, pause_until: body.until, paused_at: now });
        Object.assign(details, { reason: body.reason, until: body.until });
        break;
      case 'resume':
        // Schedules restart now: occurrences due while paused are not the patient's to miss.
        Object.assign(set, { pause_reason: null, pause_until: null, paused_at: null, schedules_from: now });
        Object.assign(details, { pausedSince: e.paused_at?.toISOString() ?? null, reason: e.pause_reason });
        break;
      case 'start_evaluation':
        details['figures'] = summaryDto(await repo.periodSummary(tx, e, periodStart(e, await repo.transitionsOf(tx, e.id)), now));
        break;
      case 'complete_evaluation':
        set['next_evaluation_at'] = nextEvaluation(now, e.evaluation_months);
        Object.assign(details, {
          outcome: body.outcome, patientView: body.patientView, note: body.note,
          figures: summaryDto(await repo.periodSummary(tx, e, periodStart(e, await repo.transitionsOf(tx, e.id)), now)),
        });
        break;
      case 'end': {
        const summary = await endSummary(tx, e, now, body.reason, body.note);
        Object.assign(set, { ended_at: now, end_reason_code: body.reason, end_reason: body.note || body.reason });
        Object.assign(details, { reason: body.reason, note: body.note, ...(body.patientView ? { patientView: body.patientView } : {}), summary });
        // Ending is the evaluation's third outcome (continue, adjust the plan, end): recorded as
        // such, with the period's figures and the patient's view, like complete_evaluation does.
        if (e.state === 'evaluation') {
          details['evaluation'] = {
            outcome: 'end', patientView: body.patientView ?? '', note: body.note,
            figures: summaryDto(await repo.periodSummary(tx, e, periodStart(e, await repo.transitionsOf(tx, e.id)), now)),
          };
        }
        break;
      }
    }
    const updated = await repo.updateEpisode(tx, e.id, set);
    await repo.insertTransition(tx, { episodeId: e.id, patientId, from: e.state, to, action: body.action, at: now, by: a.personnelId, organisationId: a.organisationId, details });
    await audit(ctx, { action: 'update', resourceType: 'EpisodeOfCare', resourceId: e.id, patientId, details: { transition: body.action, from: e.state, to } }, tx);
    // Leaving or joining the worklist (pause, resume, end) refreshes the clinic screens.
    await publish(tx, { type: 'alert-updated', patientId, organisationIds: await careTeamOrgs(tx, patientId).then((o) => (o.length ? o : [e.follow_up_org])) });
    return updated;
  });
  return { episodeId: result.id, state: result.state as PathwayState, status: result.status };
}

/**
 * The summary for the GP when follow-up ends: period, reason, adherence, alerts, contacts, the plan
 * in force, the patient's goals and the equipment to collect. Plain text in the record's language
 * (Norwegian bokmål), kept with the end transition.
 */
async function endSummary(tx: Queryable, e: patients.EpisodeRow, now: Date, reason: string, note: string) {
  const s = await repo.periodSummary(tx, e, e.baseline_started_at ?? e.started_at, now);
  const plan = await plans.approvedPlan(tx, e.id);
  const loans = await repo.openLoans(tx, e.patient_id);
  const pct = s.days > 0 ? Math.round((100 * s.daysWithReadings) / s.days) : 0;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const REASON: Record<string, string> = {
    goal_reached: 'målet er nådd', no_benefit: 'ingen nytte', too_ill: 'for syk til å delta', moved: 'flyttet', died: 'død', declined: 'pasienten ønsker ikke å fortsette',
  };
  const lines = [
    `Digital hjemmeoppfølging avsluttet ${day(now)} (startet ${day(e.baseline_started_at ?? e.started_at)}). Årsak: ${REASON[reason] ?? reason}.${note ? ` ${note}` : ''}`,
    `Målinger ${s.daysWithReadings} av ${s.days} dager (${pct} %). Varsler: ${s.alerts.red} røde, ${s.alerts.yellow} gule, ${s.alerts.missing} manglende målinger. Kontakter: ${s.contacts}; meldinger: ${s.messages}.`,
    plan ? `Egenbehandlingsplan versjon ${plan.version} var gjeldende.` : 'Ingen godkjent egenbehandlingsplan.',
    ...(e.goals ? [`Pasientens mål: ${e.goals}`] : []),
    loans.length ? `Utstyr som skal leveres tilbake: ${loans.map((l) => `${l.model} (${l.serial})`).join(', ')}.` : 'Alt utlånt utstyr er levert tilbake.',
  ];
  return { text: lines.join('\n'), figures: summaryDto(s), planVersion: plan?.version ?? null, equipmentToReturn: loans.length };
}

/** The patient's own view of their pathway (the app says when follow-up is paused and why, and until when). */
export async function ownPathway(ctx: Ctx) {
  if (ctx.actor.kind !== 'patient') throw forbidden();
  const patientId = ctx.actor.patientId;
  const e = await patients.openEpisode(ctx.db, patientId);
  await audit(ctx, { action: 'read', resourceType: 'EpisodeOfCare', resourceId: e?.id ?? null, patientId });
  if (!e) return { state: null, pause: null, baseline: null, goals: null, shareMeasurementsSince: null };
  return {
    state: e.state,
    pause: e.state === 'paused' ? { reason: e.pause_reason, until: e.pause_until } : null,
    baseline: e.state === 'baseline' && e.baseline_started_at ? { endsAt: baselineEndsAt(e.baseline_started_at, e.baseline_days).toISOString() } : null,
    goals: e.goals,
    shareMeasurementsSince: sharingSince(e),
  };
}

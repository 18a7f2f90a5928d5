import { CATALOGUE } from '../../domain/catalogue.js';
import { patientFeedback } from '../../domain/opening-hours.js';
import { QUESTIONNAIRES, isQuestionnaireCode, scoreQuestionnaire, severityFor, type QuestionnaireDef } from '../../domain/questionnaires.js';
import type { LocalText, Lang } from '../../domain/text.js';
import { raisesAlert } from '../../domain/pathway.js';
import { evaluateQuestionnaire, groupSittingFindings, type ObservationPoint, type QuestionnaireEvaluation, type Zone } from '../../domain/triage.js';
import * as alerts from '../alerts/repo.js';
import { requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { actorTag } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { AppError, notFound } from '../http/errors.js';
import * as observations from '../observations/repo.js';
import { checkSitting, HISTORY_DAYS, observationDto, openingHoursFor } from '../observations/service.js';
import { getPatient } from '../patients/repo.js';
import { getPatientEpisode } from '../patients/service.js';
import { approvedPlan, type PlanRow } from '../plans/repo.js';
import * as repo from './repo.js';
import type { AnswerBody } from './schema.js';

/** Temporary id of the new total inside the evaluation, replaced by the stored observation's id. */
const NEW_ID = 'new-response';

/** The questionnaire as the patient app renders it (texts in nb/nn/en). No patient data. */
export function questionnaireDefinition(code: string): QuestionnaireDef {
  if (!isQuestionnaireCode(code)) throw notFound('Questionnaire');
  return QUESTIONNAIRES[code];
}

export interface AnswerResult {
  replayed: boolean;
  response: repo.ResponseRow;
  observation: observations.ObservationRow | null;
  feedback: { zone: Zone | null; action: string | null; serviceOpen: boolean; notice: string | null };
  /** Items left unanswered (at most one: the total is then prorated over the others). */
  missing: string[];
}

/**
 * Scores a completed questionnaire and handles it like a measurement of its total: the response
 * and its answers go to questionnaire_responses, the total is stored as an observation with the
 * questionnaire's code (so trends, the worklist and missing-measurement checks see it), findings
 * raise or merge alerts through the same upsert as observations, and the care team is told — all
 * in one transaction. The same idempotency key again returns the first result.
 */
export async function answerQuestionnaire(ctx: Ctx, patientId: string, code: string, body: AnswerBody, source: 'patient' | 'personnel'): Promise<AnswerResult> {
  await requirePatientAccess(ctx, patientId, 'write', 'QuestionnaireResponse');
  if (!isQuestionnaireCode(code)) throw notFound('Questionnaire');
  const scored = scoreQuestionnaire(code, body.answers);
  if (!scored.ok) {
    const field = scored.error.field ?? 'answers';
    throw new AppError(422, scored.error.code, scored.error.message, { [field]: scored.error.message });
  }
  const { score, missing } = scored.value;
  if (score === null) {
    // More unanswered items than a total can be estimated over: the patient is asked to answer them
    // (the app keeps the answers given), rather than a total that looks reassuring being stored.
    const def = QUESTIONNAIRES[code];
    const numbers = missing.map((id) => def.items.findIndex((i) => i.id === id) + 1).join(', ');
    const message = `${def.title.en}: items ${numbers} are not answered; answer all but at most one`;
    throw new AppError(422, 'missing_answer', message, Object.fromEntries(missing.map((id) => [`answers.${id}`, 'Not answered'])));
  }
  // Time and range checks shared with measurements (future timestamps are refused).
  const { effectiveAt } = checkSitting(ctx, { effectiveAt: body.effectiveAt, measurements: [{ code, value: score }] });
  const now = ctx.now();

  const stored = await ctx.db.tx(async (tx) => {
    // Row lock on the episode: one report is triaged at a time per patient (as for observations).
    const episode = await getPatientEpisode(ctx, patientId, tx, true);
    const plan = await approvedPlan(tx, episode.id);
    const existing = await repo.byIdempotencyKey(tx, patientId, body.idempotencyKey);
    if (existing) {
      await audit(ctx, { action: 'read', resourceType: 'QuestionnaireResponse', resourceId: existing.id, patientId, details: { replayOf: body.idempotencyKey } }, tx);
      const obs = (await observations.byIdempotencyKey(tx, patientId, body.idempotencyKey)).find((o) => o.code === existing.questionnaire) ?? null;
      const again = plan ? evaluate(plan, existing.questionnaire, existing.answers, existing.effective_at, [], episode.time_zone) : null;
      return { replayed: true, response: existing, observation: obs, episode, zone: existing.zone, actions: again?.actions ?? null };
    }

    const history = plan ? await observations.pointsSince(tx, episode.id, new Date(effectiveAt.getTime() - HISTORY_DAYS * 86_400_000)) : [];
    const evaluation = plan ? evaluate(plan, code, body.answers, effectiveAt, history, episode.time_zone) : null;
    // The response's zone includes the answer rules (PHQ-9 item 9, breathless at rest, …), not only the total.
    const zone = evaluation?.zone ?? null;
    const response = await repo.insertResponse(tx, {
      patient_id: patientId, episode_id: episode.id, questionnaire: code, answers: body.answers, score, zone,
      plan_version: plan?.version ?? null, effective_at: effectiveAt, idempotency_key: body.idempotencyKey,
    });
    // The total is charted and trended like a measurement.
    const obs = await observations.insertObservation(tx, {
      patient_id: patientId, episode_id: episode.id, code, value: score, unit: CATALOGUE[code].unit, effective_at: effectiveAt,
      source, device_id: null, recorded_by: actorTag(ctx.actor), idempotency_key: body.idempotencyKey, zone,
      plan_version: plan?.version ?? null, device_clock_offset_ms: null,
    });
    await alerts.resolveMissing(tx, episode.id, [code], now);
    let raised = false;
    let worst: 'yellow' | 'red' | undefined;
    // Baseline period: safety limits only (domain/pathway.ts#raisesAlert).
    for (const finding of groupSittingFindings(evaluation?.findings ?? []).filter((f) => raisesAlert(episode.state, f))) {
      const values = finding.values.map((v) => ({ ...v, observationId: v.observationId === NEW_ID ? obs.id : v.observationId }));
      const up = await alerts.upsertFromFinding(tx, { patientId, episodeId: episode.id, planId: plan!.id, finding: { ...finding, values } });
      if (up.raised || up.escalated) raised = true;
      if (finding.zone === 'red' || (finding.zone === 'yellow' && worst !== 'red')) worst = finding.zone;
    }
    await audit(ctx, { action: 'create', resourceType: 'QuestionnaireResponse', resourceId: response.id, patientId, details: { code, source } }, tx);
    await audit(ctx, { action: 'create', resourceType: 'Observation', patientId, details: { ids: [obs.id], source } }, tx);
    await publish(tx, { type: raised ? 'alert' : 'observation', patientId, organisationIds: await careTeamOrgs(tx, patientId), ...(worst ? { zone: worst } : {}) });
    return { replayed: false, response, observation: obs, episode, zone: evaluation?.zone ?? zone, actions: evaluation?.actions ?? null };
  });

  let feedback: AnswerResult['feedback'] = { zone: null, action: null, serviceOpen: false, notice: null };
  if (stored.zone && stored.actions) {
    const patient = await getPatient(ctx.db, patientId);
    const lang: Lang = patient?.lang ?? 'nb';
    const hours = await openingHoursFor(ctx.db, stored.episode.follow_up_org);
    feedback = patientFeedback({ zone: stored.zone, actions: stored.actions, hours, now, lang });
  }
  return { replayed: stored.replayed, response: stored.response, observation: stored.observation, feedback, missing: scored.value.missing };
}

function evaluate(plan: PlanRow, code: string, answers: Record<string, number>, effectiveAt: Date, history: ObservationPoint[], timeZone: string): QuestionnaireEvaluation | null {
  const r = evaluateQuestionnaire({ plan: plan.definition, planVersion: plan.version, code, answers, responseId: NEW_ID, effectiveAt, history, timeZone });
  return r.ok ? r.value : null;
}

/** Questionnaire responses with their answers, for the clinic (PHQ-9 item 9 matters on its own). */
export async function listResponses(ctx: Ctx, patientId: string, code: string | undefined, limit: number): Promise<repo.ResponseRow[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'QuestionnaireResponse');
  const rows = await repo.listForPatient(ctx.db, patientId, code, limit, scopeEpisodeIds(scope));
  await audit(ctx, { action: 'read', resourceType: 'QuestionnaireResponse', patientId, details: { count: rows.length } });
  return rows;
}

export function responseDto(r: repo.ResponseRow) {
  const def = isQuestionnaireCode(r.questionnaire) ? QUESTIONNAIRES[r.questionnaire] : null;
  const severity: LocalText | null = def && isQuestionnaireCode(r.questionnaire) ? severityFor(r.questionnaire, r.score) : null;
  return {
    id: r.id, code: r.questionnaire, title: def?.title ?? null, score: r.score, maxScore: def?.maxScore ?? null, severity, zone: r.zone,
    planVersion: r.plan_version, effectiveAt: r.effective_at.toISOString(), receivedAt: r.received_at.toISOString(),
    answers: (def?.items ?? []).map((item) => {
      const value = r.answers[item.id];
      return { itemId: item.id, text: item.text, value: value ?? null, answerText: item.options.find((o) => o.value === value)?.text ?? null };
    }),
  };
}

export { observationDto };

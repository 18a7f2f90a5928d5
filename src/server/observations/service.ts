import { normaliseMeasurement, type MeasureCode } from '../../domain/catalogue.js';
import { DEFAULT_OPENING_HOURS, patientFeedback, type OpeningHours } from '../../domain/opening-hours.js';
import { evaluate, worstZone as worstOf, type ObservationPoint, type Zone } from '../../domain/triage.js';
import type { Lang, LocalText } from '../../domain/text.js';
import { requirePatientAccess } from '../auth/access.js';
import { actorTag } from '../auth/actor.js';
import * as alerts from '../alerts/repo.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { AppError } from '../http/errors.js';
import { getPatientEpisode } from '../patients/service.js';
import { getPatient, type EpisodeRow } from '../patients/repo.js';
import { approvedPlan, type PlanRow } from '../plans/repo.js';
import * as repo from './repo.js';
import type { ListFilter } from './repo.js';
import type { RecordBody } from './schema.js';

/** Readings may carry a device clock a little ahead of ours; beyond this they are refused. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** How far back triage looks for trend rules and NEWS2 companions (longest trend window + margin). */
const HISTORY_DAYS = 8;

export interface RecordOptions {
  source: 'patient' | 'device' | 'personnel';
  deviceId?: string | null;
  deviceClockOffsetMs?: number | null;
}

export interface RecordResult {
  replayed: boolean;
  observations: repo.ObservationRow[];
  zone: Zone | null;
  feedback: { zone: Zone | null; action: string | null; serviceOpen: boolean; notice: string | null };
}

/**
 * Records one sitting of measurements: validates and converts units, stores them with their zone
 * under the plan in force, raises or merges alerts, audits, and tells every clinic screen — all in
 * one transaction, so an acknowledged reading always has its alert and audit record.
 * The same idempotency key again returns the stored result (offline retries, device re-sends).
 */
export async function recordObservations(ctx: Ctx, patientId: string, body: RecordBody, opts: RecordOptions): Promise<RecordResult> {
  await requirePatientAccess(ctx, patientId, 'write', 'Observation');
  const checked = checkSitting(ctx, body);
  const stored = await ctx.db.tx((tx) => storeSitting(ctx, tx, patientId, body.idempotencyKey, checked, opts));
  return feedbackFor(ctx, patientId, stored);
}

export interface CheckedSitting {
  effectiveAt: Date;
  measurements: { code: MeasureCode; value: number; unit: string }[];
}

/**
 * Validates a sitting before any write: time not in the future (beyond the device-clock
 * tolerance), every value plausible in an accepted unit. Throws 422 naming each bad field.
 */
export function checkSitting(ctx: Ctx, body: Pick<RecordBody, 'effectiveAt' | 'measurements'>, fieldPrefix = ''): CheckedSitting {
  const now = ctx.now();
  const effectiveAt = body.effectiveAt ? new Date(body.effectiveAt) : now;
  if (effectiveAt.getTime() - now.getTime() > FUTURE_TOLERANCE_MS) {
    throw new AppError(422, 'future_timestamp', 'The measurement time is in the future. Check the clock of the device.', {
      [`${fieldPrefix}effectiveAt`]: 'In the future',
    });
  }
  const fields: Record<string, string> = {};
  const measurements = body.measurements.flatMap((m, i) => {
    const r = normaliseMeasurement(m);
    if (r.ok) return [r.value];
    fields[`${fieldPrefix}measurements.${i}.${r.error.field ?? 'value'}`] = r.error.message;
    return [];
  });
  const firstError = Object.values(fields)[0];
  if (firstError) throw new AppError(422, 'invalid_measurement', firstError, fields);
  return { effectiveAt, measurements };
}

export interface StoredSitting {
  replayed: boolean;
  observations: repo.ObservationRow[];
  episode: EpisodeRow;
  plan: PlanRow | undefined;
  zone: Zone | null;
  actions: LocalText | null;
}

/**
 * The write half of recording, inside the caller's transaction (so a device bundle of many
 * sittings commits or fails as one). The caller has authorised and run checkSitting.
 */
export async function storeSitting(
  ctx: Ctx,
  tx: Queryable,
  patientId: string,
  idempotencyKey: string,
  sitting: CheckedSitting,
  opts: RecordOptions,
): Promise<StoredSitting> {
  const { effectiveAt, measurements } = sitting;
  const now = ctx.now();
  // Row lock on the episode: one sitting is triaged at a time per patient, so alert merging and
  // idempotency checks never race between app processes.
  const episode = await getPatientEpisode(ctx, patientId, tx, true);
  const existing = await repo.byIdempotencyKey(tx, patientId, idempotencyKey);
  if (existing.length > 0) {
    await audit(ctx, { action: 'read', resourceType: 'Observation', patientId, details: { replayOf: idempotencyKey } }, tx);
    return { replayed: true, observations: existing, episode, plan: await approvedPlan(tx, episode.id), zone: null, actions: null };
  }

  const plan = await approvedPlan(tx, episode.id);
  const history = plan ? await repo.pointsSince(tx, episode.id, new Date(effectiveAt.getTime() - HISTORY_DAYS * 86_400_000)) : [];
  const tempPoints: ObservationPoint[] = measurements.map((m, i) => ({ id: `new-${i}`, code: m.code, value: m.value, unit: m.unit, effectiveAt }));
  const evaluation = plan ? evaluate({ plan: plan.definition, planVersion: plan.version, newObservations: tempPoints, history }) : null;
  const zoneOf = new Map(evaluation?.perObservation.map((p) => [p.id, p.zone]) ?? []);

  const stored: repo.ObservationRow[] = [];
  for (const [i, m] of measurements.entries()) {
    stored.push(
      await repo.insertObservation(tx, {
        patient_id: patientId, episode_id: episode.id, code: m.code, value: m.value, unit: m.unit, effective_at: effectiveAt,
        source: opts.source, device_id: opts.deviceId ?? null, recorded_by: actorTag(ctx.actor), idempotency_key: idempotencyKey,
        zone: zoneOf.get(`new-${i}`) ?? null, plan_version: plan?.version ?? null, device_clock_offset_ms: opts.deviceClockOffsetMs ?? null,
      }),
    );
  }
  const idFor = new Map(stored.map((s, i) => [`new-${i}`, s.id]));
  await alerts.resolveMissing(tx, episode.id, measurements.map((m) => m.code), now);
  let raised = false;
  let worst: 'yellow' | 'red' | undefined;
  for (const finding of evaluation?.findings ?? []) {
    const values = finding.values.map((v) => ({ ...v, observationId: v.observationId ? (idFor.get(v.observationId) ?? v.observationId) : undefined }));
    const up = await alerts.upsertFromFinding(tx, { patientId, episodeId: episode.id, planId: plan!.id, finding: { ...finding, values } });
    if (up.raised || up.escalated) raised = true;
    if (finding.zone === 'red' || (finding.zone === 'yellow' && worst !== 'red')) worst = finding.zone;
  }
  await audit(ctx, { action: 'create', resourceType: 'Observation', patientId, details: { ids: stored.map((s) => s.id), source: opts.source } }, tx);
  await publish(tx, {
    type: raised ? 'alert' : 'observation', patientId, organisationIds: await careTeamOrgs(tx, patientId),
    ...(worst ? { zone: worst } : {}),
  });
  return { replayed: false, observations: stored, episode, plan, zone: evaluation?.zone ?? null, actions: evaluation?.actions ?? null };
}

/** The worst zone among stored readings; readings taken without a plan in force have none. */
export function worstZone(zones: (Zone | null)[]): Zone | null {
  const known = zones.filter((z): z is Zone => z !== null);
  return known.length ? worstOf(...known) : null;
}

/** What the patient is told after a sitting: zone, the plan's action text, and opening-hours notice. */
export async function feedbackFor(ctx: Ctx, patientId: string, result: StoredSitting): Promise<RecordResult> {
  const patient = await getPatient(ctx.db, patientId);
  const lang: Lang = patient?.lang ?? 'nb';
  // A replay has no fresh evaluation: the stored per-reading zones tell the same story.
  const zone = result.zone ?? worstZone(result.observations.map((o) => o.zone));
  const hours = await openingHoursFor(ctx.db, result.episode.follow_up_org);
  let feedback: RecordResult['feedback'] = { zone: null, action: null, serviceOpen: false, notice: null };
  if (result.plan && zone) {
    const actions = result.actions ?? actionsFor(result.plan.definition, result.observations, zone);
    const fb = patientFeedback({ zone, actions, hours, now: ctx.now(), lang });
    feedback = { zone: fb.zone, action: fb.action, serviceOpen: fb.serviceOpen, notice: fb.notice };
  }
  return { replayed: result.replayed, observations: result.observations, zone, feedback };
}

/** The plan's action text for the worst zone, taken from the measure that put the patient there. */
function actionsFor(plan: import('../../domain/plan.js').PlanDefinition, obs: repo.ObservationRow[], zone: Zone) {
  const driver = obs.find((o) => o.zone === zone);
  const entry = plan.measures.find((m) => m.code === driver?.code) ?? plan.measures[0];
  return entry ? entry.actions[zone] : { nb: '', nn: '', en: '' };
}


export async function openingHoursFor(q: Queryable, organisationId: string): Promise<OpeningHours> {
  const r = await q.query<{ opening_hours: OpeningHours | null }>('select opening_hours from organisations where id = $1', [organisationId]);
  return r.rows[0]?.opening_hours ?? DEFAULT_OPENING_HOURS;
}

export async function listObservations(ctx: Ctx, patientId: string, filter: ListFilter): Promise<repo.ObservationRow[]> {
  await requirePatientAccess(ctx, patientId, 'read', 'Observation');
  const rows = await repo.listForPatient(ctx.db, patientId, filter);
  await audit(ctx, { action: 'read', resourceType: 'Observation', patientId, details: { count: rows.length, code: filter.code ?? null } });
  return rows;
}

/** API shape of an observation. */
export function observationDto(o: repo.ObservationRow) {
  return {
    id: o.id, code: o.code, value: o.value, unit: o.unit, effectiveAt: o.effective_at.toISOString(), receivedAt: o.received_at.toISOString(),
    zone: o.zone, planVersion: o.plan_version, source: o.source,
  };
}

import { checkSittingPlausibility, normaliseMeasurement, type Interpretation, type MeasureCode } from '../../domain/catalogue.js';
import { DEFAULT_OPENING_HOURS, isOpen, patientFeedback, type OpeningHours } from '../../domain/opening-hours.js';
import { historyWindow } from '../../domain/history-window.js';
import { MAX_WINDOW_DAYS } from '../../domain/plan.js';
import { raisesAlert } from '../../domain/pathway.js';
import {
  evaluate, groupSittingFindings, observationPoint, worstZone as worstOf, type Finding, type ObservationPoint, type RemeasureRequest, type Zone,
} from '../../domain/triage.js';
import type { Lang, LocalText } from '../../domain/text.js';
import { requirePatientAccess, scopeEpisodeIds } from '../auth/access.js';
import { actorRef, actorTag } from '../auth/actor.js';
import * as alerts from '../alerts/repo.js';
import { audit } from '../audit/service.js';
import { uuid7 } from '../db/uuid7.js';
import { type Ctx, readDbOf } from '../context.js';
import type { Queryable } from '../db/port.js';
import { EVENTS_CHANNEL, type ClinicalEvent } from '../events/bus.js';
import { AppError } from '../http/errors.js';
import { getPatient } from '../patients/repo.js';
import type { PlanRow } from '../plans/repo.js';
import { resolveLentDevice } from './device.js';
import { storedUntil } from './partitions.js';
import * as repo from './repo.js';
import type { ListFilter } from './repo.js';
import type { RecordBody } from './schema.js';

/** Readings may carry a device clock a little ahead of ours; beyond this they are refused. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/**
 * How far back triage looks: the longest window any plan may state (trend and day-count rules,
 * MAX_WINDOW_DAYS local days) plus a day for the local-day boundary and DST. One indexed range
 * read per episode (observations_episode_time); readings after the new ones come with it, so a
 * late upload re-evaluates the newer readings too.
 */
export const HISTORY_DAYS = MAX_WINDOW_DAYS + 1;

export interface RecordOptions {
  source: 'patient' | 'device' | 'personnel';
  deviceId?: string | null;
  deviceClockOffsetMs?: number | null;
  /** Entered on the patient's behalf by a relative: `relative:<delegation id>` instead of the caller's actor tag (delegation/service.ts). */
  recordedBy?: string;
}

/** What the app shows after a sitting. `remeasure`: ask the patient to rest and measure these again. */
export interface SittingFeedback {
  zone: Zone | null;
  action: string | null;
  serviceOpen: boolean;
  notice: string | null;
  remeasure: { codes: MeasureCode[]; restMinutes: number; until: string } | null;
}

export interface RecordResult {
  replayed: boolean;
  observations: repo.ObservationRow[];
  zone: Zone | null;
  feedback: SittingFeedback;
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
  // Read over Bluetooth by the app: attributed to the device lent to this patient, or refused.
  const lent = body.device ? await resolveLentDevice(ctx.db, patientId, body.device, checked.effectiveAt) : null;
  const source = lent ? 'device' : sourceForCaller(ctx, opts.source);
  const device = lent ? { deviceId: lent.deviceId, deviceClockOffsetMs: body.device?.clockOffsetMs ?? null } : {};
  const stored = await ctx.db.tx((tx) => storeSitting(ctx, tx, patientId, body.idempotencyKey, checked, { ...opts, ...device, source }));
  return feedbackFor(ctx, patientId, stored);
}

/**
 * The source stored with a reading follows who is calling, not which route was used: the patient
 * is author only when the patient is the caller, personnel recording (e.g. on a home visit) is
 * 'personnel'. Readings from a device keep 'device'.
 */
export function sourceForCaller(ctx: Ctx, requested: RecordOptions['source']): RecordOptions['source'] {
  if (requested === 'device') return 'device';
  if (ctx.actor.kind === 'patient') return 'patient';
  if (ctx.actor.kind === 'personnel') return 'personnel';
  return requested;
}

export interface CheckedSitting {
  effectiveAt: Date;
  measurements: { code: MeasureCode; value: number; unit: string; interpretation?: Interpretation }[];
  /** New confusion reported with the sitting (NEWS2). */
  newConfusion?: boolean;
}

/**
 * Validates a sitting before any write: time not in the future (beyond the device-clock
 * tolerance), every value plausible in an accepted unit (exact, never rounded; a meter's HI/LO
 * flag accepted where the meter has one), and the values plausible together (systolic not below
 * diastolic). Throws 422 naming each bad field.
 */
export function checkSitting(
  ctx: Ctx,
  body: Pick<RecordBody, 'effectiveAt' | 'measurements'> & { newConfusion?: boolean | undefined },
  fieldPrefix = '',
): CheckedSitting {
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
  const together = checkSittingPlausibility(measurements);
  if (!together.ok) {
    throw new AppError(422, 'invalid_measurement', together.error.message, { [`${fieldPrefix}measurements.${together.error.field ?? '0.value'}`]: together.error.message });
  }
  return body.newConfusion === true ? { effectiveAt, measurements, newConfusion: true } : { effectiveAt, measurements };
}

export interface StoredSitting {
  replayed: boolean;
  observations: repo.ObservationRow[];
  episode: repo.TriageEpisode;
  plan: PlanRow | undefined;
  zone: Zone | null;
  actions: LocalText | null;
  /** Yellow readings held until the patient has rested and measured again. */
  remeasure: RemeasureRequest[];
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
  return (await storeSittings(ctx, tx, [{ patientId, idempotencyKey, sitting }], opts))[0]!;
}

export interface SittingToStore {
  patientId: string;
  idempotencyKey: string;
  sitting: CheckedSitting;
  /** Overrides the call's device and clock offset for this sitting (uploads combined from several devices). */
  device?: { deviceId: string | null; deviceClockOffsetMs: number | null };
}

/**
 * Stores many sittings inside the caller's transaction, with the same result as calling
 * storeSitting for each in turn (same zones, alerts, audit events and notifications), in a fixed
 * number of round trips instead of a dozen per sitting: lock the episodes, read the triage context,
 * write everything (alerts of the findings too) in one statement. Sittings are triaged in
 * the order given; each sees the ones before it as history, and a repeated key is a replay.
 * The caller has authorised and run checkSitting.
 * @throws AppError 409 when a patient has no active episode
 */
export async function storeSittings(ctx: Ctx, tx: Queryable, items: SittingToStore[], opts: RecordOptions): Promise<StoredSitting[]> {
  if (items.length === 0) return [];
  const now = ctx.now();
  // Row locks on the episodes: one writer triages a patient at a time, so alert merging and
  // idempotency checks never race between app processes.
  const patientIds = [...new Set(items.map((i) => i.patientId))];
  const { episodes, txNow } = await repo.lockEpisodesForTriage(tx, patientIds);
  const episodeOf = new Map(episodes.map((e) => [e.patient_id, e]));
  for (const id of patientIds) {
    if (!episodeOf.has(id)) throw new AppError(409, 'no_active_episode', 'The patient has no active follow-up episode.');
  }
  // Only the history the plan's rules can read for these measures (domain/history-window.ts): a
  // weighing reads days of weights, a pulse the vitals of the last hours, not 90 days of everything.
  const lockedPlans = await repo.planDefinitions(tx, episodes.flatMap((e) => (e.plan_id && e.plan_md5 ? [{ id: e.plan_id, md5: e.plan_md5 }] : [])));
  const ranges = new Map<string, repo.HistoryRange>();
  for (const i of items) {
    const e = episodeOf.get(i.patientId)!;
    const definition = e.plan_md5 ? lockedPlans.get(e.plan_md5) : undefined;
    if (!definition) continue; // no plan, no triage
    for (const [code, ms] of historyWindow(definition, i.sitting.measurements.map((m) => m.code))) {
      const t = i.sitting.effectiveAt.getTime() - Math.min(ms, HISTORY_DAYS * 86_400_000);
      const k = `${e.id} ${code}`;
      const r = ranges.get(k);
      if (!r || t < r.since.getTime()) ranges.set(k, { patientId: i.patientId, episodeId: e.id, code, since: new Date(t) });
    }
  }
  // Read after the lock, in a statement of its own: it sees everything committed before we got it.
  // The history's upper bound: past every reading stored so far (each at most FUTURE_TOLERANCE_MS
  // ahead of the clock that took it) and every sitting of this call.
  const until = storedUntil(new Date(items.reduce((t, i) => Math.max(t, i.sitting.effectiveAt.getTime()), now.getTime())));
  const context = await repo.triageContext(tx, items.map((i) => ({ patientId: i.patientId, key: i.idempotencyKey })), episodes.map((e) => e.id), [...ranges.values()], until);
  const planOf = new Map(context.plans.map((p) => [p.episode_id, p]));
  // A plan approved while we waited for the lock (the lock statement's snapshot predates it): its
  // rules may read other measures, so that episode gets its whole window, as before windows.
  for (const e of episodes) {
    const plan = planOf.get(e.id);
    if (!plan || plan.id === e.plan_id) continue;
    const from = Math.min(...items.filter((i) => i.patientId === e.patient_id).map((i) => i.sitting.effectiveAt.getTime())) - HISTORY_DAYS * 86_400_000;
    const seen = new Set(context.history.filter((h) => h.episodeId === e.id).map((h) => h.id));
    for (const p of await repo.pointsSince(tx, e.id, new Date(from))) if (!seen.has(p.id)) context.history.push({ ...p, episodeId: e.id });
  }
  // NEWS2 5–6 is red while the follow-up service is closed: whether it is open now, per service.
  const openNow = new Map<string, boolean>();
  for (const e of episodes) {
    if (openNow.has(e.follow_up_org)) continue;
    const hours = e.follow_up_hours ?? DEFAULT_OPENING_HOURS;
    let open = false;
    try {
      open = isOpen(hours, now);
    } catch {
      // Unreadable hours: treat the service as closed, which only makes NEWS2 stricter.
    }
    openNow.set(e.follow_up_org, open);
  }
  const historyOf = new Map<string, ObservationPoint[]>();
  for (const h of context.history) {
    const list = historyOf.get(h.episodeId) ?? [];
    list.push(h);
    historyOf.set(h.episodeId, list);
  }
  const stored = new Map<string, repo.ObservationRow[]>();
  for (const o of context.existing) {
    const k = `${o.patient_id} ${o.idempotency_key}`;
    stored.set(k, [...(stored.get(k) ?? []), o]);
  }

  const results: StoredSitting[] = [];
  const rows: Omit<repo.ObservationRow, 'received_at'>[] = [];
  const resolveMissing: { episodeId: string; ruleId: string }[] = [];
  const auditEvents: { action: 'create' | 'read'; patientId: string; details: Record<string, unknown> }[] = [];
  const findings: { item: number; patientId: string; episodeId: string; planId: string; finding: Finding }[] = [];
  const recordedBy = opts.recordedBy ?? actorTag(ctx.actor);
  for (const item of items) {
    const { patientId, idempotencyKey, sitting } = item;
    const episode = episodeOf.get(patientId)!;
    const plan = planOf.get(episode.id);
    const key = `${patientId} ${idempotencyKey}`;
    const existing = stored.get(key);
    if (existing) {
      auditEvents.push({ action: 'read', patientId, details: { replayOf: idempotencyKey } });
      results.push({ replayed: true, observations: existing, episode: episodeRow(episode), plan, zone: null, actions: null, remeasure: [] });
      continue;
    }
    const { effectiveAt, measurements } = sitting;
    const from = effectiveAt.getTime() - HISTORY_DAYS * 86_400_000;
    const history = plan ? (historyOf.get(episode.id) ?? []).filter((h) => h.effectiveAt.getTime() >= from) : [];
    const tempPoints: ObservationPoint[] = measurements.map((m, i) => observationPoint(`new-${i}`, m.code, m.value, m.unit, effectiveAt, m.interpretation));
    const evaluation = plan
      ? evaluate({
        plan: plan.definition, planVersion: plan.version, newObservations: tempPoints, history, timeZone: episode.time_zone, now,
        serviceOpen: openNow.get(episode.follow_up_org) ?? false, newConfusion: sitting.newConfusion === true,
      })
      : null;
    const zoneOf = new Map(evaluation?.perObservation.map((p) => [p.id, p.zone]) ?? []);
    // Ids are made here, so findings can point at the rows before they are inserted. The same
    // objects are the rows to insert and the stored rows answered (received_at is the
    // transaction's start, the column's default; the insert does not send it).
    const observations: repo.ObservationRow[] = measurements.map((m, i) => ({
      id: uuid7(), patient_id: patientId, episode_id: episode.id, code: m.code, value: m.value, unit: m.unit, effective_at: effectiveAt,
      interpretation: m.interpretation ?? null,
      source: opts.source, device_id: item.device ? item.device.deviceId : (opts.deviceId ?? null), recorded_by: recordedBy, idempotency_key: idempotencyKey,
      zone: zoneOf.get(`new-${i}`) ?? null, plan_version: plan?.version ?? null,
      device_clock_offset_ms: item.device ? item.device.deviceClockOffsetMs : (opts.deviceClockOffsetMs ?? null),
      received_at: txNow,
    }));
    rows.push(...observations);
    stored.set(key, observations);
    const list = historyOf.get(episode.id) ?? [];
    for (const m of observations) list.push(observationPoint(m.id, m.code, m.value, m.unit, effectiveAt, m.interpretation));
    historyOf.set(episode.id, list);
    const idFor = new Map(observations.map((m, i) => [`new-${i}`, m.id]));
    resolveMissing.push(...measurements.map((m) => ({ episodeId: episode.id, ruleId: `missing:${m.code}` })));
    // One finding (and so one alert) per sitting, listing every deviating measure. During the
    // baseline period only safety limits (red) alert (domain/pathway.ts#raisesAlert).
    for (const finding of groupSittingFindings(evaluation?.findings ?? []).filter((f) => raisesAlert(episode.state, f))) {
      const values = finding.values.map((v) => ({ ...v, observationId: v.observationId ? (idFor.get(v.observationId) ?? v.observationId) : undefined }));
      findings.push({ item: results.length, patientId, episodeId: episode.id, planId: plan!.id, finding: { ...finding, values } });
    }
    const remeasure = (evaluation?.remeasure ?? []).map((r) => ({ ...r, observationId: idFor.get(r.observationId) ?? r.observationId }));
    auditEvents.push({ action: 'create', patientId, details: { ids: observations.map((m) => m.id), source: opts.source, ...(sitting.newConfusion ? { newConfusion: true } : {}) } });
    results.push({ replayed: false, observations, episode: episodeRow(episode), plan, zone: evaluation?.zone ?? null, actions: evaluation?.actions ?? null, remeasure });
  }

  // Alerts as if raised one finding at a time, in order (each may merge into what an earlier one
  // raised). Findings of distinct (episode, rule), nearly always the case, are raised by the write
  // statement itself, which also picks each sitting's event type; otherwise by upsertFindings'
  // rounds first, as before.
  const inWrite = alerts.distinctRules(findings);
  const raised = new Set<number>();
  const worst = new Map<number, 'yellow' | 'red'>();
  const ups = inWrite ? [] : await alerts.upsertFindings(tx, findings);
  for (const [k, f] of findings.entries()) {
    const up = ups[k];
    if (up && (up.raised || up.escalated)) raised.add(f.item);
    const z = f.finding.zone;
    if (z === 'red' || (z === 'yellow' && worst.get(f.item) !== 'red')) worst.set(f.item, z);
  }
  // One payload per sitting stored (PostgreSQL folds identical payloads of a transaction into one
  // notification); payloadAt: a sitting's 1-based place among them, for the write's type 'alert'.
  const payloads: string[] = [];
  const payloadAt = new Map<number, number>();
  results.forEach((r, i) => {
    if (r.replayed) return;
    const patientId = items[i]!.patientId;
    const zone = worst.get(i);
    const event: ClinicalEvent = {
      type: raised.has(i) ? 'alert' : 'observation', patientId, organisationIds: episodeOf.get(patientId)!.care_team_orgs,
      ...(zone ? { zone } : {}),
    };
    payloadAt.set(i, payloads.push(JSON.stringify(event)));
  });
  const ref = actorRef(ctx.actor);
  await repo.writeSittings(tx, {
    observations: rows,
    resolveMissing,
    resolvedAt: now,
    audit: {
      // The same columns audit() writes for this actor.
      actor: {
        actorKind: ref.kind, actorId: ref.id, actorName: ref.name,
        organisationId: ctx.actor.kind === 'personnel' || ctx.actor.kind === 'client' ? ctx.actor.organisationId : null,
        role: ctx.actor.kind === 'personnel' ? ctx.actor.role : null,
        route: ctx.route ?? null,
      },
      events: auditEvents,
    },
    notify: { channel: EVENTS_CHANNEL, payloads },
    ...(inWrite ? { raise: { findings, payloadOf: findings.map((f) => payloadAt.get(f.item)!) } } : {}),
  });
  return results;
}

function episodeRow(e: repo.LockedEpisode): repo.TriageEpisode {
  const { care_team_orgs: _orgs, follow_up_hours: _hours, plan_id: _plan, plan_md5: _md5, ...row } = e;
  return row;
}

/** The worst zone among stored readings; readings taken without a plan in force have none. */
export function worstZone(zones: (Zone | null)[]): Zone | null {
  const known = zones.filter((z): z is Zone => z !== null);
  return known.length ? worstOf(...known) : null;
}

/** A yellow while only safety limits alert (domain/pathway.ts#raisesAlert): saved, nobody is told, what to do if worse. */
const BASELINE_YELLOW: LocalText = {
  nb: 'Akkurat nå følger sykepleieren bare med på røde verdier, så ingen ringer deg om denne målingen. Blir du verre, ring fastlegen eller legevakt 116 117.',
  nn: 'Akkurat no følgjer sjukepleiaren berre med på raude verdiar, så ingen ringjer deg om denne målinga. Blir du verre, ring fastlegen eller legevakt 116 117.',
  en: 'For now the nurse only watches red values, so nobody will call you about this measurement. If you get worse, call your GP or out-of-hours 116 117.',
};

/** What the patient is told after a sitting: zone, the plan's action text, and opening-hours notice. */
export async function feedbackFor(ctx: Ctx, patientId: string, result: StoredSitting): Promise<RecordResult> {
  const patient = await getPatient(ctx.db, patientId);
  const lang: Lang = patient?.lang ?? 'nb';
  // A replay has no fresh evaluation: the stored per-reading zones tell the same story.
  const zone = result.zone ?? worstZone(result.observations.map((o) => o.zone));
  const hours = await openingHoursFor(ctx.db, result.episode.follow_up_org);
  let feedback: SittingFeedback = { zone: null, action: null, serviceOpen: false, notice: null, remeasure: null };
  if (result.plan && zone === 'yellow' && !raisesAlert(result.episode.state, { zone })) {
    // Baseline (and onboarding, pause): a yellow raises no alert, so nobody will call — the
    // plan's yellow advice and the "the nurse will contact you" notice would both be untrue.
    feedback = { zone, action: BASELINE_YELLOW[lang], serviceOpen: isOpen(hours, ctx.now()), notice: null, remeasure: null };
  } else if (result.plan && zone) {
    const actions = result.actions ?? actionsFor(result.plan.definition, result.observations, zone);
    const fb = patientFeedback({ zone, actions, hours, now: ctx.now(), lang });
    const held = result.remeasure;
    const first = held[0];
    feedback = {
      zone: fb.zone, action: fb.action, serviceOpen: fb.serviceOpen, notice: fb.notice,
      remeasure: first === undefined ? null : { codes: held.map((h) => h.code), restMinutes: Math.max(...held.map((h) => h.restMinutes)), until: first.until },
    };
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
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Observation');
  // Trend and list reads may come from a replica (the caller's own recent writes are read from the primary).
  const rows = await repo.listForPatient(readDbOf(ctx), patientId, { ...filter, episodeIds: scopeEpisodeIds(scope) });
  await audit(ctx, { action: 'read', resourceType: 'Observation', patientId, details: { count: rows.length, code: filter.code ?? null } });
  return rows;
}

/** API shape of an observation. */
export function observationDto(o: repo.ObservationRow) {
  return {
    id: o.id, code: o.code, value: o.value, unit: o.unit, effectiveAt: o.effective_at.toISOString(), receivedAt: o.received_at.toISOString(),
    zone: o.zone, planVersion: o.plan_version, source: o.source, ...(o.interpretation ? { interpretation: o.interpretation } : {}),
    ...(o.device_id && o.device_serial ? { device: { id: o.device_id, serial: o.device_serial, model: o.device_model ?? '', manufacturer: o.device_manufacturer ?? null } } : {}),
    ...(o.entered_by_kind && o.entered_by_name ? { enteredBy: { kind: o.entered_by_kind, name: o.entered_by_name, relation: o.entered_by_relation ?? null } } : {}),
  };
}

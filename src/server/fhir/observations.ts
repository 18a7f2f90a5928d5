import { randomUUID } from 'node:crypto';
import type { Observation, Resource } from '@medplum/fhirtypes';
import type { MeasureCode } from '../../domain/catalogue.js';
import { zonedInstant } from '../../domain/time.js';
import { requirePatientAccess } from '../auth/access.js';
import { actorTag } from '../auth/actor.js';
import { insertAudits, type AuditInsert } from '../audit/repo.js';
import { audit, auditRow } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { Db, Queryable } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { forbidden } from '../http/errors.js';
import type { ObservationRow } from '../observations/repo.js';
import { checkSitting, storeSitting, type RecordOptions, type StoredSitting } from '../observations/service.js';
import type { SittingBatch, Staged } from '../ingest/group.js';
import { patientByIdentifierShared } from '../patients/lookup.js';
import { type PatientRow, findPatientByIdentifier } from '../patients/repo.js';
import { contentHash, parseFhir, stringifyFhir } from './json.js';
import * as m from './mappers.js';
import { type EffectiveIn, type ObservationIn, type ReferenceIn, IDEMPOTENCY_SYSTEM, effectiveIn, nationalIdKind, nationalIdValue, referenceIn } from './observation-in.js';
import { FhirError, fhirError, toFhirError } from './outcome.js';
import * as repo from './repo.js';
import { ObservationReads, writeOrg } from './write-batch.js';
import { uuid7 } from '../db/uuid7.js';

/*
 * Observation writes through FHIR (issue 9). The posted resource is kept exactly (fhir_resources);
 * what triage can judge goes through the clinical engine (storeSitting) as live readings, or is
 * stored as history (older than the live window or before the episode started) without zones or
 * alerts. Status handling follows the R4 Observation status codes: amended/corrected replace the
 * earlier version (same business identifier) and are triaged again; entered-in-error retracts it
 * and its alert findings; registered/preliminary/cancelled/unknown are stored, not triaged.
 */

/** Readings older than this are history, not news: no live alert. VARDE_FHIR_LIVE_WINDOW_HOURS, default 72 h. */
export function liveWindowMs(): number {
  const h = Number(process.env.VARDE_FHIR_LIVE_WINDOW_HOURS ?? '72');
  return (Number.isFinite(h) && h > 0 ? h : 72) * 3_600_000;
}

export interface WriteOptions {
  /** Absolute FHIR base of this server: an absolute reference elsewhere is not a local patient. */
  base: string;
  strict: boolean;
  /** Extra identifier tokens from If-None-Exist (identifier=system|value). */
  conditional?: string[];
  /**
   * Idempotency keys already used by earlier entries of the same Bundle: entries sharing a key
   * are one sitting (other measures of it), not a reused key.
   */
  bundleKeys?: Pick<ReadonlySet<string>, 'has'>;
  /** The id to give a new resource (a Bundle hands ids out before writing, for urn:uuid links). */
  presetId?: string;
  /** FHIR update (PUT Observation/[id]): the stored resource this one replaces. */
  updateOf?: repo.FhirResourceRow;
}

/**
 * The stored resource a posted Observation is a re-send of (same identifier or, without one, same
 * content), if any — read-only, so a Bundle can link its entries to the ids they will have.
 */
export async function existingTwin(q: Queryable, ctx: Ctx, p: ObservationIn, patientId: string | null, conditional: string[] = []): Promise<string | undefined> {
  const scope = { patientId, organisationId: patientId ? null : orgOf(ctx) };
  const tokens = [...new Set([...p.identifiers.map(tokenOfIdentifier), ...conditional])];
  const rows = tokens.length ? await repo.fhirResourcesByIdentifier(q, 'Observation', scope, tokens, false) : [await repo.fhirResourceByHash(q, 'Observation', scope, p.hash)];
  return rows.find((r) => r?.content_hash === p.hash)?.id;
}

export interface Written {
  row: repo.FhirResourceRow;
  /** 201 created, 200 already there (replay / conditional match / replaced). */
  status: 200 | 201;
  notes: string[];
  /** The stored readings it produced (for zones in the answer). */
  readings: ObservationRow[];
  /** The posted resource the row's text was just written from (so the answer need not parse it back). */
  posted?: Record<string, unknown>;
}

const tokenOfIdentifier = (i: { system?: string; value: string }) => `${i.system ?? ''}|${i.value}`;

/** The organisation the caller acts for (clients and personnel), if any. */
export function orgOf(ctx: Ctx): string | null {
  const a = ctx.actor;
  return a.kind === 'personnel' || a.kind === 'client' ? a.organisationId : null;
}

/**
 * Resolves Observation.subject to a local patient. A reference and an identifier naming different
 * patients is refused; an absolute reference to another server is not taken as local; unknown
 * and foreign patients look the same (403, audited) so a client cannot probe who is enrolled.
 * `known`: patients already read by identifier (a Bundle's in one statement, a single create's
 * with its concurrent ones: subjectPatientShared); an identifier mapped to null names nobody, one
 * not in it is read here.
 * @returns the patient id, or null for an observation about a device (PHD coincident time stamp)
 */
export async function resolveSubject(
  ctx: Ctx, q: Queryable, s: ReferenceIn | undefined, base: string, path = 'Observation.subject', known?: ReadonlyMap<string, PatientRow | null>,
): Promise<string | null> {
  if (!s || (!s.raw && !s.identifier)) throw fhirError(422, 'required', 'subject is required: whose measurement is it? Give Patient/[id] or the patient\'s fødselsnummer as subject.identifier.', path);
  if (s.type === 'Device' && !s.identifier) return null;
  let byRef: string | undefined;
  let refUnusable = false;
  if (s.raw) {
    if (s.raw.startsWith('urn:uuid:')) throw fhirError(400, 'invalid', `subject ${s.raw} names no entry of this Bundle that was processed.`, `${path}.reference`);
    if (s.base !== undefined && s.base.replace(/\/$/, '') !== base.replace(/\/$/, '')) {
      if (!s.identifier) {
        throw fhirError(422, 'business-rule', `subject.reference ${s.raw} is on another server, not a patient here. Send Patient/[id] of this server or the patient's fødselsnummer as subject.identifier.`, `${path}.reference`);
      }
      refUnusable = true;
    } else if (s.type === 'Patient' && s.id) byRef = s.id;
    else refUnusable = true;
  }
  let byIdent: string | undefined;
  if (s.identifier) {
    const kind = nationalIdKind(s.identifier.system);
    const value = nationalIdValue(s.identifier);
    const p = kind && value ? (known?.has(value) ? (known.get(value) ?? undefined) : await findPatientByIdentifier(q, value)) : undefined;
    if (p && p.identifier_system === kind) byIdent = p.id;
    if (byRef && byIdent && byRef !== byIdent) {
      throw fhirError(422, 'business-rule', `subject.reference (Patient/${byRef}) and subject.identifier name different patients; nothing was stored.`, path);
    }
    if (byRef && !byIdent && kind) {
      // The identifier names nobody (or someone else): the two do not agree.
      throw fhirError(422, 'business-rule', `subject.reference (Patient/${byRef}) and subject.identifier (${s.identifier.system}|${s.identifier.value}) do not name the same patient; nothing was stored.`, path);
    }
  }
  const id = byRef ?? byIdent;
  if (id && !refUnusable) return id;
  if (byIdent) return byIdent;
  await requirePatientAccess(ctx, byRef ?? 'unknown-identifier', 'write', 'Observation');
  throw forbidden();
}

/**
 * The patient a subject names by fødselsnummer or D-nummer, read together with concurrent
 * creates (patients/lookup.ts), as resolveSubject's `known`; undefined when it names none.
 */
export async function subjectPatientShared(db: Db, s: ReferenceIn | undefined): Promise<Map<string, PatientRow | null> | undefined> {
  const value = nationalIdValue(s?.identifier);
  if (value === undefined) return undefined;
  return new Map([[value, (await patientByIdentifierShared(db, value)) ?? null]]);
}

/** The instant of a measurement: as written when it has an offset, else read in the patient's time zone. */
export function instantOf(e: EffectiveIn, timeZone: string): Date {
  if (e.precision === 'instant') return new Date(e.text);
  return new Date(zonedInstant(e.date!, e.time!, timeZone).getTime() + Math.round((e.seconds ?? 0) * 1000));
}

const PRECISION_NOTE: Record<string, string> = {
  local: 'effectiveDateTime has no time zone: read in the patient\'s time zone',
  day: 'effectiveDateTime is a date only: taken as the start of that day in the patient\'s time zone (imprecise)',
  month: 'effectiveDateTime is a month only: taken as the start of that month in the patient\'s time zone (imprecise)',
  year: 'effectiveDateTime is a year only: taken as the start of that year in the patient\'s time zone (imprecise)',
};

function sourceOf(ctx: Ctx, deviceId: string | null): RecordOptions['source'] {
  if (ctx.actor.kind === 'client' || deviceId) return 'device';
  return ctx.actor.kind === 'patient' ? 'patient' : 'personnel';
}

/** App-level field names (measurements.1.value) back to the FHIR element that caused them. */
function pathMapper(p: ObservationIn) {
  return (field: string): string | undefined => {
    if (field === 'effectiveAt') return p.effective?.path;
    const f = /^measurements\.(\d+)\.(code|value|unit)$/.exec(field);
    const r = f ? p.readings[Number(f[1])] : undefined;
    if (f && r) return f[2] === 'value' ? `${r.path}.value` : f[2] === 'unit' ? `${r.path}.code` : r.path.replace(/\.valueQuantity$/, '.code');
    return undefined;
  };
}

function same(stored: ObservationRow[], readings: { code: MeasureCode; value: number; interpretation?: string }[]): boolean {
  if (stored.length !== readings.length) return false;
  return readings.every((r) => stored.some((s) => s.code === r.code && Math.abs(s.value - r.value) < 1e-9 && (s.interpretation ?? undefined) === r.interpretation));
}

/**
 * Stores one posted Observation inside the caller's transaction (a transaction Bundle passes its
 * own, so the whole bundle commits or fails as one). The caller has resolved the subject and
 * device and authorised the write.
 */
export async function writeObservation(ctx: Ctx, tx: Queryable, p: ObservationIn, patientId: string | null, deviceId: string | null, opts: WriteOptions): Promise<Written> {
  const r = await stageObservation(ctx, tx, p, patientId, deviceId, opts);
  return 'now' in r ? r.now : r.later;
}

/** What a pending write's reads depend on: its identifier tokens, idempotency key and content hash. */
function namesOf(p: ObservationIn, conditional: string[] = []): string[] {
  const tokens = [...p.identifiers.map(tokenOfIdentifier), ...conditional];
  const key = p.key ?? tokens.find((t) => t.startsWith(`${IDEMPOTENCY_SYSTEM}|`))?.slice(IDEMPOTENCY_SYSTEM.length + 1);
  return [...tokens.map((t) => `token ${t}`), ...(key !== undefined ? [`key ${key}`] : []), `hash ${p.hash}`];
}

/**
 * Tells the group's shared reads (write-batch.ts) what stageObservation will read for this
 * Observation: its identifier twins, its patient's episodes and (unless `device: false`, when the
 * caller has resolved it already) its device, and with `decideAccess` whether the caller's
 * organisation may write for the patient (ObservationReads#writable). Pass it as submitShared's `declare`.
 */
export function declareObservation(
  batch: SittingBatch, ctx: Ctx, p: ObservationIn, patientId: string | null, conditional: string[] = [],
  opts: { decideAccess?: boolean; device?: boolean } = {},
): void {
  ObservationReads.of(batch).want({ patientId, organisationId: patientId ? null : orgOf(ctx) }, [...p.identifiers.map(tokenOfIdentifier), ...conditional],
    opts.decideAccess ? writeOrg(ctx) : null, opts.device === false ? undefined : { ref: p.device, org: orgOf(ctx) });
}

/**
 * writeObservation with its triage joined to `batch` (ingest/group.ts): a plain create of live
 * readings returns `later`, settled once the batch is flushed (its sitting stored together with
 * the batch's others, then its resource row written); anything else (replays, corrections,
 * history, device observations) is written at once, after flushing whatever it could depend on.
 * Without a batch it is writeObservation.
 */
export async function stageObservation(
  ctx: Ctx, tx: Queryable, p: ObservationIn, patientId: string | null, deviceId: string | null, opts: WriteOptions, batch?: SittingBatch,
): Promise<Staged<Written>> {
  const names = namesOf(p, opts.conditional);
  // Reads below must see what a pending write with the same identifier, key or content will store.
  if (batch?.overlaps(names)) await batch.flush();
  const orgId = orgOf(ctx);
  const scope = { patientId, organisationId: patientId ? null : orgId };
  const tokens = [...new Set([...p.identifiers.map(tokenOfIdentifier), ...(opts.conditional ?? [])])];
  const notes: string[] = [];
  // An idempotency key names a sitting: other measures of the same sitting may share it (NEWS2
  // wants SpO2, pulse and respiratory rate of one sitting). Business identifiers name one resource.
  const idemKey = (t: string) => t.startsWith(`${IDEMPOTENCY_SYSTEM}|`);
  const disjoint = (a: string[], b: string[]) => !a.some((x) => b.includes(x));
  const key0 = p.key ?? tokens.find(idemKey)?.slice(IDEMPOTENCY_SYSTEM.length + 1);
  const sameSitting = key0 !== undefined && (opts.bundleKeys?.has(key0) ?? false);
  const reads = batch ? ObservationReads.of(batch) : undefined;
  const twinsOf = (rows: repo.FhirResourceRow[]) =>
    rows.filter((e) => !(sameSitting && tokens.filter((t) => e.identifiers.includes(t)).every(idemKey) && disjoint(e.codes, p.codes)));
  const existing = twinsOf(reads?.byIdentifier(scope, tokens) ?? await repo.fhirResourcesByIdentifier(tx, 'Observation', scope, tokens));
  // Later writes of the group naming these read them again, so they see what this one writes.
  reads?.name(tokens);
  const target = opts.updateOf ?? existing[0];
  // An update (PUT) replaces whatever its status; a create replaces only as amended/corrected/entered-in-error.
  const replacing = opts.updateOf !== undefined || ['amended', 'corrected', 'entered-in-error'].includes(p.status);
  /** The answer when `twin` is already stored under one of the identifiers: the same (200) or a conflict (409). */
  const sameOrConflict = async (twin: repo.FhirResourceRow): Promise<Written> => {
    if (twin.content_hash === p.hash) return { row: twin, status: 200, notes: [`Already stored as Observation/${twin.id} (same identifier, same content).`], readings: await repo.observationsByIds(tx, twin.observation_ids) };
    const shared = tokens.filter((t) => twin.identifiers.includes(t));
    throw fhirError(409, 'duplicate',
      `The identifier ${shared.join(', ')} is already used by Observation/${twin.id} with different content. ` +
      'Send a new identifier for a new reading, or status amended/corrected to replace that one.', 'Observation.identifier');
  };
  if (target) {
    if (target.content_hash === p.hash || !replacing) return { now: await sameOrConflict(target) };
  } else if (tokens.length === 0) {
    const twin = await repo.fhirResourceByHash(tx, 'Observation', scope, p.hash);
    if (twin) return { now: { row: twin, status: 200, notes: [`Already stored as Observation/${twin.id} (same content).`], readings: await repo.observationsByIds(tx, twin.observation_ids) } };
  }

  const id = target?.id ?? opts.presetId ?? uuid7();
  const now = ctx.now();
  const by = actorTag(ctx.actor);
  let retracted: string[] = [];
  /** Clinic screens showing the patient refresh: readings (and maybe alerts) were withdrawn. */
  const tellScreens = async (alerts: string[]) => {
    if (patientId) await publish(tx, { type: alerts.length ? 'alert-updated' : 'observation', patientId, organisationIds: await careTeamOrgs(tx, patientId) });
  };
  // Anything written at once lands after the batch's pending sittings, as it would one by one.
  const flushFirst = async () => {
    if (batch) await batch.flush();
  };
  if (target && replacing) {
    await flushFirst();
    const alerts = await repo.retractObservations(tx, target.observation_ids, by, p.status, target.id, now);
    await tellScreens(alerts);
    retracted = target.observation_ids;
    await audit(ctx, { action: 'update', resourceType: 'Observation', resourceId: target.id, patientId, details: { status: p.status, retracted, alerts } }, tx);
    for (const a of alerts) await audit(ctx, { action: 'update', resourceType: 'Flag', resourceId: a, patientId, details: { retractedFindingsOf: retracted } }, tx);
    notes.push(p.status === 'entered-in-error'
      ? `Observation/${target.id} is retracted (entered-in-error): its ${retracted.length} reading(s) and their alert findings are withdrawn${alerts.length ? ` (alerts changed: ${alerts.length})` : ''}.`
      : `Observation/${target.id} is replaced by this ${p.status} version; the earlier reading(s) are withdrawn and the new values triaged again.`);
  }
  // A reading entered in the apps or by device upload (no FHIR resource) is corrected the same way,
  // named by its idempotency key.
  let appTarget = false;
  if (!target && replacing && key0 !== undefined && patientId) {
    const rows = await repo.observationsByKey(tx, patientId, key0);
    if (rows.length) {
      appTarget = true;
      await flushFirst();
      const ids = rows.map((r) => r.id);
      const alerts = await repo.retractObservations(tx, ids, by, p.status, id, now);
      await tellScreens(alerts);
      await audit(ctx, { action: 'update', resourceType: 'Observation', resourceId: ids[0], patientId, details: { status: p.status, retracted: ids, alerts } }, tx);
      for (const a of alerts) await audit(ctx, { action: 'update', resourceType: 'Flag', resourceId: a, patientId, details: { retractedFindingsOf: ids } }, tx);
      notes.push(`The reading(s) stored under ${IDEMPOTENCY_SYSTEM}|${key0} (${ids.map((x) => `Observation/${x}`).join(', ')}) are ${p.status === 'entered-in-error' ? 'retracted with their alert findings' : `replaced by this ${p.status} version and triaged again`}.`);
    }
  }

  let triage: repo.FhirResourceRow['triage'] = 'none';
  /** The readings were already stored under this key (storeSittings' replay check, under the episode lock). */
  let replayed = false;
  let note = p.notTriaged;
  let observationIds: string[] = [];
  let readings: ObservationRow[] = [];
  let effectiveAt: Date | null = null;
  const episodes = patientId ? (reads?.episodesOf(patientId) ?? await repo.episodesForWrite(tx, patientId)) : undefined;
  const tz = episodes?.timeZone ?? 'Europe/Oslo';
  if (p.effective) effectiveAt = instantOf(p.effective, tz);
  if (p.effective && p.effective.precision !== 'instant') notes.push(`${PRECISION_NOTE[p.effective.precision]} (${tz}).`);

  const triageable = patientId !== null && p.readings.length > 0 && ['final', 'amended', 'corrected'].includes(p.status) && !p.notTriaged;
  if (p.status === 'entered-in-error') {
    triage = 'retracted';
    note = target || appTarget ? 'Entered in error: retracted.' : 'Entered in error: there was no earlier version under this identifier to retract.';
  } else if (!patientId) {
    note = 'About a device, not a patient: stored, not triaged.';
  } else if (triageable) {
    const episode = episodes?.open;
    if (!episode) throw fhirError(422, 'business-rule', 'The patient has no active follow-up episode: readings cannot be triaged.', 'Observation.subject');
    const toPath = pathMapper(p);
    let checked;
    try {
      checked = checkSitting(ctx, {
        effectiveAt: effectiveAt!.toISOString(),
        measurements: p.readings.map((r) => ({ code: r.code, ...(r.value !== undefined ? { value: r.value } : {}), ...(r.unit !== undefined ? { unit: r.unit } : {}), ...(r.interpretation ? { interpretation: r.interpretation } : {}) })),
      });
    } catch (err) {
      throw toFhirError(err, toPath) ?? err;
    }
    const source = sourceOf(ctx, deviceId);
    const tooOld = now.getTime() - effectiveAt!.getTime() > liveWindowMs();
    const beforeEpisode = effectiveAt! < episode.started_at;
    // After a replacement the old key's rows are gone; the new version gets its own key (so it is not a replay of them).
    const key = key0 !== undefined && !(replacing && (appTarget || target)) ? key0 : `fhir:${id}:${randomUUID().slice(0, 8)}`;
    if (tooOld || beforeEpisode) {
      await flushFirst();
      const rows = await repo.insertHistoryObservations(tx, checked.measurements.map((x) => ({
        id: uuid7(), patient_id: patientId, episode_id: episode.id, code: x.code, value: x.value, unit: x.unit, effective_at: checked.effectiveAt,
        source, device_id: deviceId, recorded_by: by, idempotency_key: key, zone: null, plan_version: null, device_clock_offset_ms: null,
        interpretation: x.interpretation ?? null,
      })));
      observationIds = rows.map((r) => r.id);
      readings = rows;
      triage = 'history';
      note = beforeEpisode
        ? `Measured ${effectiveAt!.toISOString()}, before this follow-up episode started (${episode.started_at.toISOString()}): stored as history and shown, no live alert raised.`
        : `Measured ${effectiveAt!.toISOString()}, more than ${liveWindowMs() / 3_600_000} hours ago: stored as history and shown, no live alert raised.`;
      await audit(ctx, { action: 'create', resourceType: 'Observation', resourceId: id, patientId, details: { ids: observationIds, triage: 'history' } }, tx);
    } else {
      const store = async (k: string) => {
        try {
          return await storeSitting(ctx, tx, patientId, k, checked, { source, deviceId });
        } catch (err) {
          throw toFhirError(err, toPath) ?? err;
        }
      };
      const live = (stored: StoredSitting) => {
        if (stored.replayed && !same(stored.observations, checked.measurements)) {
          throw fhirError(409, 'duplicate',
            `The idempotency identifier ${IDEMPOTENCY_SYSTEM}|${key} was already used for other values (${stored.observations.map((o) => `Observation/${o.id}: ${o.code} ${o.value} ${o.unit}`).join('; ')}). Use a new identifier for a new sitting.`,
            'Observation.identifier');
        }
        observationIds = stored.observations.map((o) => o.id);
        readings = stored.observations;
        replayed = stored.replayed;
        triage = 'live';
        const zone = stored.zone ?? null;
        note = stored.plan ? `Triaged under the patient's plan (version ${stored.plan.version})${zone ? `: ${zone} zone` : ''}.` : 'No approved plan yet: stored without a zone.';
        if (stored.replayed) notes.push('These readings were already stored under the same idempotency identifier.');
      };
      if (batch && !sameSitting && !target && !appTarget && !replacing) {
        // A plain create: triaged with the batch's other sittings, its row written after the flush.
        const item = { patientId, idempotencyKey: key, sitting: checked, device: { deviceId, deviceClockOffsetMs: null } };
        const later = batch.add(item, source, names, async (stored) => {
          live(stored);
          return finish();
        }).catch((err: unknown) => {
          throw toFhirError(err, toPath) ?? err;
        });
        // When a group's write fails, every write of it fails, but its waiters stop at the first
        // (ingest/group.ts#write, a Bundle's entries): the others' failures must not go unhandled
        // (Node ends the process on an unhandled rejection). Whoever awaits `later` still gets it.
        later.catch(() => undefined);
        return { later };
      }
      await flushFirst();
      let stored = await store(key);
      // Another measure of a sitting already stored under this key: its own part of the sitting.
      if (sameSitting && stored.replayed && !stored.observations.some((o) => checked.measurements.some((x) => x.code === o.code))) {
        stored = await store(`${key}#${checked.measurements.map((x) => x.code).sort().join('+')}`);
      }
      live(stored);
    }
  }
  // What is left stores no reading and withdraws none (a device's own observation such as a PHD
  // coincident time stamp, a status or code not triaged, an entered-in-error with nothing to
  // retract): only its resource row and audit record, which no pending sitting reads or is read
  // by. In a group it neither flushes the pending sittings nor writes alone: its rows are written
  // with the next flush's (SittingBatch#defer), and a later write naming its identifiers, key or
  // content flushes first. PHD gateways send a time stamp Observation in every Bundle; each one
  // flushed the group, so a group of Bundles ran one storeSittings per Bundle (bench/README.md, "Round 24").
  if (batch && !retracted.length && !appTarget) {
    const later = batch.defer(names, finish).catch((err: unknown) => {
      throw toFhirError(err) ?? err;
    });
    later.catch(() => undefined);
    return { later };
  }
  await flushFirst();
  return { now: await finish() };

  async function finish(): Promise<Written> {
    if (note) notes.unshift(note);

    const fields = {
      resource_text: stringifyFhir(p.resource),
      status: p.status,
      codes: p.codes,
      // If-None-Exist criteria are kept with the resource, so the same conditional create finds it again.
      identifiers: tokens,
      categories: p.categories,
      effective_at: effectiveAt,
      effective_precision: p.effective?.precision ?? null,
      value_num: p.valueNum !== undefined ? (m.decimalText(p.resource, 'valueQuantity') ?? String(p.valueNum)) : null,
      value_unit: p.valueUnit ?? null,
      device_id: deviceId,
      content_hash: p.hash,
      observation_ids: observationIds,
      triage,
      triage_note: note ?? null,
    };
    if (target) {
      const row = await repo.replaceFhirResource(tx, target.id, fields);
      if (!replacing) await audit(ctx, { action: 'update', resourceType: 'Observation', resourceId: row.id, patientId }, tx);
      return { row, status: 200, notes, readings };
    }
    if (replayed && tokens.length > 0) {
      // Another transaction stored this reading and its resource after the twin read above (the
      // same Bundle sent again on a second connection while the first was committing): its
      // episode lock made storeSittings wait and then find the reading. Its resource is read
      // again now, committed, and answered as if it had been there from the start.
      const twin = twinsOf(await repo.fhirResourcesByIdentifier(tx, 'Observation', scope, tokens))[0];
      if (twin) return sameOrConflict(twin);
    }
    const newRow: repo.NewFhirResource = { id, resource_type: 'Observation', patient_id: patientId, organisation_id: orgId, recorded_by: by, ...fields };
    // Live and history readings were audited when stored; anything else is audited here.
    const event = triage !== 'live' && triage !== 'history' ? { action: 'create' as const, resourceType: 'Observation', resourceId: id, patientId, details: { triage } } : undefined;
    let row: repo.FhirResourceRow;
    if (batch) {
      // In a group, the rows of one flush are inserted by one statement per table (collected before any await here).
      const written = batch.collect('fhir_resources', newRow, (rows: repo.NewFhirResource[]) => repo.insertFhirResources(tx, rows));
      const audited = event && batch.collect('audit_events', auditRow(ctx, event), async (rows: AuditInsert[]) => {
        await insertAudits(tx, rows);
        return rows.map(() => undefined);
      });
      [row] = await Promise.all([written, audited]);
    } else {
      row = await repo.insertFhirResource(tx, newRow);
      if (event) await audit(ctx, event, tx);
    }
    return { row, status: 201, notes, readings, ...(row.resource_text === fields.resource_text ? { posted: p.resource } : {}) };
  }
}

// ------------------------------------------------------------------ output

/** Stored readings by id, for zones and plan versions of FHIR resources. */
export type RowsById = Map<string, ObservationRow>;

/**
 * A stored FHIR resource as this server returns it: the resource as posted, with the server's id
 * and meta.lastUpdated, and Varde's extensions (triage, zone, plan version, time precision) added.
 * Nothing the client sent is changed or dropped.
 * @param posted the parsed resource `row.resource_text` was just written from, if at hand (not changed here)
 */
export function storedObservation(row: repo.FhirResourceRow, rows: RowsById, posted?: Record<string, unknown>): Observation {
  const r = posted ?? (parseFhir(row.resource_text) as Record<string, unknown>);
  const meta = { ...((r.meta as Record<string, unknown> | undefined) ?? {}) };
  delete meta.versionId;
  meta.lastUpdated = row.last_updated.toISOString();
  const linked = row.observation_ids.map((id) => rows.get(id)).filter((x): x is ObservationRow => x !== undefined);
  const zones = linked.map((o) => o.zone).filter((z): z is 'green' | 'yellow' | 'red' => z !== null);
  const zone = zones.includes('red') ? 'red' : zones.includes('yellow') ? 'yellow' : zones[0];
  const planVersion = linked.find((o) => o.plan_version !== null)?.plan_version ?? null;
  const ext = [
    ...((r.extension as unknown[] | undefined) ?? []),
    { url: m.TRIAGE_EXT, valueCode: row.triage },
    ...(row.triage_note ? [{ url: m.TRIAGE_NOTE_EXT, valueString: row.triage_note }] : []),
    ...(zone ? [{ url: m.ZONE_EXT, valueCode: zone }] : []),
    ...(planVersion !== null ? [{ url: m.PLAN_VERSION_EXT, valueInteger: planVersion }] : []),
    ...(row.effective_precision && row.effective_precision !== 'instant' ? [{ url: m.EFFECTIVE_PRECISION_EXT, valueCode: row.effective_precision }] : []),
  ];
  const { id: _id, meta: _meta, extension: _ext, ...rest } = r;
  // Added only where the client sent nothing: who it is about (when sent by identifier only), who
  // measured (a patient's own reading) and the zone as a standard interpretation.
  const subject = (rest.subject ?? {}) as Record<string, unknown>;
  if (row.patient_id && typeof subject.reference !== 'string') rest.subject = { reference: `Patient/${row.patient_id}`, ...subject };
  const [kind, who] = row.recorded_by.split(':', 2);
  if (rest.performer === undefined && kind === 'patient' && who) rest.performer = [{ reference: `Patient/${who}` }];
  if (rest.interpretation === undefined && zone) rest.interpretation = [{ coding: [m.zoneInterpretation(zone)], text: m.zoneText(zone, planVersion) }];
  const source = linked[0]?.source;
  if (source) ext.push({ url: m.SOURCE_EXT, valueCode: source });
  return { resourceType: 'Observation', id: row.id, meta, extension: ext, ...rest } as unknown as Observation;
}

export function isResource(x: unknown): x is Resource {
  return typeof x === 'object' && x !== null && typeof (x as { resourceType?: unknown }).resourceType === 'string';
}

/** Re-throws anything that is not already a FhirError as one (for per-entry answers). */
export function asFhirError(err: unknown): FhirError {
  const fe = toFhirError(err);
  if (!fe) throw err;
  return fe;
}

// ------------------------------------------------------------------ QuestionnaireResponse create

/**
 * Reads a posted QuestionnaireResponse for one of the plan's questionnaires into what the
 * questionnaire service takes: the questionnaire code (last segment of the canonical, version
 * dropped), answers by linkId (valueInteger, valueDecimal or a numeric valueCoding.code, nested
 * items included), when it was answered (authored, read in the patient's time zone when it has no
 * offset) and an idempotency key (its identifier, else a hash of its content).
 */
export function questionnaireResponseIn(body: unknown): { code: string; answers: Record<string, number>; authored?: EffectiveIn; key: string; subject?: ReferenceIn } {
  const o = body as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.resourceType !== 'QuestionnaireResponse') {
    throw fhirError(400, 'invalid', 'The body must be a QuestionnaireResponse resource.', 'QuestionnaireResponse');
  }
  if (o.status !== 'completed' && o.status !== 'amended') {
    throw fhirError(422, 'business-rule', `Only completed (or amended) answers are scored, not "${String(o.status)}".`, 'QuestionnaireResponse.status');
  }
  const canonical = typeof o.questionnaire === 'string' ? o.questionnaire : '';
  const code = canonical.split('|')[0]!.split('/').pop() ?? '';
  if (!code) throw fhirError(400, 'required', 'questionnaire is required (e.g. https://varde.no/fhir/Questionnaire/phq9).', 'QuestionnaireResponse.questionnaire');
  const answers: Record<string, number> = {};
  const walk = (items: unknown, path: string) => {
    (Array.isArray(items) ? items : []).forEach((it: Record<string, unknown>, i) => {
      const p = `${path}[${i}]`;
      const a = (Array.isArray(it.answer) ? it.answer[0] : undefined) as Record<string, unknown> | undefined;
      const coding = a?.valueCoding as { code?: unknown } | undefined;
      const v = typeof a?.valueInteger === 'number' ? a.valueInteger : typeof a?.valueDecimal === 'number' ? a.valueDecimal : coding && /^-?\d+$/.test(String(coding.code)) ? Number(coding.code) : undefined;
      if (a && v === undefined) throw fhirError(400, 'value', 'An answer must be valueInteger, valueDecimal or a numeric valueCoding.code.', `${p}.answer[0]`);
      if (typeof it.linkId === 'string' && v !== undefined) answers[it.linkId] = v;
      walk(it.item, `${p}.item`);
    });
  };
  walk(o.item, 'QuestionnaireResponse.item');
  const authoredText = typeof o.authored === 'string' ? o.authored : undefined;
  let authored: EffectiveIn | undefined;
  if (authoredText) {
    const e = effectiveIn(authoredText, 'QuestionnaireResponse.authored');
    if (typeof e === 'string') throw fhirError(400, 'value', e, 'QuestionnaireResponse.authored');
    authored = e;
  }
  const ident = o.identifier as { system?: string; value?: string } | undefined;
  const key = ident?.value ? `fhir-qr:${ident.system ?? ''}|${ident.value}`.slice(0, 100) : `fhir-qr:${contentHash(o).slice(0, 40)}`;
  return { code, answers, key, ...(authored ? { authored } : {}), ...(referenceIn(o.subject) ? { subject: referenceIn(o.subject)! } : {}) };
}

import type {
  AuditEvent, Bundle, BundleEntry, CarePlan, Communication, Device, Flag, Observation, Patient, QuestionnaireResponse,
} from '@medplum/fhirtypes';
import { z } from 'zod';
import { DNR_SYSTEM, FNR_SYSTEM } from '../../domain/identifiers.js';
import * as alertsRepo from '../alerts/repo.js';
import { hasPatientAccess, isUuid, requirePatientAccess, rowInScope } from '../auth/access.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { forbidden, fromZod } from '../http/errors.js';
import * as messagesRepo from '../messages/repo.js';
import type { ObservationRow } from '../observations/repo.js';
import { RecordBody } from '../observations/schema.js';
import { type CheckedSitting, type RecordOptions, checkSitting, recordObservations, storeSitting } from '../observations/service.js';
import * as questionnairesRepo from '../questionnaires/repo.js';
import { type PatientRow, findPatientByIdentifier, getPatient } from '../patients/repo.js';
import * as m from './mappers.js';
import { type FieldToPath, FhirError, fhirError, inEntry, information, operationOutcome, statusLine, toFhirError } from './outcome.js';
import * as repo from './repo.js';
import type { SEARCH, SearchType, SearchValues, Token } from './search.js';

/*
 * The FHIR face's use cases. Same rules as the app API: authorisation first (requirePatientAccess
 * decides and audits refusals), every read and write of patient data audited, writes through the
 * feature services (recordObservations) so triage, alerts and idempotency behave identically
 * whichever door a reading comes in through.
 */

type Q<K extends SearchType> = SearchValues<(typeof SEARCH)[K]['specs']>;

const DEFAULT_COUNT = 100;

/** The patient a search is about: the parameter, or the logged-in patient themself. */
function searchPatient(ctx: Ctx, param: string | undefined, name = 'patient'): string {
  if (param) return param;
  if (ctx.actor.kind === 'patient') return ctx.actor.patientId;
  throw fhirError(400, 'required', `Search needs ${name}=Patient/[id]: personnel and integrations search one patient at a time.`);
}

/**
 * Loads one row by id, then authorises against its patient and audits the read. Unknown ids are
 * 404; a known id of someone the caller has no care relation to is 403 (and the refusal audited).
 */
async function readOne<T extends { patient_id: string }>(ctx: Ctx, type: string, id: string, load: (id: string) => Promise<T | undefined>): Promise<T> {
  const row = isUuid(id) ? await load(id) : undefined;
  if (!row) throw fhirError(404, 'not-found', `${type}/${id} is not known.`);
  const scope = await requirePatientAccess(ctx, row.patient_id, 'read', type);
  // The care relation is per episode: a former care team reads only the episodes it was part of.
  if (!rowInScope(scope, row)) {
    await audit(ctx, { action: 'read', resourceType: type, resourceId: id, patientId: row.patient_id, outcome: 'denied' });
    throw fhirError(403, 'forbidden', 'You have no care relation to this episode.');
  }
  await audit(ctx, { action: 'read', resourceType: type, resourceId: id, patientId: row.patient_id });
  return row;
}

/** Authorises a patient-scoped search, runs it and audits what was returned. */
async function searchFor<T>(ctx: Ctx, type: string, patientId: string, run: () => Promise<T[]>): Promise<T[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', type);
  const rows = (await run()).filter((r) => rowInScope(scope, r));
  await audit(ctx, { action: 'search', resourceType: type, patientId, details: { count: rows.length } });
  return rows;
}

const statusIn = (tokens: Token[] | undefined, status: string) => !tokens || tokens.some((t) => t.code === status);

// ------------------------------------------------------------------ Patient

/** FHIR read of a Patient (404 unknown, 403 without access, audited). */
export async function readPatient(ctx: Ctx, id: string): Promise<Patient> {
  const row = await readOne(ctx, 'Patient', id, async (x) => {
    const p = await getPatient(ctx.db, x);
    return p && { ...p, patient_id: p.id };
  });
  return m.patientResource(row);
}

async function patientsByIdentifier(ctx: Ctx, tokens: Token[]): Promise<PatientRow[]> {
  const out: PatientRow[] = [];
  for (const t of tokens) {
    if (!t.code) continue;
    // No system = either kind; any other system than fnr/D-nr cannot match a Norwegian patient.
    const kind = t.system === undefined ? undefined : t.system === FNR_SYSTEM ? 'fnr' : t.system === DNR_SYSTEM ? 'dnr' : null;
    if (kind === null) continue;
    const p = await findPatientByIdentifier(ctx.db, t.code.replace(/\s/g, ''));
    if (p && (kind === undefined || p.identifier_system === kind) && !out.some((x) => x.id === p.id)) out.push(p);
  }
  return out;
}

/**
 * Patient search returns only patients the caller may see: the logged-in patient themself, or for
 * personnel the patients their organisation has a care relation to. A match the caller may not
 * see is left out (not an error, so the search cannot confirm who is enrolled) and the attempt is
 * audited as refused.
 */
export async function searchPatients(ctx: Ctx, q: Q<'Patient'>): Promise<Patient[]> {
  const limit = q._count ?? DEFAULT_COUNT;
  const a = ctx.actor;
  let candidates: PatientRow[];
  if (q._id || q.identifier) {
    const byId = q._id ? await repo.patientsByIds(ctx.db, q._id.filter(isUuid)) : null;
    const byIdent = q.identifier ? await patientsByIdentifier(ctx, q.identifier) : null;
    candidates = byId && byIdent ? byId.filter((p) => byIdent.some((x) => x.id === p.id)) : (byId ?? byIdent ?? []);
  } else if (a.kind === 'patient') {
    const self = await getPatient(ctx.db, a.patientId);
    candidates = self ? [self] : [];
  } else if (a.kind === 'personnel' && CLINICAL_ROLES.includes(a.role)) {
    candidates = await repo.patientsInCareOf(ctx.db, a.organisationId, limit);
  } else {
    candidates = [];
  }
  const visible: PatientRow[] = [];
  for (const p of candidates) {
    if (await hasPatientAccess(ctx, p.id, 'read')) visible.push(p);
    else await audit(ctx, { action: 'search', resourceType: 'Patient', resourceId: p.id, patientId: p.id, outcome: 'denied' });
  }
  const page = visible.slice(0, limit);
  for (const p of page) await audit(ctx, { action: 'search', resourceType: 'Patient', resourceId: p.id, patientId: p.id });
  if (page.length === 0) await audit(ctx, { action: 'search', resourceType: 'Patient', details: { count: 0 } });
  return page.map(m.patientResource);
}

// ------------------------------------------------------------------ Observation

/** FHIR read of one stored reading. */
export async function readObservation(ctx: Ctx, id: string): Promise<Observation> {
  return m.observationResource(await readOne(ctx, 'Observation', id, (x) => repo.observationById(ctx.db, x)));
}

/**
 * Observation search for one patient: `code` and `category` narrow the measures (a BP panel code
 * selects systolic and diastolic), `date` the effective time; `_sort` and `_count` shape the page.
 */
export async function searchObservations(ctx: Ctx, q: Q<'Observation'>): Promise<Observation[]> {
  const patientId = searchPatient(ctx, q.patient);
  let codes: string[] | null = q.code ? m.measuresForCodeTokens(q.code) : null;
  if (q.category) {
    const inCategory = m.measuresForCategoryTokens(q.category);
    codes = codes ? codes.filter((c) => inCategory.some((x) => x === c)) : inCategory;
  }
  const rows = await searchFor(ctx, 'Observation', patientId, async () =>
    codes && codes.length === 0
      ? []
      : repo.findObservations(ctx.db, {
          patientId, codes, from: q.date?.from, to: q.date?.to, order: q._sort === 'date' ? 'asc' : 'desc', limit: q._count ?? DEFAULT_COUNT,
        }),
  );
  return rows.map(m.observationResource);
}

/** What one posted Observation became: the stored readings (two or three for a blood pressure panel). */
export interface Created {
  replayed: boolean;
  rows: ObservationRow[];
  panel: boolean;
}

/**
 * The idempotency key of a posted Observation: If-None-Exist, else its urn:varde:idempotency
 * identifier, else a hash of its time and values (see derivedKey).
 */
function keyOf(input: m.ObservationInput, ifNoneExist: string | undefined): { key: string; explicit: boolean } {
  const fromHeader = ifNoneExist !== undefined ? m.keyFromIfNoneExist(ifNoneExist) : undefined;
  if (fromHeader !== undefined && input.key !== undefined && fromHeader !== input.key) {
    throw fhirError(400, 'invalid', 'If-None-Exist and Observation.identifier name different idempotency keys.', 'Observation.identifier');
  }
  const key = fromHeader ?? input.key;
  return key !== undefined ? { key, explicit: true } : { key: m.derivedKey(input.effectiveAt, input.measurements), explicit: false };
}

/** Resolves Observation.subject to a patient id; identifiers are looked up, ids are taken as given (access is checked later). */
async function resolveSubject(ctx: Ctx, s: m.SubjectInput): Promise<string> {
  if (m.isPatientRef(s)) return s.patientId;
  const p = await findPatientByIdentifier(ctx.db, s.identifier);
  if (p && p.identifier_system === s.identifierSystem) return p.id;
  // Unknown and foreign patients look the same (403): a client cannot probe who is enrolled.
  await requirePatientAccess(ctx, 'unknown-identifier', 'write', 'Observation');
  throw forbidden();
}

async function checkDevice(ctx: Ctx, id: string, path: string): Promise<string> {
  const [d] = await repo.findDevices(ctx.db, { ids: [id], limit: 1 });
  const a = ctx.actor;
  if (!d || (a.kind === 'client' && d.organisation_id !== a.organisationId)) {
    throw fhirError(422, 'business-rule', `Device/${id} is not a device this caller can report from.`, path);
  }
  return d.id;
}

function sourceOf(ctx: Ctx, deviceId: string | null): RecordOptions['source'] {
  if (ctx.actor.kind === 'client' || deviceId) return 'device';
  return ctx.actor.kind === 'patient' ? 'patient' : 'personnel';
}

/**
 * One sitting to record: one posted Observation, or the bundle entries that share an idempotency
 * identifier, as the RecordBody the observation service takes, plus how to point app-level field
 * errors (`measurements.1.value`) back at the FHIR element that caused them.
 */
interface Sitting {
  patientId: string;
  entries: { input: m.ObservationInput; index?: number }[];
  body: RecordBody;
  toPath: FieldToPath;
  devicePath: string;
  deviceId: string | null;
}

function sittingOf(patientId: string, key: string, entries: Sitting['entries']): Sitting {
  const first = entries[0]!.input;
  const at = (entry: number, path: string) => {
    const index = entries[entry]?.index;
    return index === undefined ? path : path.replace(/^Observation/, `Bundle.entry[${index}].resource`);
  };
  for (const [i, e] of entries.entries()) {
    if (new Date(e.input.effectiveAt).getTime() !== new Date(first.effectiveAt).getTime()) {
      throw fhirError(422, 'business-rule', 'Observations sharing an idempotency identifier are one sitting and need the same effective time.', at(i, 'Observation.effectiveDateTime'));
    }
    if (e.input.deviceId !== first.deviceId) {
      throw fhirError(422, 'business-rule', 'Observations sharing an idempotency identifier are one sitting and need the same device.', at(i, 'Observation.device'));
    }
  }
  const flat = entries.flatMap((e, entry) => e.input.measurements.map((x) => ({ ...x, entry })));
  const toPath = (field: string): string | undefined => {
    if (field === 'idempotencyKey') return at(0, 'Observation.identifier');
    if (field === 'effectiveAt') return at(0, 'Observation.effectiveDateTime');
    const f = /^measurements\.(\d+)\.(code|value|unit)$/.exec(field);
    const x = f ? flat[Number(f[1])] : undefined;
    if (f && x) return at(x.entry, f[2] === 'code' ? x.codePath : f[2] === 'value' ? x.valuePath : x.unitPath);
    return field.startsWith('measurements') ? at(0, 'Observation') : undefined;
  };
  const body = RecordBody.safeParse({
    idempotencyKey: key,
    effectiveAt: first.effectiveAt,
    measurements: flat.map((x) => ({ code: x.code, value: x.value, ...(x.unit !== undefined ? { unit: x.unit } : {}) })),
  });
  if (!body.success) throw toFhirError(fromZod(body.error), toPath)!;
  return { patientId, entries, body: body.data, toPath, devicePath: at(0, 'Observation.device'), deviceId: null };
}

/** Device references are checked against the devices table (and, for a client, its own organisation). */
async function resolveDevice(ctx: Ctx, s: Sitting): Promise<void> {
  const id = s.entries[0]!.input.deviceId;
  if (id) s.deviceId = await checkDevice(ctx, id, s.devicePath);
}

/** Runs a service call, translating app errors into FhirErrors that name FHIR elements. */
async function translated<T>(s: Sitting, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFhirError(err, s.toPath) ?? err;
  }
}

/** What each entry of the sitting became; refuses a replayed key that named other measurements. */
function createdFrom(s: Sitting, r: { replayed: boolean; observations: ObservationRow[] }): Created[] {
  if (r.replayed) {
    // The same key with other measurements is a client bug (a reused identifier), not a retry.
    const stored = new Set<string>(r.observations.map((o) => o.code));
    const asked = new Set<string>(s.body.measurements.map((x) => x.code));
    if (stored.size !== asked.size || [...asked].some((c) => !stored.has(c))) {
      throw fhirError(422, 'business-rule', `The idempotency identifier was already used for other measurements (${[...stored].join(', ')}); use a new identifier for a new sitting.`, s.toPath('idempotencyKey'));
    }
  }
  // Rows in the order the entry named its measurements, so a replay answers with the same Location.
  return s.entries.map((e) => ({
    replayed: r.replayed,
    panel: e.input.panel,
    rows: e.input.measurements.flatMap((x) => r.observations.filter((o) => o.code === x.code)),
  }));
}

/** Records a sitting on its own (single create, batch entry): recordObservations authorises, validates, stores and triages in its own transaction. */
async function recordAlone(ctx: Ctx, s: Sitting): Promise<Created[]> {
  await resolveDevice(ctx, s);
  const r = await translated(s, () => recordObservations(ctx, s.patientId, s.body, { source: sourceOf(ctx, s.deviceId), deviceId: s.deviceId }));
  return createdFrom(s, r);
}

/**
 * FHIR create of one Observation (single reading or blood pressure panel).
 * @param ifNoneExist the If-None-Exist header, if sent (only identifier=urn:varde:idempotency|key)
 */
export async function createObservation(ctx: Ctx, body: unknown, ifNoneExist?: string): Promise<Created> {
  const input = m.observationInput(body);
  const { key } = keyOf(input, ifNoneExist);
  const patientId = await resolveSubject(ctx, input.subject);
  // Authorise before the business checks: a caller without access learns nothing about the data.
  await requirePatientAccess(ctx, patientId, 'write', 'Observation');
  const [created] = await recordAlone(ctx, sittingOf(patientId, key, [{ input }]));
  return created!;
}

/** "Stored as 2 observations: …", for a posted panel that has no single stored counterpart. */
export function storedAs(rows: ObservationRow[]): string {
  return `Stored as ${rows.length} observations: ${rows.map((r) => `Observation/${r.id} (${m.codingsFor(r.code)[0]!.code})`).join(', ')}.`;
}

// ------------------------------------------------------------------ transaction / batch

export const MAX_BUNDLE_ENTRIES = 500;

const BundleIn = z.looseObject({
  resourceType: z.literal('Bundle', { error: 'POST [base] takes a Bundle' }),
  type: z.string(),
  entry: z
    .array(
      z.looseObject({
        fullUrl: z.string().optional(),
        resource: z.unknown().optional(),
        request: z.looseObject({ method: z.string(), url: z.string(), ifNoneExist: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
type EntryIn = NonNullable<z.infer<typeof BundleIn>['entry']>[number];

interface Prepared {
  index: number;
  input: m.ObservationInput;
  key: string;
  explicit: boolean;
}

/** Checks one bundle entry is an Observation create and reads it. Throws FhirError with entry-relative paths. */
function prepareEntry(e: EntryIn, index: number): Prepared {
  if (!e.request) throw fhirError(400, 'required', 'Each entry needs request (method POST, url Observation).', 'request');
  const url = e.request.url.replace(/^.*\/fhir\//, '').replace(/^\/+|\/+$/g, '');
  if (e.request.method.toUpperCase() !== 'POST' || url !== 'Observation') {
    throw fhirError(400, 'not-supported', `Only POST Observation entries are supported in a bundle, not ${e.request.method} ${e.request.url}.`, 'request');
  }
  if (e.resource === undefined) throw fhirError(400, 'required', 'The entry has no resource.', 'resource');
  const input = m.observationInput(e.resource);
  return { index, input, ...keyOf(input, e.request.ifNoneExist) };
}

/**
 * Processes a transaction or batch Bundle of Observation creates (device uploads).
 *
 * transaction — all or nothing: every entry is read and validated (values, units, times) and
 * access to every patient is checked before anything is written (refusals are audited outside the
 * transaction, so they survive the rollback); then every sitting is stored with storeSitting in ONE
 * database transaction. Any failure rolls back every observation, alert, audit record and event of
 * the bundle, and the answer is one OperationOutcome naming the entry. Because storing is idempotent
 * per sitting, re-sending a bundle after a timeout is always safe.
 *
 * batch — each sitting commits on its own (recordObservations); failures are reported per entry.
 *
 * In both, entries that share an idempotency identifier (and patient) are one sitting, triaged
 * together (NEWS2 wants SpO2, pulse and respiratory rate of the same sitting); sittings are stored
 * in time order so trend rules see late uploads in the order they were measured. The response lists
 * entries in request order, as FHIR requires.
 */
export async function processBundle(ctx: Ctx, body: unknown, base: string, prefer: 'minimal' | 'representation' | 'OperationOutcome'): Promise<Bundle> {
  const parsed = BundleIn.safeParse(body);
  if (!parsed.success) {
    throw new FhirError(400, parsed.error.issues.map((i) => ({ code: 'invalid', diagnostics: i.message, expression: [m.fhirPath('Bundle', i.path)] })));
  }
  const bundle = parsed.data;
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw fhirError(400, 'not-supported', `POST [base] accepts Bundle type transaction or batch, not "${bundle.type}".`, 'Bundle.type');
  }
  const transaction = bundle.type === 'transaction';
  const entries = bundle.entry ?? [];
  if (entries.length > MAX_BUNDLE_ENTRIES) throw fhirError(413, 'too-costly', `At most ${MAX_BUNDLE_ENTRIES} entries per bundle.`, 'Bundle.entry');

  const outcome = new Map<number, Created | FhirError>();
  const failed: FhirError[] = [];
  /** Records a failure of entries; a transaction collects them, a batch answers them per entry. */
  const fail = (err: unknown, indexes: number[]) => {
    const fe = toFhirError(err);
    if (!fe) throw err;
    if (transaction) failed.push(inEntry(fe, indexes[0]!));
    else for (const i of indexes) outcome.set(i, inEntry(fe, i));
  };
  const stopIfFailed = () => {
    // One status for the whole transaction: the first problem's; every problem is listed.
    if (failed.length) throw new FhirError(failed[0]!.status, failed.flatMap((f) => f.issues));
  };

  // 1. Read every entry (no I/O), so a transaction reports all malformed entries at once.
  const prepared: Prepared[] = [];
  for (const [index, e] of entries.entries()) {
    try {
      prepared.push(prepareEntry(e, index));
    } catch (err) {
      fail(err, [index]);
    }
  }
  stopIfFailed();

  // 2. Whose data is it? Unknown identifiers are refused (403, audited) like foreign patients.
  const withPatient: (Prepared & { patientId: string })[] = [];
  for (const p of prepared) {
    try {
      withPatient.push({ ...p, patientId: await resolveSubject(ctx, p.input.subject) });
    } catch (err) {
      fail(err, [p.index]);
      stopIfFailed();
    }
  }

  // 3. Sittings: entries with the same explicit key and patient belong together; the others stand alone.
  const groups = new Map<string, (Prepared & { patientId: string })[]>();
  for (const p of withPatient) {
    const id = p.explicit ? `${p.patientId}\u0000${p.key}` : `#${p.index}`;
    groups.set(id, [...(groups.get(id) ?? []), p]);
  }
  const sittings: Sitting[] = [];
  for (const group of groups.values()) {
    try {
      sittings.push(sittingOf(group[0]!.patientId, group[0]!.key, group.map((p) => ({ input: p.input, index: p.index }))));
    } catch (err) {
      fail(err, group.map((p) => p.index));
    }
  }
  stopIfFailed();
  const indexes = (s: Sitting) => s.entries.map((e) => e.index!);
  const store = (s: Sitting, results: Created[]) => s.entries.forEach((e, i) => outcome.set(e.index!, results[i]!));
  // Time order, then request order: late (offline) uploads are triaged in the order they were measured.
  sittings.sort((a, b) => Date.parse(a.body.effectiveAt!) - Date.parse(b.body.effectiveAt!) || indexes(a)[0]! - indexes(b)[0]!);

  if (!transaction) {
    for (const s of sittings) {
      try {
        store(s, await recordAlone(ctx, s));
      } catch (err) {
        fail(err, indexes(s));
      }
    }
  } else {
    // 4. Everything that can be refused without writing is refused now: access, devices, values.
    for (const patientId of new Set(sittings.map((s) => s.patientId))) {
      try {
        await requirePatientAccess(ctx, patientId, 'write', 'Observation');
      } catch (err) {
        fail(err, indexes(sittings.find((s) => s.patientId === patientId)!));
        stopIfFailed();
      }
    }
    const checked = new Map<Sitting, CheckedSitting>();
    for (const s of sittings) {
      try {
        await resolveDevice(ctx, s);
        checked.set(s, await translated(s, () => checkSitting(ctx, s.body)));
      } catch (err) {
        fail(err, indexes(s));
      }
    }
    stopIfFailed();
    // 5. One transaction. Episodes are locked up front in id order, so two bundles for overlapping
    // patients queue instead of deadlocking; each storeSitting then finds its lock already held.
    await ctx.db.tx(async (tx) => {
      await repo.lockOpenEpisodes(tx, [...new Set(sittings.map((s) => s.patientId))]);
      for (const s of sittings) {
        try {
          const r = await translated(s, () =>
            storeSitting(ctx, tx, s.patientId, s.body.idempotencyKey, checked.get(s)!, { source: sourceOf(ctx, s.deviceId), deviceId: s.deviceId }),
          );
          store(s, createdFrom(s, r));
        } catch (err) {
          fail(err, indexes(s));
          stopIfFailed();
        }
      }
    });
  }

  const responseEntries = entries.map((_, index): BundleEntry => {
    const o = outcome.get(index) ?? fhirError(500, 'exception', 'The entry was not processed.');
    if (o instanceof FhirError) return { response: { status: statusLine(o.status), outcome: operationOutcome(o.issues) } };
    const first = o.rows[0]!;
    const single = o.rows.length === 1;
    const response = {
      status: statusLine(o.replayed ? 200 : 201),
      location: `Observation/${first.id}`,
      lastModified: first.received_at.toISOString(),
      ...(!single && prefer !== 'minimal' ? { outcome: information(storedAs(o.rows)) } : {}),
    };
    if (!single || prefer !== 'representation') return { response };
    return { fullUrl: `${base}/Observation/${first.id}`, resource: m.observationResource(first), response };
  });
  return {
    resourceType: 'Bundle',
    type: transaction ? 'transaction-response' : 'batch-response',
    ...(responseEntries.length ? { entry: responseEntries } : {}),
  };
}

// ------------------------------------------------------------------ QuestionnaireResponse

/** FHIR read of one questionnaire response. */
export async function readQuestionnaireResponse(ctx: Ctx, id: string): Promise<QuestionnaireResponse> {
  return m.questionnaireResponseResource(await readOne(ctx, 'QuestionnaireResponse', id, (x) => repo.questionnaireResponseById(ctx.db, x)));
}

/** A patient's questionnaire responses, newest first. */
export async function searchQuestionnaireResponses(ctx: Ctx, q: Q<'QuestionnaireResponse'>): Promise<QuestionnaireResponse[]> {
  const patientId = searchPatient(ctx, q.patient);
  const rows = await searchFor(ctx, 'QuestionnaireResponse', patientId, () => questionnairesRepo.listForPatient(ctx.db, patientId, undefined, q._count ?? DEFAULT_COUNT));
  return rows.map(m.questionnaireResponseResource);
}

// ------------------------------------------------------------------ CarePlan

/** FHIR read of one plan version. */
export async function readCarePlan(ctx: Ctx, id: string): Promise<CarePlan> {
  return m.carePlanResource(await readOne(ctx, 'CarePlan', id, (x) => repo.planById(ctx.db, x)));
}

/** Every plan version of every episode of the patient, optionally by FHIR status. */
export async function searchCarePlans(ctx: Ctx, q: Q<'CarePlan'>): Promise<CarePlan[]> {
  const patientId = searchPatient(ctx, q.patient);
  const rows = await searchFor(ctx, 'CarePlan', patientId, async () =>
    (await repo.plansForPatient(ctx.db, patientId)).filter((p) => statusIn(q.status, m.carePlanStatus(p))).slice(0, q._count ?? DEFAULT_COUNT),
  );
  return rows.map(m.carePlanResource);
}

// ------------------------------------------------------------------ Flag

/** FHIR read of one alert. */
export async function readFlag(ctx: Ctx, id: string): Promise<Flag> {
  return m.flagResource(await readOne(ctx, 'Flag', id, (x) => alertsRepo.getAlertWithNames(ctx.db, x)));
}

/** The patient's alerts; `status=active` = open or acknowledged, `inactive` = resolved. */
export async function searchFlags(ctx: Ctx, q: Q<'Flag'>): Promise<Flag[]> {
  const patientId = searchPatient(ctx, q.patient);
  const rows = await searchFor(ctx, 'Flag', patientId, async () =>
    (await alertsRepo.listForPatient(ctx.db, patientId))
      .filter((a) => statusIn(q.status, a.status === 'resolved' ? 'inactive' : 'active'))
      .slice(0, q._count ?? DEFAULT_COUNT),
  );
  return rows.map(m.flagResource);
}

// ------------------------------------------------------------------ Communication

/** FHIR read of one message. */
export async function readCommunication(ctx: Ctx, id: string): Promise<Communication> {
  return m.communicationResource(await readOne(ctx, 'Communication', id, (x) => repo.messageById(ctx.db, x)));
}

/** Messages with the patient. Unlike the app's conversation view this does not mark them as read: a GET has no side effects. */
export async function searchCommunications(ctx: Ctx, q: Q<'Communication'>): Promise<Communication[]> {
  const patientId = searchPatient(ctx, q.patient);
  const rows = await searchFor(ctx, 'Communication', patientId, async () =>
    (await messagesRepo.messagesFor(ctx.db, patientId)).slice(0, q._count ?? DEFAULT_COUNT),
  );
  return rows.map(m.communicationResource);
}

// ------------------------------------------------------------------ Device

/** Which devices the caller may see: their organisation's (personnel; clients with device.read), or those lent to them (patients). */
function deviceScope(ctx: Ctx): { organisationId?: string; lentTo?: string } {
  const a = ctx.actor;
  switch (a.kind) {
    case 'personnel':
      return { organisationId: a.organisationId };
    case 'client':
      if (!a.scopes.includes('device.read')) throw fhirError(403, 'forbidden', 'This client lacks the scope device.read.');
      return { organisationId: a.organisationId };
    case 'patient':
      return { lentTo: a.patientId };
    case 'system':
      return {};
  }
}

/**
 * Whether Device.patient (who has the device now) may be shown: to the owning organisation's
 * gateway, which routes readings by loan, and to anyone with read access to that patient.
 */
async function mayShowLoan(ctx: Ctx, d: repo.DeviceRow): Promise<boolean> {
  if (!d.lent_to) return false;
  const a = ctx.actor;
  if (a.kind === 'client') return d.organisation_id === a.organisationId;
  return hasPatientAccess(ctx, d.lent_to, 'read');
}

async function deviceOut(ctx: Ctx, d: repo.DeviceRow, action: 'read' | 'search'): Promise<Device> {
  const show = await mayShowLoan(ctx, d);
  // The device itself is not patient data; the loan is, so disclosing it is audited.
  if (show) await audit(ctx, { action, resourceType: 'Device', resourceId: d.id, patientId: d.lent_to });
  return m.deviceResource(d, show);
}

/** FHIR read of a device the caller may see (404 unknown, 403 another organisation's). */
export async function readDevice(ctx: Ctx, id: string): Promise<Device> {
  const scope = deviceScope(ctx);
  const [d] = isUuid(id) ? await repo.findDevices(ctx.db, { ids: [id], limit: 1 }) : [];
  if (!d) throw fhirError(404, 'not-found', `Device/${id} is not known.`);
  if ((scope.organisationId && d.organisation_id !== scope.organisationId) || (scope.lentTo && d.lent_to !== scope.lentTo)) {
    await audit(ctx, { action: 'read', resourceType: 'Device', resourceId: id, outcome: 'denied' });
    throw fhirError(403, 'forbidden', 'The device belongs to another organisation.');
  }
  return deviceOut(ctx, d, 'read');
}

/** Devices the caller may see, by id, serial number or current borrower. */
export async function searchDevices(ctx: Ctx, q: Q<'Device'>): Promise<Device[]> {
  const scope = deviceScope(ctx);
  if (q.patient) await requirePatientAccess(ctx, q.patient, 'read', 'Device');
  const serials = q.identifier?.filter((t) => t.code && (t.system === undefined || t.system === m.DEVICE_SERIAL_SYSTEM)).map((t) => t.code!);
  if (serials && serials.length === 0) return [];
  const rows = await repo.findDevices(ctx.db, {
    ids: q._id?.filter(isUuid), serials, organisationId: scope.organisationId, lentTo: q.patient ?? scope.lentTo, limit: q._count ?? DEFAULT_COUNT,
  });
  const out: Device[] = [];
  for (const d of rows) out.push(await deviceOut(ctx, d, 'search'));
  return out;
}

// ------------------------------------------------------------------ AuditEvent

/** Who touched the patient's data: for the patient themself (innsyn) and for personnel with a care relation. */
export async function searchAuditEvents(ctx: Ctx, q: Q<'AuditEvent'>): Promise<AuditEvent[]> {
  if (q.patient && q.entity && q.patient !== q.entity) return [];
  const patientId = searchPatient(ctx, q.patient ?? q.entity);
  const rows = await searchFor(ctx, 'AuditEvent', patientId, () =>
    repo.auditEventsFor(ctx.db, patientId, { from: q.date?.from, to: q.date?.to, limit: q._count ?? DEFAULT_COUNT }),
  );
  return rows.map(m.auditEventResource);
}

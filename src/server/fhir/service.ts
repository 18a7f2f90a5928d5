import type {
  AuditEvent, CarePlan, Communication, Device, Flag, Observation, Patient, QuestionnaireResponse, Resource,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { MEASURE_CODES, type MeasureCode } from '../../domain/catalogue.js';
import { DNR_SYSTEM, FNR_SYSTEM } from '../../domain/identifiers.js';
import * as alertsRepo from '../alerts/repo.js';
import { type EpisodeScope, hasPatientAccess, isUuid, patientAccess, requirePatientAccess, rowInScope } from '../auth/access.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import { type Ctx, readDbOf } from '../context.js';
import type { Queryable } from '../db/port.js';
import * as messagesRepo from '../messages/repo.js';
import * as questionnairesRepo from '../questionnaires/repo.js';
import { type PatientRow, findPatientByIdentifier, getPatient } from '../patients/repo.js';
import { parseFhir, stringifyFhir } from './json.js';
import * as m from './mappers.js';
import { codesOfMeasure, HNR_SYSTEM } from './observation-in.js';
import { orgOf, storedObservation } from './observations.js';
import { deviceByIdentifiersShared, deviceToken, type KnownDevices } from './write-batch.js';
import { fhirError } from './outcome.js';
import * as repo from './repo.js';
import {
  DEFAULT_COUNT, type DateRange, type SEARCH, type SearchType, type SearchValues, type Token, stringMatches,
} from './search.js';

/*
 * The FHIR face's read and search use cases. Same rules as the app API: authorisation first
 * (requirePatientAccess decides and audits refusals), every read of patient data audited. Searches
 * return every match in a stable order; routes.ts pages them (Bundle.total, next/previous links),
 * so a result is never silently cut short.
 */

type Q<K extends SearchType> = SearchValues<(typeof SEARCH)[K]['specs']>;

/** No silent limit: searches return every match and the route pages them. */
const ALL = 1_000_000_000;

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

/**
 * Authorises a patient-scoped search, runs it and audits what was returned. The access check and
 * the audit record use the primary (`ctx.db`); the searches' own reads take `readDbOf(ctx)`, a
 * streaming replica when one is configured (docs/SCALING.md).
 */
async function searchFor<T>(ctx: Ctx, type: string, patientId: string, run: () => Promise<T[]>): Promise<T[]> {
  const scope = await requirePatientAccess(ctx, patientId, 'read', type);
  // Only the episodes the caller's organisation was part of (rows and items carry episode_id).
  const rows = (await run()).filter((r) => rowInScope(scope, r));
  await audit(ctx, { action: 'search', resourceType: type, patientId, details: { count: rows.length } });
  return rows;
}

const statusIn = (tokens: Token[] | undefined, status: string) => !tokens || tokens.some((t) => t.code === status);

/** Whether any 'system|code' token of an element matches any search token (OR). */
export function tokensMatch(search: Token[], have: string[]): boolean {
  return search.some((t) =>
    have.some((h) => {
      const i = h.indexOf('|');
      const system = h.slice(0, i);
      const code = h.slice(i + 1);
      if (t.system !== undefined && t.system !== system) return false;
      return t.code === undefined || t.code === code;
    }),
  );
}

/** Whether an instant lies in a date search's range (none: always). */
export const inRange = (at: Date | null | undefined, r: DateRange | undefined) =>
  !r || (at != null && (!r.from || at >= r.from) && (!r.to || at < r.to));

/** Stable order: the key, then id (so pages never overlap or skip). */
export function sortBy<T>(items: T[], key: (x: T) => string | number, desc: boolean, id: (x: T) => string): T[] {
  return items.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    return (desc ? -c : c) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
  });
}

// ------------------------------------------------------------------ Patient

/** FHIR read of a Patient (404 unknown, 403 without access, audited). */
export async function readPatient(ctx: Ctx, id: string): Promise<Patient> {
  const row = await readOne(ctx, 'Patient', id, async (x) => {
    const p = await getPatient(ctx.db, x);
    return p && { ...p, patient_id: p.id };
  });
  return m.patientResource(row);
}

/** Patients for _include (the caller was authorised for them by the search that found them). */
export async function includedPatients(ctx: Ctx, ids: string[]): Promise<Patient[]> {
  const rows = await repo.patientsByIds(ctx.db, ids.filter(isUuid));
  const out: Patient[] = [];
  for (const p of rows) {
    if (!(await hasPatientAccess(ctx, p.id, 'read'))) continue;
    await audit(ctx, { action: 'read', resourceType: 'Patient', resourceId: p.id, patientId: p.id, details: { include: true } });
    out.push(m.patientResource(p));
  }
  return out;
}

async function patientsByIdentifier(ctx: Ctx, tokens: Token[]): Promise<PatientRow[]> {
  const out: PatientRow[] = [];
  for (const t of tokens) {
    if (!t.code) continue;
    // No system = any kind; a system that is not a Norwegian national identifier cannot match.
    const kind = t.system === undefined ? undefined : t.system === FNR_SYSTEM ? 'fnr' : t.system === DNR_SYSTEM ? 'dnr' : t.system === HNR_SYSTEM ? 'hnr' : null;
    if (kind === null) continue;
    const p = await findPatientByIdentifier(ctx.db, t.code.replace(/\s/g, ''));
    if (p && (kind === undefined || p.identifier_system === kind) && !out.some((x) => x.id === p.id)) out.push(p);
  }
  return out;
}

/** Family name = last word of the registered name; given = the words before (as patientResource writes them). */
function nameParts(p: PatientRow): { family: string[]; given: string[]; all: string[] } {
  const parts = p.name.trim().split(/\s+/);
  const family = parts.length > 1 ? [parts[parts.length - 1]!] : [];
  const given = parts.length > 1 ? parts.slice(0, -1) : parts;
  return { family, given, all: [...parts, p.name] };
}

/**
 * Patient search returns only patients the caller may see: the logged-in patient themself, or for
 * personnel the patients their organisation has a care relation to. A match the caller may not
 * see is left out (not an error, so the search cannot confirm who is enrolled) and the attempt is
 * audited as refused.
 */
export async function searchPatients(ctx: Ctx, q: Q<'Patient'>): Promise<Patient[]> {
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
    candidates = await repo.patientsInCareOf(ctx.db, a.organisationId, ALL);
  } else {
    candidates = [];
  }
  candidates = candidates.filter((p) => {
    const n = nameParts(p);
    return (q.name ?? []).every((s) => stringMatches(s, n.all))
      && (q.family ?? []).every((s) => stringMatches(s, n.family))
      && (q.given ?? []).every((s) => stringMatches(s, n.given))
      && (!q.gender || q.gender.some((t) => t.code === p.sex && (t.system === undefined || t.system === 'http://hl7.org/fhir/administrative-gender')))
      && (!q.birthdate || ((!q.birthdate.from || p.birth_date >= q.birthdate.from) && (!q.birthdate.to || p.birth_date < q.birthdate.to)))
      && inRange(p.created_at, q._lastUpdated);
  });
  const visible: PatientRow[] = [];
  for (const p of candidates) {
    if (await hasPatientAccess(ctx, p.id, 'read')) visible.push(p);
    else await audit(ctx, { action: 'search', resourceType: 'Patient', resourceId: p.id, patientId: p.id, outcome: 'denied' });
  }
  const sort = q._sort ?? 'name';
  const desc = sort.startsWith('-');
  const key = sort.replace(/^-/, '');
  sortBy(visible, (p) => (key === 'birthdate' ? p.birth_date : key === '_lastUpdated' ? p.created_at.getTime() : p.name.toLowerCase()), desc, (p) => p.id);
  for (const p of visible) await audit(ctx, { action: 'search', resourceType: 'Patient', resourceId: p.id, patientId: p.id });
  if (visible.length === 0) await audit(ctx, { action: 'search', resourceType: 'Patient', details: { count: 0 } });
  return visible.map(m.patientResource);
}

// ------------------------------------------------------------------ Observation

/** The observation-category code system (the category of app-entered readings). */
export const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const tok = (c: { system: string; code: string }) => `${c.system}|${c.code}`;

/** Every 'system|code' an app-entered reading of this measure answers to. */
export function appCodes(code: MeasureCode): string[] {
  return [...codesOfMeasure(code).map(tok), ...m.codingsFor(code).map((c) => `${c.system}|${c.code}`)];
}

/** The codings of a blood pressure panel built from two app rows (mappers.ts#bloodPressurePanel). */
export const PANEL_CODES = [`http://loinc.org|85354-9`, ...appCodes('bp_systolic'), ...appCodes('bp_diastolic')];

/**
 * FHIR read of one Observation: a posted resource exactly as sent (plus id, meta and Varde's
 * extensions), or a reading entered in the apps (blood pressure as a panel under the systolic id;
 * the diastolic reading stays readable on its own).
 */
export async function readObservation(ctx: Ctx, id: string): Promise<Observation> {
  if (!isUuid(id)) throw fhirError(404, 'not-found', `Observation/${id} is not known.`);
  const stored = await repo.fhirResourceById(ctx.db, 'Observation', id);
  if (stored) {
    if (stored.patient_id) {
      const scope = await requirePatientAccess(ctx, stored.patient_id, 'read', 'Observation');
      const first = stored.observation_ids.length ? (await repo.observationsByIds(ctx.db, stored.observation_ids))[0] : undefined;
      if (!rowInScope(scope, { episode_id: first?.episode_id ?? null, organisation_id: stored.organisation_id })) {
        await audit(ctx, { action: 'read', resourceType: 'Observation', resourceId: id, patientId: stored.patient_id, outcome: 'denied' });
        throw fhirError(403, 'forbidden', 'You have no care relation to this episode.');
      }
      await audit(ctx, { action: 'read', resourceType: 'Observation', resourceId: id, patientId: stored.patient_id });
    } else if (stored.organisation_id !== orgOf(ctx)) {
      throw fhirError(403, 'forbidden', 'This observation belongs to another organisation.');
    }
    const rows = await repo.observationsByIds(ctx.db, stored.observation_ids);
    return storedObservation(stored, new Map(rows.map((o) => [o.id, o])));
  }
  const row = await readOne(ctx, 'Observation', id, (x) => repo.observationById(ctx.db, x));
  if (row.code === 'bp_systolic') {
    // One probe of the sitting's month, not the patient's whole history.
    const partner = await repo.bpPartnerOf(ctx.db, row);
    if (partner) return m.bloodPressurePanel(row, partner);
  }
  return m.observationResource(row);
}

/** One page of a search and the number of all matches (Bundle.total). */
export interface SearchPage<T> {
  total: number;
  page: T[];
}

/** What an Observation search runs with once authorised: its values, the caller's scope and the page. */
export interface ObservationSearchRun {
  patientId: string;
  q: Q<'Observation'>;
  scope: EpisodeScope;
  /** Page size (0 for _summary=count) and start. */
  count: number;
  offset: number;
}

/** Measure codes whose app-entered readings carry a matching code and category coding, and whether a BP panel does. */
function appCodeMatches(q: Q<'Observation'>): { appCodes?: string[]; panels: boolean } {
  if (!q.code && !q.category) return { panels: true };
  const ok = (codes: string[], categories: string[]) => (!q.code || tokensMatch(q.code, codes)) && (!q.category || tokensMatch(q.category, categories));
  const cat = (c: MeasureCode) => [`${OBS_CATEGORY}|${m.categoryOf(c)}`];
  return {
    appCodes: MEASURE_CODES.filter((c) => ok(appCodes(c), cat(c))),
    panels: ok(PANEL_CODES, cat('bp_systolic')),
  };
}

/**
 * Observation search in SQL (repo.ts#searchObservationKeys): filters, merge, BP pairing, order,
 * page and count in one statement, then only the page's rows are read and built. Same matches,
 * order and total as the in-memory reference (testing/fhir-search-reference.ts; search-bounded.test.ts checks it by property).
 */
export async function searchObservationsInSql(db: Queryable, run: ObservationSearchRun): Promise<SearchPage<Observation>> {
  const { q } = run;
  const { keys, total } = await repo.searchObservationKeys(db, {
    patientId: run.patientId,
    ...(q._id ? { ids: q._id } : {}),
    ...(q.identifier ? { identifiers: q.identifier } : {}),
    // status matches on the code alone (a system-only token matches nothing).
    ...(q.status ? { statuses: q.status.flatMap((t) => (t.code === undefined ? [] : [t.code])) } : {}),
    ...(q.code ? { codes: q.code } : {}),
    ...(q.category ? { categories: q.category } : {}),
    app: !q.status || q.status.some((t) => t.code === 'final'),
    ...appCodeMatches(q),
    ...(q.date ? { date: q.date } : {}),
    ...(q._lastUpdated ? { lastUpdated: q._lastUpdated } : {}),
    ...(q.device ? { device: q.device } : {}),
    ...(q['value-quantity'] ? { quantities: q['value-quantity'] } : {}),
    ...(run.scope.all ? {} : { scope: { episodeIds: run.scope.episodeIds, organisationId: run.scope.organisationId } }),
    sort: q._sort ?? '-date',
    limit: run.count,
    offset: run.offset,
  });
  if (keys.length === 0) return { total, page: [] };
  const fhirRows = await repo.fhirResourcesByIds(db, keys.filter((k) => k.kind === 'fhir').map((k) => k.id));
  const obsIds = [
    ...keys.flatMap((k) => (k.kind === 'fhir' ? [] : k.dia_id ? [k.id, k.dia_id] : [k.id])),
    ...fhirRows.flatMap((r) => r.observation_ids),
  ];
  const rows = new Map((await repo.patientObservationsByIds(db, run.patientId, [...new Set(obsIds)])).map((o) => [o.id, o]));
  const fhirById = new Map(fhirRows.map((r) => [r.id, r]));
  // A reading retracted between the two statements is left out rather than failing the search.
  const page = keys.flatMap((k): Observation[] => {
    if (k.kind === 'fhir') {
      const r = fhirById.get(k.id);
      return r ? [storedObservation(r, rows)] : [];
    }
    const o = rows.get(k.id);
    const d = k.dia_id ? rows.get(k.dia_id) : undefined;
    if (!o || (k.kind === 'panel' && !d)) return [];
    return [k.kind === 'panel' ? m.bloodPressurePanel(o, d!) : m.observationResource(o)];
  });
  return { total, page };
}

/**
 * Observation search for one patient. Every declared parameter filters (code and category over
 * every coding as posted, value-quantity over the value as posted, identifier over business
 * identifiers); the order is stable and Bundle.total counts every match. Only the requested page
 * is read and built (searchObservationsInSql). The audit records how many matches the caller's
 * search found.
 */
export async function searchObservations(ctx: Ctx, q: Q<'Observation'>): Promise<SearchPage<Observation>> {
  if (q.patient && q.subject && q.patient !== q.subject) return { total: 0, page: [] };
  const patientId = searchPatient(ctx, q.patient ?? q.subject);
  const scope = await requirePatientAccess(ctx, patientId, 'read', 'Observation');
  const run: ObservationSearchRun = {
    patientId, q, scope, count: q._summary === 'count' ? 0 : (q._count ?? DEFAULT_COUNT), offset: q._offset ?? 0,
  };
  const db = readDbOf(ctx);
  const result = await searchObservationsInSql(db, run);
  await audit(ctx, { action: 'search', resourceType: 'Observation', patientId, details: { count: result.total } });
  return result;
}

// ------------------------------------------------------------------ QuestionnaireResponse

/** FHIR read of one questionnaire response. */
export async function readQuestionnaireResponse(ctx: Ctx, id: string): Promise<QuestionnaireResponse> {
  return m.questionnaireResponseResource(await readOne(ctx, 'QuestionnaireResponse', id, (x) => repo.questionnaireResponseById(ctx.db, x)));
}

/** A patient's questionnaire responses, newest first. */
export async function searchQuestionnaireResponses(ctx: Ctx, q: Q<'QuestionnaireResponse'>): Promise<QuestionnaireResponse[]> {
  const patientId = searchPatient(ctx, q.patient);
  const rows = await searchFor(ctx, 'QuestionnaireResponse', patientId, () => questionnairesRepo.listForPatient(readDbOf(ctx), patientId, undefined, ALL));
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
    (await repo.plansForPatient(readDbOf(ctx), patientId)).filter((p) => statusIn(q.status, m.carePlanStatus(p))),
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
    (await alertsRepo.listForPatient(readDbOf(ctx), patientId))
      .filter((a) => statusIn(q.status, a.status === 'resolved' ? 'inactive' : 'active'))
      ,
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
    (await messagesRepo.messagesFor(readDbOf(ctx), patientId)),
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
    case 'relative':
      throw fhirError(403, 'forbidden', 'A relative may only enter readings for the patient.');
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

/** A device as FHIR: the Device a gateway posted (exactly, with id and meta), or one built from the register. */
async function deviceOut(ctx: Ctx, d: repo.DeviceRow, action: 'read' | 'search'): Promise<Device> {
  const show = await mayShowLoan(ctx, d);
  // The device itself is not patient data; the loan is, so disclosing it is audited.
  if (show) await audit(ctx, { action, resourceType: 'Device', resourceId: d.id, patientId: d.lent_to });
  const text = await repo.deviceResourceText(ctx.db, d.id);
  if (!text) return m.deviceResource(d, show);
  const r = parseFhir(text) as Record<string, unknown>;
  const { id: _id, meta, ...rest } = r;
  const out = { resourceType: 'Device', id: d.id, meta: { ...((meta as object | undefined) ?? {}), lastUpdated: d.created_at.toISOString() }, ...rest } as Record<string, unknown>;
  delete (out.meta as Record<string, unknown>).versionId;
  if (show && d.lent_to) out.patient = { reference: `Patient/${d.lent_to}` };
  else delete out.patient;
  return out as unknown as Device;
}

/** A device the caller just registered or matched in its own organisation (the answer to a Device create). */
export async function createdDevice(ctx: Ctx, id: string): Promise<Device> {
  const [d] = await repo.devicesWithIds(ctx.db, [id]);
  return deviceOut(ctx, d!, 'read');
}

/** FHIR read of a device the caller may see (404 unknown, 403 another organisation's). */
export async function readDevice(ctx: Ctx, id: string): Promise<Device> {
  const scope = deviceScope(ctx);
  const [d] = isUuid(id) ? await repo.devicesWithIds(ctx.db, [id]) : [];
  if (!d) throw fhirError(404, 'not-found', `Device/${id} is not known.`);
  if ((scope.organisationId && d.organisation_id !== scope.organisationId) || (scope.lentTo && d.lent_to !== scope.lentTo)) {
    await audit(ctx, { action: 'read', resourceType: 'Device', resourceId: id, outcome: 'denied' });
    throw fhirError(403, 'forbidden', 'The device belongs to another organisation.');
  }
  return deviceOut(ctx, d, 'read');
}

/** Devices the caller may see, by id, any identifier (serial, IEEE 11073 system id, MAC …) or current borrower. */
export async function searchDevices(ctx: Ctx, q: Q<'Device'>): Promise<Device[]> {
  const scope = deviceScope(ctx);
  if (q.patient) await requirePatientAccess(ctx, q.patient, 'read', 'Device');
  const rows = (await repo.findDevices(ctx.db, {
    ids: q._id?.filter(isUuid), organisationId: scope.organisationId, lentTo: q.patient ?? scope.lentTo, limit: ALL,
  })).filter((d) => !q.identifier || tokensMatch(q.identifier, [`${m.DEVICE_SERIAL_SYSTEM}|${d.serial}`, ...(d.identifiers ?? [])]));
  const out: Device[] = [];
  for (const d of rows) out.push(await deviceOut(ctx, d, 'search'));
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 'system|value' of every identifier of a posted resource. */
export function identifierTokens(r: Record<string, unknown>): string[] {
  return (Array.isArray(r.identifier) ? r.identifier : []).filter(isObj)
    .filter((i) => typeof i.value === 'string')
    .map((i) => `${typeof i.system === 'string' ? i.system : ''}|${i.value as string}`);
}

/**
 * Checks a posted Device and finds it among the caller's organisation's devices by any identifier
 * or serial number (conditional create, If-None-Exist: identifier=system|value).
 * @returns the registered device's id, or undefined when it is new
 */
export async function findPostedDevice(ctx: Ctx, q: Queryable, body: unknown, conditional: string[] = []): Promise<string | undefined> {
  const { org, lookup } = postedDeviceLookup(ctx, body, conditional);
  const [found] = await repo.devicesByIdentifier(q, org, lookup);
  return found?.id;
}

/**
 * findPostedDevice outside any transaction, its read shared with concurrent callers of the same
 * organisation (write-batch.ts#deviceByIdentifiersShared): a Bundle's Device entries.
 */
export async function findPostedDeviceShared(ctx: Ctx, body: unknown, conditional: string[] = []): Promise<string | undefined> {
  const { org, lookup } = postedDeviceLookup(ctx, body, conditional);
  return (await deviceByIdentifiersShared(ctx.db, org, lookup))?.id;
}

/** A posted Device checked, the caller allowed to register devices, and the identifiers to find it by. */
function postedDeviceLookup(ctx: Ctx, body: unknown, conditional: string[]): { org: string; lookup: string[] } {
  if (!isObj(body) || body.resourceType !== 'Device') throw fhirError(400, 'invalid', 'The body must be a Device resource.', 'Device');
  const org = orgOf(ctx);
  const a = ctx.actor;
  if (!org || (a.kind === 'client' && !a.scopes.includes('observation.write') && !a.scopes.includes('device.write'))
    || (a.kind === 'personnel' && !CLINICAL_ROLES.includes(a.role))) {
    throw fhirError(403, 'forbidden', 'Only a device gateway or clinical staff of an organisation can register devices.');
  }
  const serialNumber = typeof body.serialNumber === 'string' ? body.serialNumber : undefined;
  const lookup = [...new Set([...identifierTokens(body), ...conditional, ...(serialNumber ? [`${m.DEVICE_SERIAL_SYSTEM}|${serialNumber}`] : [])])];
  if (lookup.length === 0) throw fhirError(422, 'required', 'A Device needs an identifier or serialNumber so the same device is recognised next time.', 'Device.identifier');
  return { org, lookup };
}

/**
 * Device create as gateways do it (PHD): matched by identifier within the caller's organisation,
 * else registered (under `presetId` when the caller already handed that id out, in a Bundle).
 * @returns the device id and whether it was created
 */
export async function createDevice(ctx: Ctx, tx: Queryable, body: unknown, conditional: string[] = [], presetId?: string): Promise<{ id: string; created: boolean }> {
  const found = await findPostedDevice(ctx, tx, body, conditional);
  if (found) return { id: found, created: false };
  const r = body as Record<string, unknown>;
  const idents = identifierTokens(r);
  const names = Array.isArray(r.deviceName) ? r.deviceName.filter(isObj) : [];
  const type = isObj(r.type) ? r.type : undefined;
  const typeText = typeof type?.text === 'string' ? type.text : Array.isArray(type?.coding) && isObj(type.coding[0]) && typeof type.coding[0].display === 'string' ? type.coding[0].display : 'device';
  const serial = typeof r.serialNumber === 'string' ? r.serialNumber : idents.length ? idents[0]!.slice(idents[0]!.indexOf('|') + 1) : conditional[0]!.slice(conditional[0]!.indexOf('|') + 1);
  const id = await repo.insertDevice(tx, {
    id: presetId ?? randomUUID(), organisationId: orgOf(ctx)!, serial,
    model: typeof r.modelNumber === 'string' ? r.modelNumber : typeof names[0]?.name === 'string' ? names[0].name : typeText,
    kind: typeText, identifiers: idents, resourceText: stringifyFhir(r),
  });
  await audit(ctx, { action: 'create', resourceType: 'Device', resourceId: id }, tx);
  return { id, created: true };
}

/**
 * Resolves Observation.device: Device/[id] of a known device (of the caller's organisation for a
 * client), a contained Device or an identifier reference matched against registered devices. A
 * device named only by display (US Core) is kept as written with no link.
 * @param opts.pending ids of devices a Bundle creates and has not written yet
 * @param opts.known devices read ahead (write-batch.ts#devicesAhead): a reference among them needs no statement
 */
export async function resolveDevice(
  ctx: Ctx, q: Queryable, ref: { type?: string; id?: string; raw?: string; identifier?: { system?: string; value?: string } } | undefined,
  resource: Record<string, unknown>, opts: { pending?: ReadonlySet<string>; known?: KnownDevices | undefined; path?: string } = {},
): Promise<string | null> {
  const pending = opts.pending ?? new Set<string>();
  const path = opts.path ?? 'Observation.device';
  if (!ref) return null;
  const org = orgOf(ctx);
  if (ref.raw?.startsWith('#')) {
    const contained = (Array.isArray(resource.contained) ? resource.contained : []).filter(isObj).find((c) => `#${String(c.id)}` === ref.raw);
    if (!contained) throw fhirError(400, 'invalid', `${ref.raw} names no contained resource.`, path);
    const [d] = await repo.devicesByIdentifier(q, org, identifierTokens(contained));
    return d?.id ?? null;
  }
  if (ref.raw?.startsWith('urn:uuid:')) throw fhirError(400, 'invalid', `device ${ref.raw} names no entry of this Bundle that was processed.`, path);
  if (ref.type === 'Device' && ref.id) {
    if (pending.has(ref.id)) return ref.id;
    const id = ref.id.toLowerCase();
    const ahead = opts.known?.byId.get(id);
    const [d] = ahead !== undefined ? (ahead ? [ahead] : []) : isUuid(ref.id) ? await repo.devicesByIds(q, [id]) : [];
    if (!d || (ctx.actor.kind === 'client' && d.organisation_id !== org)) {
      throw fhirError(422, 'business-rule', `Device/${ref.id} is not a device this caller can report from.`, path);
    }
    return d.id;
  }
  if (ref.identifier?.value) {
    const token = deviceToken(ref.identifier);
    const ahead = opts.known?.byToken.get(token);
    if (ahead !== undefined) return ahead;
    const [d] = await repo.devicesByIdentifier(q, org, [token]);
    return d?.id ?? null;
  }
  return null;
}

/** FHIR read of a stored patient-less resource (DeviceMetric) of the caller's organisation. */
export async function readOrgResource(ctx: Ctx, type: string, id: string): Promise<Resource> {
  const row = isUuid(id) ? await repo.fhirResourceById(ctx.db, type, id) : undefined;
  if (!row) throw fhirError(404, 'not-found', `${type}/${id} is not known.`);
  if (row.organisation_id !== orgOf(ctx)) {
    await audit(ctx, { action: 'read', resourceType: type, resourceId: id, outcome: 'denied' });
    throw fhirError(403, 'forbidden', `This ${type} belongs to another organisation.`);
  }
  await audit(ctx, { action: 'read', resourceType: type, resourceId: id });
  const r = parseFhir(row.resource_text) as Record<string, unknown>;
  const { id: _id, meta, ...rest } = r;
  const mm = { ...((meta as object | undefined) ?? {}), lastUpdated: row.last_updated.toISOString() } as Record<string, unknown>;
  delete mm.versionId;
  return { resourceType: type, id: row.id, meta: mm, ...rest } as unknown as Resource;
}

// ------------------------------------------------------------------ AuditEvent

/** Who touched the patient's data: for the patient themself (innsyn) and for personnel with a care relation. */
export async function searchAuditEvents(ctx: Ctx, q: Q<'AuditEvent'>): Promise<AuditEvent[]> {
  if (q.patient && q.entity && q.patient !== q.entity) return [];
  const patientId = searchPatient(ctx, q.patient ?? q.entity);
  // Personnel see their own organisation's part of the log (internal control), not who else
  // follows the patient now; the patient and a running emergency access see all of it.
  const scope = await patientAccess(ctx, patientId, 'read');
  const rows = await searchFor(ctx, 'AuditEvent', patientId, async () =>
    (await repo.auditEventsFor(ctx.db, patientId, { from: q.date?.from, to: q.date?.to, limit: ALL })).filter(
      (r) => scope === null || scope.all || r.organisation_id === scope.organisationId,
    ),
  );
  return rows.map(m.auditEventResource);
}

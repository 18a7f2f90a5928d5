import type { Observation } from '@medplum/fhirtypes';
import { rowInScope } from '../auth/access.js';
import type { Queryable } from '../db/port.js';
import * as m from '../fhir/mappers.js';
import { storedObservation } from '../fhir/observations.js';
import { FHIR_COLS, type FhirResourceRow } from '../fhir/repo.js';
import { type QuantityQuery, quantityMatches } from '../fhir/search.js';
import { appCodes, inRange, OBS_CATEGORY, type ObservationSearchRun, PANEL_CODES, type SearchPage, sortBy, tokensMatch } from '../fhir/service.js';
import type { ObservationRow } from '../observations/repo.js';

/*
 * The FHIR Observation search as it was answered before round 5 (issue 15): the patient's whole
 * history read, merged, filtered, sorted and paged in memory. Its cost grows with the history, so
 * no route uses it; fhir/search-bounded.test.ts and bench/fhir-observation-search.ts check the SQL
 * search (fhir/service.ts#searchObservationsInSql) against it, result for result.
 */

/** Stored FHIR Observations of a patient (all of them). */
async function fhirObservationsOf(q: Queryable, patientId: string): Promise<FhirResourceRow[]> {
  return (await q.query<FhirResourceRow>(`select ${FHIR_COLS} from fhir_resources where resource_type = 'Observation' and patient_id = $1`, [patientId])).rows;
}

/** A patient's readings (every one). */
async function observationsOf(q: Queryable, patientId: string): Promise<ObservationRow[]> {
  return (await q.query<ObservationRow>('select * from observations where patient_id = $1', [patientId])).rows;
}

/** What Observation search filters and sorts on, for stored FHIR resources and app-entered readings alike. */
interface ObsItem {
  id: string;
  patientId: string | null;
  effectiveAt: Date | null;
  lastUpdated: Date;
  status: string;
  codes: string[];
  identifiers: string[];
  categories: string[];
  value?: number;
  unit?: string;
  deviceId: string | null;
  /** For access scoping (auth/access.ts#rowInScope): the episode of the reading, or who posted it when it has none. */
  episode_id: string | null;
  organisation_id: string | null;
  build: () => Observation;
}

function fhirItem(r: FhirResourceRow, rows: Map<string, ObservationRow>): ObsItem {
  return {
    id: r.id, patientId: r.patient_id, effectiveAt: r.effective_at, lastUpdated: r.last_updated, status: r.status ?? 'unknown',
    codes: r.codes, identifiers: r.identifiers, categories: r.categories,
    value: r.value_num !== null ? Number(r.value_num) : undefined, unit: r.value_unit ?? undefined, deviceId: r.device_id,
    episode_id: r.observation_ids.map((id) => rows.get(id)?.episode_id).find((e) => e !== undefined) ?? null, organisation_id: r.organisation_id,
    build: () => storedObservation(r, rows),
  };
}

function appItem(o: ObservationRow): ObsItem {
  return {
    id: o.id, patientId: o.patient_id, effectiveAt: o.effective_at, lastUpdated: o.received_at, status: 'final',
    codes: appCodes(o.code), identifiers: o.idempotency_key ? [`${m.IDEMPOTENCY_SYSTEM}|${o.idempotency_key}`] : [],
    categories: [`${OBS_CATEGORY}|${m.categoryOf(o.code)}`], value: o.value, unit: o.unit, deviceId: o.device_id,
    episode_id: o.episode_id, organisation_id: null,
    build: () => m.observationResource(o),
  };
}

function panelItem(sys: ObservationRow, dia: ObservationRow): ObsItem {
  return {
    ...appItem(sys),
    codes: PANEL_CODES,
    value: undefined,
    unit: undefined,
    build: () => m.bloodPressurePanel(sys, dia),
  };
}

/** The diastolic reading of the same sitting as a systolic one (app and device uploads store BP as two rows). */
function partnerOf(sys: ObservationRow, rows: ObservationRow[]): ObservationRow | undefined {
  return rows.find((d) => d.code === 'bp_diastolic' && d.idempotency_key === sys.idempotency_key && d.effective_at.getTime() === sys.effective_at.getTime());
}

/** Every Observation of a patient as search items: posted FHIR resources, and readings entered elsewhere (BP as one panel). */
async function observationItems(q: Queryable, patientId: string): Promise<ObsItem[]> {
  const [fhirRows, obsRows] = await Promise.all([fhirObservationsOf(q, patientId), observationsOf(q, patientId)]);
  // By id, so that among several diastolics of one sitting the lowest id is the partner, as the
  // SQL search (repo.ts#searchObservationKeys) and readObservation (repo.ts#bpPartnerOf) choose.
  obsRows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byId = new Map(obsRows.map((o) => [o.id, o]));
  const covered = new Set(fhirRows.flatMap((r) => r.observation_ids));
  const app = obsRows.filter((o) => !covered.has(o.id));
  const partners = new Map<string, ObservationRow>();
  for (const o of app) {
    const d = o.code === 'bp_systolic' ? partnerOf(o, app) : undefined;
    if (d) partners.set(o.id, d);
  }
  const paired = new Set([...partners.values()].map((d) => d.id));
  const items = fhirRows.map((r) => fhirItem(r, byId));
  for (const o of app) {
    const d = partners.get(o.id);
    if (d) items.push(panelItem(o, d));
    else if (!paired.has(o.id)) items.push(appItem(o));
  }
  return items;
}

/** Sorts items by effective time (missing times last) or last update. */
function sortObservations(items: ObsItem[], sort: string | undefined): ObsItem[] {
  const s = sort ?? '-date';
  const desc = s.startsWith('-');
  const key = s.replace(/^-/, '');
  return sortBy(items, (i) => (key === '_lastUpdated' ? i.lastUpdated.getTime() : (i.effectiveAt?.getTime() ?? (desc ? -Infinity : Infinity))), desc, (i) => i.id);
}

/**
 * Observation search in memory over the patient's whole history: every posted resource and every
 * reading read, merged, filtered, sorted, then paged. What fhir/service.ts answered searches with
 * before round 5; the reference its SQL search (searchObservationsInSql) is tested against.
 */
export async function searchObservationsInMemory(db: Queryable, run: ObservationSearchRun): Promise<SearchPage<Observation>> {
  const { q } = run;
  const all = await observationItems(db, run.patientId);
  const hit = all.filter((i) =>
    (!q._id || q._id.includes(i.id))
    && (!q.identifier || tokensMatch(q.identifier, i.identifiers))
    && (!q.status || q.status.some((t) => t.code === i.status))
    && (!q.code || tokensMatch(q.code, i.codes))
    && (!q.category || tokensMatch(q.category, i.categories))
    && inRange(i.effectiveAt, q.date)
    && inRange(i.lastUpdated, q._lastUpdated)
    && (!q.device || i.deviceId === q.device)
    && (!q['value-quantity'] || q['value-quantity'].every((alts: QuantityQuery[]) => alts.some((v) => quantityMatches(v, i.value, i.unit ? 'http://unitsofmeasure.org' : undefined, i.unit))))
    && rowInScope(run.scope, i),
  );
  const sorted = sortObservations(hit, q._sort);
  return { total: sorted.length, page: sorted.slice(run.offset, run.offset + run.count).map((i) => i.build()) };
}

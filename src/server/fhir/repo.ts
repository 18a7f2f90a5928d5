import { careRelationProbe } from '../auth/care-relation.js';
import type { Queryable } from '../db/port.js';
import { DEVICE_SERIAL_SYSTEM } from './mappers.js';
import type { MessageRow } from '../messages/repo.js';
import type { ObservationRow } from '../observations/repo.js';
import type { PatientRow } from '../patients/repo.js';
import type { PlanRow } from '../plans/repo.js';
import type { QuantityQuery, Token } from './search.js';

/*
 * Queries the FHIR face needs and the feature repos do not offer (lookups by resource id, result
 * windows and sort orders of FHIR search). Read-only: every write goes through the feature services.
 * Callers authorise before they return anything from here.
 */

/** One stored reading by id (any patient: the caller authorises against its patient_id). */
export async function observationById(q: Queryable, id: string): Promise<ObservationRow | undefined> {
  return (await q.query<ObservationRow>('select * from observations where id = $1', [id])).rows[0];
}

/** Patients with an episode (any status) whose care team includes the organisation: the care relation. */
export async function patientsInCareOf(q: Queryable, organisationId: string, limit: number): Promise<PatientRow[]> {
  const r = await q.query<PatientRow>(
    `select p.* from patients p where exists (
        select 1 from episodes e join care_team ct on ct.episode_id = e.id where e.patient_id = p.id and ct.organisation_id = $1)
      order by p.name, p.id limit $2`,
    [organisationId, limit],
  );
  return r.rows;
}

/** Patients by id; unknown ids are simply absent. */
export async function patientsByIds(q: Queryable, ids: string[]): Promise<PatientRow[]> {
  return (await q.query<PatientRow>('select * from patients where id = any($1::uuid[]) order by name, id', [ids])).rows;
}

export interface QuestionnaireResponseRow {
  id: string;
  patient_id: string;
  episode_id: string;
  questionnaire: string;
  answers: Record<string, number>;
  /** Null when too many items were left unanswered to score (questionnaires repo). */
  score: number | null;
  zone: 'green' | 'yellow' | 'red' | null;
  plan_version: number | null;
  effective_at: Date;
  received_at: Date;
  idempotency_key: string | null;
}

/** One questionnaire response by id. */
export async function questionnaireResponseById(q: Queryable, id: string): Promise<QuestionnaireResponseRow | undefined> {
  return (await q.query<QuestionnaireResponseRow>('select * from questionnaire_responses where id = $1', [id])).rows[0];
}

/**
 * Locks the open episodes of the patients in id order. storeSitting locks each episode again (a
 * no-op by then); taking them all first, in a fixed order, keeps two concurrent bundles for
 * overlapping patients from deadlocking on PostgreSQL.
 */
export async function lockOpenEpisodes(tx: Queryable, patientIds: string[]): Promise<void> {
  await tx.query(`select id from episodes where patient_id = any($1::uuid[]) and status <> 'ended' order by id for update`, [patientIds]);
}

/** A plan version with what its FHIR status and period depend on. */
export interface PlanWithEpisode extends PlanRow {
  patient_id: string;
  episode_status: 'active' | 'paused' | 'ended';
  episode_ended_at: Date | null;
  /** When the version that replaced this one was approved (superseded versions only). */
  superseded_at: Date | null;
}

const PLAN_SELECT = `select p.*, pe.name as approved_by_name, e.patient_id, e.status as episode_status, e.ended_at as episode_ended_at,
    (select min(n.approved_at) from plans n where n.episode_id = p.episode_id and n.version > p.version and n.approved_at is not null
      and p.status = 'superseded') as superseded_at
  from plans p join episodes e on e.id = p.episode_id left join personnel pe on pe.id = p.approved_by`;

/** One plan version with its episode's patient and status. */
export async function planById(q: Queryable, id: string): Promise<PlanWithEpisode | undefined> {
  return (await q.query<PlanWithEpisode>(`${PLAN_SELECT} where p.id = $1`, [id])).rows[0];
}

/** Every plan version of every episode of the patient, newest episode and version first. */
export async function plansForPatient(q: Queryable, patientId: string): Promise<PlanWithEpisode[]> {
  return (await q.query<PlanWithEpisode>(`${PLAN_SELECT} where e.patient_id = $1 order by e.started_at desc, p.version desc`, [patientId])).rows;
}

/** One message with the sender's name. */
export async function messageById(q: Queryable, id: string): Promise<MessageRow | undefined> {
  const r = await q.query<MessageRow>(
    `select m.*, coalesce(pe.name, pa.name) as sender_name from messages m
       left join personnel pe on m.sender_kind = 'personnel' and pe.id = m.sender_id
       left join patients pa on m.sender_kind = 'patient' and pa.id = m.sender_id
      where m.id = $1`,
    [id],
  );
  return r.rows[0];
}

export interface DeviceRow {
  id: string;
  organisation_id: string;
  organisation_name: string;
  org_number: string;
  serial: string;
  model: string;
  kind: string;
  created_at: Date;
  /** The patient the device is lent to now, if any. */
  lent_to: string | null;
  lent_at: Date | null;
  /** 'system|value' of every identifier a gateway gave (migration 009). */
  identifiers: string[];
}

export interface DeviceQuery {
  ids?: string[];
  serials?: string[];
  /** Devices owned by this organisation. */
  organisationId?: string;
  /** Devices currently lent to this patient. */
  lentTo?: string;
  limit: number;
}

/** A DeviceRow's select: the device with its owner's name and number and its current loan. */
const DEVICE_ROWS = `select d.*, o.name as organisation_name, o.org_number, l.patient_id as lent_to, l.lent_at
       from devices d join organisations o on o.id = d.organisation_id
       left join device_loans l on l.device_id = d.id and l.returned_at is null`;

/** Devices with owner and current loan, filtered by id, serial, owner and/or current borrower. */
export async function findDevices(q: Queryable, f: DeviceQuery): Promise<DeviceRow[]> {
  const r = await q.query<DeviceRow>(
    `${DEVICE_ROWS}
      where ($1::uuid[] is null or d.id = any($1::uuid[])) and ($2::text[] is null or d.serial = any($2::text[]))
        and ($3::uuid is null or d.organisation_id = $3) and ($4::uuid is null or l.patient_id = $4)
      order by d.serial, d.id limit $5`,
    [f.ids ?? null, f.serials ?? null, f.organisationId ?? null, f.lentTo ?? null, f.limit],
  );
  return r.rows;
}

/**
 * Whole device rows by id (as findDevices returns them): a probe by primary key whatever plan it
 * runs on. findDevices' optional filters, once PostgreSQL settles on a generic plan for them, read
 * every device to find one (bench/README.md, round 23).
 */
export async function devicesWithIds(q: Queryable, ids: string[]): Promise<DeviceRow[]> {
  if (ids.length === 0) return [];
  const r = await q.query<DeviceRow>(
    `${DEVICE_ROWS}
      where d.id = any($1::uuid[])
      order by d.serial, d.id`,
    [ids],
  );
  return r.rows;
}

/** A device's owner, as an Observation's `device` reference needs it. */
export interface DeviceOwner {
  id: string;
  organisation_id: string;
}

/**
 * The devices with these ids and their organisations, by primary key (ids in lower case). What
 * writes naming `Device/[id]` need; findDevices' filters and joins, planned once as a generic plan
 * in a group commit, scanned every device for each reading (bench/README.md, round 23).
 */
export async function devicesByIds(q: Queryable, ids: string[]): Promise<DeviceOwner[]> {
  if (ids.length === 0) return [];
  return (await q.query<DeviceOwner>('select id, organisation_id from devices where id = any($1::uuid[])', [ids])).rows;
}

export interface AuditRow {
  id: number | string;
  at: Date;
  actor_kind: 'patient' | 'personnel' | 'client' | 'system';
  actor_id: string;
  actor_name: string | null;
  organisation_id: string | null;
  organisation_name: string | null;
  role: string | null;
  action: 'read' | 'create' | 'update' | 'delete' | 'login' | 'logout' | 'search';
  resource_type: string;
  resource_id: string | null;
  patient_id: string | null;
  outcome: 'success' | 'denied';
  route: string | null;
}

/** Audit records about one patient, newest first, with the acting organisation's name. */
export async function auditEventsFor(q: Queryable, patientId: string, f: { from?: Date; to?: Date; limit: number }): Promise<AuditRow[]> {
  const r = await q.query<AuditRow>(
    `select a.id, a.at, a.actor_kind, a.actor_id, a.actor_name, a.organisation_id, o.name as organisation_name, a.role, a.action,
            a.resource_type, a.resource_id, a.patient_id, a.outcome, a.route
       from audit_events a left join organisations o on o.id = a.organisation_id
      where a.patient_id = $1 and ($2::timestamptz is null or a.at >= $2) and ($3::timestamptz is null or a.at < $3)
      order by a.at desc, a.id desc limit $4`,
    [patientId, f.from ?? null, f.to ?? null, f.limit],
  );
  return r.rows;
}

// ------------------------------------------------------------------ fhir_resources (migration 009)

/** A FHIR resource as posted, with what Varde made of it. `resource_text` is the jsonb as text (decimals exact). */
export interface FhirResourceRow {
  id: string;
  resource_type: string;
  patient_id: string | null;
  organisation_id: string | null;
  resource_text: string;
  status: string | null;
  codes: string[];
  identifiers: string[];
  categories: string[];
  effective_at: Date | null;
  effective_precision: string | null;
  value_num: string | null;
  value_unit: string | null;
  device_id: string | null;
  content_hash: string;
  observation_ids: string[];
  triage: 'live' | 'history' | 'none' | 'retracted';
  triage_note: string | null;
  replaced_by: string | null;
  recorded_by: string;
  received_at: Date;
  last_updated: Date;
}

/** The columns of a FhirResourceRow, as every read of fhir_resources selects them. */
export const FHIR_COLS = `id, resource_type, patient_id, organisation_id, resource::text as resource_text, status, codes, identifiers, categories,
  effective_at, effective_precision, value_num::text as value_num, value_unit, device_id, content_hash, observation_ids, triage, triage_note,
  replaced_by, recorded_by, received_at, last_updated`;

export type NewFhirResource = Omit<FhirResourceRow, 'received_at' | 'last_updated' | 'replaced_by'>;

/** Stores a posted resource (resource_text is FHIR JSON text, see json.ts). */
export async function insertFhirResource(q: Queryable, r: NewFhirResource): Promise<FhirResourceRow> {
  const res = await q.query<FhirResourceRow>(
    `insert into fhir_resources (id, resource_type, patient_id, organisation_id, resource, status, codes, identifiers, categories, effective_at,
       effective_precision, value_num, value_unit, device_id, content_hash, observation_ids, triage, triage_note, recorded_by)
     values ($1,$2,$3,$4,$5::jsonb,$6,$7,$8,$9,$10,$11,$12::numeric,$13,$14,$15,$16::uuid[],$17,$18,$19) returning ${FHIR_COLS}`,
    [r.id, r.resource_type, r.patient_id, r.organisation_id, r.resource_text, r.status, r.codes, r.identifiers, r.categories, r.effective_at,
      r.effective_precision, r.value_num, r.value_unit, r.device_id, r.content_hash, r.observation_ids, r.triage, r.triage_note, r.recorded_by],
  );
  return res.rows[0]!;
}

/** Replaces a stored resource in place (amended, corrected, entered-in-error): same id, new content. */
export async function replaceFhirResource(q: Queryable, id: string, r: Omit<NewFhirResource, 'id' | 'resource_type' | 'patient_id' | 'organisation_id' | 'recorded_by'>): Promise<FhirResourceRow> {
  const res = await q.query<FhirResourceRow>(
    `update fhir_resources set resource = $2::jsonb, status = $3, codes = $4, identifiers = $5, categories = $6, effective_at = $7, effective_precision = $8,
       value_num = $9::numeric, value_unit = $10, device_id = $11, content_hash = $12, observation_ids = $13::uuid[], triage = $14, triage_note = $15,
       last_updated = now()
     where id = $1 returning ${FHIR_COLS}`,
    [id, r.resource_text, r.status, r.codes, r.identifiers, r.categories, r.effective_at, r.effective_precision, r.value_num, r.value_unit, r.device_id,
      r.content_hash, r.observation_ids, r.triage, r.triage_note],
  );
  return res.rows[0]!;
}

/** One stored resource by id and type. */
export async function fhirResourceById(q: Queryable, type: string, id: string): Promise<FhirResourceRow | undefined> {
  return (await q.query<FhirResourceRow>(`select ${FHIR_COLS} from fhir_resources where id = $1 and resource_type = $2`, [id, type])).rows[0];
}

/**
 * Stored resources of a type that share one of the identifiers ('system|value'), for one patient
 * (or, for patient-less resources, one organisation).
 */
/**
 * Resources of a type carrying any of these identifiers, whoever they belong to, oldest first (as
 * fhirResourcesByIdentifier orders them): a Bundle reads its entries' twins in one statement and
 * applies each entry's scope itself. Not locked.
 */
export async function fhirResourcesWithAnyIdentifier(q: Queryable, type: string, identifiers: string[]): Promise<FhirResourceRow[]> {
  const r = await q.query<FhirResourceRow>(
    `select ${FHIR_COLS} from fhir_resources where resource_type = $1 and identifiers && $2::text[] order by received_at, id`, [type, identifiers],
    // As fhirResourcesByIdentifier (QueryOptions.replan): a prepared plan kept from when the table
    // was small read every Observation resource for each PHD Bundle, 1.2 ms each (bench/README.md, "Round 24").
    { replan: true });
  return r.rows;
}

export async function fhirResourcesByIdentifier(
  q: Queryable, type: string, scope: { patientId: string | null; organisationId: string | null }, identifiers: string[], lock = true,
): Promise<FhirResourceRow[]> {
  if (identifiers.length === 0) return [];
  const r = await q.query<FhirResourceRow>(
    `select ${FHIR_COLS} from fhir_resources where resource_type = $1 and identifiers && $2::text[]
        and (case when $3::uuid is null then patient_id is null and organisation_id is not distinct from $4::uuid else patient_id = $3 end)
      order by received_at, id ${lock ? 'for update' : ''}`,
    [type, identifiers, scope.patientId, scope.organisationId],
    // fhir_resources starts empty and FHIR ingest fills it fast: see QueryOptions.replan.
    { replan: true },
  );
  return r.rows;
}

/** A stored resource without identifiers with exactly this content (a re-send of the same resource). */
export async function fhirResourceByHash(q: Queryable, type: string, scope: { patientId: string | null; organisationId: string | null }, hash: string): Promise<FhirResourceRow | undefined> {
  const r = await q.query<FhirResourceRow>(
    `select ${FHIR_COLS} from fhir_resources where resource_type = $1 and content_hash = $2 and identifiers = '{}'
        and (case when $3::uuid is null then patient_id is null and organisation_id is not distinct from $4::uuid else patient_id = $3 end)
      order by received_at limit 1`,
    [type, hash, scope.patientId, scope.organisationId],
    { replan: true },
  );
  return r.rows[0];
}


/**
 * What an Observation search asks for, in the terms the SQL can test (service.ts translates the
 * FHIR parameters: token searches over the codes of app-entered readings become lists of Varde
 * measure codes, because those codings are fixed per measure).
 */
export interface ObservationSearchSql {
  patientId: string;
  /** _id: ids as text (a value that is no canonical uuid simply matches nothing). */
  ids?: string[];
  /** identifier, over posted identifiers and the urn:varde:idempotency key of app readings. */
  identifiers?: Token[];
  /** status codes of posted resources (missing status = 'unknown'). */
  statuses?: string[];
  /** code and category over posted resources' codings. */
  codes?: Token[];
  categories?: Token[];
  /** Whether app-entered readings can match at all (status allows 'final'). */
  app: boolean;
  /** Measure codes whose app-entered single readings match code/category; undefined = every code. */
  appCodes?: string[];
  /** Whether a blood pressure panel (two app rows) matches code/category. */
  panels: boolean;
  date?: { from?: Date; to?: Date };
  lastUpdated?: { from?: Date; to?: Date };
  device?: string;
  /** value-quantity: each inner list ORed, the lists ANDed (search.ts#quantityMatches over the value and unit). */
  quantities?: QuantityQuery[][];
  /** Access scope (auth/access.ts#rowInScope); undefined = every episode. */
  scope?: { episodeIds: string[]; organisationId: string };
  sort: '-date' | 'date' | '_lastUpdated' | '-_lastUpdated';
  limit: number;
  offset: number;
}

/** One match of an Observation search: a posted resource, an app reading, or a BP panel (systolic id, diastolic partner). */
export interface ObservationSearchKey {
  kind: 'fhir' | 'app' | 'panel';
  id: string;
  dia_id: string | null;
}

const BP = `('bp_systolic', 'bp_diastolic')`;
const UCUM = 'http://unitsofmeasure.org';
const isBp = (c: string) => c === 'bp_systolic' || c === 'bp_diastolic';

/**
 * One patient's Observation search in one statement: the matches of the page (in the search's
 * order, ties by id) and the number of all matches. Posted resources and app-entered readings are
 * merged here, so the page and the total are those of the merged list:
 * - readings linked from any posted Observation of the patient are "covered" (shown as that resource);
 * - of the other readings, the blood pressure rows of one sitting (same effective time to the
 *   millisecond and same idempotency key, null = null, as service.ts#partnerOf compares them)
 *   become one panel under each systolic id with the sitting's lowest-id diastolic, which is then
 *   not listed alone; other diastolics of that sitting are.
 * The pairing depends only on the sitting, so the date range and code set narrow the rows before
 * it (the date range on effective_at prunes monthly partitions); every other filter applies to
 * the merged item (a panel has the systolic's id, time, device and key). Times compare and sort at
 * millisecond precision, as JavaScript Dates see them.
 */
export async function searchObservationKeys(q: Queryable, f: ObservationSearchSql): Promise<{ total: number; keys: ObservationSearchKey[] }> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const patient = p(f.patientId);
  const tokenSql = (arr: string, tokens: Token[]) =>
    // As service.ts#tokensMatch: a stored 'system|code' splits at its first '|'.
    `exists (select 1 from unnest(${arr}) h(v) cross join unnest(${p(tokens.map((t) => t.system ?? null))}::text[], ${p(tokens.map((t) => t.code ?? null))}::text[]) t(s, c)
       where (t.s is null or left(h.v, strpos(h.v, '|') - 1) = t.s) and (t.c is null or substr(h.v, strpos(h.v, '|') + 1) = t.c))`;
  const ms = (col: string) => `date_trunc('milliseconds', ${col})`;
  const range = (col: string, r: { from?: Date; to?: Date } | undefined, out: string[]) => {
    if (r?.from) out.push(`${col} >= ${p(r.from)}::timestamptz`);
    if (r?.to) out.push(`${col} < ${p(r.to)}::timestamptz`);
  };
  // As search.ts#quantityMatches over (value, unit) with system = UCUM when there is a unit: the
  // bounds are computed here in JavaScript doubles and compared as float8, so a value on a bound
  // falls on the same side as in the in-memory search.
  const quantitySql = (value: string, unit: string, groups: QuantityQuery[][]) =>
    groups.map((alts) => `(${alts.map((q) => {
      const c = [`${value} is not null`];
      if (q.code !== undefined) c.push(`${unit} = ${p(q.code)}::text`);
      if (q.system !== undefined) c.push(q.system === UCUM ? `coalesce(${unit}, '') <> ''` : 'false');
      // Only the parameters the prefix uses: PostgreSQL cannot type one that no expression reads.
      const f8 = (x: number) => `${p(x)}::float8`;
      if (q.prefix === 'eq' || q.prefix === 'ne') {
        const lo = f8(q.value - q.halfStep);
        const hi = f8(q.value + q.halfStep);
        c.push(q.prefix === 'eq' ? `${value} >= ${lo} and ${value} < ${hi}` : `(${value} < ${lo} or ${value} >= ${hi})`);
      } else {
        c.push(`${value} ${{ gt: '>', lt: '<', ge: '>=', le: '<=' }[q.prefix]} ${f8(q.value)}`);
      }
      return `(${c.join(' and ')})`;
    }).join(' or ')})`).join(' and ');
  const eps = f.scope ? p(f.scope.episodeIds) : '';
  const org = f.scope ? p(f.scope.organisationId) : '';

  // Posted resources.
  const fw: string[] = [`f.resource_type = 'Observation'`, `f.patient_id = ${patient}`];
  if (f.ids) fw.push(`f.id::text = any(${p(f.ids)}::text[])`);
  if (f.identifiers) fw.push(tokenSql('f.identifiers', f.identifiers));
  if (f.statuses) fw.push(`coalesce(f.status, 'unknown') = any(${p(f.statuses)}::text[])`);
  if (f.codes) fw.push(tokenSql('f.codes', f.codes));
  if (f.categories) fw.push(tokenSql('f.categories', f.categories));
  range('f.effective_at', f.date, fw);
  range(ms('f.last_updated'), f.lastUpdated, fw);
  if (f.device) fw.push(`f.device_id::text = ${p(f.device)}`);
  if (f.quantities?.length) fw.push(quantitySql('f.value_num::float8', 'f.value_unit', f.quantities));
  // The episode of a posted resource is that of its first linked reading still stored (service.ts#fhirItem).
  if (f.scope) {
    fw.push(`(case when fe.episode_id is not null then fe.episode_id::text = any(${eps}::text[]) else coalesce(f.organisation_id::text = ${org}, false) end)`);
  }
  const fhirFrom = f.scope
    ? `fhir_resources f left join (select distinct on (l.fid) l.fid, o.episode_id from links l join observations o on o.id = l.oid and o.patient_id = ${patient}
         order by l.fid, l.n) fe on fe.fid = f.id`
    : 'fhir_resources f';
  const fhirSql = `select 'fhir'::text as kind, f.id, f.effective_at as eff, f.last_updated as lu, null::text as dia_id from ${fhirFrom} where ${fw.join(' and ')}`;

  // App-entered readings.
  let appSql = '';
  let appCodes = f.appCodes;
  if (appCodes && (f.panels || appCodes.some(isBp))) {
    appCodes = [...new Set([...appCodes, 'bp_systolic', 'bp_diastolic'])];
  }
  if (f.app && (appCodes === undefined || appCodes.length > 0)) {
    const a0: string[] = [`o.patient_id = ${patient}`, 'not exists (select 1 from links l where l.oid = o.id)'];
    range('o.effective_at', f.date, a0);
    if (appCodes) a0.push(`o.code = any(${p(appCodes)}::text[])`);
    const aw: string[] = [`not (a.code = 'bp_diastolic' and a.has_sys and a.id::text collate "C" = a.dia_id)`];
    const kindOk: string[] = [];
    if (f.appCodes) kindOk.push(`(a.kind = 'app' and a.code = any(${p(f.appCodes)}::text[]))`);
    else kindOk.push(`a.kind = 'app'`);
    // A panel has no value of its own (its two values are components): no quantity matches it.
    if (f.panels && !f.quantities?.length) kindOk.push(`a.kind = 'panel'`);
    aw.push(`(${kindOk.join(' or ')})`);
    if (f.ids) aw.push(`a.id::text = any(${p(f.ids)}::text[])`);
    if (f.identifiers) {
      aw.push(tokenSql(`(case when a.idempotency_key is null then '{}'::text[] else array[${p('urn:varde:idempotency|')}::text || a.idempotency_key] end)`, f.identifiers));
    }
    range(ms('a.received_at'), f.lastUpdated, aw);
    if (f.device) aw.push(`a.device_id::text = ${p(f.device)}`);
    if (f.scope) aw.push(`a.episode_id::text = any(${eps}::text[])`);
    if (f.quantities?.length) aw.push(quantitySql('a.value', 'a.unit', f.quantities));
    const cols = 'o.id, o.code, o.value, o.unit, o.effective_at, o.received_at, o.episode_id, o.device_id, o.idempotency_key';
    const where = a0.join(' and ');
    const rowSets: string[] = [];
    // Readings other than BP stand alone; only the BP rows need the window over their sitting.
    if (!appCodes || appCodes.some((c) => !isBp(c))) {
      rowSets.push(`select ${cols}, null::text as dia_id, false as has_sys from observations o where ${where} and o.code not in ${BP}`);
    }
    if (!appCodes || appCodes.some(isBp)) {
      rowSets.push(`select ${cols}, min(case when o.code = 'bp_diastolic' then o.id::text collate "C" end) over s as dia_id,
                bool_or(o.code = 'bp_systolic') over s as has_sys
           from observations o where ${where} and o.code in ${BP}
         window s as (partition by date_trunc('milliseconds', o.effective_at), o.idempotency_key)`);
    }
    appSql = `
      union all
      select a.kind, a.id, a.effective_at, a.received_at, a.dia_id from (
        select w.*, case when w.code = 'bp_systolic' and w.dia_id is not null then 'panel' else 'app' end as kind
          from (${rowSets.join(' union all ')}) w
      ) a
      where ${aw.join(' and ')}`;
  }
  const desc = f.sort.startsWith('-');
  const key = f.sort.endsWith('date') ? 'eff' : 'lu';
  const order = (t: string) => `${ms(`${t}.${key}`)} ${desc ? 'desc' : 'asc'} nulls last, ${t}.id`;
  const sql = `
    with links as (
      select x.id as fid, u.oid, u.n
        from fhir_resources x cross join lateral unnest(x.observation_ids) with ordinality as u(oid, n)
       where x.resource_type = 'Observation' and x.patient_id = ${patient}
    ),
    items as (${fhirSql}${appSql})
    select t.total, pg.kind, pg.id, pg.dia_id from (select count(*)::int as total from items) t
      left join lateral (select i.* from items i order by ${order('i')} limit ${p(f.limit)} offset ${p(f.offset)}) pg on true
     order by ${order('pg')}`;
  const r = await q.query<{ total: number; kind: ObservationSearchKey['kind'] | null; id: string | null; dia_id: string | null }>(sql, params);
  return {
    total: Number(r.rows[0]?.total ?? 0),
    keys: r.rows.filter((x) => x.kind !== null && x.id !== null).map((x) => ({ kind: x.kind!, id: x.id!, dia_id: x.dia_id })),
  };
}

/** Stored FHIR resources by id (the page of a search). */
export async function fhirResourcesByIds(q: Queryable, ids: string[]): Promise<FhirResourceRow[]> {
  if (ids.length === 0) return [];
  return (await q.query<FhirResourceRow>(`select ${FHIR_COLS} from fhir_resources where id = any($1::uuid[])`, [ids])).rows;
}

/** One patient's readings by id (the page of a search and the readings its posted resources link to). */
export async function patientObservationsByIds(q: Queryable, patientId: string, ids: string[]): Promise<ObservationRow[]> {
  if (ids.length === 0) return [];
  return (await q.query<ObservationRow>('select * from observations where patient_id = $1 and id = any($2::uuid[])', [patientId, ids])).rows;
}

/**
 * The diastolic reading of the same sitting as a systolic one: same patient, same effective time
 * (to the millisecond) and same idempotency key (null = null); the lowest id when several. One
 * probe of the (patient_id, code, effective_at) index in the reading's month.
 */
export async function bpPartnerOf(q: Queryable, sys: Pick<ObservationRow, 'patient_id' | 'effective_at' | 'idempotency_key'>): Promise<ObservationRow | undefined> {
  return (await q.query<ObservationRow>(
    `select * from observations where patient_id = $1 and code = 'bp_diastolic'
        and effective_at >= $2::timestamptz and effective_at < $2::timestamptz + interval '1 millisecond'
        and idempotency_key is not distinct from $3::text
      order by id limit 1`,
    [sys.patient_id, sys.effective_at, sys.idempotency_key],
  )).rows[0];
}

/** A patient's readings stored under one idempotency key (one sitting from the apps or a device upload). */
export async function observationsByKey(q: Queryable, patientId: string, key: string): Promise<ObservationRow[]> {
  return (await q.query<ObservationRow>('select o.* from observation_keys k join observations o on o.id = k.observation_id and o.effective_at = k.effective_at where k.patient_id = $1 and k.idempotency_key = $2 order by o.code', [patientId, key])).rows;
}

/** Readings by id. */
export async function observationsByIds(q: Queryable, ids: string[]): Promise<ObservationRow[]> {
  if (ids.length === 0) return [];
  return (await q.query<ObservationRow>('select * from observations where id = any($1::uuid[])', [ids])).rows;
}

/** The patient's open episode (the one readings are triaged in), with its time zone and start. */
export async function openEpisode(q: Queryable, patientId: string): Promise<{ id: string; time_zone: string; started_at: Date } | undefined> {
  return (await q.query<{ id: string; time_zone: string; started_at: Date }>(
    `select id, time_zone, started_at from episodes where patient_id = $1 and status <> 'ended' order by started_at desc limit 1`, [patientId])).rows[0];
}

/**
 * patientTimeZone and openEpisode in one round trip, as a posted Observation needs both: the
 * time zone of the latest episode (Europe/Oslo when none) and the open episode, if any.
 */
export async function episodesForWrite(q: Queryable, patientId: string): Promise<{ timeZone: string; open: { id: string; time_zone: string; started_at: Date } | undefined }> {
  const r = await q.query<{ tz: string | null; id: string | null; time_zone: string | null; started_at: Date | null }>(
    `select (select time_zone from episodes where patient_id = $1 order by started_at desc limit 1) as tz, o.id, o.time_zone, o.started_at
       from (select 1) one left join lateral (
         select id, time_zone, started_at from episodes where patient_id = $1 and status <> 'ended' order by started_at desc limit 1) o on true`,
    [patientId],
  );
  const x = r.rows[0];
  return {
    timeZone: x?.tz ?? 'Europe/Oslo',
    open: x?.id && x.time_zone && x.started_at ? { id: x.id, time_zone: x.time_zone, started_at: x.started_at } : undefined,
  };
}

/** The time zone the patient's local days are counted in (latest episode; Europe/Oslo when none). */
export async function patientTimeZone(q: Queryable, patientId: string): Promise<string> {
  const r = await q.query<{ time_zone: string }>('select time_zone from episodes where patient_id = $1 order by started_at desc limit 1', [patientId]);
  return r.rows[0]?.time_zone ?? 'Europe/Oslo';
}

/**
 * Stores readings as history: in `observations` (so charts and tables show them) without a zone,
 * plan version or alert. For readings from before the episode or older than the live window.
 */
export async function insertHistoryObservations(q: Queryable, rows: Omit<ObservationRow, 'received_at'>[]): Promise<ObservationRow[]> {
  const out: ObservationRow[] = [];
  for (const o of rows) {
    out.push((await q.query<ObservationRow>(
      `insert into observations (id, patient_id, episode_id, code, value, unit, effective_at, source, device_id, recorded_by, idempotency_key, zone, plan_version,
         device_clock_offset_ms, interpretation)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,null,null,null,$12) returning *`,
      [o.id, o.patient_id, o.episode_id, o.code, o.value, o.unit, o.effective_at, o.source, o.device_id, o.recorded_by, o.idempotency_key, o.interpretation ?? null],
    )).rows[0]!);
  }
  return out;
}

/**
 * Retracts readings: moves them out of `observations` (triage, trends, charts and worklists stop
 * counting them) into observations_retracted with who, when and why; removes the findings that
 * cite them from their alerts, resolving an alert left without findings.
 * @returns the ids of the alerts that changed
 */
export async function retractObservations(q: Queryable, ids: string[], by: string, reason: string, fhirResourceId: string, now: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  // episode_state (each measure's newest value, the last reading) follows the delete through its
  // trigger (migration 052).
  await q.query(
    `with moved as (delete from observations where id = any($1::uuid[]) returning *)
     insert into observations_retracted select m.*, $4::timestamptz, $2, $3, $5::uuid from moved m`,
    [ids, by, reason, now, fhirResourceId],
  );
  const r = await q.query<{ id: string }>(
    `update alerts a set
        findings = coalesce((select jsonb_agg(f order by n) from jsonb_array_elements(a.findings) with ordinality as x(f, n)
                             where not exists (select 1 from jsonb_array_elements(coalesce(f->'values', '[]')) v where v->>'observationId' = any($1::text[]))), '[]'),
        status = case when not exists (select 1 from jsonb_array_elements(a.findings) f
                                        where not exists (select 1 from jsonb_array_elements(coalesce(f->'values', '[]')) v where v->>'observationId' = any($1::text[])))
                      then 'resolved' else a.status end,
        resolved_at = case when a.status <> 'resolved' and not exists (select 1 from jsonb_array_elements(a.findings) f
                                        where not exists (select 1 from jsonb_array_elements(coalesce(f->'values', '[]')) v where v->>'observationId' = any($1::text[])))
                      then $2::timestamptz else a.resolved_at end
      where exists (select 1 from jsonb_array_elements(a.findings) f, jsonb_array_elements(coalesce(f->'values', '[]')) v where v->>'observationId' = any($1::text[]))
      returning a.id`,
    [ids, now],
  );
  return r.rows.map((x) => x.id);
}

/**
 * Devices of an organisation with any of the identifiers ('system|value'; the serial counts as
 * urn:varde:device-serial), oldest first. Each arm is an index probe on any plan: the identifiers
 * through their GIN index, serials through (organisation, serial). Written as one OR with the
 * serial concatenated, no index could serve it and every device was read for each call: a gateway
 * naming its device by identifier in a group commit cost 2.3 ms of database time per reading
 * (bench/README.md, round 23).
 */
export async function devicesByIdentifier(q: Queryable, organisationId: string | null, identifiers: string[]): Promise<DeviceRow[]> {
  if (identifiers.length === 0) return [];
  const serialPrefix = `${DEVICE_SERIAL_SYSTEM}|`;
  const serials = identifiers.filter((t) => t.startsWith(serialPrefix)).map((t) => t.slice(serialPrefix.length));
  const r = await q.query<DeviceRow>(
    `${DEVICE_ROWS}
      where d.id = any(array(
              select x.id from devices x where x.identifiers && $2::text[]
              union all select x.id from devices x where x.organisation_id = $1::uuid and x.serial = any($3::text[])
              union all select x.id from devices x where $1::uuid is null and x.serial = any($3::text[])))
        and ($1::uuid is null or d.organisation_id = $1)
      order by d.created_at, d.id`,
    [organisationId, identifiers, serials],
  );
  return r.rows;
}

/**
 * Whether devicesByIdentifier finds this device by this 'system|value': the same rule as its SQL,
 * for callers that read many identifiers in one statement and sort its rows out per identifier.
 */
export function deviceHasToken(d: Pick<DeviceRow, 'identifiers' | 'serial'>, token: string): boolean {
  return d.identifiers.includes(token) || token === `${DEVICE_SERIAL_SYSTEM}|${d.serial}`;
}

/** Registers a device a gateway described (FHIR Device create). */
export async function insertDevice(q: Queryable, d: { id: string; organisationId: string; serial: string; model: string; kind: string; identifiers: string[]; resourceText: string }): Promise<string> {
  const r = await q.query<{ id: string }>(
    `insert into devices (id, organisation_id, serial, model, kind, identifiers, fhir_resource) values ($1,$2,$3,$4,$5,$6,$7::jsonb) returning id`,
    [d.id, d.organisationId, d.serial, d.model, d.kind, d.identifiers, d.resourceText],
  );
  return r.rows[0]!.id;
}

/** The posted Device resource of a device, as text (decimals exact), if it came through FHIR. */
export async function deviceResourceText(q: Queryable, id: string): Promise<string | null> {
  return (await q.query<{ t: string | null }>('select fhir_resource::text as t from devices where id = $1', [id])).rows[0]?.t ?? null;
}

// ------------------------------------------------------------------ set-based reads and writes of a group (fhir/write-batch.ts)

/**
 * fhirResourcesByIdentifier for a whole group of posted resources at once: every resource of the
 * type carrying any of the identifiers and belonging to one of the patients (or, with
 * `organisationId` given, to no patient and that organisation), oldest first, locked. The caller
 * applies each resource's own scope and identifiers (write-batch.ts#GroupReads).
 */
export async function fhirResourcesOfScopes(
  q: Queryable, type: string, identifiers: string[], patientIds: string[], organisationId: string | null | undefined,
): Promise<FhirResourceRow[]> {
  if (identifiers.length === 0) return [];
  // The identifier index alone finds the rows (an InitPlan, then primary-key probes); the scope is
  // a filter on those few. Written as one WHERE, the group's generic plan (Db.tx genericPlans)
  // ANDed that index with a bitmap of every resource of the type of every patient in the group
  // (fhir_resources_patient) whenever an identifier matched, a read that grew with the patients'
  // histories (bench/README.md, "FHIR twin lookups").
  const r = await q.query<FhirResourceRow>(
    `select ${FHIR_COLS} from fhir_resources
      where id = any(array(select id from fhir_resources where resource_type = $1 and identifiers && $2::text[]))
        and (patient_id = any($3::uuid[]) or ($4::boolean and patient_id is null and organisation_id is not distinct from $5::uuid))
      order by received_at, id for update`,
    [type, identifiers, patientIds, organisationId !== undefined, organisationId ?? null],
    { replan: true },
  );
  return r.rows;
}

/**
 * episodesForWrite for many patients in one statement (patients with no episode get Europe/Oslo and
 * no open one). With `org`, each also says whether that organisation may write for the patient by
 * the care-relation rule (auth/care-relation.ts, the probe auth/access.ts#careRelations uses);
 * without, `writable` is false.
 */
export async function episodesForWriteMany(q: Queryable, patientIds: string[], org: string | null = null): Promise<Map<string, Awaited<ReturnType<typeof episodesForWrite>> & { writable: boolean }>> {
  const r = await q.query<{ patient_id: string; tz: string | null; id: string | null; time_zone: string | null; started_at: Date | null; writable: boolean }>(
    `select p.id::text as patient_id, (select time_zone from episodes where patient_id = p.id order by started_at desc limit 1) as tz, o.id, o.time_zone, o.started_at,
            c.ok is not null as writable
       from unnest($1::uuid[]) as p(id) left join lateral (
         select id, time_zone, started_at from episodes where patient_id = p.id and status <> 'ended' order by started_at desc limit 1) o on true
       left join lateral (${careRelationProbe('p.id', '$2')}) c on $2::uuid is not null`,
    [patientIds, org],
  );
  return new Map(r.rows.map((x) => [x.patient_id, {
    timeZone: x.tz ?? 'Europe/Oslo',
    open: x.id && x.time_zone && x.started_at ? { id: x.id, time_zone: x.time_zone, started_at: x.started_at } : undefined,
    writable: x.writable,
  }]));
}

/** Characters of JSON per insertFhirResources statement at most (one row may exceed it alone). */
const INSERT_JSON_MAX = 16 * 1024 * 1024;

/**
 * insertFhirResource for many rows in one statement (per `maxJson`, below). The rows come back as
 * inserted (the text of `resource` is the posted text, not read back from jsonb: callers parse it
 * as posted).
 *
 * The rows travel as ONE json array of positional arrays, each resource's text spliced in as it is
 * (it is JSON already). As text-array parameters, every resource and list was escaped element by
 * element by the driver (quotes are most of a FHIR resource's punctuation; array parameters were
 * 11 % of the server's CPU per transaction Bundle, these the bulk of their bytes), and the bytes
 * sent grew by the escapes (bench/README.md, round 19).
 * value_num travels as a string: numeric, exact. A group may hold many Bundles of up to the body
 * limit each: a statement takes rows up to `maxJson` characters (far below jsonb's 256 MB).
 */
export async function insertFhirResources(q: Queryable, rows: NewFhirResource[], maxJson = INSERT_JSON_MAX): Promise<FhirResourceRow[]> {
  if (rows.length === 0) return [];
  const s = JSON.stringify;
  const texts = rows.map((r) => `[${s(r.id)},${s(r.resource_type)},${s(r.patient_id)},${s(r.organisation_id)},${r.resource_text},${s(r.status)},${
    s(r.codes)},${s(r.identifiers)},${s(r.categories)},${s(r.effective_at?.toISOString() ?? null)},${s(r.effective_precision)},${s(r.value_num)},${
    s(r.value_unit)},${s(r.device_id)},${s(r.content_hash)},${s(r.observation_ids)},${s(r.triage)},${s(r.triage_note)},${s(r.recorded_by)}]`);
  const inserted: { id: string; received_at: Date; last_updated: Date }[] = [];
  for (let i = 0; i < texts.length;) {
    let j = i;
    for (let size = 0; j < texts.length && (j === i || size + texts[j]!.length <= maxJson); j++) size += texts[j]!.length + 1;
    const part = await q.query<{ id: string; received_at: Date; last_updated: Date }>(
      `insert into fhir_resources (id, resource_type, patient_id, organisation_id, resource, status, codes, identifiers, categories, effective_at,
         effective_precision, value_num, value_unit, device_id, content_hash, observation_ids, triage, triage_note, recorded_by)
       select (t->>0)::uuid, t->>1, (t->>2)::uuid, (t->>3)::uuid, t->4, t->>5,
              array(select jsonb_array_elements_text(t->6)), array(select jsonb_array_elements_text(t->7)),
              array(select jsonb_array_elements_text(t->8)), (t->>9)::timestamptz, t->>10, (t->>11)::numeric,
              t->>12, (t->>13)::uuid, t->>14, array(select jsonb_array_elements_text(t->15)::uuid), t->>16, t->>17, t->>18
         from jsonb_array_elements($1::jsonb) as t
       returning id, received_at, last_updated`,
      [`[${texts.slice(i, j).join(',')}]`],
    );
    inserted.push(...part.rows);
    i = j;
  }
  const at = new Map(inserted.map((x) => [x.id.toLowerCase(), x]));
  return rows.map((r) => {
    const x = at.get(r.id.toLowerCase())!;
    return { ...r, replaced_by: null, received_at: x.received_at, last_updated: x.last_updated };
  });
}


import type { Queryable } from '../db/port.js';
import type { MessageRow } from '../messages/repo.js';
import type { ObservationRow } from '../observations/repo.js';
import type { PatientRow } from '../patients/repo.js';
import type { PlanRow } from '../plans/repo.js';

/*
 * Queries the FHIR face needs and the feature repos do not offer (lookups by resource id, result
 * windows and sort orders of FHIR search). Read-only: every write goes through the feature services.
 * Callers authorise before they return anything from here.
 */

/** One stored reading by id (any patient: the caller authorises against its patient_id). */
export async function observationById(q: Queryable, id: string): Promise<ObservationRow | undefined> {
  return (await q.query<ObservationRow>('select * from observations where id = $1', [id])).rows[0];
}

export interface ObservationQuery {
  patientId: string;
  /** null = any code; [] = nothing can match (the caller short-cuts). */
  codes: string[] | null;
  from?: Date;
  to?: Date;
  order: 'asc' | 'desc';
  limit: number;
}

/** A patient's readings filtered by code and a half-open time window, sorted by effective time. */
export async function findObservations(q: Queryable, f: ObservationQuery): Promise<ObservationRow[]> {
  // The direction comes from a closed enum, never from the request text.
  const dir = f.order === 'asc' ? 'asc' : 'desc';
  const r = await q.query<ObservationRow>(
    `select * from observations where patient_id = $1
        and ($2::text[] is null or code = any($2::text[]))
        and ($3::timestamptz is null or effective_at >= $3) and ($4::timestamptz is null or effective_at < $4)
      order by effective_at ${dir}, code limit $5`,
    [f.patientId, f.codes, f.from ?? null, f.to ?? null, f.limit],
  );
  return r.rows;
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
  score: number;
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

/** Devices with owner and current loan, filtered by id, serial, owner and/or current borrower. */
export async function findDevices(q: Queryable, f: DeviceQuery): Promise<DeviceRow[]> {
  const r = await q.query<DeviceRow>(
    `select d.*, o.name as organisation_name, o.org_number, l.patient_id as lent_to, l.lent_at
       from devices d join organisations o on o.id = d.organisation_id
       left join device_loans l on l.device_id = d.id and l.returned_at is null
      where ($1::uuid[] is null or d.id = any($1::uuid[])) and ($2::text[] is null or d.serial = any($2::text[]))
        and ($3::uuid is null or d.organisation_id = $3) and ($4::uuid is null or l.patient_id = $4)
      order by d.serial, d.id limit $5`,
    [f.ids ?? null, f.serials ?? null, f.organisationId ?? null, f.lentTo ?? null, f.limit],
  );
  return r.rows;
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

import type { PathwayState } from '../../domain/pathway.js';
import type { Queryable } from '../db/port.js';

export interface PatientRow {
  id: string;
  identifier: string;
  identifier_system: 'fnr' | 'dnr';
  name: string;
  birth_date: string;
  sex: 'male' | 'female';
  phone: string | null;
  lang: 'nb' | 'nn' | 'en';
  created_at: Date;
}

export interface EpisodeRow {
  id: string;
  patient_id: string;
  status: 'referred' | 'active' | 'paused' | 'ended';
  /** The care pathway step (migration 014, domain/pathway.ts). */
  state: PathwayState;
  end_reason: string | null;
  diagnoses: { system: string; code: string; display: string }[];
  risk_level: 'medium' | 'high';
  /** Null while a referral waits for onboarding. */
  consent_at: Date | null;
  enrolled_by: string;
  follow_up_org: string;
  time_zone: string;
  started_at: Date;
  ended_at: Date | null;
  referral_source: 'gp' | 'hospital' | 'home_care' | 'citizen' | null;
  referral_reason: string | null;
  referrer_org: string | null;
  referred_at: Date | null;
  inclusion: Record<string, boolean> | null;
  vedtak_date: string | null;
  decided_at: Date | null;
  decided_by: string | null;
  decline_reason: string | null;
  consent_scope: string | null;
  consent_recorded_by: string | null;
  training: Record<string, { at: string; by: string }>;
  goals: string | null;
  baseline_days: number;
  baseline_started_at: Date | null;
  baseline_ended_at: Date | null;
  pause_reason: string | null;
  pause_until: string | null;
  paused_at: Date | null;
  schedules_from: Date | null;
  evaluation_months: number;
  next_evaluation_at: Date | null;
  end_reason_code: string | null;
}

export interface CareTeamRow {
  organisation_id: string;
  name: string;
  kind: string;
  responsibility: 'follow_up' | 'gp' | 'hospital' | 'home_care';
}

export async function getPatient(q: Queryable, id: string): Promise<PatientRow | undefined> {
  return (await q.query<PatientRow>('select * from patients where id = $1', [id])).rows[0];
}

export async function findPatientByIdentifier(q: Queryable, identifier: string): Promise<PatientRow | undefined> {
  return (await q.query<PatientRow>('select * from patients where identifier = $1', [identifier])).rows[0];
}

/** findPatientByIdentifier for many identifiers in one statement: identifier → patient (absent: none). */
export async function findPatientsByIdentifiers(q: Queryable, identifiers: readonly string[]): Promise<Map<string, PatientRow>> {
  if (identifiers.length === 0) return new Map();
  const r = await q.query<PatientRow>('select * from patients where identifier = any($1::text[])', [[...new Set(identifiers)]]);
  return new Map(r.rows.map((p) => [p.identifier, p]));
}

export async function insertPatient(
  q: Queryable,
  p: Pick<PatientRow, 'identifier' | 'identifier_system' | 'name' | 'birth_date' | 'sex' | 'phone' | 'lang'>,
): Promise<PatientRow> {
  const r = await q.query<PatientRow>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex, phone, lang)
     values ($1,$2,$3,$4,$5,$6,$7) returning *`,
    [p.identifier, p.identifier_system, p.name, p.birth_date, p.sex, p.phone, p.lang],
  );
  return r.rows[0]!;
}

export async function setLanguage(q: Queryable, patientId: string, lang: 'nb' | 'nn' | 'en'): Promise<void> {
  await q.query('update patients set lang = $2 where id = $1', [patientId, lang]);
}

export async function episodesOf(q: Queryable, patientId: string): Promise<EpisodeRow[]> {
  return (await q.query<EpisodeRow>('select * from episodes where patient_id = $1 order by started_at desc', [patientId])).rows;
}

/** The episode that is not ended (at most one, by a unique index). */
export async function openEpisode(q: Queryable, patientId: string, lock = false): Promise<EpisodeRow | undefined> {
  const r = await q.query<EpisodeRow>(
    `select * from episodes where patient_id = $1 and status <> 'ended' ${lock ? 'for update' : ''}`,
    [patientId],
  );
  return r.rows[0];
}

export async function insertEpisode(
  q: Queryable,
  e: Pick<EpisodeRow, 'patient_id' | 'diagnoses' | 'risk_level' | 'consent_at' | 'enrolled_by' | 'follow_up_org' | 'time_zone'> & { started_at?: Date },
): Promise<EpisodeRow> {
  const r = await q.query<EpisodeRow>(
    `insert into episodes (patient_id, diagnoses, risk_level, consent_at, enrolled_by, follow_up_org, time_zone, started_at, next_evaluation_at)
     values ($1,$2,$3,$4,$5,$6,$7, coalesce($8, now()), coalesce($8, now()) + interval '3 months') returning *`,
    [e.patient_id, JSON.stringify(e.diagnoses), e.risk_level, e.consent_at, e.enrolled_by, e.follow_up_org, e.time_zone, e.started_at ?? null],
  );
  return r.rows[0]!;
}

export async function addToCareTeam(q: Queryable, episodeId: string, organisationId: string, responsibility: CareTeamRow['responsibility']): Promise<void> {
  await q.query(
    `insert into care_team (episode_id, organisation_id, responsibility) values ($1,$2,$3)
     on conflict (episode_id, organisation_id) do update set responsibility = excluded.responsibility`,
    [episodeId, organisationId, responsibility],
  );
}

export async function careTeam(q: Queryable, episodeId: string): Promise<CareTeamRow[]> {
  const r = await q.query<CareTeamRow>(
    `select ct.organisation_id, o.name, o.kind, ct.responsibility from care_team ct join organisations o on o.id = ct.organisation_id
      where ct.episode_id = $1 order by ct.responsibility, o.name`,
    [episodeId],
  );
  return r.rows;
}

export async function endEpisode(q: Queryable, episodeId: string, reason: string, reasonCode: string | null = null): Promise<EpisodeRow | undefined> {
  const r = await q.query<EpisodeRow>(
    `update episodes set status = 'ended', state = 'ended', end_reason = $2, end_reason_code = $3, ended_at = now() where id = $1 and status <> 'ended' returning *`,
    [episodeId, reason, reasonCode],
  );
  return r.rows[0];
}

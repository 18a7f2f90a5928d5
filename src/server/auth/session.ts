import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/port.js';
import type { Actor, PersonnelRole } from './actor.js';

export const SESSION_COOKIE = 'varde_session';

/** Only the hash is stored: a leaked sessions table does not let anyone log in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface NewSession {
  subjectKind: 'patient' | 'personnel';
  subjectId: string;
  organisationId?: string | null;
  role?: PersonnelRole | null;
  acr?: string | null;
  idToken?: string | null;
  ttlHours: number;
}

/** Creates a session and returns the opaque token for the cookie. */
export async function createSession(q: Queryable, s: NewSession): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await q.query(
    `insert into sessions (id_hash, subject_kind, subject_id, organisation_id, role, acr, id_token, expires_at)
     values ($1,$2,$3,$4,$5,$6,$7, now() + make_interval(secs => $8))`,
    [hashToken(token), s.subjectKind, s.subjectId, s.organisationId ?? null, s.role ?? null, s.acr ?? null, s.idToken ?? null, s.ttlHours * 3600],
  );
  return token;
}

export async function deleteSession(q: Queryable, token: string): Promise<{ id_token: string | null } | undefined> {
  const r = await q.query<{ id_token: string | null }>('delete from sessions where id_hash = $1 returning id_token', [hashToken(token)]);
  return r.rows[0];
}

interface SessionRow {
  subject_kind: 'patient' | 'personnel';
  subject_id: string;
  role: PersonnelRole | null;
  organisation_id: string | null;
  patient_name: string | null;
  patient_lang: 'nb' | 'nn' | 'en' | null;
  personnel_name: string | null;
  hpr_number: string | null;
  org_name: string | null;
  org_kind: 'municipality' | 'hospital' | 'gp_office' | null;
  still_member: boolean;
}

/**
 * Resolves a session token to the acting person. Personnel act for the organisation and role
 * chosen at login; if that membership has been removed since, the session no longer works.
 */
export async function actorForSession(q: Queryable, token: string): Promise<Actor | null> {
  const r = await q.query<SessionRow>(
    `select s.subject_kind, s.subject_id, s.role, s.organisation_id,
            p.name as patient_name, p.lang as patient_lang,
            pe.name as personnel_name, pe.hpr_number, o.name as org_name, o.kind as org_kind,
            exists (select 1 from memberships m where m.personnel_id = s.subject_id
                     and m.organisation_id = s.organisation_id and m.role = s.role) as still_member
       from sessions s
       left join patients p on s.subject_kind = 'patient' and p.id = s.subject_id
       left join personnel pe on s.subject_kind = 'personnel' and pe.id = s.subject_id
       left join organisations o on o.id = s.organisation_id
      where s.id_hash = $1 and s.expires_at > now()`,
    [hashToken(token)],
  );
  const row = r.rows[0];
  if (!row) return null;
  if (row.subject_kind === 'patient') {
    if (!row.patient_name) return null;
    return { kind: 'patient', patientId: row.subject_id, name: row.patient_name, lang: row.patient_lang ?? 'nb' };
  }
  if (!row.personnel_name || !row.still_member || !row.organisation_id || !row.role || !row.org_kind) return null;
  return {
    kind: 'personnel',
    personnelId: row.subject_id,
    name: row.personnel_name,
    hpr: row.hpr_number ?? '',
    organisationId: row.organisation_id,
    organisationName: row.org_name ?? '',
    organisationKind: row.org_kind,
    role: row.role,
  };
}

/** Personnel memberships, clinical roles first, for choosing what a new session acts as. */
export async function membershipsFor(q: Queryable, personnelId: string) {
  const r = await q.query<{ organisation_id: string; role: PersonnelRole; org_name: string }>(
    `select m.organisation_id, m.role, o.name as org_name from memberships m join organisations o on o.id = m.organisation_id
      where m.personnel_id = $1
      order by case m.role when 'nurse' then 0 when 'gp' then 1 when 'specialist' then 2 when 'coordinator' then 3 else 4 end, o.name`,
    [personnelId],
  );
  return r.rows;
}

/** Personnel working for several organisations switch which one they act for, within the session. */
export async function switchMembership(q: Queryable, token: string, personnelId: string, organisationId: string, role: PersonnelRole): Promise<boolean> {
  const r = await q.query(
    `update sessions set organisation_id = $3, role = $4 where id_hash = $1 and subject_id = $2
        and exists (select 1 from memberships m where m.personnel_id = $2 and m.organisation_id = $3 and m.role = $4)`,
    [hashToken(token), personnelId, organisationId, role],
  );
  return r.rowCount > 0;
}

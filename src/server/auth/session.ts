import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/port.js';
import type { Actor, PersonnelRole } from './actor.js';

export const SESSION_COOKIE = 'varde_session';

/** Only the hash is stored: a leaked sessions table does not let anyone log in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface NewSession {
  subjectKind: 'patient' | 'personnel' | 'relative';
  /** The patient's or personnel's id; null for a relative, who has no row of their own. */
  subjectId: string | null;
  /** A relative's fødselsnummer (ID-porten pid). */
  subjectIdentifier?: string | null;
  organisationId?: string | null;
  role?: PersonnelRole | null;
  acr?: string | null;
  idToken?: string | null;
  ttlHours: number;
}

/** Minutes without a request after which a session ends, per kind of person (config SESSION_IDLE_MINUTES_*). */
export interface IdleLimits {
  personnelMinutes: number;
  patientMinutes: number;
}

export const DEFAULT_IDLE: IdleLimits = { personnelMinutes: 30, patientMinutes: 60 };

/** Moving last-seen forward at most this often keeps a burst of requests from writing the row each time. */
const TOUCH_AFTER_SECONDS = 30;

/** SQL condition for a live session `s`: before its absolute expiry and not idle. Params $2/$3: idle seconds. */
const LIVE = `s.expires_at > now()
  and s.last_seen_at > now() - make_interval(secs => case when s.subject_kind in ('patient', 'relative') then $2::float8 else $3::float8 end)`;

function idleParams(idle: IdleLimits): [number, number] {
  return [idle.patientMinutes * 60, idle.personnelMinutes * 60];
}

/** Creates a session and returns the opaque token for the cookie. */
export async function createSession(q: Queryable, s: NewSession): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await q.query(
    `insert into sessions (id_hash, subject_kind, subject_id, organisation_id, role, acr, id_token, expires_at, subject_identifier)
     values ($1,$2,$3,$4,$5,$6,$7, now() + make_interval(secs => $8), $9)`,
    [hashToken(token), s.subjectKind, s.subjectId, s.organisationId ?? null, s.role ?? null, s.acr ?? null, s.idToken ?? null, s.ttlHours * 3600, s.subjectIdentifier ?? null],
  );
  return token;
}

/** Ends a session; returns its ID token (for the identity provider's end-session call) if it existed. */
export async function deleteSession(q: Queryable, token: string): Promise<{ id_token: string | null } | undefined> {
  const r = await q.query<{ id_token: string | null }>('delete from sessions where id_hash = $1 returning id_token', [hashToken(token)]);
  return r.rows[0];
}

/**
 * Deletes sessions past their absolute expiry or idle timeout (with the ID tokens they hold) and
 * expired device access tokens. Run periodically; reading already ignores them.
 */
export async function purgeExpiredSessions(q: Queryable, idle: IdleLimits = DEFAULT_IDLE): Promise<{ sessions: number; accessTokens: number }> {
  const s = await q.query(
    `delete from sessions where expires_at <= now()
        or last_seen_at <= now() - make_interval(secs => case when subject_kind in ('patient', 'relative') then $1::float8 else $2::float8 end)`,
    idleParams(idle),
  );
  const t = await q.query('delete from access_tokens where expires_at <= now()');
  return { sessions: s.rowCount, accessTokens: t.rowCount };
}

interface SessionRow {
  subject_kind: 'patient' | 'personnel' | 'relative';
  subject_id: string | null;
  subject_identifier: string | null;
  /** A relative's name as the newest running delegation to them gives it; null when none runs any more. */
  relative_name: string | null;
  role: PersonnelRole | null;
  organisation_id: string | null;
  launch_patient_id: string | null;
  launch_patient_name: string | null;
  patient_name: string | null;
  patient_lang: 'nb' | 'nn' | 'en' | null;
  personnel_name: string | null;
  hpr_number: string | null;
  org_name: string | null;
  org_kind: 'municipality' | 'hospital' | 'gp_office' | null;
  still_member: boolean;
  stale: boolean;
}

/**
 * Resolves a session token to the acting person. Personnel act for the organisation and role
 * chosen at login; if that membership has been removed since, the session no longer works.
 * A session unused for longer than its idle limit is dead; a live one is marked as seen.
 * A relative's session lives only while some patient with an open episode still delegates to
 * them: the last revocation ends it on the next request.
 */
export async function actorForSession(q: Queryable, token: string, idle: IdleLimits = DEFAULT_IDLE): Promise<Actor | null> {
  const r = await q.query<SessionRow>(
    `select s.subject_kind, s.subject_id, s.subject_identifier, s.role, s.organisation_id,
            case when s.subject_kind = 'relative' then
              (select d.relative_name from delegations d
                where d.relative_identifier = s.subject_identifier and d.revoked_at is null
                  and exists (select 1 from episodes e where e.patient_id = d.patient_id and e.status <> 'ended')
                order by d.granted_at desc limit 1) end as relative_name,
            p.name as patient_name, p.lang as patient_lang, s.launch_patient_id, lp.name as launch_patient_name,
            pe.name as personnel_name, pe.hpr_number, o.name as org_name, o.kind as org_kind,
            exists (select 1 from memberships m where m.personnel_id = s.subject_id
                     and m.organisation_id = s.organisation_id and m.role = s.role) as still_member,
            s.last_seen_at < now() - make_interval(secs => ${TOUCH_AFTER_SECONDS}) as stale
       from sessions s
       left join patients p on s.subject_kind = 'patient' and p.id = s.subject_id
       left join personnel pe on s.subject_kind = 'personnel' and pe.id = s.subject_id
       left join organisations o on o.id = s.organisation_id
       left join patients lp on lp.id = s.launch_patient_id
      where s.id_hash = $1 and ${LIVE}`,
    [hashToken(token), ...idleParams(idle)],
  );
  const row = r.rows[0];
  if (!row) return null;
  if (row.stale) await q.query('update sessions set last_seen_at = now() where id_hash = $1', [hashToken(token)]);
  if (row.subject_kind === 'relative') {
    if (!row.relative_name || !row.subject_identifier) return null;
    return { kind: 'relative', identifier: row.subject_identifier, name: row.relative_name };
  }
  if (!row.subject_id) return null;
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
    ...(row.launch_patient_id ? { launchPatient: { id: row.launch_patient_id, name: row.launch_patient_name ?? '' } } : {}),
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

/**
 * Long-lived responses (the worklist's Server-Sent Events) that must end with their session: at
 * logout in this process at once, and at idle or absolute expiry (or logout in another process)
 * on the next `sweep()`, which the server runs periodically.
 */
export class SessionWatch {
  private readonly open = new Map<string, Set<() => void>>();

  constructor(
    private readonly q: Queryable,
    private readonly idle: IdleLimits,
  ) {}

  /** Calls `onEnd` once when the request's session ends; returns the function that stops watching. */
  watchRequest(req: { cookies: Record<string, string | undefined> }, onEnd: () => void): () => void {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return () => undefined;
    const key = hashToken(token);
    const set = this.open.get(key) ?? new Set();
    this.open.set(key, set);
    let done = false;
    const fire = () => {
      if (done) return;
      done = true;
      onEnd();
    };
    set.add(fire);
    return () => {
      set.delete(fire);
      if (!set.size && this.open.get(key) === set) this.open.delete(key);
    };
  }

  /** The session behind `token` was ended here (logout). */
  ended(token: string): void {
    this.close(hashToken(token));
  }

  /** Ends the watched responses whose session is no longer live; returns how many sessions ended. */
  async sweep(): Promise<number> {
    if (!this.open.size) return 0;
    const keys = [...this.open.keys()];
    const r = await this.q.query<{ id_hash: string }>(`select s.id_hash from sessions s where s.id_hash = any($1::text[]) and ${LIVE}`, [keys, ...idleParams(this.idle)]);
    const live = new Set(r.rows.map((x) => x.id_hash));
    let n = 0;
    for (const k of keys) if (!live.has(k)) (this.close(k), n++);
    return n;
  }

  private close(key: string): void {
    const set = this.open.get(key);
    this.open.delete(key);
    for (const fire of set ?? []) fire();
  }
}

import type { LocalText } from '../../domain/text.js';
import type { Queryable } from '../db/port.js';

export interface EpisodeInScope {
  episode_id: string;
  patient_id: string;
  name: string;
  birth_date: string;
  identifier: string;
  started_at: Date;
  diagnoses: { system: string; code: string; display: string }[];
}

/** Active episodes whose care team includes the organisation (the nurse's caseload). */
export async function episodesForOrganisation(q: Queryable, organisationId: string): Promise<EpisodeInScope[]> {
  const r = await q.query<EpisodeInScope>(
    `select e.id as episode_id, p.id as patient_id, p.name, p.birth_date, p.identifier, e.started_at, e.diagnoses
       from care_team ct join episodes e on e.id = ct.episode_id join patients p on p.id = e.patient_id
      where ct.organisation_id = $1 and e.status = 'active'`,
    [organisationId],
  );
  return r.rows;
}

export interface OpenAlert {
  id: string;
  episode_id: string;
  zone: 'yellow' | 'red' | 'missing';
  status: 'open' | 'acknowledged';
  first_at: Date;
  summary: LocalText;
}

export async function unresolvedAlerts(q: Queryable, episodeIds: string[]): Promise<OpenAlert[]> {
  const r = await q.query<OpenAlert>(
    `select id, episode_id, zone, status, first_at, summary from alerts
      where status <> 'resolved' and episode_id = any($1) order by first_at`,
    [episodeIds],
  );
  return r.rows;
}

export interface LatestValue {
  episode_id: string;
  code: string;
  value: number;
  unit: string;
  effective_at: Date;
  zone: string | null;
}

export async function latestValues(q: Queryable, episodeIds: string[], since: Date): Promise<LatestValue[]> {
  const r = await q.query<LatestValue>(
    `select distinct on (episode_id, code) episode_id, code, value, unit, effective_at, zone from observations
      where episode_id = any($1) and effective_at >= $2 order by episode_id, code, effective_at desc`,
    [episodeIds, since],
  );
  return r.rows;
}

export async function sparkValues(q: Queryable, episodeIds: string[], code: string, since: Date, perEpisode: number) {
  const r = await q.query<{ episode_id: string; value: number; effective_at: Date }>(
    `select episode_id, value, effective_at from (
        select episode_id, value, effective_at, row_number() over (partition by episode_id order by effective_at desc) as rn
          from observations where episode_id = any($1) and code = $2 and effective_at >= $3) x
      where rn <= $4 order by episode_id, effective_at`,
    [episodeIds, code, since, perEpisode],
  );
  return r.rows;
}

/**
 * Logs that the actor saw these patients on the worklist, at most once per actor and patient per
 * hour: the patient's access log shows it, without a row on every live refresh.
 */
export async function auditWorklistView(
  q: Queryable,
  a: { actorId: string; actorName: string; organisationId: string; role: string; route: string },
  patientIds: string[],
): Promise<void> {
  if (patientIds.length === 0) return;
  await q.query(
    `insert into audit_events (actor_kind, actor_id, actor_name, organisation_id, role, action, resource_type, patient_id, route)
     select 'personnel', $1, $2, $3, $4, 'read', 'Worklist', p, $5 from unnest($6::uuid[]) as p
      where not exists (select 1 from audit_events x where x.patient_id = p and x.actor_id = $1
                          and x.resource_type = 'Worklist' and x.at > now() - interval '1 hour')`,
    [a.actorId, a.actorName, a.organisationId, a.role, a.route, patientIds],
  );
}

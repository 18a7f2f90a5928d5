import type { PlanDefinition } from '../../domain/plan.js';
import type { Queryable } from '../db/port.js';
import type { AlertInput, EpisodeInput, ObservationInput, PlanInput } from './indicators.js';

export async function municipalitiesOf(q: Queryable, organisationId: string): Promise<{ id: string; name: string; helsefellesskap: string }[]> {
  const r = await q.query<{ id: string; name: string; helsefellesskap: string }>(
    `select id, name, helsefellesskap from organisations
      where kind = 'municipality' and helsefellesskap = (select helsefellesskap from organisations where id = $1) order by name`,
    [organisationId],
  );
  return r.rows;
}

export async function episodesIn(q: Queryable, municipalityIds: string[], from: Date, to: Date): Promise<EpisodeInput[]> {
  const r = await q.query<{ id: string; patient_id: string; follow_up_org: string; diagnoses: { system: string; code: string }[]; time_zone: string; started_at: Date; ended_at: Date | null }>(
    `select id, patient_id, follow_up_org, diagnoses, time_zone, started_at, ended_at from episodes
      where follow_up_org = any($1) and started_at < $3 and (ended_at is null or ended_at >= $2)`,
    [municipalityIds, from, to],
  );
  return r.rows.map((e) => ({
    id: e.id, patientId: e.patient_id, municipalityId: e.follow_up_org, diagnoses: e.diagnoses, timeZone: e.time_zone, startedAt: e.started_at, endedAt: e.ended_at,
  }));
}

export async function plansOf(q: Queryable, episodeIds: string[]): Promise<PlanInput[]> {
  const r = await q.query<{ episode_id: string; approved_at: Date; definition: PlanDefinition }>(
    'select episode_id, approved_at, definition from plans where episode_id = any($1) and approved_at is not null',
    [episodeIds],
  );
  return r.rows.map((p) => ({ episodeId: p.episode_id, approvedAt: p.approved_at, definition: p.definition }));
}

/** Only what adherence needs: which code was reported when (no values). */
export async function reportTimes(q: Queryable, episodeIds: string[], from: Date, to: Date): Promise<ObservationInput[]> {
  const r = await q.query<{ episode_id: string; code: string; effective_at: Date }>(
    'select episode_id, code, effective_at from observations where episode_id = any($1) and effective_at >= $2 and effective_at < $3',
    [episodeIds, from, to],
  );
  return r.rows.map((o) => ({ episodeId: o.episode_id, code: o.code, effectiveAt: o.effective_at }));
}

/**
 * Alerts first raised in the period, with when each first turned red. The finding times are read
 * as text and parsed here: one alert with a malformed stored finding must not fail the cast in SQL
 * and with it everyone's report (it then counts from its first_at).
 */
export async function alertsOf(q: Queryable, episodeIds: string[], from: Date, to: Date): Promise<AlertInput[]> {
  const r = await q.query<{ episode_id: string; zone: string; first_at: Date; red_ats: string[] | null; acknowledged_at: Date | null; no_action_needed: boolean | null }>(
    `select episode_id, zone, first_at, acknowledged_at, no_action_needed,
        (select array_agg(f->>'at') from jsonb_array_elements(case when jsonb_typeof(findings) = 'array' then findings else '[]'::jsonb end) f
          where jsonb_typeof(f) = 'object' and f->>'zone' = 'red') as red_ats
       from alerts where episode_id = any($1) and first_at >= $2 and first_at < $3`,
    [episodeIds, from, to],
  );
  return r.rows.map((a) => {
    const times = (a.red_ats ?? []).map((t) => (typeof t === 'string' ? Date.parse(t) : Number.NaN)).filter(Number.isFinite);
    return { episodeId: a.episode_id, zone: a.zone, firstAt: a.first_at, redAt: times.length ? new Date(Math.min(...times)) : null, acknowledgedAt: a.acknowledged_at, noActionNeeded: a.no_action_needed };
  });
}

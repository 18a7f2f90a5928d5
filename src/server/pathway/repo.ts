import type { PathwayAction, PathwayState } from '../../domain/pathway.js';
import type { Queryable } from '../db/port.js';
import type { EpisodeRow } from '../patients/repo.js';

export interface TransitionRow {
  id: string;
  episode_id: string;
  from_state: PathwayState | null;
  to_state: PathwayState;
  action: PathwayAction | 'refer' | 'enrol';
  at: Date;
  by_personnel: string | null;
  by_name: string | null;
  organisation_id: string | null;
  organisation_name: string | null;
  details: Record<string, unknown>;
}

/** Appends a transition (the table refuses updates and deletes). */
export async function insertTransition(
  q: Queryable,
  t: { episodeId: string; patientId: string; from: PathwayState | null; to: PathwayState; action: TransitionRow['action']; at: Date; by: string | null; organisationId: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await q.query(
    `insert into episode_transitions (episode_id, patient_id, from_state, to_state, action, at, by_personnel, organisation_id, details)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
    [t.episodeId, t.patientId, t.from, t.to, t.action, t.at, t.by, t.organisationId, JSON.stringify(t.details ?? {})],
  );
}

export async function transitionsOf(q: Queryable, episodeId: string): Promise<TransitionRow[]> {
  const r = await q.query<TransitionRow>(
    `select t.*, p.name as by_name, o.name as organisation_name from episode_transitions t
       left join personnel p on p.id = t.by_personnel left join organisations o on o.id = t.organisation_id
      where t.episode_id = $1 order by t.at, t.id`,
    [episodeId],
  );
  return r.rows;
}

export async function episodeById(q: Queryable, episodeId: string, lock = false): Promise<EpisodeRow | undefined> {
  return (await q.query<EpisodeRow>(`select * from episodes where id = $1 ${lock ? 'for update' : ''}`, [episodeId])).rows[0];
}

/** The patient's newest episode (open first): the one the pathway panel shows. */
export async function currentEpisode(q: Queryable, patientId: string, episodeIds: string[] | null, lock = false): Promise<EpisodeRow | undefined> {
  const r = await q.query<EpisodeRow>(
    `select * from episodes where patient_id = $1 and ($2::uuid[] is null or id = any($2))
      order by (status <> 'ended') desc, started_at desc limit 1 ${lock ? 'for update' : ''}`,
    [patientId, episodeIds],
  );
  return r.rows[0];
}

/** Sets columns of an episode; `state` also sets the coarse `status` (and `ended_at` when it ends). */
export async function updateEpisode(q: Queryable, episodeId: string, set: Record<string, unknown>): Promise<EpisodeRow> {
  const keys = Object.keys(set);
  const assignments = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
  const r = await q.query<EpisodeRow>(`update episodes set ${assignments} where id = $1 returning *`, [episodeId, ...keys.map((k) => set[k])]);
  return r.rows[0]!;
}

export async function personnelName(q: Queryable, id: string | null): Promise<string | null> {
  if (!id) return null;
  return (await q.query<{ name: string }>('select name from personnel where id = $1', [id])).rows[0]?.name ?? null;
}

export async function organisationName(q: Queryable, id: string | null): Promise<string | null> {
  if (!id) return null;
  return (await q.query<{ name: string }>('select name from organisations where id = $1', [id])).rows[0]?.name ?? null;
}

/** Readings of the episode since `from`, per code (baseline proposal; values exactly as stored). */
export async function readingsSince(q: Queryable, patientId: string, episodeId: string, from: Date, to: Date): Promise<Map<string, number[]>> {
  const r = await q.query<{ code: string; value: number }>(
    `select code, value from observations where patient_id = $1 and episode_id = $2 and effective_at >= $3 and effective_at < $4`,
    [patientId, episodeId, from, to],
  );
  const out = new Map<string, number[]>();
  for (const o of r.rows) out.set(o.code, [...(out.get(o.code) ?? []), Number(o.value)]);
  return out;
}

export interface PeriodSummary {
  from: Date;
  to: Date;
  days: number;
  daysWithReadings: number;
  alerts: { red: number; yellow: number; missing: number };
  contacts: number;
  messages: number;
}

/**
 * What happened in the episode between `from` and `to`: local days with at least one reading
 * (adherence), alerts by zone, contact notes and messages. For evaluations and the end summary.
 */
export async function periodSummary(q: Queryable, e: EpisodeRow, from: Date, to: Date): Promise<PeriodSummary> {
  const r = await q.query<{ days: number; with_readings: number; red: number; yellow: number; missing: number; contacts: number; messages: number }>(
    `select greatest(1, (($3::timestamptz at time zone $4)::date - ($2::timestamptz at time zone $4)::date))::int as days,
            (select count(distinct (o.effective_at at time zone $4)::date)::int from observations o
              where o.patient_id = $5 and o.episode_id = $1 and o.effective_at >= $2 and o.effective_at < $3) as with_readings,
            (select count(*)::int from alerts a where a.episode_id = $1 and a.first_at >= $2 and a.first_at < $3 and a.zone = 'red') as red,
            (select count(*)::int from alerts a where a.episode_id = $1 and a.first_at >= $2 and a.first_at < $3 and a.zone = 'yellow') as yellow,
            (select count(*)::int from alerts a where a.episode_id = $1 and a.first_at >= $2 and a.first_at < $3 and a.zone = 'missing') as missing,
            (select count(*)::int from contact_notes n where n.episode_id = $1 and n.created_at >= $2 and n.created_at < $3) as contacts,
            (select count(*)::int from messages m where m.episode_id = $1 and m.created_at >= $2 and m.created_at < $3) as messages`,
    [e.id, from, to, e.time_zone, e.patient_id],
  );
  const x = r.rows[0]!;
  return {
    from, to, days: x.days, daysWithReadings: Math.min(x.with_readings, x.days),
    alerts: { red: x.red, yellow: x.yellow, missing: x.missing }, contacts: x.contacts, messages: x.messages,
  };
}

/** The patient's device loans not yet returned (the equipment-return task after the end). */
export async function openLoans(q: Queryable, patientId: string): Promise<{ id: string; serial: string; model: string; organisation_id: string; lent_at: Date }[]> {
  const r = await q.query<{ id: string; serial: string; model: string; organisation_id: string; lent_at: Date }>(
    `select l.id, d.serial, d.model, d.organisation_id, l.lent_at from device_loans l join devices d on d.id = l.device_id
      where l.patient_id = $1 and l.returned_at is null order by l.lent_at`,
    [patientId],
  );
  return r.rows;
}

export interface ReferralListRow {
  episode_id: string;
  patient_id: string;
  patient_name: string;
  identifier: string;
  state: PathwayState;
  referral_source: string | null;
  referral_reason: string | null;
  referred_at: Date | null;
  inclusion: Record<string, boolean> | null;
  diagnoses: { system: string; code: string; display: string }[];
  risk_level: string;
  follow_up_org: string;
  follow_up_name: string;
  referrer_org: string | null;
  referrer_name: string | null;
  referred_by_name: string | null;
  vedtak_date: string | null;
  decided_at: Date | null;
  decided_by_name: string | null;
  decline_reason: string | null;
}

/** Referrals to decide by the organisation's follow-up service, and the ones it sent (last 180 days). */
export async function referralsFor(q: Queryable, orgId: string, now: Date): Promise<ReferralListRow[]> {
  const r = await q.query<ReferralListRow>(
    `select e.id as episode_id, e.patient_id, p.name as patient_name, p.identifier, e.state, e.referral_source, e.referral_reason, e.referred_at,
            e.inclusion, e.diagnoses, e.risk_level, e.follow_up_org, fo.name as follow_up_name, e.referrer_org, ro.name as referrer_name,
            rb.name as referred_by_name, e.vedtak_date::text as vedtak_date, e.decided_at, db.name as decided_by_name, e.decline_reason
       from episodes e join patients p on p.id = e.patient_id join organisations fo on fo.id = e.follow_up_org
       left join organisations ro on ro.id = e.referrer_org left join personnel rb on rb.id = e.enrolled_by
       left join personnel db on db.id = e.decided_by
      where e.referred_at is not null
        and ((e.follow_up_org = $1 and e.state = 'referred') or (e.referrer_org = $1 and e.referred_at >= $2))
      order by (e.state = 'referred') desc, e.referred_at desc limit 500`,
    [orgId, new Date(now.getTime() - 180 * 86_400_000)],
  );
  return r.rows;
}

export interface TaskRow {
  kind: 'referral' | 'evaluation_due' | 'evaluation' | 'baseline_done' | 'pause_over' | 'equipment_return' | 'plan_adjustment';
  episode_id: string;
  patient_id: string;
  patient_name: string;
  due_at: Date | null;
  /** plan_adjustment: the evaluation's note. */
  note: string | null;
}

/**
 * The pathway tasks of an organisation: referrals to decide, evaluations due or running, baseline
 * periods over (the GP approves the plan), pauses past their end date, and equipment to collect
 * after an end. Derived from the episodes, so there is nothing to keep in step.
 */
export async function tasksFor(q: Queryable, orgId: string, isGp: boolean, now: Date): Promise<TaskRow[]> {
  const r = await q.query<TaskRow>(
    `select * from (
       select 'referral' as kind, e.id as episode_id, e.patient_id, p.name as patient_name, e.referred_at as due_at, null::text as note
         from episodes e join patients p on p.id = e.patient_id where e.follow_up_org = $1 and e.state = 'referred' and not $3
       union all
       select 'evaluation_due', e.id, e.patient_id, p.name, e.next_evaluation_at, null
         from episodes e join patients p on p.id = e.patient_id where e.follow_up_org = $1 and e.state = 'active' and e.next_evaluation_at <= $2 and not $3
       union all
       select 'evaluation', e.id, e.patient_id, p.name, e.next_evaluation_at, null
         from episodes e join patients p on p.id = e.patient_id where e.follow_up_org = $1 and e.state = 'evaluation' and not $3
       union all
       select 'baseline_done', e.id, e.patient_id, p.name, e.baseline_started_at + make_interval(days => e.baseline_days), null
         from episodes e join patients p on p.id = e.patient_id
        where e.state = 'baseline' and e.baseline_started_at + make_interval(days => e.baseline_days) <= $2
          and (e.follow_up_org = $1 or ($3 and exists (select 1 from care_team ct where ct.episode_id = e.id and ct.organisation_id = $1 and ct.responsibility = 'gp')))
       union all
       select 'pause_over', e.id, e.patient_id, p.name, (e.pause_until + 1)::timestamp at time zone e.time_zone, null
         from episodes e join patients p on p.id = e.patient_id
        where e.follow_up_org = $1 and e.state = 'paused' and (e.pause_until + 1)::timestamp at time zone e.time_zone <= $2 and not $3
       union all
       select distinct on (e.patient_id) 'equipment_return', e.id, e.patient_id, p.name, e.ended_at, null
         from episodes e join patients p on p.id = e.patient_id
        where e.follow_up_org = $1 and e.state = 'ended' and not $3
          and not exists (select 1 from episodes o where o.patient_id = e.patient_id and o.status <> 'ended')
          and exists (select 1 from device_loans l join devices d on d.id = l.device_id
                       where l.patient_id = e.patient_id and l.returned_at is null and d.organisation_id = $1)
       union all
       -- The evaluation decided to adjust the plan: the GP's task until a new plan version is
       -- approved (domain/pathway.ts#pendingPlanAdjustment; only the latest evaluation counts).
       select 'plan_adjustment', e.id, e.patient_id, p.name, ev.at, ev.details->>'note'
         from episodes e join patients p on p.id = e.patient_id
         join lateral (select x.at, x.details from episode_transitions x where x.episode_id = e.id and x.action = 'complete_evaluation'
                        order by x.at desc limit 1) ev on true
        where $3 and e.status <> 'ended' and ev.details->>'outcome' = 'adjust_plan'
          and exists (select 1 from care_team ct where ct.episode_id = e.id and ct.organisation_id = $1 and ct.responsibility = 'gp')
          and not exists (select 1 from plans pl where pl.episode_id = e.id and pl.approved_at > ev.at)
     ) t order by due_at nulls last limit 500`,
    [orgId, now, isGp],
  );
  return r.rows;
}

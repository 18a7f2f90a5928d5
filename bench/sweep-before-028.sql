-- The alert indexes and the alert-state function as they were before migration 028 (migrations
-- 001, 002 and 025), for bench/sweep.ts --before-sql and bench/triggers.ts --before-sql.
create index if not exists alerts_open on alerts (status) where status <> 'resolved';
create index if not exists alerts_missing_open on alerts (episode_id, rule_id) where status <> 'resolved' and zone = 'missing';

create or replace function varde_alert_state(episode_ids uuid[]) returns void language plpgsql as $$
begin
  with a as (
    select a.episode_id, a.status, a.zone, a.kind, a.rule_id, a.findings, a.plan_id, a.first_at, a.summary,
           case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank,
           min(case when a.status = 'open' then case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end end)
             over (partition by a.episode_id) as worst
      from alerts a
     where a.episode_id = any(episode_ids) and a.status <> 'resolved'),
  k as (
    select a.episode_id,
           count(*) filter (where a.status = 'open')::int as open_n,
           count(*)::int as unresolved_n,
           min(a.worst) as worst,
           min(a.first_at) filter (where a.status = 'open' and a.rank = a.worst) as first_at,
           (array_agg(a.summary order by a.first_at) filter (where a.status = 'open' and a.rank = a.worst))[1] as summary,
           min(case when a.kind = 'missing_questionnaire'
                      or (a.kind in ('missing', 'missing_measurement')
                          and a.rule_id in ('missing:phq9', 'missing:gad7', 'missing:cat', 'missing:symptoms'))
                    then 1 else 0 end) filter (where a.status = 'open' and a.zone = 'missing') as sub,
           -- FILTER before the argument: the severity function runs only for those alerts.
           max(varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id))
             filter (where a.status = 'open' and a.rank = a.worst and a.worst < 2) as sev
      from a group by a.episode_id),
  v as (
    select e.id as episode_id, coalesce(k.worst, 3)::smallint as status_rank, k.first_at, k.summary,
           coalesce(k.open_n, 0) as open_n, coalesce(k.unresolved_n, 0) as unresolved_n,
           coalesce(k.sub, 0)::smallint as sub, -coalesce(k.sev, 0) as sev
      from unnest(episode_ids) as e(id) left join k on k.episode_id = e.id)
  update episode_state s set
      status_rank = v.status_rank, alert_since = v.first_at, reason = v.summary,
      open_alerts = v.open_n, unresolved_alerts = v.unresolved_n, order_sub = v.sub, order_severity = v.sev
    from v
   where s.episode_id = v.episode_id
     and (s.status_rank, s.alert_since, s.reason, s.open_alerts, s.unresolved_alerts, s.order_sub, s.order_severity)
         is distinct from (v.status_rank, v.first_at, v.summary, v.open_n, v.unresolved_n, v.sub, v.sev);
end $$;

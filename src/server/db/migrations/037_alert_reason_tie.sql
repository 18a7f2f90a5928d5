-- The worklist row's reason when two open alerts of the worst zone were first raised at the same
-- instant (issue 15, noticed in round 7). A NEWS2 alert and an SpO2 alert from one sitting are
-- raised by the same statement with the same first_at, and 028's
-- `array_agg(summary order by first_at)` then picked either summary, as the heap order had it: the
-- same alerts could give the nurse a different reason after a vacuum. The tie now goes to the more
-- severe alert (the severity the worklist orders rows by), then to the rule id, so the reason is
-- a function of the alerts alone. The severity is computed once per alert, for the worst zone's
-- open alerts only, as before. Everything else is 028's, unchanged.
create or replace function varde_alert_state(episode_ids uuid[]) returns void language plpgsql as $$
begin
  with a as (
    select a.episode_id, a.status, a.zone, a.kind, a.rule_id, a.findings, a.plan_id, a.first_at, a.summary,
           case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank,
           min(case when a.status = 'open' then case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end end)
             over (partition by a.episode_id) as worst
      from unnest(episode_ids) as e(id)
      cross join lateral (select x.* from alerts x where x.episode_id = e.id and x.status <> 'resolved' offset 0) a),
  w as (
    select a.*, (a.status = 'open' and a.rank = a.worst) as top,
           case when a.status = 'open' and a.rank = a.worst and a.worst < 2
                then varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id) end as severity
      from a),
  k as (
    select w.episode_id,
           count(*) filter (where w.status = 'open')::int as open_n,
           count(*)::int as unresolved_n,
           min(w.worst) as worst,
           min(w.first_at) filter (where w.top) as first_at,
           (array_agg(w.summary order by w.first_at, w.severity desc nulls last, w.rule_id) filter (where w.top))[1] as summary,
           min(case when w.kind = 'missing_questionnaire'
                      or (w.kind in ('missing', 'missing_measurement')
                          and w.rule_id in ('missing:phq9', 'missing:gad7', 'missing:cat', 'missing:symptoms'))
                    then 1 else 0 end) filter (where w.status = 'open' and w.zone = 'missing') as sub,
           max(w.severity) as sev
      from w group by w.episode_id),
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

-- Episodes whose reason may have been picked from such a tie get it again.
select varde_alert_state(array_agg(distinct episode_id))
  from (select episode_id from alerts where status = 'open'
         group by episode_id, zone, first_at having count(*) > 1) t
having count(*) > 0;

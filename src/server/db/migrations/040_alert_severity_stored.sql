-- Each alert's severity is kept in the alert, computed when the alert is written (issue 15: the
-- worklist's first page).
--
-- The severity (035/036: how far the last value lies beyond the plan's limit, or NEWS2 score / 20)
-- was computed whenever it was read: by the worklist page for every open alert of its 50 patients
-- (a plan_thresholds probe and the formula per alert; ~470 alerts on a busy afternoon's first page,
-- about 2 of the openAlerts statement's 6 ms), and by varde_alert_state for the worst open alerts of
-- every episode an alert statement touched. It depends only on the alert's kind, zone, rule,
-- findings and plan (whose limits are not edited once alerts exist; a definition that is edited all
-- the same is followed below), so it is computed once, when one of those is written.
--
-- Only threshold, questionnaire and NEWS2 alerts have a severity other than 0; the trigger's WHEN
-- clause leaves the others (the sweep's tens of thousands of missing alerts) to the column default.

alter table alerts add column severity double precision not null default 0;

create function varde_alert_severity_row() returns trigger language plpgsql as $$
begin
  new.severity := varde_alert_severity(new.kind, new.zone, new.rule_id, new.findings, new.plan_id);
  return new;
end $$;

create trigger alerts_severity_ins before insert on alerts for each row
  when (new.kind in ('threshold', 'questionnaire', 'news2'))
  execute function varde_alert_severity_row();
-- A kind changed away from those three falls back to 0 through the same function.
create trigger alerts_severity_upd before update of kind, zone, rule_id, findings, plan_id on alerts for each row
  when (new.kind in ('threshold', 'questionnaire', 'news2') or old.severity <> 0)
  execute function varde_alert_severity_row();

-- Existing alerts, resolved ones included (nothing else writes the column). The state triggers are
-- left out: the episode state was computed with the same function, so it does not change.
alter table alerts disable trigger alerts_state_upd;
update alerts set severity = varde_alert_severity(kind, zone, rule_id, findings, plan_id)
 where kind in ('threshold', 'questionnaire', 'news2') and varde_alert_severity(kind, zone, rule_id, findings, plan_id) <> 0;
alter table alerts enable trigger alerts_state_upd;

-- 035's definition follower, now also re-ranking the plan's alerts when its limits change (the
-- alerts' update runs the state trigger, so the worklist order follows).
create or replace function varde_plan_thresholds_upd() returns trigger language plpgsql as $$
begin
  -- Approvals and supersessions change the status only: nothing to do for them.
  if not exists (select 1 from new_rows n join old_rows o on o.id = n.id where n.definition is distinct from o.definition) then
    return null;
  end if;
  delete from plan_thresholds t using new_rows n join old_rows o on o.id = n.id
   where t.plan_id = n.id and n.definition is distinct from o.definition;
  insert into plan_thresholds (plan_id, code, thresholds)
  select n.id, t.code, t.thresholds from new_rows n join old_rows o on o.id = n.id cross join lateral varde_plan_thresholds_of(n.definition) t
   where n.definition is distinct from o.definition
   order by n.id, t.n
  on conflict (plan_id, code) do nothing;
  update alerts a set severity = varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id)
    from new_rows n join old_rows o on o.id = n.id
   where a.plan_id = n.id and n.definition is distinct from o.definition
     and a.kind in ('threshold', 'questionnaire') and a.severity is distinct from varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id);
  return null;
end $$;

-- 037's varde_alert_state, reading the stored severity instead of computing it. Everything else
-- is 037's, unchanged.
create or replace function varde_alert_state(episode_ids uuid[]) returns void language plpgsql as $$
begin
  with a as (
    select a.episode_id, a.status, a.zone, a.kind, a.rule_id, a.severity, a.first_at, a.summary,
           case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank,
           min(case when a.status = 'open' then case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end end)
             over (partition by a.episode_id) as worst
      from unnest(episode_ids) as e(id)
      cross join lateral (select x.* from alerts x where x.episode_id = e.id and x.status <> 'resolved' offset 0) a),
  w as (
    select a.episode_id, a.status, a.zone, a.kind, a.rule_id, a.first_at, a.summary, a.worst,
           (a.status = 'open' and a.rank = a.worst) as top,
           case when a.status = 'open' and a.rank = a.worst and a.worst < 2 then a.severity end as severity
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

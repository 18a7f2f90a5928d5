-- Cheaper writes per alert and per worklist row for the missing-measurement sweep (issue 15).
--
-- An all-due sweep of 10 000 episodes raises ~45 000 alerts in batches of ~2 000; per alert the
-- database wrote six index entries and ran five foreign-key checks, and per batch 025's alert-state
-- trigger read the touched episodes' alerts. Looked at with pg_stat_user_functions and auto_explain
-- on that sweep (bench/README.md, "Missing-measurement sweep, third round").
--
-- Not changed: 025's worklist_rows upsert (varde_worklist_rows_sync_upd) already skips episodes
-- whose keys do not change; a plain UPDATE of the moved rows instead of INSERT … ON CONFLICT was
-- tried and measured no cheaper within the noise of this machine, so it is not here.

-- ---------------------------------------------------------------- two alert indexes nothing needs
--
-- alerts_missing_open (002): (episode_id, rule_id) where status <> 'resolved' and zone = 'missing'.
-- Its one reader, ingest's "a reading answers the open missing alert of its rule"
-- (observations/repo.ts#writeSittings: episode_id = … and rule_id = … and status <> 'resolved' and
-- zone = 'missing'), is served by alerts_one_unresolved (001), the unique index on the same columns
-- with the wider predicate: at most one unresolved alert per (episode, rule), so the zone is checked
-- on that one row. Every missing-kind alert the sweep raised wrote both.
--
-- alerts_open (001): (status) where status <> 'resolved'. No query filters alerts by status alone:
-- every reader that asks for unresolved alerts also names the episode (worklist, 025's state
-- trigger, inactive auto-resolve, alert upsert: alerts_one_unresolved) or the patient
-- (alerts_patient) or the ids (primary key). Every open alert wrote an entry with the same key.
--
-- Kept: the primary key; alerts_one_unresolved (the upsert's arbiter, the one-open-alert-per-rule
-- guarantee); alerts_patient (the patient's alert list, FHIR); alerts_episode_rule_last (the
-- sweep's "was this occurrence alerted already", resolved alerts included). All five foreign keys
-- are kept: patient, episode and plan are checked per inserted alert (the checks are about a sixth
-- of a sweep's database time), acknowledged_by and resolved_by are null on insert.
drop index if exists alerts_missing_open;
drop index if exists alerts_open;

-- ---------------------------------------------------------------- the alert state: index probes only
--
-- 025's varde_alert_state read the touched episodes' unresolved alerts with
-- `episode_id = any(ids)`, which the planner may turn into a scan of every alert when its statistics
-- are older than the table (in the middle of a sweep that has just inserted tens of thousands, it
-- did: a sequential scan of alerts per batch). Here each episode's unresolved alerts are one
-- parameterised probe of alerts_one_unresolved (LATERAL … OFFSET 0 keeps it a nested loop), so the
-- cost follows the touched episodes, not the table. The formulas are 025's, unchanged.
create or replace function varde_alert_state(episode_ids uuid[]) returns void language plpgsql as $$
begin
  with a as (
    select a.episode_id, a.status, a.zone, a.kind, a.rule_id, a.findings, a.plan_id, a.first_at, a.summary,
           case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank,
           min(case when a.status = 'open' then case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end end)
             over (partition by a.episode_id) as worst
      from unnest(episode_ids) as e(id)
      cross join lateral (select x.* from alerts x where x.episode_id = e.id and x.status <> 'resolved' offset 0) a),
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

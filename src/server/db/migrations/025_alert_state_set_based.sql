-- The worklist state kept from alerts in one pass per statement (issue 15, missing-measurement sweep).
--
-- Migrations 010 and 022 kept episode_state and worklist_rows up to date from alerts with two
-- statement triggers per insert or update of alerts. Each looked the touched episodes' alerts up
-- again per episode (010: a count and a "worst open alert" probe; 022: an order-sub and a severity
-- probe), and each wrote every touched episode_state row, so an episode cost two new state row
-- versions, two worklist_rows writes and, through the upsert in 010's episode_state trigger, one
-- call of 022's per-row worklist_rows_keys: about 0.25 ms per episode, half of an all-due sweep.
--
-- Now one trigger function per alerts statement reads the touched episodes' unresolved alerts once
-- (one range of alerts_one_unresolved per episode), aggregates every derived column (status, since,
-- reason, counts, order_sub, order_severity) in one GROUP BY, and writes only the episode_state
-- rows whose values change, in one UPDATE; 010's episode_state trigger (below, now carrying the
-- order keys) moves their worklist_rows in one upsert. The resulting state is the same as with
-- 010 + 022 (src/server/db/alert-triggers.test.ts compares it with a from-scratch recomputation);
-- the only difference is that an alert statement which changes nothing derived writes nothing.
--
-- Every writer of worklist_rows now supplies the order keys itself (from episode_state), so 022's
-- per-row BEFORE INSERT trigger that looked them up (one probe per inserted row) is dropped.

-- The derived alert columns of episode_state for these episodes, from their unresolved alerts
-- (the formulas of 010's varde_alerts_changed and 022's varde_worklist_order, unchanged):
--   status_rank        the worst open alert's zone: 0 red, 1 yellow, 2 missing, 3 none
--   alert_since/reason first_at and summary of the oldest open alert of that zone
--   open_alerts        open (not acknowledged) alerts; unresolved_alerts: open + acknowledged
--   order_sub          1 when every open missing-zone alert is a questionnaire's, else 0
--   order_severity     minus the largest varde_alert_severity of the open alerts of the worst
--                      zone when it is red or yellow, else (minus) 0
-- Rows of episode_state whose values are already these are not written.
-- The caller locks the episode_state rows first (in episode order) and calls this in a later
-- statement, so its snapshot sees every alert committed before the lock was granted.
create function varde_alert_state(episode_ids uuid[]) returns void language plpgsql as $$
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

create function varde_alerts_state() returns trigger language plpgsql as $$
declare
  ids uuid[] := array(select distinct episode_id from new_rows order by episode_id);
begin
  -- Rows locked in episode order first (as in 010): a sweep batch and a group-committed upload
  -- touching the same episodes then wait for each other instead of deadlocking, and the next
  -- statement's snapshot sees the alerts of whoever held them.
  perform 1 from episode_state s where s.episode_id = any(ids) order by s.episode_id for update;
  perform varde_alert_state(ids);
  -- Whoever acknowledges or resolves an alert is following the patient.
  insert into worklist_mine (personnel_id, episode_id)
  select distinct coalesce(n.acknowledged_by, n.resolved_by), n.episode_id from new_rows n
   where coalesce(n.acknowledged_by, n.resolved_by) is not null
  on conflict do nothing;
  return null;
end $$;

drop trigger alerts_state_ins on alerts;
drop trigger alerts_state_upd on alerts;
drop trigger alerts_worklist_order_ins on alerts;
drop trigger alerts_worklist_order_upd on alerts;
create trigger alerts_state_ins after insert on alerts referencing new table as new_rows for each statement execute function varde_alerts_state();
create trigger alerts_state_upd after update on alerts referencing new table as new_rows for each statement execute function varde_alerts_state();
drop function varde_alerts_changed();
drop function varde_alerts_worklist_order();

-- 022's recomputation of the order keys for given episodes (its backfill used it) is now the whole
-- derived state's; kept under its name for anyone calling it.
create or replace function varde_worklist_order(episode_ids uuid[]) returns void language plpgsql as $$
begin
  perform varde_alert_state(episode_ids);
end $$;

-- ---------------------------------------------------------------- worklist_rows carry the order keys

drop trigger worklist_rows_keys on worklist_rows;
drop function varde_worklist_rows_keys();

create or replace function varde_worklist_rows_sync() returns trigger language plpgsql as $$
begin
  -- Inactive episodes leave the worklist; active ones (re)enter it with their current sort keys.
  delete from worklist_rows w using new_rows n where w.episode_id = n.episode_id and not n.active;
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity)
  select ct.organisation_id, n.episode_id, n.status_rank, n.sort_since, n.order_sub, n.order_severity
    from new_rows n join care_team ct on ct.episode_id = n.episode_id
   where n.active
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
      order_sub = excluded.order_sub, order_severity = excluded.order_severity
   where (worklist_rows.status_rank, worklist_rows.sort_since, worklist_rows.order_sub, worklist_rows.order_severity)
         is distinct from (excluded.status_rank, excluded.sort_since, excluded.order_sub, excluded.order_severity);
  return null;
end $$;

-- Only updates that move a row (status, since, order keys, active): not the sweep's bookkeeping or contact times.
create or replace function varde_worklist_rows_sync_upd() returns trigger language plpgsql as $$
begin
  delete from worklist_rows w using new_rows n, old_rows o
   where o.episode_id = n.episode_id and w.episode_id = n.episode_id and o.active and not n.active;
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity)
  select ct.organisation_id, n.episode_id, n.status_rank, n.sort_since, n.order_sub, n.order_severity
    from new_rows n join old_rows o on o.episode_id = n.episode_id join care_team ct on ct.episode_id = n.episode_id
   where n.active
     and (n.status_rank, n.sort_since, n.active, n.order_sub, n.order_severity)
         is distinct from (o.status_rank, o.sort_since, o.active, o.order_sub, o.order_severity)
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
      order_sub = excluded.order_sub, order_severity = excluded.order_severity;
  return null;
end $$;

create or replace function varde_care_team_ins() returns trigger language plpgsql as $$
begin
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity)
  select n.organisation_id, s.episode_id, s.status_rank, s.sort_since, s.order_sub, s.order_severity
    from new_rows n join episode_state s on s.episode_id = n.episode_id where s.active
  on conflict (organisation_id, episode_id) do nothing;
  return null;
end $$;

-- ---------------------------------------------------------------- observations

-- New readings (010's varde_observations_ins and 017's varde_inactive_answered, one trigger now):
-- the same merge of the newest value per code, computed for all episodes of the statement in one
-- GROUP BY instead of a scan of the statement's rows per episode (a group-committed upload of many
-- patients paid episodes × rows), and 017's "an open inactive alert is answered" in the same call
-- instead of a second trigger per insert statement.
create or replace function varde_observations_ins() returns trigger language plpgsql as $$
declare
  ids uuid[] := array(select distinct episode_id from new_rows order by episode_id);
begin
  -- The patient sent something: an open inactive alert is answered (017). Probe first: an UPDATE
  -- of no rows would still run the alerts' statement trigger on every upload.
  if exists (select 1 from alerts a where a.rule_id = 'inactive' and a.status <> 'resolved' and a.episode_id = any(ids)) then
    update alerts a set status = 'resolved', resolved_at = now()
     where a.rule_id = 'inactive' and a.status <> 'resolved' and a.episode_id = any(ids);
  end if;
  -- Rows locked in episode order first (as in 010).
  perform 1 from episode_state s where s.episode_id = any(ids) order by s.episode_id for update;
  -- Unless a newer value is already there (an offline queue can deliver old readings late).
  with l as (
    select distinct on (n.episode_id, n.code) n.episode_id, n.code, n.effective_at,
           jsonb_build_object('value', n.value, 'unit', n.unit, 'effectiveAt', n.effective_at, 'zone', n.zone) as v
      from new_rows n
     order by n.episode_id, n.code, n.effective_at desc),
  x as (
    select l.episode_id, max(l.effective_at) as max_at,
           jsonb_object_agg(l.code, l.v) filter (where st.latest -> l.code is null
                                                   or (st.latest -> l.code ->> 'effectiveAt')::timestamptz <= l.effective_at) as patch
      from l join episode_state st on st.episode_id = l.episode_id
     group by l.episode_id)
  update episode_state s set
      latest = s.latest || coalesce(x.patch, '{}'::jsonb),
      last_observation_at = greatest(s.last_observation_at, x.max_at)
    from x
   where s.episode_id = x.episode_id;
  return null;
end $$;

drop trigger observations_inactive_answered on observations;
drop function varde_inactive_answered();

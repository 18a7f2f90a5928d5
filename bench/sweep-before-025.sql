-- The triggers as they were before migration 025 (010's varde_alerts_changed, 022's
-- varde_alerts_worklist_order and per-row worklist_rows_keys, 010's worklist_rows upserts without
-- the order keys, 010's varde_observations_ins and 017's observations_inactive_answered), for `bench/sweep.ts --before-sql bench/sweep-before-025.sql`: applied to the
-- "before" copy of the loaded store only. Not a migration.
drop trigger alerts_state_ins on alerts;
drop trigger alerts_state_upd on alerts;
create function varde_alerts_changed() returns trigger language plpgsql as $$
begin
  -- In episode order, as above.
  perform 1 from episode_state s where s.episode_id in (select distinct episode_id from new_rows) order by s.episode_id for update;
  update episode_state s set
      status_rank = coalesce(d.rank, 3), alert_since = d.first_at, reason = d.summary,
      open_alerts = k.open_n, unresolved_alerts = k.unresolved_n
    from (select distinct episode_id from new_rows) c
    cross join lateral (
      select (count(*) filter (where a.status = 'open'))::int as open_n, count(*)::int as unresolved_n
        from alerts a where a.episode_id = c.episode_id and a.status <> 'resolved') k
    left join lateral (
      select case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank, a.first_at, a.summary
        from alerts a where a.episode_id = c.episode_id and a.status = 'open'
       order by 1, a.first_at limit 1) d on true
   where s.episode_id = c.episode_id;
  -- Whoever acknowledges or resolves an alert is following the patient.
  insert into worklist_mine (personnel_id, episode_id)
  select distinct coalesce(n.acknowledged_by, n.resolved_by), n.episode_id from new_rows n
   where coalesce(n.acknowledged_by, n.resolved_by) is not null
  on conflict do nothing;
  return null;
end $$;
create trigger alerts_state_ins after insert on alerts referencing new table as new_rows for each statement execute function varde_alerts_changed();
create trigger alerts_state_upd after update on alerts referencing new table as new_rows for each statement execute function varde_alerts_changed();
create or replace function varde_worklist_order(episode_ids uuid[]) returns void language plpgsql as $$
begin
  with k as (
    select s.episode_id,
           coalesce((select min(case when a.kind = 'missing_questionnaire'
                                       or (a.kind in ('missing', 'missing_measurement')
                                           and a.rule_id in ('missing:phq9', 'missing:gad7', 'missing:cat', 'missing:symptoms'))
                                     then 1 else 0 end)
                       from alerts a where a.episode_id = s.episode_id and a.status <> 'resolved' and a.status = 'open' and a.zone = 'missing'), 0)::smallint as sub,
           -coalesce((select max(varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id))
                        from alerts a where a.episode_id = s.episode_id and a.status <> 'resolved' and a.status = 'open'
                         and a.zone = case s.status_rank when 0 then 'red' when 1 then 'yellow' end), 0) as sev
      from episode_state s where s.episode_id = any(episode_ids)),
  upd as (
    update episode_state s set order_sub = k.sub, order_severity = k.sev
      from k where s.episode_id = k.episode_id and (s.order_sub, s.order_severity) is distinct from (k.sub, k.sev))
  update worklist_rows w set order_sub = k.sub, order_severity = k.sev
    from k where w.episode_id = k.episode_id and (w.order_sub, w.order_severity) is distinct from (k.sub, k.sev);
end $$;
create function varde_alerts_worklist_order() returns trigger language plpgsql as $$
begin
  perform varde_worklist_order(array(select distinct episode_id from new_rows));
  return null;
end $$;
create trigger alerts_worklist_order_ins after insert on alerts referencing new table as new_rows for each statement execute function varde_alerts_worklist_order();
create trigger alerts_worklist_order_upd after update on alerts referencing new table as new_rows for each statement execute function varde_alerts_worklist_order();

-- A row (re)entering the worklist (enrolment, a new care-team organisation, a resumed episode)
-- takes the episode's keys; an upsert that only moves a row keeps them (its DO UPDATE sets only
-- status and since). One primary-key probe per row.
create function varde_worklist_rows_keys() returns trigger language plpgsql as $$
begin
  select s.order_sub, s.order_severity into new.order_sub, new.order_severity from episode_state s where s.episode_id = new.episode_id;
  new.order_sub := coalesce(new.order_sub, 0);
  new.order_severity := coalesce(new.order_severity, 0);
  return new;
end $$;
create trigger worklist_rows_keys before insert on worklist_rows for each row execute function varde_worklist_rows_keys();
create or replace function varde_worklist_rows_sync() returns trigger language plpgsql as $$
begin
  -- Inactive episodes leave the worklist; active ones (re)enter it with their current sort key.
  delete from worklist_rows w using new_rows n where w.episode_id = n.episode_id and not n.active;
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since)
  select ct.organisation_id, n.episode_id, n.status_rank, n.sort_since
    from new_rows n join care_team ct on ct.episode_id = n.episode_id
   where n.active
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since
   where (worklist_rows.status_rank, worklist_rows.sort_since) is distinct from (excluded.status_rank, excluded.sort_since);
  return null;
end $$;
create or replace function varde_worklist_rows_sync_upd() returns trigger language plpgsql as $$
begin
  delete from worklist_rows w using new_rows n, old_rows o
   where o.episode_id = n.episode_id and w.episode_id = n.episode_id and o.active and not n.active;
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since)
  select ct.organisation_id, n.episode_id, n.status_rank, n.sort_since
    from new_rows n join old_rows o on o.episode_id = n.episode_id join care_team ct on ct.episode_id = n.episode_id
   where n.active and (n.status_rank, n.sort_since, n.active) is distinct from (o.status_rank, o.sort_since, o.active)
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since;
  return null;
end $$;
create or replace function varde_care_team_ins() returns trigger language plpgsql as $$
begin
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since)
  select n.organisation_id, s.episode_id, s.status_rank, s.sort_since
    from new_rows n join episode_state s on s.episode_id = n.episode_id where s.active
  on conflict (organisation_id, episode_id) do nothing;
  return null;
end $$;
create or replace function varde_observations_ins() returns trigger language plpgsql as $$
begin
  -- Rows locked in episode order first: a sweep batch and a group-committed upload touching the
  -- same episodes then wait for each other instead of deadlocking.
  perform 1 from episode_state s where s.episode_id in (select distinct episode_id from new_rows) order by s.episode_id for update;
  update episode_state s set
      latest = s.latest || coalesce((
        select jsonb_object_agg(l.code, l.v) from (
          select distinct on (n.code) n.code, n.effective_at,
                 jsonb_build_object('value', n.value, 'unit', n.unit, 'effectiveAt', n.effective_at, 'zone', n.zone) as v
            from new_rows n where n.episode_id = s.episode_id
           order by n.code, n.effective_at desc) l
         where s.latest -> l.code is null or (s.latest -> l.code ->> 'effectiveAt')::timestamptz <= l.effective_at), '{}'::jsonb),
      last_observation_at = greatest(s.last_observation_at, x.max_at)
    from (select episode_id, max(effective_at) as max_at from new_rows group by episode_id) x
   where s.episode_id = x.episode_id;
  return null;
end $$;
create function varde_inactive_answered() returns trigger language plpgsql as $$
begin
  -- Probe first: an UPDATE of no rows would still run the alerts' statement triggers (worklist
  -- state and order) on every upload.
  if exists (select 1 from alerts a where a.rule_id = 'inactive' and a.status <> 'resolved'
               and a.episode_id in (select distinct n.episode_id from new_rows n)) then
    update alerts a set status = 'resolved', resolved_at = now()
     where a.rule_id = 'inactive' and a.status <> 'resolved'
       and a.episode_id in (select distinct n.episode_id from new_rows n);
  end if;
  return null;
end $$;
create trigger observations_inactive_answered after insert on observations referencing new table as new_rows
  for each statement execute function varde_inactive_answered();

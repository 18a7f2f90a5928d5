-- Maintained per-episode state for the worklist and the missing-measurement sweep (issue 15).
--
-- The worklist used to recompute every patient's status from alerts and a DISTINCT ON over 30 days
-- of observations on every request; the sweep re-read every episode's plan and observations every
-- minute. Both now read small tables kept up to date by triggers in the same transaction as the
-- write, so they stay correct whichever service (app API, device ingest, FHIR) writes, and their
-- cost follows what changed, not how many patients there are. Statement-level triggers with
-- transition tables: a 100-reading upload costs one state update, not a hundred.
-- Uses only columns of migrations 001-004. These tables are derived (rebuilt from the facts by
-- the triggers and the sweep), so they carry no foreign keys: each would add a check per row to
-- every ingest and sweep statement.

create table episode_state (
  episode_id uuid primary key,
  patient_id uuid not null,
  started_at timestamptz not null,
  active boolean not null,
  -- 0 red, 1 yellow, 2 missing, 3 green: the worklist order of domain/triage.ts#compareWorklist.
  -- Driven by open (not acknowledged) alerts only: someone is already on an acknowledged one.
  status_rank smallint not null default 3,
  -- The oldest open alert of the worst zone: since when, and why.
  alert_since timestamptz,
  reason jsonb,
  open_alerts int not null default 0,
  unresolved_alerts int not null default 0,
  -- Latest value per code: {"spo2": {"value": 94, "unit": "%", "effectiveAt": "...", "zone": "green"}}.
  latest jsonb not null default '{}',
  last_observation_at timestamptz,
  last_contact_at timestamptz,
  sort_since timestamptz generated always as (coalesce(alert_since, last_observation_at, started_at)) stored,
  -- Missing-measurement sweep: the plan whose schedules are in episode_schedule, and whether the
  -- approved plan, time zone or status changed since (then the sweep re-reads the plan).
  schedule_plan_id uuid,
  schedule_dirty boolean not null default true
);
create index episode_state_schedule_dirty on episode_state (episode_id) where schedule_dirty;

-- One row per (organisation in the care team, active episode): the worklist's sort key, indexed
-- per organisation so the first page is an index range scan, not a sort of the whole caseload.
create table worklist_rows (
  organisation_id uuid not null,
  episode_id uuid not null,
  status_rank smallint not null,
  sort_since timestamptz not null,
  primary key (organisation_id, episode_id)
);
create index worklist_rows_order on worklist_rows (organisation_id, status_rank, sort_since, episode_id);
create index worklist_rows_episode on worklist_rows (episode_id);

-- "My patients": episodes where this person wrote a contact note or acknowledged an alert.
create table worklist_mine (
  personnel_id uuid not null,
  episode_id uuid not null,
  since timestamptz not null default now(),
  primary key (personnel_id, episode_id)
);

-- One row per scheduled measure or questionnaire of the episode's approved plan: when the next
-- deadline (due + grace) passes. The sweep only looks at rows whose deadline has passed.
create table episode_schedule (
  episode_id uuid not null,
  code text not null,
  plan_id uuid not null,
  schedule jsonb not null,
  next_due_at timestamptz not null,
  primary key (episode_id, code)
);
create index episode_schedule_due on episode_schedule (next_due_at);

-- "Was this occurrence already alerted?" looks at every missing alert of the rule, resolved ones too.
create index alerts_episode_rule_last on alerts (episode_id, rule_id, last_at desc);

-- ---------------------------------------------------------------- episodes and care team

create function varde_episode_state_ins() returns trigger language plpgsql as $$
begin
  insert into episode_state (episode_id, patient_id, started_at, active)
  select n.id, n.patient_id, n.started_at, n.status = 'active' from new_rows n
  on conflict (episode_id) do nothing;
  return null;
end $$;
create trigger episode_state_ins after insert on episodes referencing new table as new_rows for each statement execute function varde_episode_state_ins();

create function varde_episode_state_upd() returns trigger language plpgsql as $$
begin
  update episode_state s set active = n.status = 'active', started_at = n.started_at, schedule_dirty = true
    from new_rows n join old_rows o on o.id = n.id
   where s.episode_id = n.id
     and (n.status is distinct from o.status or n.time_zone is distinct from o.time_zone or n.started_at is distinct from o.started_at);
  return null;
end $$;
create trigger episode_state_upd after update on episodes referencing new table as new_rows old table as old_rows for each statement execute function varde_episode_state_upd();

create function varde_worklist_rows_sync() returns trigger language plpgsql as $$
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
create trigger worklist_rows_sync_ins after insert on episode_state referencing new table as new_rows for each statement execute function varde_worklist_rows_sync();

-- Only updates that move a row (status, since, active): not the sweep's bookkeeping or contact times.
create function varde_worklist_rows_sync_upd() returns trigger language plpgsql as $$
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
create trigger worklist_rows_sync_upd after update on episode_state referencing new table as new_rows old table as old_rows for each statement execute function varde_worklist_rows_sync_upd();

create function varde_care_team_ins() returns trigger language plpgsql as $$
begin
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since)
  select n.organisation_id, s.episode_id, s.status_rank, s.sort_since
    from new_rows n join episode_state s on s.episode_id = n.episode_id where s.active
  on conflict (organisation_id, episode_id) do nothing;
  return null;
end $$;
create trigger care_team_worklist_ins after insert on care_team referencing new table as new_rows for each statement execute function varde_care_team_ins();

create function varde_care_team_del() returns trigger language plpgsql as $$
begin
  delete from worklist_rows w using old_rows o where w.episode_id = o.episode_id and w.organisation_id = o.organisation_id;
  return null;
end $$;
create trigger care_team_worklist_del after delete on care_team referencing old table as old_rows for each statement execute function varde_care_team_del();

create function varde_plans_changed() returns trigger language plpgsql as $$
begin
  update episode_state s set schedule_dirty = true
   where s.episode_id in (select distinct episode_id from new_rows) and not s.schedule_dirty;
  return null;
end $$;
create trigger plans_schedule_ins after insert on plans referencing new table as new_rows for each statement execute function varde_plans_changed();
create trigger plans_schedule_upd after update on plans referencing new table as new_rows for each statement execute function varde_plans_changed();

-- ---------------------------------------------------------------- observations

-- New readings: merge the newest value per code, unless a newer one is already there (an offline
-- queue can deliver old readings late).
create function varde_observations_ins() returns trigger language plpgsql as $$
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
create trigger observations_state_ins after insert on observations referencing new table as new_rows for each statement execute function varde_observations_ins();

-- Changed readings (a zone set afterwards, a correction): recompute the touched codes from the table.
create function varde_observations_upd() returns trigger language plpgsql as $$
begin
  update episode_state s set
      latest = s.latest || coalesce((
        select jsonb_object_agg(c.code, (
          select jsonb_build_object('value', o.value, 'unit', o.unit, 'effectiveAt', o.effective_at, 'zone', o.zone)
            from observations o where o.patient_id = s.patient_id and o.episode_id = s.episode_id and o.code = c.code
           order by o.effective_at desc limit 1))
          from (select distinct n.code from new_rows n where n.episode_id = s.episode_id) c), '{}'::jsonb)
   where s.episode_id in (select distinct episode_id from new_rows);
  return null;
end $$;
create trigger observations_state_upd after update on observations referencing new table as new_rows for each statement execute function varde_observations_upd();

-- ---------------------------------------------------------------- alerts

-- Any alert written: recompute the episode's status from its unresolved alerts (a handful, read
-- through the alerts_one_unresolved index).
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

-- ---------------------------------------------------------------- contact notes

create function varde_contact_notes_ins() returns trigger language plpgsql as $$
begin
  with n as (
    select coalesce(n.episode_id, (select e.id from episodes e where e.patient_id = n.patient_id and e.status <> 'ended' limit 1)) as episode_id,
           n.author_id, n.created_at
      from new_rows n)
  , upd as (
    update episode_state s set last_contact_at = greatest(s.last_contact_at, x.at)
      from (select episode_id, max(created_at) as at from n where episode_id is not null group by episode_id) x
     where s.episode_id = x.episode_id)
  insert into worklist_mine (personnel_id, episode_id)
  select distinct author_id, episode_id from n where episode_id is not null
  on conflict do nothing;
  return null;
end $$;
create trigger contact_notes_state_ins after insert on contact_notes referencing new table as new_rows for each statement execute function varde_contact_notes_ins();

-- ---------------------------------------------------------------- backfill

insert into episode_state (episode_id, patient_id, started_at, active)
select id, patient_id, started_at, status = 'active' from episodes;

update episode_state s set
    latest = coalesce((
      select jsonb_object_agg(l.code, jsonb_build_object('value', l.value, 'unit', l.unit, 'effectiveAt', l.effective_at, 'zone', l.zone))
        from (select distinct on (o.code) o.code, o.value, o.unit, o.effective_at, o.zone from observations o
               where o.episode_id = s.episode_id order by o.code, o.effective_at desc) l), '{}'::jsonb),
    last_observation_at = (select max(o.effective_at) from observations o where o.episode_id = s.episode_id),
    last_contact_at = (select max(n.created_at) from contact_notes n where n.episode_id = s.episode_id);

update episode_state s set
    status_rank = coalesce(d.rank, 3), alert_since = d.first_at, reason = d.summary,
    open_alerts = k.open_n, unresolved_alerts = k.unresolved_n
  from episode_state c
  cross join lateral (
    select (count(*) filter (where a.status = 'open'))::int as open_n, count(*)::int as unresolved_n
      from alerts a where a.episode_id = c.episode_id and a.status <> 'resolved') k
  left join lateral (
    select case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank, a.first_at, a.summary
      from alerts a where a.episode_id = c.episode_id and a.status = 'open'
     order by 1, a.first_at limit 1) d on true
 where s.episode_id = c.episode_id;

insert into worklist_mine (personnel_id, episode_id)
select distinct author_id, episode_id from contact_notes where episode_id is not null
on conflict do nothing;

-- The insert/update triggers above already filled worklist_rows for the backfilled states.

-- Episodes whose schedules the missing-measurement sweep must rewrite, in a table of their own
-- (issue 15, round 9). Migration 010 kept the mark as episode_state.schedule_dirty, so the sweep's
-- claim was an UPDATE of the wide state row: a new row version (the partial index on the flag
-- rules out HOT), the worklist trigger run for rows that do not move, and the same rows written
-- again by the alert statement's trigger in the same transaction. The claim took 5.7 of 44.6 s of
-- statement time in an all-due sweep of 100 000 episodes (bench/README.md, "Round 9"). Now a claim
-- deletes rows of this narrow table.
--
-- It also closes a race the flag had. A plan approved while a sweep claimed its already-marked
-- episode was synced from the plan the sweep's snapshot saw (the old one), and the mark was gone:
-- the new plan's schedules waited for the next change. Every change now bumps `gen`, and a claim
-- deletes a row only if `gen` is still what its snapshot read; a row bumped meanwhile (its change
-- committed while the claim waited for the row) stays for the next sweep.
--
-- Lock order: a change marks the episode here BEFORE it touches episode_state, as the sweep does
-- (claim, then the alert statement's episode_state locks), so the two never wait on each other in
-- a circle.
--
-- A node of the previous version sweeping during a rolling deploy fails on the dropped column and
-- logs it; its ingest is unaffected, and the new nodes sweep.
create table episode_schedule_dirty (
  episode_id uuid primary key references episodes (id) on delete cascade,
  gen bigint not null default 1
);
insert into episode_schedule_dirty (episode_id) select episode_id from episode_state where schedule_dirty;

create or replace function varde_episode_state_ins() returns trigger language plpgsql as $$
begin
  insert into episode_schedule_dirty (episode_id) select n.id from new_rows n
  on conflict (episode_id) do update set gen = episode_schedule_dirty.gen + 1;
  insert into episode_state (episode_id, patient_id, started_at, active)
  select n.id, n.patient_id, n.started_at, n.status = 'active' from new_rows n
  on conflict (episode_id) do nothing;
  return null;
end $$;

create or replace function varde_episode_state_upd() returns trigger language plpgsql as $$
begin
  insert into episode_schedule_dirty (episode_id)
  select n.id from new_rows n join old_rows o on o.id = n.id
   where n.status is distinct from o.status or n.time_zone is distinct from o.time_zone or n.started_at is distinct from o.started_at
   order by n.id
  on conflict (episode_id) do update set gen = episode_schedule_dirty.gen + 1;
  update episode_state s set active = n.status = 'active', started_at = n.started_at
    from new_rows n join old_rows o on o.id = n.id
   where s.episode_id = n.id
     and (n.status is distinct from o.status or n.time_zone is distinct from o.time_zone or n.started_at is distinct from o.started_at);
  return null;
end $$;

create or replace function varde_plans_changed() returns trigger language plpgsql as $$
begin
  insert into episode_schedule_dirty (episode_id) select distinct episode_id from new_rows order by episode_id
  on conflict (episode_id) do update set gen = episode_schedule_dirty.gen + 1;
  return null;
end $$;

-- Nothing reads schedule_plan_id; the claim was its only writer.
alter table episode_state drop column schedule_dirty;
alter table episode_state drop column schedule_plan_id;

-- Less work per worklist change (issue 15: the missing-measurement sweep at 100 000 episodes, and
-- every reading or alert that moves a patient in the worklist). Measured with bench/sweep.ts
-- --profile (trigger and function times) on a 100 000-episode copy: bench/README.md, "Sweep at
-- 100 000 episodes, round 6".

-- 1. Episode_state updates that move no worklist key (the sweep's claim of 500 episodes per batch,
--    most readings) probed care_team for every updated row before comparing old and new: the
--    planner has no statistics for transition tables and put the care_team join first. The rows
--    whose keys changed are picked first now (a materialised CTE), and only those are joined.
create or replace function varde_worklist_rows_sync_upd() returns trigger language plpgsql as $$
begin
  delete from worklist_rows w using new_rows n, old_rows o
   where o.episode_id = n.episode_id and w.episode_id = n.episode_id and o.active and not n.active;
  with moved as materialized (
    select n.episode_id, n.status_rank, n.sort_since, n.order_sub, n.order_severity
      from new_rows n join old_rows o on o.episode_id = n.episode_id
     where n.active
       and (n.status_rank, n.sort_since, n.active, n.order_sub, n.order_severity)
           is distinct from (o.status_rank, o.sort_since, o.active, o.order_sub, o.order_severity))
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity)
  select ct.organisation_id, m.episode_id, m.status_rank, m.sort_since, m.order_sub, m.order_severity
    from moved m join care_team ct on ct.episode_id = m.episode_id
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
      order_sub = excluded.order_sub, order_severity = excluded.order_severity;
  return null;
end $$;

-- 2. One index fewer on worklist_rows. A moved row changes indexed keys (status, order), so every
--    update writes a new entry in each of its indexes: the primary key (organisation, episode),
--    worklist_rows_episode (episode, for the deletes by episode) and the triage order. With the
--    primary key in (episode, organisation) order it serves both the key lookups and the lookups
--    by episode; the worklist's own reads go through worklist_rows_triage_order (organisation
--    first), and ON CONFLICT (organisation_id, episode_id) infers the key whatever its column order.
alter table worklist_rows drop constraint worklist_rows_pkey;
alter table worklist_rows add constraint worklist_rows_pkey primary key (episode_id, organisation_id);
drop index worklist_rows_episode;

-- 3. worklist_rows.order_time (a generated column) called varde_epoch once per written row as a
--    separate SQL function call: PostgreSQL inlines an IMMUTABLE SQL function only if its body is
--    immutable too, and extract(epoch from timestamptz) is only stable. The difference of two
--    instants is immutable and its epoch is exactly the same number (whole days and microseconds,
--    no months), so the body below is inlined and the stored values do not change.
create or replace function varde_epoch(t timestamptz) returns double precision language sql immutable parallel safe
  as $$ select extract(epoch from (t - timestamptz '1970-01-01 00:00:00+00'))::double precision $$;

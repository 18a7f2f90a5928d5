-- The worklist rows' triggers find an episode's care team by index, per episode (issue 15, round 17).
--
-- Both joined the changed episode_state rows (a transition table, which the planner guesses at) to
-- care_team. With a sweep batch's few hundred episodes the planner chose to hash the whole of
-- care_team (27 498 rows at 10 000 patients) for every statement: a cost that grew with all
-- patients in the database, not with the episodes that changed. Seen in EXPLAIN ANALYZE of an
-- all-due sweep at 10 000 patients (every one of its 32 calls); at 100 000 the planner switched to
-- index probes by itself. A lateral probe per episode (care_team's primary key starts with
-- episode_id) costs the same at any size. Server-side time of the trigger over one all-due sweep
-- of 10 000 episodes (one worker, three alternated runs): 344–360 ms against 434–509 ms.
-- The bodies are those of migration 039 with only the care_team join changed.

create or replace function varde_worklist_rows_sync() returns trigger language plpgsql as $$
begin
  if not exists (select from new_rows) then return null; end if;
  -- Inactive episodes leave the worklist; active ones (re)enter it with their current sort keys.
  delete from worklist_rows w using new_rows n where w.episode_id = n.episode_id and not n.active;
  insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity)
  select ct.organisation_id, n.episode_id, n.status_rank, n.sort_since, n.order_sub, n.order_severity
    from new_rows n cross join lateral (select c.organisation_id from care_team c where c.episode_id = n.episode_id offset 0) ct
   where n.active
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
      order_sub = excluded.order_sub, order_severity = excluded.order_severity
   where (worklist_rows.status_rank, worklist_rows.sort_since, worklist_rows.order_sub, worklist_rows.order_severity)
         is distinct from (excluded.status_rank, excluded.sort_since, excluded.order_sub, excluded.order_severity);
  return null;
end $$;

create or replace function varde_worklist_rows_sync_upd() returns trigger language plpgsql as $$
begin
  if not exists (select from new_rows) then return null; end if;
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
    -- "offset 0" keeps the probe a subquery, so it stays a per-episode index lookup whatever the guess.
    from moved m cross join lateral (select c.organisation_id from care_team c where c.episode_id = m.episode_id offset 0) ct
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
      order_sub = excluded.order_sub, order_severity = excluded.order_severity;
  return null;
end $$;

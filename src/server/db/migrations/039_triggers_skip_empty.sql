-- Statement triggers return at once when their statement changed no row (issue 15, round 10).
--
-- PostgreSQL runs an AFTER ... FOR EACH STATEMENT trigger even when the statement touched nothing.
-- Such statements run on hot paths:
--   * every ingest write statement (observations/repo.ts#writeSittings) updates the missing alerts
--     its readings answer, and most readings answer none;
--   * varde_alert_state updates only the episode_state rows whose derived state moved, so most
--     alert writes of a reading or a sweep batch end in an UPDATE of no episode_state row;
--   * INSERT ... ON CONFLICT DO UPDATE (the alert merges, the worklist upserts) fires both the
--     INSERT and the UPDATE statement triggers, one of them usually with no row.
-- With no row to look at, varde_alerts_state still locked, aggregated and updated through its
-- CTEs, and the worklist trigger ran its delete and its upsert: about 0.2 ms of database CPU with
-- generic plans and 0.7 ms with custom ones, measured on an empty alert update (bench/README.md,
-- "Round 10"). The bodies below are those of migrations 025 and 034 with the early return first.

create or replace function varde_alerts_state() returns trigger language plpgsql as $$
declare
  ids uuid[] := array(select distinct episode_id from new_rows order by episode_id);
begin
  if cardinality(ids) = 0 then return null; end if;
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

create or replace function varde_worklist_rows_sync() returns trigger language plpgsql as $$
begin
  if not exists (select from new_rows) then return null; end if;
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
    from moved m join care_team ct on ct.episode_id = m.episode_id
  on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
      order_sub = excluded.order_sub, order_severity = excluded.order_severity;
  return null;
end $$;

-- A moved episode's worklist rows are updated, not upserted (issue 15, bench/README.md "Round 31").
--
-- 034's sync wrote every moved row with INSERT … ON CONFLICT DO UPDATE. For a row that exists,
-- that is a speculative probe of the primary key, then a lock of the row (a lock record in the
-- WAL), then the update; and the statement fired worklist_rows' INSERT and UPDATE statement
-- triggers both. An episode that was active and stays active always has its rows (episode_state's
-- insert trigger and care_team's triggers write them), so a plain UPDATE through the primary key
-- (episode first, 034) does: at 14:00 0.69 lock records per single reading less. Only an episode
-- that becomes active again needs its rows written anew (they were deleted when it stopped), and
-- keeps the upsert.
create or replace function varde_worklist_rows_sync_upd() returns trigger language plpgsql as $$
begin
  if not exists (select from new_rows) then return null; end if;
  delete from worklist_rows w using new_rows n, old_rows o
   where o.episode_id = n.episode_id and w.episode_id = n.episode_id and o.active and not n.active;
  -- The rows whose keys changed first (034: no statistics for transition tables).
  with moved as materialized (
    select n.episode_id, n.status_rank, n.sort_since, n.order_sub, n.order_severity
      from new_rows n join old_rows o on o.episode_id = n.episode_id
     where n.active and o.active
       and (n.status_rank, n.sort_since, n.order_sub, n.order_severity)
           is distinct from (o.status_rank, o.sort_since, o.order_sub, o.order_severity))
  update worklist_rows w set status_rank = m.status_rank, sort_since = m.sort_since, order_sub = m.order_sub, order_severity = m.order_severity
    from moved m
   where w.episode_id = m.episode_id;
  if exists (select from new_rows n join old_rows o on o.episode_id = n.episode_id where n.active and not o.active) then
    insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity)
    select ct.organisation_id, n.episode_id, n.status_rank, n.sort_since, n.order_sub, n.order_severity
      from new_rows n join old_rows o on o.episode_id = n.episode_id
      -- "offset 0" keeps the probe a subquery, so it stays a per-episode index lookup whatever the guess (044).
      cross join lateral (select c.organisation_id from care_team c where c.episode_id = n.episode_id offset 0) ct
     where n.active and not o.active
    on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since,
        order_sub = excluded.order_sub, order_severity = excluded.order_severity;
  end if;
  return null;
end $$;

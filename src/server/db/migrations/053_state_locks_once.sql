-- The state triggers lock episode_state rows in episode order before they update them (010), so
-- two writers touching the same episodes wait for each other instead of deadlocking. A row this
-- transaction has already locked or written is ours until commit: the version we see carries our
-- transaction id as xmax (locked by us alone) or as xmin (written by us). Locking it again waits
-- for nobody, but still wrote a lock record to the WAL and dirtied the page. A single-reading group
-- paid that whenever both triggers of its write statement ran for the same episodes (the readings'
-- latest values, and the missing alerts they answered): 1.39 lock records per reading where 1.0
-- are needed (bench/explain-ingest.ts WAL=1, bench/README.md "Round 31"). Rows locked or written in
-- a subtransaction, or locked by several transactions at once (a multixact), do not match and are
-- locked again, as before. A frozen row whose raw xmin or xmax happens to equal our id (2^32
-- transactions later) is not locked here; its update then takes the lock out of order, which at
-- worst is a deadlock that PostgreSQL detects and the writer retries (ingest/queue.ts#withRetry).
create function varde_lock_episode_states(ids uuid[]) returns void language plpgsql as $$
declare
  me xid := pg_current_xact_id_if_assigned()::xid;
begin
  perform 1 from episode_state s
   where s.episode_id = any(ids) and s.xmin is distinct from me and s.xmax is distinct from me
   order by s.episode_id for update;
end $$;

-- 025's trigger with the lock above.
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
  perform varde_lock_episode_states(ids);
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

-- 039's trigger with the lock above.
create or replace function varde_alerts_state() returns trigger language plpgsql as $$
declare
  ids uuid[] := array(select distinct episode_id from new_rows order by episode_id);
begin
  if cardinality(ids) = 0 then return null; end if;
  perform varde_lock_episode_states(ids);
  perform varde_alert_state(ids);
  -- Whoever acknowledges or resolves an alert is following the patient.
  insert into worklist_mine (personnel_id, episode_id)
  select distinct coalesce(n.acknowledged_by, n.resolved_by), n.episode_id from new_rows n
   where coalesce(n.acknowledged_by, n.resolved_by) is not null
  on conflict do nothing;
  return null;
end $$;

-- 052's delete trigger keeps its own lock: a retraction deletes before anything of its transaction
-- has written the state row, so there is nothing for it to skip (the alert repair after it, through
-- varde_alerts_state above, does skip the row the delete trigger wrote).

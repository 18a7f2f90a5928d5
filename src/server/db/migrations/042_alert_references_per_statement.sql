-- An alert's references (its episode and patient, plan, and who acknowledged or resolved it)
-- checked once per statement instead of once per row (issue 15: the all-due missing-measurement sweep).
--
-- Each of alerts' four foreign keys fired a trigger per inserted row: the two to personnel
-- (acknowledged_by, resolved_by, NULL in every new alert) to find nothing to check, the other two
-- to run a lookup through SPI with its own executor start, lock the referenced row FOR KEY SHARE
-- and write that lock to the WAL. An all-due sweep inserts ~5 alerts per episode (49 995 for
-- 10 000 episodes at 14:00): a CPU profile of its database backends (perf, bench/README.md
-- "Round 16") put 13 % of their time in those lookups, and in alternated runs without the four
-- keys the sweep used 3.28 s of database CPU against 4.21 s with them (means of 4 and 11 runs).
--
-- The same rules, kept by triggers:
--   * Inserting or updating alerts: ONE statement-level check over the statement's rows (an
--     index probe per reference, only for rows whose references an update changed) raises
--     foreign_key_violation (23503), as the keys did, and the statement is undone.
--   * Deleting a referenced episode, plan or person, or changing its key (an episode's id or
--     patient, a plan's or person's id), is refused with the same error while an alert names it.
--     The check first takes a SHARE lock on alerts: it waits for transactions writing alerts to
--     end, and holds off new ones until the delete's transaction ends, so an alert committed
--     meanwhile is seen (the row lock a key's check took did this). Such deletes never happen in
--     Varde (episodes end, plans are superseded, a person leaves with their memberships and keeps
--     their row), so this lock costs nothing.
--     The alert writers' checks read with a fresh snapshot per statement: READ COMMITTED, the only
--     isolation level Varde's transactions use.

alter table alerts drop constraint alerts_episode_patient_fkey;
alter table alerts drop constraint alerts_plan_id_fkey;
alter table alerts drop constraint alerts_acknowledged_by_fkey;
alter table alerts drop constraint alerts_resolved_by_fkey;

-- Scalar subqueries, not NOT EXISTS: the planner has no statistics for a transition table and may
-- hash every episode for an anti-join; a subquery per row is an index probe whatever the table's size.
create function varde_alert_refs_ins() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select n.id, n.episode_id, n.patient_id, n.plan_id into bad from new_rows n
   where (select true from episodes e where e.id = n.episode_id and e.patient_id = n.patient_id) is null
      or (select true from plans p where p.id = n.plan_id) is null
      or (n.acknowledged_by is not null and (select true from personnel x where x.id = n.acknowledged_by) is null)
      or (n.resolved_by is not null and (select true from personnel x where x.id = n.resolved_by) is null)
   limit 1;
  if found then
    raise exception 'insert on table "alerts" violates its references: alert % names an episode of patient %, a plan or a person that does not exist (episode %, plan %)',
      bad.id, bad.patient_id, bad.episode_id, bad.plan_id
      using errcode = 'foreign_key_violation', table = 'alerts';
  end if;
  return null;
end $$;
create trigger alerts_refs_ins after insert on alerts referencing new table as new_rows
  for each statement execute function varde_alert_refs_ins();

-- Updates: only the rows whose references changed (a merge rewrites plan_id, mostly to itself; an
-- acknowledgement sets acknowledged_by). A trigger with transition tables cannot name columns
-- (UPDATE OF …), so every update statement pays the join of its old and new rows.
create function varde_alert_refs_upd() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select n.id, n.episode_id, n.patient_id, n.plan_id into bad from new_rows n join old_rows o on o.id = n.id
   where (n.episode_id, n.patient_id, n.plan_id, n.acknowledged_by, n.resolved_by)
         is distinct from (o.episode_id, o.patient_id, o.plan_id, o.acknowledged_by, o.resolved_by)
     and ((select true from episodes e where e.id = n.episode_id and e.patient_id = n.patient_id) is null
       or (select true from plans p where p.id = n.plan_id) is null
       or (n.acknowledged_by is not null and (select true from personnel x where x.id = n.acknowledged_by) is null)
       or (n.resolved_by is not null and (select true from personnel x where x.id = n.resolved_by) is null))
   limit 1;
  if found then
    raise exception 'update on table "alerts" violates its references: alert % names an episode of patient %, a plan or a person that does not exist (episode %, plan %)',
      bad.id, bad.patient_id, bad.episode_id, bad.plan_id
      using errcode = 'foreign_key_violation', table = 'alerts';
  end if;
  return null;
end $$;
create trigger alerts_refs_upd after update on alerts
  referencing old table as old_rows new table as new_rows
  for each statement execute function varde_alert_refs_upd();

-- The referenced side: a row named by a child table is neither deleted nor re-keyed. One function
-- for every such guard (043 uses it for readings): its arguments are the child table and the
-- columns of it that name the row. Dynamic SQL is fine here: this runs only on deletes and key
-- changes, which Varde never makes.
create function varde_reference_guard() returns trigger language plpgsql as $$
declare
  child text := tg_argv[0];
  named boolean;
begin
  execute format('lock table %I in share mode', child);
  execute format('select exists (select 1 from %I where %s)', child,
                 (select string_agg(format('%I = $1', c), ' or ') from unnest(tg_argv[1:]) as c))
    into named using old.id;
  if named then
    raise exception '% on table "%" violates the references of table "%": % is still named there', lower(tg_op), tg_table_name, child, old.id
      using errcode = 'foreign_key_violation', table = tg_table_name;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;
create trigger episodes_alert_refs_del before delete on episodes for each row execute function varde_reference_guard('alerts', 'episode_id');
create trigger episodes_alert_refs_upd before update of id, patient_id on episodes for each row
  when (old.id is distinct from new.id or old.patient_id is distinct from new.patient_id) execute function varde_reference_guard('alerts', 'episode_id');
create trigger plans_alert_refs_del before delete on plans for each row execute function varde_reference_guard('alerts', 'plan_id');
create trigger plans_alert_refs_upd before update of id on plans for each row
  when (old.id is distinct from new.id) execute function varde_reference_guard('alerts', 'plan_id');
create trigger personnel_alert_refs_del before delete on personnel for each row execute function varde_reference_guard('alerts', 'acknowledged_by', 'resolved_by');
create trigger personnel_alert_refs_upd before update of id on personnel for each row
  when (old.id is distinct from new.id) execute function varde_reference_guard('alerts', 'acknowledged_by', 'resolved_by');

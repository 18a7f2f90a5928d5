-- An alert update's references are checked only when the update names a reference column and
-- changes it (issue 15: batched ingest).
--
-- 042 checked them in a statement trigger with OLD and NEW transition tables, because a trigger
-- with transition tables cannot name columns (UPDATE OF …). That made every update of alerts pay
-- for references it did not touch: PostgreSQL kept a copy of each old row (~900 bytes for a
-- missing-measurement alert) for the transition table, and the trigger joined old to new rows to
-- find that nothing changed. The ingest write statement resolves the missing alerts its readings
-- answer (status and resolved_at only); for a batched upload of 100 sittings (~380 alerts) the join
-- alone took ~2 ms of database time (EXPLAIN ANALYZE, bench/README.md "Round 27").
--
-- Who changes a reference: an acknowledgement (acknowledged_by), a nurse's resolution
-- (resolved_by), and a merge (plan_id, mostly to itself). They touch one alert, or a few per
-- statement, so a row trigger with a WHEN clause costs nothing where nothing changes (the clause is
-- evaluated inline, no function is called) and one index probe per reference where something does.
-- The rules are 042's: the error is foreign_key_violation (23503) and the statement is undone.
-- The referenced side (042's guards with their SHARE lock on alerts) is unchanged: the lock waits
-- for any transaction that wrote alerts, whichever trigger checked them.

drop trigger alerts_refs_upd on alerts;
drop function varde_alert_refs_upd();

create function varde_alert_refs_row() returns trigger language plpgsql as $$
begin
  if (select true from episodes e where e.id = new.episode_id and e.patient_id = new.patient_id) is null
     or (select true from plans p where p.id = new.plan_id) is null
     or (new.acknowledged_by is not null and (select true from personnel x where x.id = new.acknowledged_by) is null)
     or (new.resolved_by is not null and (select true from personnel x where x.id = new.resolved_by) is null) then
    raise exception 'update on table "alerts" violates its references: alert % names an episode of patient %, a plan or a person that does not exist (episode %, plan %)',
      new.id, new.patient_id, new.episode_id, new.plan_id
      using errcode = 'foreign_key_violation', table = 'alerts';
  end if;
  return new;
end $$;

create trigger alerts_refs_upd before update of episode_id, patient_id, plan_id, acknowledged_by, resolved_by on alerts for each row
  when ((new.episode_id, new.patient_id, new.plan_id, new.acknowledged_by, new.resolved_by)
        is distinct from (old.episode_id, old.patient_id, old.plan_id, old.acknowledged_by, old.resolved_by))
  execute function varde_alert_refs_row();

-- Worklist counts per status without counting the caseload (issue 15).
--
-- GET /api/worklist shows a count per status on its chips. Counting worklist_rows for the
-- organisation read every row of the caseload on every request and every live update: 60–110 ms
-- at 100 000 patients in one service (bench/README.md), while the page itself is an index range
-- scan of 50 rows. A counter row per (organisation, status) would be exact and cheap to read, but
-- every ingest of a municipality that changes a patient's status would then queue on the same row
-- lock. So the statement triggers on worklist_rows only APPEND signed deltas (inserts never wait on
-- each other), the count is the sum of an organisation's rows (a handful after compaction), and
-- varde_compact_worklist_counts() folds each (organisation, status) into one row, run by the
-- server every minute. A compaction deletes only the rows its snapshot sees and inserts their sum
-- in the same statement, so deltas committed meanwhile stay and the sum stays exact at any moment.

create table worklist_counts (
  organisation_id uuid not null,
  status_rank smallint not null,
  n integer not null
);
create index worklist_counts_org on worklist_counts (organisation_id, status_rank);

create function varde_worklist_counts_ins() returns trigger language plpgsql as $$
begin
  insert into worklist_counts (organisation_id, status_rank, n)
  select organisation_id, status_rank, count(*) from new_rows group by 1, 2;
  return null;
end $$;

create function varde_worklist_counts_del() returns trigger language plpgsql as $$
begin
  insert into worklist_counts (organisation_id, status_rank, n)
  select organisation_id, status_rank, -count(*) from old_rows group by 1, 2;
  return null;
end $$;

-- Most updates move order keys within a status (a new reading, a merged finding): no delta then.
-- Old and new rows are matched on the primary key (organisation_id, episode_id), which no update
-- changes.
create function varde_worklist_counts_upd() returns trigger language plpgsql as $$
begin
  insert into worklist_counts (organisation_id, status_rank, n)
  select organisation_id, status_rank, sum(d)::int
    from (select o.organisation_id, o.status_rank, -1 as d
            from old_rows o join new_rows w on w.organisation_id = o.organisation_id and w.episode_id = o.episode_id
           where w.status_rank <> o.status_rank
          union all
          select w.organisation_id, w.status_rank, 1
            from old_rows o join new_rows w on w.organisation_id = o.organisation_id and w.episode_id = o.episode_id
           where w.status_rank <> o.status_rank) x
   group by 1, 2
  having sum(d) <> 0;
  return null;
end $$;

create trigger worklist_counts_ins after insert on worklist_rows
  referencing new table as new_rows for each statement execute function varde_worklist_counts_ins();
create trigger worklist_counts_del after delete on worklist_rows
  referencing old table as old_rows for each statement execute function varde_worklist_counts_del();
create trigger worklist_counts_upd after update on worklist_rows
  referencing old table as old_rows new table as new_rows for each statement execute function varde_worklist_counts_upd();

-- Folds every organisation's deltas into one row per status; returns the number of rows removed.
create function varde_compact_worklist_counts() returns integer language plpgsql as $$
declare
  removed integer;
begin
  -- Two processes compacting at once would each re-insert the sums of what they both deleted.
  if not pg_try_advisory_xact_lock(7215030) then
    return 0;
  end if;
  with gone as (delete from worklist_counts returning organisation_id, status_rank, n),
       kept as (insert into worklist_counts (organisation_id, status_rank, n)
                select organisation_id, status_rank, sum(n)::int from gone group by 1, 2 having sum(n) <> 0)
  select count(*) into removed from gone;
  return removed;
end $$;

insert into worklist_counts (organisation_id, status_rank, n)
select organisation_id, status_rank, count(*) from worklist_rows group by 1, 2;

-- Migration 030's update trigger matched old and new rows by key to find status changes. The
-- planner has no statistics for transition tables and joined them as a nested loop: one sweep
-- statement that moved 1 114 worklist rows spent 359 ms in it, about 3 s of database CPU over an
-- all-due sweep of 10 000 episodes (bench/README.md, "Missing-measurement sweep, third round").
-- No join is needed: per (organisation, status), the new rows counted minus the old rows counted
-- is the net change of an UPDATE statement; a row that kept its status adds one and removes one.
create or replace function varde_worklist_counts_upd() returns trigger language plpgsql as $$
begin
  insert into worklist_counts (organisation_id, status_rank, n)
  select organisation_id, status_rank, sum(d)::int
    from (select organisation_id, status_rank, count(*) as d from new_rows group by 1, 2
          union all
          select organisation_id, status_rank, -count(*) from old_rows group by 1, 2) x
   group by 1, 2
  having sum(d) <> 0;
  return null;
end $$;

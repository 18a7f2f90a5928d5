-- Issue 15, growth: audit events partitioned by calendar month of `at` (UTC month bounds), as the
-- observations are since 027, so an operator can detach, archive and drop a month of the access log
-- once the data controller's retention period for it has run out (docs/SCALING.md, "Audit events").
-- Every read of patient data writes a row: the access log grows with how often people look and
-- ends up as large as the observations or larger.
--
-- The rows already logged are not copied. The old table becomes one partition holding everything
-- before the first of next month (named after that bound, audit_events_before_YYYY_MM), so this
-- migration rewrites nothing: it builds one index on the old rows (the primary key must contain the
-- partition key) and scans them once to check the bound. Monthly partitions follow from next month;
-- the old partition is archived as a whole once its newest row is past retention.
--
-- Append-only (006) stays: besides the parent's, each partition has triggers and revoked
-- privileges of its own, because a partition can be written directly, statement triggers and
-- privileges are not inherited, and a detached partition loses the row trigger cloned from the
-- parent. DETACH and DROP of a partition are not blocked by triggers: docs/SCALING.md reserves them
-- for a maintenance role.

alter table audit_events rename to audit_events_unpartitioned;
alter index audit_patient rename to audit_events_unpartitioned_patient;
alter index audit_actor rename to audit_events_unpartitioned_actor;
alter table audit_events_unpartitioned drop constraint audit_events_pkey;
-- The parent's row trigger will be cloned onto the old table under this name when it is attached;
-- the table's own trigger stays, under the name every partition's own one has (below).
alter trigger audit_events_no_update_delete on audit_events_unpartitioned rename to audit_partition_no_update_delete;

-- PostgreSQL before 17 has no identity columns on partitioned tables: a sequence of our own,
-- continuing after the highest id logged so far (ids stay unique across all partitions).
create sequence audit_events_id_seq_new as bigint;
select setval('audit_events_id_seq_new', coalesce((select max(id) from audit_events_unpartitioned), 0) + 1, false);
alter table audit_events_unpartitioned alter column id drop identity;
alter sequence audit_events_id_seq_new rename to audit_events_id_seq;

create table audit_events (like audit_events_unpartitioned including defaults including constraints) partition by range (at);
alter table audit_events alter column id set default nextval('audit_events_id_seq');
alter sequence audit_events_id_seq owned by audit_events.id;

do $$
declare
  bound timestamptz := (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC';
  part text := 'audit_events_before_' || to_char(bound at time zone 'UTC', 'YYYY_MM');
begin
  execute format('alter table audit_events_unpartitioned rename to %I', part);
  execute format('alter index audit_events_unpartitioned_patient rename to %I', part || '_patient_id_at_idx');
  execute format('alter index audit_events_unpartitioned_actor rename to %I', part || '_actor_id_at_idx');
  execute format('alter table audit_events attach partition %I for values from (minvalue) to (%L)', part, bound);
end $$;

-- Makes a partition of audit_events as append-only as the parent, on its own: PostgreSQL clones
-- the parent's row trigger onto an attached partition but drops the clone when it is detached (an
-- archived month must stay as it was logged), and clones neither the TRUNCATE trigger nor privileges.
create function varde_audit_append_only(part text) returns void language plpgsql as $$
begin
  execute format('create trigger audit_partition_no_update_delete before update or delete on %I for each row execute function audit_events_append_only()', part);
  execute format('create trigger audit_events_no_truncate before truncate on %I for each statement execute function audit_events_append_only()', part);
  execute format('revoke update, delete, truncate on %I from public', part);
  execute format('revoke update, delete, truncate on %I from current_user', part);
end $$;

-- Rows no monthly partition covers (the daily job did not run for two months, a clock far off):
-- nothing is refused for want of a partition.
create table audit_events_default partition of audit_events default;
select varde_audit_append_only('audit_events_default');

-- Builds (id, at) on the old rows; the two indexes below find their twins on the old table and
-- take them over instead of building them again.
alter table audit_events add primary key (id, at);
create index audit_patient on audit_events (patient_id, at desc);
create index audit_actor on audit_events (actor_id, at desc);

create trigger audit_events_no_update_delete before update or delete on audit_events for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate before truncate on audit_events for each statement execute function audit_events_append_only();
revoke update, delete, truncate on audit_events from public;
revoke update, delete, truncate on audit_events from current_user;

-- Creates the monthly partitions covering from_month .. to_month (UTC months, both included) that
-- do not exist yet, and returns how many it made; as varde_observation_partitions (027), each new
-- partition append-only like the parent. A month overlapping the partition of the rows from before
-- this migration is left to that partition. A month whose table exists but is not attached
-- (detached for archiving) is left alone. The advisory lock serialises app processes running it.
--
-- Rows of a new month already in the default partition cannot be moved with DELETE (append-only),
-- so in that case the default partition is detached, the month attached, a new default made, the
-- old default's rows inserted again through the parent (each lands in its partition, ids and
-- times unchanged) and the old default dropped, all in this transaction.
create function varde_audit_partitions(from_month timestamptz, to_month timestamptz) returns int language plpgsql as $$
declare
  m timestamp := date_trunc('month', from_month at time zone 'UTC');
  last_month timestamp := date_trunc('month', to_month at time zone 'UTC');
  lo timestamptz;
  hi timestamptz;
  part text;
  made int := 0;
begin
  perform pg_advisory_xact_lock(7211441);
  while m <= last_month loop
    lo := m at time zone 'UTC';
    hi := (m + interval '1 month') at time zone 'UTC';
    part := 'audit_events_' || to_char(m, 'YYYY_MM');
    if to_regclass(part) is null then
      begin
        execute format('create table %I (like audit_events including defaults including constraints)', part);
        perform varde_audit_append_only(part);
        if exists (select 1 from audit_events_default where at >= lo and at < hi) then
          alter table audit_events detach partition audit_events_default;
          alter table audit_events_default rename to audit_events_default_old;
          execute format('alter table audit_events attach partition %I for values from (%L) to (%L)', part, lo, hi);
          create table audit_events_default partition of audit_events default;
          perform varde_audit_append_only('audit_events_default');
          insert into audit_events select * from audit_events_default_old;
          drop table audit_events_default_old;
        else
          execute format('alter table audit_events attach partition %I for values from (%L) to (%L)', part, lo, hi);
        end if;
        made := made + 1;
      exception when invalid_object_definition then
        -- "would overlap partition audit_events_before_…": everything in this block is undone.
        null;
      end;
    end if;
    m := m + interval '1 month';
  end loop;
  return made;
end $$;

select varde_audit_partitions(now(), now() + interval '2 months');

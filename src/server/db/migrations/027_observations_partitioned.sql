-- Issue 15, growth: observations partitioned by calendar month of effective_at (UTC month bounds),
-- so an operator can detach, archive and drop a month (docs/SCALING.md, "Partitioning, retention
-- and archiving") and vacuum works per month. A DEFAULT partition takes every reading no monthly
-- partition covers (a backfill from years ago, a device with a reset clock): nothing clinically
-- possible is refused for want of a partition.
--
-- migrate() runs this file in one transaction: the rows are copied into the new table and the old
-- one dropped, all or nothing. That rewrites the table and builds its indexes once; at today's
-- volume (~1.5 M readings a year nationally) seconds, at tens of millions minutes of refused
-- writes at that deploy. docs/SCALING.md says how to do it by hand ahead of the deploy instead.

alter table observations rename to observations_unpartitioned;

-- Same columns in the same order (observations_retracted is `like observations` and fhir/repo.ts
-- copies rows into it with `select m.*`), same defaults, NOT NULLs and CHECKs.
create table observations (like observations_unpartitioned including defaults including constraints) partition by range (effective_at);
create table observations_default partition of observations default;

-- Idempotency: the same (patient, idempotency key, code) is the same reading, whatever its
-- effective time. A unique index on a partitioned table must contain the partition key, so
-- (patient_id, idempotency_key, code, effective_at) would let a re-sent reading whose time moved
-- (ingest corrects a wrong device clock per upload) be stored twice. The key therefore lives in
-- this unpartitioned table, kept by statement triggers on observations (below) for every writer:
-- ingest, FHIR, questionnaires, the seed, the loader, tests. Its primary key is exactly the old
-- partial unique index observations_idempotency (rows without a key are not in it), so a second
-- insert of a key fails with a unique violation as before, also between concurrent transactions
-- (the second waits on the first's index entry, then fails if it committed). The app's own
-- replay check (observations/service.ts#storeSittings, under the episode lock) reads the stored
-- rows through it: one probe here, then one pruned probe of the reading's month.
create table observation_keys (
  patient_id uuid not null,
  idempotency_key text not null,
  code text not null,
  observation_id uuid not null,
  effective_at timestamptz not null,
  primary key (patient_id, idempotency_key, code)
);

-- Creates the monthly partitions covering from_month .. to_month (UTC months, both included) that
-- do not exist yet, and returns how many it made. Rows of such a month already in the DEFAULT
-- partition are moved into the new partition before it is attached (ATTACH would otherwise fail:
-- the default partition may not hold rows of an attached range). Each partition is created as a
-- plain table and attached, which locks the parent in SHARE UPDATE EXCLUSIVE mode only (ingest
-- carries on); the default partition is locked for the move. A month whose table exists but is not
-- attached (detached by an operator for archiving) is left alone: its late readings go to DEFAULT.
-- The advisory lock serialises two app processes running it at once; the second finds the work done.
create function varde_observation_partitions(from_month timestamptz, to_month timestamptz) returns int language plpgsql as $$
declare
  m timestamp := date_trunc('month', from_month at time zone 'UTC');
  last_month timestamp := date_trunc('month', to_month at time zone 'UTC');
  lo timestamptz;
  hi timestamptz;
  part text;
  made int := 0;
begin
  perform pg_advisory_xact_lock(7211427);
  while m <= last_month loop
    lo := m at time zone 'UTC';
    hi := (m + interval '1 month') at time zone 'UTC';
    part := 'observations_' || to_char(m, 'YYYY_MM');
    if to_regclass(part) is null then
      execute format('create table %I (like observations including defaults including constraints)', part);
      if to_regclass('observations_default') is not null then
        lock table observations_default in exclusive mode;
        execute format('with moved as (delete from observations_default where effective_at >= %L and effective_at < %L returning *) insert into %I select * from moved', lo, hi, part);
      end if;
      execute format('alter table observations attach partition %I for values from (%L) to (%L)', part, lo, hi);
      made := made + 1;
    end if;
    m := m + interval '1 month';
  end loop;
  return made;
end $$;

-- Monthly partitions for the months that hold readings, back to 36 months (older readings stay in
-- DEFAULT: an operator adds their months with the function above if wanted), and ahead to two
-- months after this one (later ones are clock errors: DEFAULT). Contiguous, so no gap sends new
-- readings to DEFAULT.
select varde_observation_partitions(
  least(now(), greatest(now() - interval '36 months',
                        coalesce((select min(effective_at) from observations_unpartitioned where effective_at >= now() - interval '36 months'), now()))),
  now() + interval '2 months');

-- The rows, into their months (no triggers exist yet: episode_state already reflects them).
insert into observations select * from observations_unpartitioned;
insert into observation_keys (patient_id, idempotency_key, code, observation_id, effective_at)
select patient_id, idempotency_key, code, id, effective_at from observations_unpartitioned where idempotency_key is not null;

-- Drops the old indexes and migration 010's/025's triggers with it (they are recreated below).
drop table observations_unpartitioned;

-- The primary key must contain the partition key. Nothing references observations(id) with a
-- foreign key (fhir_resources.observation_ids is a uuid array, pmd_shared.observation_id a plain
-- column, alert findings jsonb), so (id, effective_at) changes no reference. A lookup by id alone
-- probes each partition's index; callers that know the time pass it (docs/SCALING.md).
alter table observations add primary key (id, effective_at);
alter table observations add foreign key (patient_id) references patients(id);
alter table observations add foreign key (episode_id) references episodes(id);
alter table observations add foreign key (device_id) references devices(id);
create index observations_patient_code_time on observations (patient_id, code, effective_at desc);
create index observations_episode_time on observations (episode_id, effective_at desc);

-- Migration 010's statement triggers (functions as replaced by 025), now on the partitioned
-- parent: PostgreSQL runs statement-level triggers with transition tables there, and the
-- transition tables hold the rows of every partition the statement touched.
create trigger observations_state_ins after insert on observations referencing new table as new_rows for each statement execute function varde_observations_ins();
create trigger observations_state_upd after update on observations referencing new table as new_rows for each statement execute function varde_observations_upd();

-- observation_keys follows every insert, delete and update. Triggers of one event fire in name
-- order, so observations_keys_ins refuses a duplicate before observations_state_ins merges it.
create function varde_observation_keys_ins() returns trigger language plpgsql as $$
begin
  insert into observation_keys (patient_id, idempotency_key, code, observation_id, effective_at)
  select n.patient_id, n.idempotency_key, n.code, n.id, n.effective_at from new_rows n where n.idempotency_key is not null;
  return null;
end $$;
create trigger observations_keys_ins after insert on observations referencing new table as new_rows for each statement execute function varde_observation_keys_ins();

-- A deleted reading frees its key, as it freed its entry in the old unique index (a retraction,
-- fhir/repo.ts#retractObservations, moves rows to observations_retracted).
create function varde_observation_keys_del() returns trigger language plpgsql as $$
begin
  delete from observation_keys k using old_rows o
   where o.idempotency_key is not null and k.patient_id = o.patient_id and k.idempotency_key = o.idempotency_key
     and k.code = o.code and k.observation_id = o.id;
  return null;
end $$;
create trigger observations_keys_del after delete on observations referencing old table as old_rows for each statement execute function varde_observation_keys_del();

-- Updates rarely touch a key column or the time; when one does (also when the row moves to another
-- month's partition, which is an UPDATE for statement triggers), the statement's keys are replaced.
create function varde_observation_keys_upd() returns trigger language plpgsql as $$
begin
  if exists (select o.patient_id, o.idempotency_key, o.code, o.id, o.effective_at from old_rows o
             except select n.patient_id, n.idempotency_key, n.code, n.id, n.effective_at from new_rows n) then
    delete from observation_keys k using old_rows o
     where o.idempotency_key is not null and k.patient_id = o.patient_id and k.idempotency_key = o.idempotency_key
       and k.code = o.code and k.observation_id = o.id;
    insert into observation_keys (patient_id, idempotency_key, code, observation_id, effective_at)
    select n.patient_id, n.idempotency_key, n.code, n.id, n.effective_at from new_rows n where n.idempotency_key is not null;
  end if;
  return null;
end $$;
create trigger observations_keys_upd after update on observations referencing old table as old_rows new table as new_rows for each statement execute function varde_observation_keys_upd();

-- TRUNCATE of the parent empties every partition; the keys go with it.
create function varde_observation_keys_truncate() returns trigger language plpgsql as $$
begin
  truncate observation_keys;
  return null;
end $$;
create trigger observations_keys_truncate after truncate on observations for each statement execute function varde_observation_keys_truncate();

-- An inserting statement's references probed once per distinct value, not once per row (issue 15:
-- the all-due sweep and batched ingest).
--
-- The checks of migrations 042, 043 and 046 probed each inserted row's references. The rows of one
-- statement mostly name the same ones: an all-due sweep inserts ~5 missing alerts per episode, all
-- naming the same episode, patient and plan (~2 100 alerts, ~420 episodes per batch statement); a
-- batched upload of 100 sittings inserts ~400 readings of 100 episodes; a transaction Bundle's
-- resources name one organisation. The probes of equal values found the same rows again. Now each
-- check reads the distinct values of each reference from the statement's rows (a hash of the
-- transition table per reference; the old check scanned it as well) and probes those.
--
-- The rules and the error (foreign_key_violation, 23503; the statement is undone) are those of
-- 042, 043 and 046; the message names the reference that does not resolve instead of a row id
-- (which row carried it no longer matters to the statement that is undone).

-- Scalar subqueries, not NOT EXISTS: no statistics for a transition table (migration 042).
create or replace function varde_alert_refs_ins() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select x.what, x.id, x.patient_id into bad from (
    select 'episode' as what, d.episode_id as id, d.patient_id from (select distinct episode_id, patient_id from new_rows) d
     where (select true from episodes e where e.id = d.episode_id and e.patient_id = d.patient_id) is null
    union all
    select 'plan', d.plan_id, null from (select distinct plan_id from new_rows) d
     where (select true from plans p where p.id = d.plan_id) is null
    union all
    select 'person', d.person, null from (select n.acknowledged_by as person from new_rows n union select n.resolved_by from new_rows n) d
     where d.person is not null and (select true from personnel x where x.id = d.person) is null) x
   limit 1;
  if found then
    raise exception 'insert on table "alerts" violates its references: an alert names a % that does not exist: % (patient %)', bad.what, bad.id, bad.patient_id
      using errcode = 'foreign_key_violation', table = 'alerts';
  end if;
  return null;
end $$;

create or replace function varde_observation_refs_ins() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select x.what, x.id, x.patient_id into bad from (
    select 'episode' as what, d.episode_id as id, d.patient_id from (select distinct episode_id, patient_id from new_rows) d
     where (select true from episodes e where e.id = d.episode_id and e.patient_id = d.patient_id) is null
    union all
    select 'device', d.device_id, null from (select distinct device_id from new_rows) d
     where d.device_id is not null and (select true from devices x where x.id = d.device_id) is null) x
   limit 1;
  if found then
    raise exception 'insert on table "observations" violates its references: a reading names a % that does not exist: % (patient %)', bad.what, bad.id, bad.patient_id
      using errcode = 'foreign_key_violation', table = 'observations';
  end if;
  return null;
end $$;

create or replace function varde_fhir_resource_refs_ins() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select x.what, x.id into bad from (
    select 'patient' as what, d.patient_id as id from (select distinct patient_id from new_rows) d
     where d.patient_id is not null and (select true from patients p where p.id = d.patient_id) is null
    union all
    select 'organisation', d.organisation_id from (select distinct organisation_id from new_rows) d
     where d.organisation_id is not null and (select true from organisations o where o.id = d.organisation_id) is null
    union all
    select 'device', d.device_id from (select distinct device_id from new_rows) d
     where d.device_id is not null and (select true from devices x where x.id = d.device_id) is null) x
   limit 1;
  if found then
    raise exception 'insert on table "fhir_resources" violates its references: a resource names a % that does not exist: %', bad.what, bad.id
      using errcode = 'foreign_key_violation', table = 'fhir_resources';
  end if;
  return null;
end $$;

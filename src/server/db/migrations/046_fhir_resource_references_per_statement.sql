-- A stored FHIR resource's references (its patient, the organisation that posted it, its device)
-- checked once per statement instead of once per row, as migrations 042 and 043 did for alerts and
-- readings (issue 15: every FHIR create pays them).
--
-- Each of these three keys queued an after-row trigger per inserted resource. The patient's and the
-- organisation's ran a lookup through SPI with its own executor start and locked the referenced row
-- FOR KEY SHARE, which writes the lock to that row's heap page: a WAL record per create for the
-- patient, and for the organisation, which every create of a gateway names, a lock that the
-- concurrent group commits of one client share (a multixact, its members written as well). A
-- transaction Bundle of 100 Observations ran 200 such lookups. The device's key fired for rows that
-- name none, to find NULL. replaced_by keeps its key: no write sets it (Varde retracts in place), so
-- its trigger only ever finds NULL, and a guard on the referenced side would scan the whole table
-- (no index on replaced_by) for every resource deleted.
--
-- The same rules, kept by triggers:
--   * Inserting or updating resources: ONE check per statement, an index probe per reference (on
--     update only for rows whose references changed), raising foreign_key_violation (23503) as the
--     keys did; the statement is undone.
--   * Deleting a patient, organisation or device a stored resource names, or changing its id, is
--     refused after a SHARE lock on fhir_resources (migration 042 explains the lock). Varde deletes
--     none of them: patients' episodes end, devices are returned.

alter table fhir_resources drop constraint fhir_resources_patient_id_fkey;
alter table fhir_resources drop constraint fhir_resources_organisation_id_fkey;
alter table fhir_resources drop constraint fhir_resources_device_id_fkey;

-- Scalar subqueries, not NOT EXISTS: no statistics for a transition table (migration 042).
create function varde_fhir_resource_refs_ins() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select n.id, n.patient_id, n.organisation_id, n.device_id into bad from new_rows n
   where (n.patient_id is not null and (select true from patients p where p.id = n.patient_id) is null)
      or (n.organisation_id is not null and (select true from organisations o where o.id = n.organisation_id) is null)
      or (n.device_id is not null and (select true from devices d where d.id = n.device_id) is null)
   limit 1;
  if found then
    raise exception 'insert on table "fhir_resources" violates its references: resource % names a patient, organisation or device that does not exist (patient %, organisation %, device %)',
      bad.id, bad.patient_id, bad.organisation_id, bad.device_id
      using errcode = 'foreign_key_violation', table = 'fhir_resources';
  end if;
  return null;
end $$;
create trigger fhir_resources_refs_ins after insert on fhir_resources referencing new table as new_rows
  for each statement execute function varde_fhir_resource_refs_ins();

create function varde_fhir_resource_refs_upd() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select n.id, n.patient_id, n.organisation_id, n.device_id into bad from new_rows n join old_rows o on o.id = n.id
   where (n.patient_id, n.organisation_id, n.device_id) is distinct from (o.patient_id, o.organisation_id, o.device_id)
     and ((n.patient_id is not null and (select true from patients p where p.id = n.patient_id) is null)
       or (n.organisation_id is not null and (select true from organisations x where x.id = n.organisation_id) is null)
       or (n.device_id is not null and (select true from devices d where d.id = n.device_id) is null))
   limit 1;
  if found then
    raise exception 'update on table "fhir_resources" violates its references: resource % names a patient, organisation or device that does not exist (patient %, organisation %, device %)',
      bad.id, bad.patient_id, bad.organisation_id, bad.device_id
      using errcode = 'foreign_key_violation', table = 'fhir_resources';
  end if;
  return null;
end $$;
create trigger fhir_resources_refs_upd after update on fhir_resources referencing old table as old_rows new table as new_rows
  for each statement execute function varde_fhir_resource_refs_upd();

-- The referenced side: migration 042's guard, for stored resources.
create trigger patients_fhir_resource_refs_del before delete on patients for each row execute function varde_reference_guard('fhir_resources', 'patient_id');
create trigger patients_fhir_resource_refs_upd before update of id on patients for each row
  when (old.id is distinct from new.id) execute function varde_reference_guard('fhir_resources', 'patient_id');
create trigger organisations_fhir_resource_refs_del before delete on organisations for each row execute function varde_reference_guard('fhir_resources', 'organisation_id');
create trigger organisations_fhir_resource_refs_upd before update of id on organisations for each row
  when (old.id is distinct from new.id) execute function varde_reference_guard('fhir_resources', 'organisation_id');
create trigger devices_fhir_resource_refs_del before delete on devices for each row execute function varde_reference_guard('fhir_resources', 'device_id');
create trigger devices_fhir_resource_refs_upd before update of id on devices for each row
  when (old.id is distinct from new.id) execute function varde_reference_guard('fhir_resources', 'device_id');

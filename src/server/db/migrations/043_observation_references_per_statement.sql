-- A reading's references (its episode and patient, and its device) checked once per statement
-- instead of once per row, as migration 042 did for alerts (issue 15: every reading pays them).
--
-- observations_episode_patient_fkey ran an SPI lookup per reading with its own executor start and
-- locked the episode row FOR KEY SHARE, which writes the lock to the episode's heap page (a WAL
-- record, and a full-page image after each checkpoint: with 100 000 patients most readings dirty
-- another episode page); observations_device_id_fkey fired per reading to find NULL in most.
-- Measured at 10 000 patients (bench/README.md "Round 16"): a single reading writes one WAL
-- record and touches ~6 % fewer buffers; its database CPU did not move beyond the VM's noise.
--
-- The same rules, kept by triggers on the partitioned table (its statement triggers see the rows
-- of every partition; the partition maintenance of migration 027 moves rows already checked
-- straight between partitions):
--   * Inserting or updating readings: ONE check per statement, an index probe per row (on update
--     only rows whose references changed), raising foreign_key_violation (23503) as the keys did.
--   * Deleting an episode or device a reading names, or changing its key, is refused after a SHARE
--     lock on observations (it waits for the transactions writing readings; migration 042 explains
--     why). Varde never deletes either: episodes end, devices are returned.

alter table observations drop constraint observations_episode_patient_fkey;
alter table observations drop constraint observations_device_id_fkey;

create function varde_observation_refs_ins() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select n.id, n.episode_id, n.patient_id, n.device_id into bad from new_rows n
   where (select true from episodes e where e.id = n.episode_id and e.patient_id = n.patient_id) is null
      or (n.device_id is not null and (select true from devices d where d.id = n.device_id) is null)
   limit 1;
  if found then
    raise exception 'insert on table "observations" violates its references: reading % names an episode of patient % or a device that does not exist (episode %, device %)',
      bad.id, bad.patient_id, bad.episode_id, bad.device_id
      using errcode = 'foreign_key_violation', table = 'observations';
  end if;
  return null;
end $$;
create trigger observations_refs_ins after insert on observations referencing new table as new_rows
  for each statement execute function varde_observation_refs_ins();

create function varde_observation_refs_upd() returns trigger language plpgsql as $$
declare
  bad record;
begin
  select n.id, n.episode_id, n.patient_id, n.device_id into bad from new_rows n join old_rows o on o.id = n.id
   where (n.episode_id, n.patient_id, n.device_id) is distinct from (o.episode_id, o.patient_id, o.device_id)
     and ((select true from episodes e where e.id = n.episode_id and e.patient_id = n.patient_id) is null
       or (n.device_id is not null and (select true from devices d where d.id = n.device_id) is null))
   limit 1;
  if found then
    raise exception 'update on table "observations" violates its references: reading % names an episode of patient % or a device that does not exist (episode %, device %)',
      bad.id, bad.patient_id, bad.episode_id, bad.device_id
      using errcode = 'foreign_key_violation', table = 'observations';
  end if;
  return null;
end $$;
create trigger observations_refs_upd after update on observations referencing old table as old_rows new table as new_rows
  for each statement execute function varde_observation_refs_upd();

-- The referenced side: migration 042's guard, for readings.
create trigger episodes_observation_refs_del before delete on episodes for each row execute function varde_reference_guard('observations', 'episode_id');
create trigger episodes_observation_refs_upd before update of id, patient_id on episodes for each row
  when (old.id is distinct from new.id or old.patient_id is distinct from new.patient_id) execute function varde_reference_guard('observations', 'episode_id');
create trigger devices_observation_refs_del before delete on devices for each row execute function varde_reference_guard('observations', 'device_id');
create trigger devices_observation_refs_upd before update of id on devices for each row
  when (old.id is distinct from new.id) execute function varde_reference_guard('observations', 'device_id');

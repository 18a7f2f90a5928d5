-- The Pasientens måledata job reads the readings received since its last run, not every
-- consenting patient's last 90 days (issue 15: no work that grows with all patients every minute).
--
-- The job (integration/pmd-job.ts, every minute on the outbox leader) joined every open,
-- consenting episode to 90 days of its readings and dropped those already in pmd_shared. Its plan
-- began with a sequential scan of all episodes (150 ms at 100 000 patients with none consenting,
-- seen in auto_explain of the bench), and with consent common it would walk every consenting
-- patient's 90 days of readings each minute. Now each enabled receiver keeps how far the job has
-- read (`pmd_scanned_until`, in received time), and a run reads the readings received after it.
--
-- received_at gets a BRIN index: observations are appended in the order they are received, so
-- the block ranges follow received time, and a BRIN index costs ingest next to nothing (new rows
-- land in the unsummarised range at the end, which an insert does not touch; vacuum summarises
-- it later). A B-tree would add an entry to every reading's insert.
create index observations_received_brin on observations using brin (received_at);

-- Null: read the whole look-back window (a new receiver, or one switched on again).
alter table integration_receivers add column pmd_scanned_until timestamptz;

-- A receiver switched on again shares what was received while it was off (within the look-back),
-- as the job did before: it starts from the beginning of the window.
create function varde_receiver_rescan() returns trigger language plpgsql as $$
begin
  new.pmd_scanned_until := null;
  return new;
end $$;
create trigger integration_receivers_rescan before update of enabled, organisation_id, kind on integration_receivers for each row
  when (new.enabled and (not old.enabled or new.organisation_id <> old.organisation_id or new.kind <> old.kind))
  execute function varde_receiver_rescan();

-- An episode that becomes eligible for sharing (consent given or dated back, moved to another
-- follow-up service, reopened) may have readings received before its service's mark: the mark
-- goes back to the consent, so the next run reads from there (no further than the look-back).
create function varde_episode_sharing_rescan() returns trigger language plpgsql as $$
begin
  update integration_receivers r set pmd_scanned_until = new.share_measurements_since
   where r.organisation_id = new.follow_up_org and r.kind = 'pasientens_maledata' and r.pmd_scanned_until > new.share_measurements_since;
  return null;
end $$;
create trigger episodes_sharing_rescan_ins after insert on episodes for each row
  when (new.share_measurements_since is not null and new.status <> 'ended')
  execute function varde_episode_sharing_rescan();
create trigger episodes_sharing_rescan_upd after update of share_measurements_since, follow_up_org, status on episodes for each row
  when (new.share_measurements_since is not null and new.status <> 'ended'
        and (old.share_measurements_since is distinct from new.share_measurements_since
             or old.follow_up_org is distinct from new.follow_up_org or old.status = 'ended'))
  execute function varde_episode_sharing_rescan();

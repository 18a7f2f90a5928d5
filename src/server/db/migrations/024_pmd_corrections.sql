-- Pasientens måledata corrections (issue 14, integration/pmd-job.ts#queueCorrections): a reading
-- shared and retracted since is sent once as entered-in-error. correction_key marks a shared
-- reading whose correction is queued (the outbox key of that batch); the job sets it with one
-- UPDATE … WHERE correction_key IS NULL, so overlapping runs queue it once. The index lets the job
-- look at recent retractions only (the job's look-back), not the whole retraction history.
alter table pmd_shared add column correction_key text;
create index observations_retracted_at on observations_retracted (retracted_at);

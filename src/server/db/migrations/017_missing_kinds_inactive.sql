-- Alerts for what did not happen, with the national VKP alert kinds (issue 12), and the inactive
-- patient (issue 12; swept set-based with the missing measurements, issue 15).
--
-- alerts.kind of the sweep's alerts (zone 'missing' for all three; domain/missing.ts):
--   'missing_measurement'   måling ikke rapportert     (VKP 5.3.2), rule 'missing:<measure>'
--   'missing_questionnaire' manglende skjemabesvarelse (VKP 5.3.1), rule 'missing:<questionnaire>'
--   'inactive'              inaktiv pasient            (VKP 5.3),   rule 'inactive'
-- Before this migration every one of them was kind 'missing'.

-- How many days without any reading or questionnaire answer make a patient inactive, per
-- follow-up service (episodes.follow_up_org); null = the default (domain/missing.ts#DEFAULT_INACTIVE_DAYS, 3).
alter table organisations add column inactive_after_days int check (inactive_after_days between 1 and 60);

update alerts set kind = case when split_part(rule_id, ':', 2) in ('phq9', 'gad7', 'cat', 'symptoms') then 'missing_questionnaire' else 'missing_measurement' end
 where kind = 'missing' and rule_id like 'missing:%';
update alerts set kind = 'inactive' where kind = 'missing' and rule_id = 'inactive';

-- Migration 014's gate (no "what did not happen" alert outside follow-up proper: not in
-- onboarding or baseline, not while paused, not for what was due before follow-up started or
-- resumed) keyed on kind 'missing'; it now covers every alert of zone 'missing', whatever its kind.
-- The sweep (triage/missing-job.ts) applies the same conditions in its own statement and marks its
-- transactions (set_config('varde.missing_sweep', 'on', true)): a per-row function call with a
-- query for each of tens of thousands of alerts is a tenth of an all-due sweep.
drop trigger alerts_missing_gate on alerts;
create trigger alerts_missing_gate before insert on alerts for each row
  when (new.zone = 'missing' and current_setting('varde.missing_sweep', true) is distinct from 'on')
  execute function varde_missing_alert_gate();

-- The inactive-patient check is one more row of episode_schedule per followed episode: code
-- 'inactive', schedule {"kind":"inactive"}, next_due_at = when the patient would have been silent
-- for the service's number of days (rewritten by the sweep from episode_state.last_observation_at,
-- so a reading costs the ingest path nothing here). See triage/missing-job.ts.

-- The patient sent something (a reading, or a questionnaire, whose total is stored as a reading):
-- an open inactive alert is answered. Whichever path writes (app, device ingest, FHIR); one
-- probe per insert statement, an index probe per episode in it (alerts_one_unresolved).
create function varde_inactive_answered() returns trigger language plpgsql as $$
begin
  -- Probe first: an UPDATE of no rows would still run the alerts' statement triggers (worklist
  -- state and order) on every upload.
  if exists (select 1 from alerts a where a.rule_id = 'inactive' and a.status <> 'resolved'
               and a.episode_id in (select distinct n.episode_id from new_rows n)) then
    update alerts a set status = 'resolved', resolved_at = now()
     where a.rule_id = 'inactive' and a.status <> 'resolved'
       and a.episode_id in (select distinct n.episode_id from new_rows n);
  end if;
  return null;
end $$;
create trigger observations_inactive_answered after insert on observations referencing new table as new_rows
  for each statement execute function varde_inactive_answered();

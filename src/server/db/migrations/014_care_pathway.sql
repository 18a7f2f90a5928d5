-- The care pathway of the national guidance (issue 12): referral → decision → onboarding →
-- baseline → active ⇄ paused → evaluation → ended, as explicit episode states with audited
-- transitions. Helsedirektoratet, nasjonale faglige råd for digital hjemmeoppfølging.
--
-- `episodes.status` stays the coarse lifecycle every other feature reads (open = not ended; on the
-- worklist and swept for missing measurements = active). `episodes.state` is the pathway step;
-- src/domain/pathway.ts#coarseStatus maps one to the other and the service writes both together.
-- A referral is an open episode that is not active: it blocks a second open episode for the
-- patient, its care team (referrer, follow-up service, GP) may read it, and it is on no worklist.

alter table episodes drop constraint episodes_status_check;
alter table episodes add constraint episodes_status_check check (status in ('referred', 'active', 'paused', 'ended'));

alter table episodes add column state text not null default 'active'
  check (state in ('referred', 'declined', 'onboarding', 'baseline', 'active', 'paused', 'evaluation', 'ended'));
update episodes set state = status where status in ('active', 'paused', 'ended');

-- Referral (henvisning) and decision (vedtak).
alter table episodes add column referral_source text check (referral_source in ('gp', 'hospital', 'home_care', 'citizen'));
alter table episodes add column referral_reason text;
alter table episodes add column referrer_org uuid references organisations(id);
alter table episodes add column referred_at timestamptz;
-- What the referrer answered to the inclusion guidance: {"chronicCondition": true, "ableToConsent": true, "ableToUseEquipment": false}.
alter table episodes add column inclusion jsonb;
alter table episodes add column vedtak_date date;
alter table episodes add column decided_at timestamptz;
alter table episodes add column decided_by uuid references personnel(id);
alter table episodes add column decline_reason text;

-- Onboarding: consent (what, when, by whom) is recorded after the referral, so it may be missing.
alter table episodes alter column consent_at drop not null;
alter table episodes add column consent_scope text;
alter table episodes add column consent_recorded_by uuid references personnel(id);
-- Training checklist: {"<item>": {"at": "...", "by": "<personnel id>"}}.
alter table episodes add column training jsonb not null default '{}';
-- "Hva er viktig for deg?" in the patient's words; shown with the plan.
alter table episodes add column goals text;

-- Baseline period (2–4 weeks of daily readings, safety limits only).
alter table episodes add column baseline_days int not null default 14 check (baseline_days between 14 and 28);
alter table episodes add column baseline_started_at timestamptz;
alter table episodes add column baseline_ended_at timestamptz;

-- Pause (admission, holiday).
alter table episodes add column pause_reason text;
alter table episodes add column pause_until date;
alter table episodes add column paused_at timestamptz;

-- Missing-measurement occurrences due before this instant are not the patient's to miss: set when
-- follow-up proper starts (end of baseline) and at every resume, so schedules restart then.
alter table episodes add column schedules_from timestamptz;

-- Evaluation every N months (default 3).
alter table episodes add column evaluation_months int not null default 3 check (evaluation_months between 1 and 12);
alter table episodes add column next_evaluation_at timestamptz;
update episodes set next_evaluation_at = started_at + interval '3 months' where status <> 'ended';

alter table episodes add column end_reason_code text
  check (end_reason_code in ('goal_reached', 'no_benefit', 'too_ill', 'moved', 'died', 'declined'));

-- A home-nursing referrer that is not the follow-up service keeps a place in the care team.
alter table care_team drop constraint care_team_responsibility_check;
alter table care_team add constraint care_team_responsibility_check check (responsibility in ('follow_up', 'gp', 'hospital', 'home_care'));

-- Every pathway transition, who made it and with what (append-only like the audit log).
create table episode_transitions (
  id uuid primary key default gen_random_uuid(),
  episode_id uuid not null references episodes(id),
  patient_id uuid not null references patients(id),
  from_state text,
  to_state text not null,
  action text not null,
  at timestamptz not null,
  by_personnel uuid references personnel(id),
  organisation_id uuid references organisations(id),
  details jsonb not null default '{}'
);
create index episode_transitions_episode on episode_transitions (episode_id, at);
create index episodes_referred on episodes (follow_up_org) where state = 'referred';
create index episodes_referrer on episodes (referrer_org) where referrer_org is not null;

create function varde_transitions_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'episode_transitions is append-only';
end $$;
create trigger episode_transitions_append_only before update or delete on episode_transitions
  for each row execute function varde_transitions_append_only();

-- No "missing measurement" alert outside follow-up proper: not during onboarding or the baseline
-- period (safety limits only), not while paused, and not for an occurrence due before follow-up
-- started or was resumed. Whoever raises it (the sweep in triage/missing-job.ts, a test, a
-- replay), the alert row is simply not written; the sweep then moves on to the next occurrence.
create function varde_missing_alert_gate() returns trigger language plpgsql as $$
begin
  if exists (select 1 from episodes e where e.id = new.episode_id
               and (e.state not in ('active', 'evaluation') or new.first_at < coalesce(e.schedules_from, '-infinity'))) then
    return null;
  end if;
  return new;
end $$;
create trigger alerts_missing_gate before insert on alerts for each row when (new.kind = 'missing')
  execute function varde_missing_alert_gate();

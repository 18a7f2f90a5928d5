-- A relative who is not followed by Varde logs in with ID-porten (issue 12, "someone else can
-- record for the patient"). They have no row of their own: who they are is their fødselsnummer
-- (ID-porten's pid), and what they may do follows from the patients' running delegations to that
-- number, checked on every request (a revoked delegation ends the access on the next request).
alter table sessions drop constraint sessions_subject_kind_check;
alter table sessions add constraint sessions_subject_kind_check check (subject_kind in ('patient', 'personnel', 'relative'));
alter table sessions alter column subject_id drop not null;
alter table sessions add column subject_identifier text;
alter table sessions add constraint sessions_subject_check check (
  case subject_kind when 'relative' then subject_identifier ~ '^[0-9]{11}$' and subject_id is null
                    else subject_id is not null and subject_identifier is null end
);

-- The relative acts in their own name in the audit trail (actor_id: their fødselsnummer).
alter table audit_events drop constraint audit_events_actor_kind_check;
alter table audit_events add constraint audit_events_actor_kind_check check (actor_kind in ('patient', 'personnel', 'client', 'system', 'relative'));

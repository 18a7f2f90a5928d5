-- Access control and audit integrity (issue 16). Forward-only.

-- Audit is append-only: no UPDATE, DELETE or TRUNCATE of audit events, whoever asks. The trigger
-- holds for every role that does not switch triggers off (superusers included); revoking the
-- privileges as well means the app's own role (the table owner) is refused before the trigger runs.
-- The worklist and inbox collapse repeated views by not inserting, never by updating.
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % refused', tg_op using errcode = '42501';
end;
$$;
create trigger audit_events_no_update_delete before update or delete on audit_events for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate before truncate on audit_events for each statement execute function audit_events_append_only();
revoke update, delete, truncate on audit_events from public;
revoke update, delete, truncate on audit_events from current_user;

-- Emergency access is reviewed by the patient's own follow-up service as well as by the
-- requester's organisation: which service followed the patient when access was taken, and its review.
alter table emergency_access add column follow_up_org uuid references organisations(id);
alter table emergency_access add column follow_up_reviewed_by uuid references personnel(id);
alter table emergency_access add column follow_up_reviewed_at timestamptz;
alter table emergency_access add column follow_up_review_note text;
-- Nobody reviews their own emergency access (new rows; older ones are not re-checked).
alter table emergency_access add constraint emergency_access_not_self_reviewed check (reviewed_by is distinct from personnel_id and follow_up_reviewed_by is distinct from personnel_id) not valid;
create index emergency_access_follow_up_unreviewed on emergency_access (follow_up_org) where follow_up_reviewed_at is null;

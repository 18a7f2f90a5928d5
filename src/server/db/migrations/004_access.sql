-- Emergency access (selvautorisering): a clinician without a care relation may open a patient's
-- record for a limited time when there is a clinical need, with a reason. Every grant is reviewed
-- afterwards by the organisation.
create table emergency_access (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  personnel_id uuid not null references personnel(id),
  organisation_id uuid not null references organisations(id),
  reason text not null,
  granted_at timestamptz not null default now(),
  expires_at timestamptz not null,
  reviewed_by uuid references personnel(id),
  reviewed_at timestamptz,
  review_note text
);
create index emergency_access_active on emergency_access (patient_id, personnel_id, expires_at);
create index emergency_access_unreviewed on emergency_access (organisation_id) where reviewed_at is null;

-- SMART on FHIR EHR launch (issue 14): a GP's or hospital's EPJ opens the patient's Varde view
-- without a separate login. The EPJ (an API client with scope smart.launch) registers the launch
-- context first: which patient. The `launch` value it gets is single-use and short-lived; only its
-- hash is kept. Forward-only.
create table smart_launches (
  launch_hash text primary key,
  patient_id uuid not null references patients(id),
  client_id text not null,
  organisation_id uuid not null references organisations(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  -- Who used it, and when: a launch is used once.
  used_at timestamptz,
  used_by uuid references personnel(id)
);
create index smart_launches_expiry on smart_launches (expires_at);

-- The session a launch created names the launch's patient: the clinic app opens that patient and
-- the audit trail shows which logins came from an EPJ.
alter table sessions add column launch_patient_id uuid references patients(id);

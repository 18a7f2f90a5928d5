-- Someone else can record for the patient (issue 12). The patient grants a named relative the
-- right to enter readings on their behalf; the grant is revocable by the patient and audited.
-- The relative is identified by their own fødselsnummer (D-nummer), which is what their ID-porten
-- login carries (pid), never by anything the patient's login could be shared through.
create table delegations (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  relative_name text not null,
  relative_identifier text not null,
  -- In the patient's words: "datter", "ektefelle".
  relation text,
  granted_at timestamptz not null,
  revoked_at timestamptz,
  check (revoked_at is null or revoked_at >= granted_at),
  check (relative_name <> '' and relative_identifier ~ '^[0-9]{11}$')
);
-- One running grant per patient and relative; a revoked one stays as history.
create unique index delegations_running on delegations (patient_id, relative_identifier) where revoked_at is null;
create index delegations_relative on delegations (relative_identifier) where revoked_at is null;

-- A reading entered on the patient's behalf keeps who entered it in observations.recorded_by
-- (actor tag, as for every reading): 'relative:<delegation id>' for a relative, 'personnel:<id>'
-- for home-care staff. No new column is needed on observations.

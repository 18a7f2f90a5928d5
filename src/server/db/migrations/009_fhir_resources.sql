-- FHIR resources exactly as real clients send them (issue 9). The triaged readings stay in
-- `observations` (one row per catalogue measure, canonical unit, what triage and the apps read);
-- this table keeps the resource as posted — decimals with their written precision (jsonb numeric
-- keeps the scale), the time-zone offset, every coding, business identifier, component and
-- extension — so a FHIR client reads back what it sent. `observation_ids` links the two.
create table fhir_resources (
  id uuid primary key,
  resource_type text not null,
  -- Null for resources about no patient (Device, DeviceMetric, a PHD coincident time stamp).
  patient_id uuid references patients(id),
  -- The organisation whose client or staff posted it: who may read patient-less resources.
  organisation_id uuid references organisations(id),
  resource jsonb not null,
  status text,
  -- Search tokens 'system|code' of code.coding (and component codes), and 'system|value' of identifiers.
  codes text[] not null default '{}',
  identifiers text[] not null default '{}',
  categories text[] not null default '{}',
  effective_at timestamptz,
  -- 'instant' (full date-time with offset), 'local' (zone-less, read in the patient's zone),
  -- 'day' / 'month' / 'year' (date-only, start of the local day/month/year).
  effective_precision text,
  value_num numeric,
  value_unit text,
  device_id uuid references devices(id),
  content_hash text not null,
  observation_ids uuid[] not null default '{}',
  -- What triage did with it: live (zones and alerts), history (stored, shown, no live alert),
  -- none (not a result to triage: status, code or missing value), retracted (entered-in-error or replaced).
  triage text not null default 'none' check (triage in ('live', 'history', 'none', 'retracted')),
  triage_note text,
  replaced_by uuid references fhir_resources(id),
  recorded_by text not null,
  received_at timestamptz not null default now(),
  last_updated timestamptz not null default now()
);
create index fhir_resources_patient on fhir_resources (patient_id, resource_type, effective_at desc, id);
create index fhir_resources_identifiers on fhir_resources using gin (identifiers);
create index fhir_resources_observations on fhir_resources using gin (observation_ids);
create index fhir_resources_org on fhir_resources (organisation_id, resource_type) where patient_id is null;

-- Readings retracted through FHIR (entered-in-error, or replaced by an amended/corrected version):
-- moved out of `observations` so triage, trends, worklists and charts stop counting them, and kept
-- here with who retracted them, when and why.
create table observations_retracted (like observations including defaults);
alter table observations_retracted add column retracted_at timestamptz not null default now();
alter table observations_retracted add column retracted_by text not null default 'system';
alter table observations_retracted add column retracted_reason text not null default 'entered-in-error';
alter table observations_retracted add column fhir_resource_id uuid;
create index observations_retracted_patient on observations_retracted (patient_id, effective_at desc);

-- Devices as gateways describe them: every identifier (serial, IEEE 11073 system id, MAC) as
-- 'system|value' for conditional create and search, and the posted Device resource.
alter table devices add column identifiers text[] not null default '{}';
alter table devices add column fhir_resource jsonb;
create index devices_identifiers on devices using gin (identifiers);

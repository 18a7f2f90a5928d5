-- Core schema of Varde. Forward-only: never edit a migration that has shipped, add a new one.

create table organisations (
  id uuid primary key default gen_random_uuid(),
  org_number text not null unique,
  name text not null,
  kind text not null check (kind in ('municipality', 'hospital', 'gp_office')),
  helsefellesskap text not null,
  -- Opening hours of the follow-up service run by this organisation (domain OpeningHours JSON); null = default.
  opening_hours jsonb,
  created_at timestamptz not null default now()
);

create table personnel (
  id uuid primary key default gen_random_uuid(),
  hpr_number text not null unique,
  name text not null,
  created_at timestamptz not null default now()
);

create table memberships (
  personnel_id uuid not null references personnel(id),
  organisation_id uuid not null references organisations(id),
  role text not null check (role in ('nurse', 'gp', 'specialist', 'coordinator', 'admin')),
  created_at timestamptz not null default now(),
  primary key (personnel_id, organisation_id, role)
);

create table patients (
  id uuid primary key default gen_random_uuid(),
  identifier text not null unique,
  identifier_system text not null check (identifier_system in ('fnr', 'dnr')),
  name text not null,
  birth_date date not null,
  sex text not null check (sex in ('male', 'female')),
  phone text,
  lang text not null default 'nb' check (lang in ('nb', 'nn', 'en')),
  created_at timestamptz not null default now()
);

-- Oppfølgingsforløp: enrolled by the GP; the care team says which organisations have tjenstlig behov.
create table episodes (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  status text not null default 'active' check (status in ('active', 'paused', 'ended')),
  end_reason text,
  diagnoses jsonb not null default '[]',
  risk_level text not null check (risk_level in ('medium', 'high')),
  consent_at timestamptz not null,
  enrolled_by uuid not null references personnel(id),
  follow_up_org uuid not null references organisations(id),
  time_zone text not null default 'Europe/Oslo',
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  check ((status = 'ended') = (ended_at is not null))
);
create index episodes_patient on episodes (patient_id);
create unique index episodes_one_open_per_patient on episodes (patient_id) where status <> 'ended';

create table care_team (
  episode_id uuid not null references episodes(id),
  organisation_id uuid not null references organisations(id),
  responsibility text not null check (responsibility in ('follow_up', 'gp', 'hospital')),
  added_at timestamptz not null default now(),
  primary key (episode_id, organisation_id)
);
create index care_team_org on care_team (organisation_id);

-- Egenbehandlingsplan: every change is a new version; only GP-approved versions are in force.
create table plans (
  id uuid primary key default gen_random_uuid(),
  episode_id uuid not null references episodes(id),
  version int not null,
  status text not null check (status in ('draft', 'approved', 'superseded')),
  definition jsonb not null,
  created_by uuid not null references personnel(id),
  created_at timestamptz not null default now(),
  approved_by uuid references personnel(id),
  approved_at timestamptz,
  unique (episode_id, version),
  check ((status = 'draft') = (approved_at is null))
);
create unique index plans_one_approved on plans (episode_id) where status = 'approved';

create table devices (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations(id),
  serial text not null,
  model text not null,
  kind text not null,
  created_at timestamptz not null default now(),
  unique (organisation_id, serial)
);

create table device_loans (
  id uuid primary key default gen_random_uuid(),
  device_id uuid not null references devices(id),
  patient_id uuid not null references patients(id),
  lent_at timestamptz not null default now(),
  returned_at timestamptz
);
create unique index device_loans_one_open on device_loans (device_id) where returned_at is null;

create table observations (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  episode_id uuid not null references episodes(id),
  code text not null,
  value double precision not null,
  unit text not null,
  effective_at timestamptz not null,
  received_at timestamptz not null default now(),
  source text not null check (source in ('patient', 'device', 'personnel')),
  device_id uuid references devices(id),
  -- Who wrote it: 'patient:<id>', 'personnel:<id>' or 'client:<client_id>'.
  recorded_by text not null,
  -- Same idempotency key from the same patient = the same reading (offline retries, device re-sends).
  idempotency_key text,
  zone text check (zone in ('green', 'yellow', 'red')),
  plan_version int,
  device_clock_offset_ms int
);
create index observations_patient_code_time on observations (patient_id, code, effective_at desc);
create index observations_episode_time on observations (episode_id, effective_at desc);
create unique index observations_idempotency on observations (patient_id, idempotency_key, code) where idempotency_key is not null;

create table questionnaire_responses (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  episode_id uuid not null references episodes(id),
  questionnaire text not null,
  answers jsonb not null,
  score double precision not null,
  zone text check (zone in ('green', 'yellow', 'red')),
  plan_version int,
  effective_at timestamptz not null,
  received_at timestamptz not null default now(),
  idempotency_key text,
  unique (patient_id, idempotency_key)
);

create table alerts (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  episode_id uuid not null references episodes(id),
  rule_id text not null,
  kind text not null,
  zone text not null check (zone in ('yellow', 'red', 'missing')),
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  plan_id uuid not null references plans(id),
  plan_version int not null,
  summary jsonb not null,
  -- Every finding merged into this alert, oldest first: rule, values, time, plan version.
  findings jsonb not null default '[]',
  first_at timestamptz not null,
  last_at timestamptz not null,
  occurrences int not null default 1,
  created_at timestamptz not null default now(),
  acknowledged_by uuid references personnel(id),
  acknowledged_at timestamptz,
  resolved_by uuid references personnel(id),
  resolved_at timestamptz
);
-- At most one unresolved alert per episode and rule: a repeat finding is merged into it.
create unique index alerts_one_unresolved on alerts (episode_id, rule_id) where status <> 'resolved';
create index alerts_patient on alerts (patient_id, first_at desc);
create index alerts_open on alerts (status) where status <> 'resolved';

create table contact_notes (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  episode_id uuid references episodes(id),
  alert_id uuid references alerts(id),
  author_id uuid not null references personnel(id),
  organisation_id uuid not null references organisations(id),
  contact_type text not null check (contact_type in ('phone', 'video', 'visit', 'message', 'none')),
  text text not null,
  created_at timestamptz not null default now()
);
create index contact_notes_patient on contact_notes (patient_id, created_at desc);

create table messages (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients(id),
  episode_id uuid references episodes(id),
  sender_kind text not null check (sender_kind in ('patient', 'personnel')),
  sender_id uuid not null,
  organisation_id uuid references organisations(id),
  body text not null,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index messages_patient on messages (patient_id, created_at desc);

-- Append-only record of every read and write of patient data (and of logins).
create table audit_events (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_kind text not null check (actor_kind in ('patient', 'personnel', 'client', 'system')),
  actor_id text not null,
  actor_name text,
  organisation_id uuid,
  role text,
  action text not null check (action in ('read', 'create', 'update', 'delete', 'login', 'logout', 'search')),
  resource_type text not null,
  resource_id text,
  patient_id uuid,
  outcome text not null default 'success' check (outcome in ('success', 'denied')),
  route text,
  details jsonb
);
create index audit_patient on audit_events (patient_id, at desc);
create index audit_actor on audit_events (actor_id, at desc);

create table sessions (
  id_hash text primary key,
  subject_kind text not null check (subject_kind in ('patient', 'personnel')),
  subject_id uuid not null,
  organisation_id uuid references organisations(id),
  role text,
  acr text,
  id_token text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_expiry on sessions (expires_at);

-- Device gateways and integrations: OAuth client credentials with narrow scopes.
create table api_clients (
  client_id text primary key,
  secret_hash text not null,
  name text not null,
  organisation_id uuid not null references organisations(id),
  scopes text[] not null,
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);

create table access_tokens (
  token_hash text primary key,
  client_id text not null references api_clients(client_id),
  scopes text[] not null,
  expires_at timestamptz not null
);

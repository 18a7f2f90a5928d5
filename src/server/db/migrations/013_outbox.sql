-- Outbound integrations (issue 14): receivers per organisation and a transactional outbox.
-- Forward-only.

-- Where an organisation's documents go: one receiver per organisation and kind (the
-- municipality's EPJ through VKP, Pasientens måledata, the GP's EPJ by dialogmelding). The HelseID
-- client id names the machine-to-machine client the worker authenticates as; its key never lives
-- in the database. A disabled receiver queues nothing and is not delivered to.
create table integration_receivers (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations(id),
  kind text not null check (kind in ('vkp', 'pasientens_maledata', 'dialogmelding')),
  url text not null,
  helseid_client_id text,
  enabled boolean not null default true,
  updated_by uuid references personnel(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organisation_id, kind)
);

-- The outbox: a document is written here in the same transaction as the clinical event that
-- caused it, so it exists if and only if the event committed. The worker delivers it at least
-- once with the same idempotency key every time; the receiver makes that exactly once.
create table outbox (
  id bigint generated always as identity primary key,
  receiver_id uuid not null references integration_receivers(id),
  -- What the document is: 'vkp-dho-document', 'pmd-observations', 'dialogmelding'.
  document_kind text not null,
  idempotency_key text not null unique,
  patient_id uuid references patients(id),
  -- What it was built from (alert and note ids…), so a document that failed to build can be rebuilt.
  source jsonb not null default '{}',
  content_type text not null,
  body text,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null,
  -- A claim: the worker delivering it now, until when. Another worker takes it only after that.
  claimed_by text,
  claimed_until timestamptz,
  last_status int,
  last_error text,
  created_at timestamptz not null,
  delivered_at timestamptz,
  dead_at timestamptz,
  check ((status = 'delivered') = (delivered_at is not null)),
  check (status <> 'dead' or dead_at is not null)
);
create index outbox_due on outbox (next_attempt_at) where status = 'pending';
create index outbox_dead on outbox (receiver_id, dead_at desc) where status = 'dead';
create index outbox_receiver_created on outbox (receiver_id, created_at desc);

-- One delivering worker at a time across every app process: a lease row the worker renews while
-- it runs. A process killed with -9 stops renewing and another takes over when the lease ends.
create table outbox_worker_lease (
  id int primary key check (id = 1),
  holder text not null,
  expires_at timestamptz not null
);

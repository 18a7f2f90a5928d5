-- Issue 14, inbound and consented outbound integrations. Forward-only.

-- Pasientens måledata: the patient's structured consent to have measurements shared with the
-- national measurement service (so GP and hospital see them in their own systems). Null = no
-- consent (never given, or withdrawn). Only readings received at or after this instant are
-- shared; consent is recorded at onboarding (pathway/service.ts#recordOnboarding) next to the
-- free-text consent scope, which stays the human-readable record of what was agreed.
alter table episodes add column share_measurements_since timestamptz;
alter table episodes add column share_measurements_by uuid references personnel(id);

-- Which readings have been queued for Pasientens måledata, and in which outbox message. The
-- periodic job (integration/pmd-job.ts) queues, set-based, what is not here yet; a reading is
-- here once, so it is queued once (the outbox key makes the delivery once).
create table pmd_shared (
  observation_id uuid primary key,
  patient_id uuid not null references patients(id),
  outbox_key text not null,
  queued_at timestamptz not null
);
create index pmd_shared_patient on pmd_shared (patient_id, queued_at desc);
-- No new index on observations (ingest's hot path): the job walks consenting episodes through
-- observations_episode_time over a bounded window of effective times.

-- The GP's answer to an escalation, received as a dialogmelding (MsgHead 1.2 + Dialogmelding 1.1)
-- and matched to the escalation by the conversation reference the outgoing message carried
-- (MsgId = escalation id). The message is kept as received; one answer per incoming MsgId.
create table escalation_answers (
  id uuid primary key default gen_random_uuid(),
  escalation_id uuid not null references escalations(id),
  patient_id uuid not null references patients(id),
  msg_id text not null unique,
  from_name text not null,
  from_hpr text,
  from_organisation text,
  text text not null,
  received_at timestamptz not null,
  received_by text not null,
  xml text not null
);
create index escalation_answers_escalation on escalation_answers (escalation_id, received_at);

-- Escalations to the GP, device-loan lookups and questionnaire history (forward-only).

-- A follow-up nurse hands an alert to the patient's GP office with a note; the GP marks it handled.
create table escalations (
  id uuid primary key default gen_random_uuid(),
  alert_id uuid not null references alerts(id),
  patient_id uuid not null references patients(id),
  episode_id uuid not null references episodes(id),
  from_org uuid not null references organisations(id),
  to_org uuid not null references organisations(id),
  created_by uuid not null references personnel(id),
  note text not null,
  status text not null default 'open' check (status in ('open', 'handled')),
  created_at timestamptz not null default now(),
  handled_by uuid references personnel(id),
  handled_at timestamptz,
  handled_note text,
  check ((status = 'handled') = (handled_at is not null))
);
create index escalations_to_org on escalations (to_org, status, created_at desc);
create index escalations_patient on escalations (patient_id, created_at desc);
-- One open escalation per alert: escalating twice would only send the GP the same thing again.
create unique index escalations_one_open_per_alert on escalations (alert_id) where status = 'open';

create index device_loans_patient on device_loans (patient_id, lent_at desc);
create index questionnaire_responses_patient on questionnaire_responses (patient_id, effective_at desc);

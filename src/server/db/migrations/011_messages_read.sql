-- Messages reach the nurse: a patient's message stays in the follow-up service's inbox until
-- someone handles it, by answering or by marking it handled without a reply. read_at keeps
-- meaning "the other side has opened it"; being read is not the same as being answered.
alter table messages add column handled_at timestamptz;
alter table messages add column handled_by uuid references personnel(id);
alter table messages add column handled_org uuid references organisations(id);
-- 'reply': answered in the thread (handled_reply_id); 'no_reply': marked handled, e.g. after a phone call.
alter table messages add column handled_how text check (handled_how in ('reply', 'no_reply'));
alter table messages add column handled_reply_id uuid references messages(id);
alter table messages add column handled_note text;
alter table messages add constraint messages_handled_complete check ((handled_at is null) = (handled_by is null) and (handled_at is null) = (handled_how is null));
alter table messages add constraint messages_only_patient_handled check (handled_at is null or sender_kind = 'patient');

-- The inbox and the unread counts look only at patient messages nobody has handled yet.
create index messages_unhandled on messages (patient_id, created_at) where sender_kind = 'patient' and handled_at is null;
-- The patient's unread badge: replies from the service the patient has not opened.
create index messages_unread_by_patient on messages (patient_id) where sender_kind = 'personnel' and read_at is null;

-- Messages written before this migration: a patient message followed by a reply from the service
-- counts as handled by whoever replied first, so the new inbox does not open full of old threads.
update messages m set handled_at = r.created_at, handled_by = r.sender_id, handled_org = r.organisation_id, handled_how = 'reply', handled_reply_id = r.id
  from messages r
 where m.sender_kind = 'patient' and m.handled_at is null
   and r.id = (select x.id from messages x where x.patient_id = m.patient_id and x.sender_kind = 'personnel' and x.created_at >= m.created_at
                order by x.created_at, x.id limit 1);

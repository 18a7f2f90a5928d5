import type { Queryable } from '../db/port.js';

export interface MessageRow {
  id: string;
  patient_id: string;
  episode_id: string | null;
  sender_kind: 'patient' | 'personnel';
  sender_id: string;
  sender_name: string | null;
  organisation_id: string | null;
  body: string;
  created_at: Date;
  read_at: Date | null;
}

export async function insertMessage(
  q: Queryable,
  m: Pick<MessageRow, 'patient_id' | 'episode_id' | 'sender_kind' | 'sender_id' | 'organisation_id' | 'body'>,
): Promise<MessageRow> {
  const r = await q.query<MessageRow>(
    `insert into messages (patient_id, episode_id, sender_kind, sender_id, organisation_id, body) values ($1,$2,$3,$4,$5,$6) returning *, null::text as sender_name`,
    [m.patient_id, m.episode_id, m.sender_kind, m.sender_id, m.organisation_id, m.body],
  );
  return r.rows[0]!;
}

export async function messagesFor(q: Queryable, patientId: string): Promise<MessageRow[]> {
  const r = await q.query<MessageRow>(
    `select m.*, coalesce(pe.name, pa.name) as sender_name from messages m
       left join personnel pe on m.sender_kind = 'personnel' and pe.id = m.sender_id
       left join patients pa on m.sender_kind = 'patient' and pa.id = m.sender_id
      where m.patient_id = $1 order by m.created_at desc limit 500`,
    [patientId],
  );
  return r.rows;
}

/** Marks what the other side wrote as read when this side opens the conversation. */
export async function markRead(q: Queryable, patientId: string, readerKind: 'patient' | 'personnel'): Promise<void> {
  await q.query(`update messages set read_at = now() where patient_id = $1 and sender_kind <> $2 and read_at is null`, [patientId, readerKind]);
}

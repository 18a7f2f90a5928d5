import { auditListView, type ListViewer } from '../audit/views.js';
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
  handled_at: Date | null;
  handled_by: string | null;
  /** Joined by the thread query only. */
  handled_by_name?: string | null;
  handled_how: 'reply' | 'no_reply' | null;
  handled_note: string | null;
}

export async function insertMessage(
  q: Queryable,
  m: Pick<MessageRow, 'patient_id' | 'episode_id' | 'sender_kind' | 'sender_id' | 'organisation_id' | 'body'>,
): Promise<MessageRow> {
  const r = await q.query<MessageRow>(
    `insert into messages (patient_id, episode_id, sender_kind, sender_id, organisation_id, body) values ($1,$2,$3,$4,$5,$6)
     returning *, null::text as sender_name, null::text as handled_by_name`,
    [m.patient_id, m.episode_id, m.sender_kind, m.sender_id, m.organisation_id, m.body],
  );
  return r.rows[0]!;
}

/** Rows of the episodes the caller may read ($n null = all); outside any episode, only its own organisation's. */
const IN_SCOPE = (n: number) => `($${n}::uuid[] is null or m.episode_id = any($${n}) or (m.episode_id is null and m.organisation_id = $${n + 1}))`;

export async function messagesFor(q: Queryable, patientId: string, episodeIds: string[] | null = null, organisationId: string | null = null): Promise<MessageRow[]> {
  const r = await q.query<MessageRow>(
    `select m.*, coalesce(pe.name, pa.name) as sender_name, hb.name as handled_by_name from messages m
       left join personnel pe on m.sender_kind = 'personnel' and pe.id = m.sender_id
       left join patients pa on m.sender_kind = 'patient' and pa.id = m.sender_id
       left join personnel hb on hb.id = m.handled_by
      where m.patient_id = $1 and ${IN_SCOPE(2)} order by m.created_at desc limit 500`,
    [patientId, episodeIds, organisationId],
  );
  return r.rows;
}

/** Marks what the other side wrote as read when this side opens the conversation (only what it was shown). */
export async function markRead(q: Queryable, patientId: string, readerKind: 'patient' | 'personnel', episodeIds: string[] | null = null, organisationId: string | null = null): Promise<void> {
  await q.query(
    `update messages m set read_at = now() where m.patient_id = $1 and m.sender_kind <> $2 and m.read_at is null and ${IN_SCOPE(3)}`,
    [patientId, readerKind, episodeIds, organisationId],
  );
}

/**
 * Closes every unhandled patient message of the patient's episode, recording who handled it, for which
 * organisation, when and how. Returns how many were closed (0 when someone was quicker).
 */
export async function markHandled(
  q: Queryable,
  patientId: string,
  episodeId: string,
  h: { by: string; organisationId: string; at: Date; how: 'reply' | 'no_reply'; replyId: string | null; note: string | null },
): Promise<number> {
  const r = await q.query<{ id: string }>(
    `update messages set handled_at = $3, handled_by = $4, handled_org = $5, handled_how = $6, handled_reply_id = $7, handled_note = $8
      where patient_id = $1 and episode_id = $2 and sender_kind = 'patient' and handled_at is null returning id`,
    [patientId, episodeId, h.at, h.by, h.organisationId, h.how, h.replyId, h.note],
  );
  return r.rows.length;
}

export interface InboxThread {
  patient_id: string;
  name: string;
  birth_date: string;
  identifier: string;
  episode_id: string;
  unhandled: number;
  unread: number;
  oldest_at: Date;
  latest_at: Date;
  latest_body: string;
}

/**
 * Patients of the follow-up service with messages nobody has handled, the one waiting longest
 * first. "Per follow-up service": the organisation runs the patient's open episode.
 */
export async function openThreads(q: Queryable, organisationId: string): Promise<InboxThread[]> {
  const r = await q.query<InboxThread>(
    `select p.id as patient_id, p.name, p.birth_date::text as birth_date, p.identifier, e.id as episode_id,
            count(*)::int as unhandled, (count(*) filter (where m.read_at is null))::int as unread,
            min(m.created_at) as oldest_at, max(m.created_at) as latest_at,
            (array_agg(m.body order by m.created_at desc))[1] as latest_body
       from messages m
       join episodes e on e.id = m.episode_id and e.status <> 'ended'
       join patients p on p.id = m.patient_id
      where e.follow_up_org = $1 and m.sender_kind = 'patient' and m.handled_at is null
      group by p.id, p.name, p.birth_date, p.identifier, e.id
      order by min(m.created_at), p.id`,
    [organisationId],
  );
  return r.rows;
}

export interface HandledRow {
  patient_id: string;
  name: string;
  episode_id: string;
  message_id: string;
  body: string;
  created_at: Date;
  handled_at: Date;
  handled_how: 'reply' | 'no_reply';
  handled_by_name: string;
  handled_note: string | null;
}

/** Recently handled patient messages of the service, newest first: who answered what, and when. */
export async function recentlyHandled(q: Queryable, organisationId: string, since: Date, limit: number): Promise<HandledRow[]> {
  const r = await q.query<HandledRow>(
    `select p.id as patient_id, p.name, e.id as episode_id, m.id as message_id, m.body, m.created_at, m.handled_at, m.handled_how,
            hb.name as handled_by_name, m.handled_note
       from messages m
       join episodes e on e.id = m.episode_id and e.status <> 'ended'
       join patients p on p.id = m.patient_id
       join personnel hb on hb.id = m.handled_by
      where e.follow_up_org = $1 and m.sender_kind = 'patient' and m.handled_at >= $2
      order by m.handled_at desc, m.created_at desc limit $3`,
    [organisationId, since, limit],
  );
  return r.rows;
}

/** Unhandled patient messages per open episode of the service (for the badge and the worklist). */
export async function unhandledByEpisode(q: Queryable, organisationId: string): Promise<{ episode_id: string; patient_id: string; n: number }[]> {
  const r = await q.query<{ episode_id: string; patient_id: string; n: number }>(
    `select e.id as episode_id, e.patient_id, count(*)::int as n
       from messages m join episodes e on e.id = m.episode_id and e.status <> 'ended'
      where e.follow_up_org = $1 and m.sender_kind = 'patient' and m.handled_at is null
      group by e.id, e.patient_id`,
    [organisationId],
  );
  return r.rows;
}

/**
 * Unhandled patient messages for the given episodes, whoever runs them: a set-based lookup a
 * list over many patients (the worklist) can join in without one query per row.
 */
export async function unhandledForEpisodes(q: Queryable, episodeIds: string[]): Promise<Map<string, number>> {
  if (episodeIds.length === 0) return new Map();
  const r = await q.query<{ episode_id: string; n: number }>(
    `select e.id as episode_id, count(*)::int as n
       from messages m join episodes e on e.id = m.episode_id and e.status <> 'ended'
      where e.id = any($1) and m.sender_kind = 'patient' and m.handled_at is null
      group by e.id`,
    [episodeIds],
  );
  return new Map(r.rows.map((x) => [x.episode_id, x.n]));
}

/** Replies from the service the patient has not opened yet. */
export async function unreadByPatient(q: Queryable, patientId: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    `select count(*)::int as n from messages where patient_id = $1 and sender_kind = 'personnel' and read_at is null`,
    [patientId],
  );
  return r.rows[0]?.n ?? 0;
}

/** Logs that the actor saw these patients in the message inbox (audit/views.ts#auditListView: at most once per actor and patient per hour). */
export async function auditInboxView(q: Queryable, a: ListViewer, patientIds: string[]): Promise<void> {
  await auditListView(q, a, patientIds, { resourceType: 'Communication', view: 'inbox' });
}

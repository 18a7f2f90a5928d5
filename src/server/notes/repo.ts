import type { Queryable } from '../db/port.js';

export interface NoteRow {
  id: string;
  patient_id: string;
  episode_id: string | null;
  alert_id: string | null;
  author_id: string;
  author_name?: string;
  organisation_id: string;
  organisation_name?: string;
  contact_type: string;
  text: string;
  created_at: Date;
}

export async function insertNote(
  q: Queryable,
  n: Pick<NoteRow, 'patient_id' | 'episode_id' | 'alert_id' | 'author_id' | 'organisation_id' | 'contact_type' | 'text'>,
): Promise<NoteRow> {
  const r = await q.query<NoteRow>(
    `insert into contact_notes (patient_id, episode_id, alert_id, author_id, organisation_id, contact_type, text)
     values ($1,$2,$3,$4,$5,$6,$7) returning *`,
    [n.patient_id, n.episode_id, n.alert_id, n.author_id, n.organisation_id, n.contact_type, n.text],
  );
  return r.rows[0]!;
}

/**
 * The patient's contact notes. `episodeIds` (null = all) limits them to the episodes the caller
 * may read; notes written outside any episode are shown to the organisation that wrote them.
 */
export async function notesFor(q: Queryable, patientId: string, alertId?: string, episodeIds: string[] | null = null, organisationId: string | null = null): Promise<NoteRow[]> {
  const r = await q.query<NoteRow>(
    `select n.*, p.name as author_name, o.name as organisation_name from contact_notes n
       join personnel p on p.id = n.author_id join organisations o on o.id = n.organisation_id
      where n.patient_id = $1 and ($2::uuid is null or n.alert_id = $2)
        and ($3::uuid[] is null or n.episode_id = any($3) or (n.episode_id is null and n.organisation_id = $4))
      order by n.created_at desc limit 500`,
    [patientId, alertId ?? null, episodeIds, organisationId],
  );
  return r.rows;
}

import type { Zone } from '../../domain/triage.js';
import type { Queryable } from '../db/port.js';

export interface ResponseRow {
  id: string;
  patient_id: string;
  episode_id: string;
  questionnaire: string;
  answers: Record<string, number>;
  /** The total; prorated when one item is unanswered (the stored answers show which). */
  score: number;
  zone: Zone | null;
  plan_version: number | null;
  effective_at: Date;
  received_at: Date;
  idempotency_key: string | null;
}

export async function byIdempotencyKey(q: Queryable, patientId: string, key: string): Promise<ResponseRow | undefined> {
  const r = await q.query<ResponseRow>('select * from questionnaire_responses where patient_id = $1 and idempotency_key = $2', [patientId, key]);
  return r.rows[0];
}

export async function insertResponse(q: Queryable, row: Omit<ResponseRow, 'id' | 'received_at'>): Promise<ResponseRow> {
  const r = await q.query<ResponseRow>(
    `insert into questionnaire_responses (patient_id, episode_id, questionnaire, answers, score, zone, plan_version, effective_at, idempotency_key)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9) returning *`,
    [row.patient_id, row.episode_id, row.questionnaire, JSON.stringify(row.answers), row.score, row.zone, row.plan_version, row.effective_at, row.idempotency_key],
  );
  return r.rows[0]!;
}

/** The patient's responses; `episodeIds` (null = all) limits them to the episodes the caller may read. */
export async function listForPatient(q: Queryable, patientId: string, code: string | undefined, limit: number, episodeIds: string[] | null = null): Promise<ResponseRow[]> {
  const r = await q.query<ResponseRow>(
    `select * from questionnaire_responses where patient_id = $1 and ($2::text is null or questionnaire = $2)
        and ($4::uuid[] is null or episode_id = any($4))
      order by effective_at desc limit $3`,
    [patientId, code ?? null, limit, episodeIds],
  );
  return r.rows;
}

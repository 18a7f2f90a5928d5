import type { LocalText } from '../../domain/text.js';
import type { Queryable } from '../db/port.js';

export interface EscalationRow {
  id: string;
  alert_id: string;
  patient_id: string;
  episode_id: string;
  from_org: string;
  to_org: string;
  created_by: string;
  note: string;
  status: 'open' | 'handled';
  created_at: Date;
  handled_by: string | null;
  handled_at: Date | null;
  handled_note: string | null;
  // Joined for display.
  patient_name?: string;
  patient_birth_date?: string;
  from_org_name?: string;
  to_org_name?: string;
  created_by_name?: string;
  handled_by_name?: string | null;
  alert_zone?: string;
  alert_summary?: LocalText;
  alert_status?: string;
  /** The GP's answer received as a dialogmelding (integration/gp-answer.ts), if any. */
  answer_from?: string | null;
  answer_hpr?: string | null;
}

const SELECT = `select e.*, p.name as patient_name, p.birth_date::text as patient_birth_date, fo.name as from_org_name,
    tor.name as to_org_name, cb.name as created_by_name, hb.name as handled_by_name,
    a.zone as alert_zone, a.summary as alert_summary, a.status as alert_status, ans.from_name as answer_from, ans.from_hpr as answer_hpr
  from escalations e join patients p on p.id = e.patient_id join organisations fo on fo.id = e.from_org
  join organisations tor on tor.id = e.to_org join personnel cb on cb.id = e.created_by
  left join personnel hb on hb.id = e.handled_by join alerts a on a.id = e.alert_id
  left join lateral (select from_name, from_hpr from escalation_answers x where x.escalation_id = e.id order by x.received_at limit 1) ans on true`;

export async function insertEscalation(
  q: Queryable,
  e: Pick<EscalationRow, 'alert_id' | 'patient_id' | 'episode_id' | 'from_org' | 'to_org' | 'created_by' | 'note' | 'created_at'>,
): Promise<EscalationRow> {
  const r = await q.query<EscalationRow>(
    `insert into escalations (alert_id, patient_id, episode_id, from_org, to_org, created_by, note, created_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8) returning *`,
    [e.alert_id, e.patient_id, e.episode_id, e.from_org, e.to_org, e.created_by, e.note, e.created_at],
  );
  return r.rows[0]!;
}

export async function openForAlert(q: Queryable, alertId: string): Promise<EscalationRow | undefined> {
  return (await q.query<EscalationRow>(`select * from escalations where alert_id = $1 and status = 'open'`, [alertId])).rows[0];
}

export async function getEscalation(q: Queryable, id: string, lock = false): Promise<EscalationRow | undefined> {
  return (await q.query<EscalationRow>(`select * from escalations where id = $1 ${lock ? 'for update' : ''}`, [id])).rows[0];
}

export async function getWithNames(q: Queryable, id: string): Promise<EscalationRow | undefined> {
  return (await q.query<EscalationRow>(`${SELECT} where e.id = $1`, [id])).rows[0];
}

export async function markHandled(q: Queryable, id: string, by: string, at: Date, note: string | null): Promise<void> {
  await q.query(`update escalations set status = 'handled', handled_by = $2, handled_at = $3, handled_note = $4 where id = $1`, [id, by, at, note]);
}

/**
 * Escalations sent to the organisation, for patients it still has a care relation to (the GP
 * office is in the care team of the escalated episode). Open ones first, newest first.
 */
export async function forOrganisation(q: Queryable, orgId: string, status: string | undefined): Promise<EscalationRow[]> {
  const r = await q.query<EscalationRow>(
    `${SELECT} where e.to_org = $1 and ($2::text is null or e.status = $2)
        and exists (select 1 from care_team ct where ct.episode_id = e.episode_id and ct.organisation_id = $1)
      order by case e.status when 'open' then 0 else 1 end, e.created_at desc limit 500`,
    [orgId, status ?? null],
  );
  return r.rows;
}

/** The patient's escalations; `episodeIds` (null = all) limits them to the episodes the caller may read. */
export async function forPatient(q: Queryable, patientId: string, episodeIds: string[] | null = null): Promise<EscalationRow[]> {
  return (await q.query<EscalationRow>(
    `${SELECT} where e.patient_id = $1 and ($2::uuid[] is null or e.episode_id = any($2)) order by e.created_at desc limit 500`, [patientId, episodeIds])).rows;
}

/** The GP office of the episode's care team, which receives escalations. */
export async function gpOfficeOf(q: Queryable, episodeId: string): Promise<string | undefined> {
  const r = await q.query<{ organisation_id: string }>(
    `select organisation_id from care_team where episode_id = $1 and responsibility = 'gp' order by added_at limit 1`,
    [episodeId],
  );
  return r.rows[0]?.organisation_id;
}

import type { PlanDefinition } from '../../domain/plan.js';
import type { Queryable } from '../db/port.js';

export interface PlanRow {
  id: string;
  episode_id: string;
  version: number;
  status: 'draft' | 'approved' | 'superseded';
  definition: PlanDefinition;
  created_by: string;
  created_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  approved_by_name?: string | null;
}

export async function approvedPlan(q: Queryable, episodeId: string): Promise<PlanRow | undefined> {
  const r = await q.query<PlanRow>(
    `select p.*, pe.name as approved_by_name from plans p left join personnel pe on pe.id = p.approved_by
      where p.episode_id = $1 and p.status = 'approved'`,
    [episodeId],
  );
  return r.rows[0];
}

export async function plansOf(q: Queryable, episodeId: string): Promise<PlanRow[]> {
  const r = await q.query<PlanRow>(
    `select p.*, pe.name as approved_by_name from plans p left join personnel pe on pe.id = p.approved_by
      where p.episode_id = $1 order by p.version desc`,
    [episodeId],
  );
  return r.rows;
}

export async function getPlan(q: Queryable, planId: string, lock = false): Promise<PlanRow | undefined> {
  return (await q.query<PlanRow>(`select * from plans where id = $1 ${lock ? 'for update' : ''}`, [planId])).rows[0];
}

export async function insertDraft(q: Queryable, episodeId: string, definition: PlanDefinition, createdBy: string): Promise<PlanRow> {
  const r = await q.query<PlanRow>(
    `insert into plans (episode_id, version, status, definition, created_by)
     values ($1, (select coalesce(max(version), 0) + 1 from plans where episode_id = $1), 'draft', $2, $3) returning *`,
    [episodeId, JSON.stringify(definition), createdBy],
  );
  return r.rows[0]!;
}

/** Puts a draft in force; the version in force until now is kept as superseded. */
export async function approve(q: Queryable, planId: string, episodeId: string, approvedBy: string, at: Date): Promise<PlanRow> {
  await q.query(`update plans set status = 'superseded' where episode_id = $1 and status = 'approved'`, [episodeId]);
  const r = await q.query<PlanRow>(
    `update plans set status = 'approved', approved_by = $2, approved_at = $3 where id = $1 returning *`,
    [planId, approvedBy, at],
  );
  return r.rows[0]!;
}

import type { Queryable } from '../db/port.js';

export interface SettingsRow {
  id: string;
  name: string;
  inactive_after_days: number | null;
}

/** The organisation's settings row; `lock` for an update in the same transaction. */
export async function getSettings(q: Queryable, orgId: string, lock = false): Promise<SettingsRow | null> {
  const r = await q.query<SettingsRow>(
    `select id, name, inactive_after_days from organisations where id = $1${lock ? ' for update' : ''}`,
    [orgId],
  );
  return r.rows[0] ?? null;
}

/**
 * Stores the new number of days and makes the sweep re-check every inactivity deadline of the
 * service's episodes now (triage/missing-job.ts#inactiveDue recomputes each from the setting), so
 * a shorter limit takes effect within a minute, not when the old deadline comes due.
 */
export async function saveInactiveDays(q: Queryable, orgId: string, days: number | null, now: Date): Promise<void> {
  await q.query('update organisations set inactive_after_days = $2 where id = $1', [orgId, days]);
  await q.query(
    `update episode_schedule s set next_due_at = $2
       from episodes e
      where e.id = s.episode_id and e.follow_up_org = $1 and e.status <> 'ended' and s.code = 'inactive' and s.next_due_at > $2`,
    [orgId, now],
  );
}

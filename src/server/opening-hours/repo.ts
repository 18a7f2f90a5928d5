import type { OpeningHours } from '../../domain/opening-hours.js';
import type { Queryable } from '../db/port.js';

/** organisations.opening_hours as stored: the domain hours plus staff-facing labels of closed days. */
export type StoredOpeningHours = OpeningHours & { closedLabels?: Record<string, string> };

export interface OpeningHoursRow {
  id: string;
  name: string;
  kind: string;
  opening_hours: StoredOpeningHours | null;
  opening_hours_version: number;
  opening_hours_updated_at: Date | null;
  updated_by_name: string | null;
}

const SELECT = `select o.id, o.name, o.kind, o.opening_hours, o.opening_hours_version, o.opening_hours_updated_at, p.name as updated_by_name
  from organisations o left join personnel p on p.id = o.opening_hours_updated_by where o.id = $1`;

export async function getOpeningHours(q: Queryable, organisationId: string, forUpdate = false): Promise<OpeningHoursRow | null> {
  const r = await q.query<OpeningHoursRow>(forUpdate ? `${SELECT} for update of o` : SELECT, [organisationId]);
  return r.rows[0] ?? null;
}

/** Stores new hours if the version is still the one the editor loaded; returns false otherwise. */
export async function saveOpeningHours(
  q: Queryable,
  organisationId: string,
  expectedVersion: number,
  hours: StoredOpeningHours,
  by: string,
  at: Date,
): Promise<boolean> {
  const r = await q.query(
    `update organisations set opening_hours = $3::jsonb, opening_hours_version = opening_hours_version + 1,
            opening_hours_updated_at = $5, opening_hours_updated_by = $4
      where id = $1 and opening_hours_version = $2`,
    [organisationId, expectedVersion, JSON.stringify(hours), by, at],
  );
  return r.rowCount === 1;
}

import type { Queryable } from '../db/port.js';

export interface DelegationRow {
  id: string;
  patient_id: string;
  relative_name: string;
  relative_identifier: string;
  relation: string | null;
  granted_at: Date;
  revoked_at: Date | null;
}

/** The patient's delegations, running first, then revoked ones (history). */
export async function ofPatient(q: Queryable, patientId: string): Promise<DelegationRow[]> {
  const r = await q.query<DelegationRow>(
    'select * from delegations where patient_id = $1 order by (revoked_at is null) desc, granted_at desc limit 100',
    [patientId],
  );
  return r.rows;
}

export async function insert(q: Queryable, d: Pick<DelegationRow, 'patient_id' | 'relative_name' | 'relative_identifier' | 'relation' | 'granted_at'>): Promise<DelegationRow> {
  const r = await q.query<DelegationRow>(
    `insert into delegations (patient_id, relative_name, relative_identifier, relation, granted_at) values ($1,$2,$3,$4,$5) returning *`,
    [d.patient_id, d.relative_name, d.relative_identifier, d.relation, d.granted_at],
  );
  return r.rows[0]!;
}

/** Revokes a running delegation of the patient (by id or by the relative's number); undefined when there is none. */
export async function revoke(q: Queryable, by: { id: string } | { identifier: string }, patientId: string, at: Date): Promise<DelegationRow | undefined> {
  const r = await q.query<DelegationRow>(
    `update delegations set revoked_at = $4 where patient_id = $3 and revoked_at is null
        and (id = $1::uuid or relative_identifier = $2) returning *`,
    ['id' in by ? by.id : null, 'identifier' in by ? by.identifier : null, patientId, at],
  );
  return r.rows[0];
}

/**
 * The running delegation from `patientId` to the person with `relativeIdentifier`. `lock` holds it
 * (for share) until the transaction ends, so a revocation cannot slip in between check and write.
 */
export async function running(q: Queryable, patientId: string, relativeIdentifier: string, lock = false): Promise<DelegationRow | undefined> {
  const r = await q.query<DelegationRow>(
    `select * from delegations where patient_id = $1 and relative_identifier = $2 and revoked_at is null ${lock ? 'for share' : ''}`,
    [patientId, relativeIdentifier],
  );
  return r.rows[0];
}

/** Patients who have delegated to the person with this identifier, with an open episode. */
export async function toRelative(q: Queryable, relativeIdentifier: string): Promise<(DelegationRow & { patient_name: string })[]> {
  const r = await q.query<DelegationRow & { patient_name: string }>(
    `select d.*, p.name as patient_name from delegations d join patients p on p.id = d.patient_id
      where d.relative_identifier = $1 and d.revoked_at is null
        and exists (select 1 from episodes e where e.patient_id = d.patient_id and e.status <> 'ended')
      order by p.name limit 50`,
    [relativeIdentifier],
  );
  return r.rows;
}

export async function identifierOf(q: Queryable, patientId: string): Promise<string | undefined> {
  return (await q.query<{ identifier: string }>('select identifier from patients where id = $1', [patientId])).rows[0]?.identifier;
}

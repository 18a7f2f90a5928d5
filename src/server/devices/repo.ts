import type { Queryable } from '../db/port.js';

export interface DeviceRow {
  id: string;
  organisation_id: string;
  serial: string;
  model: string;
  kind: string;
  manufacturer: string | null;
  bluetooth_id: string | null;
  system_id: string | null;
  created_at: Date;
  // The open loan, if any.
  loan_id: string | null;
  loan_patient_id: string | null;
  loan_patient_name: string | null;
  lent_at: Date | null;
}

export interface LoanRow {
  id: string;
  device_id: string;
  patient_id: string;
  lent_at: Date;
  returned_at: Date | null;
  serial: string;
  model: string;
  kind: string;
  organisation_id: string;
  organisation_name: string;
}

export async function insertDevice(
  q: Queryable,
  d: { organisationId: string; serial: string; model: string; kind: string; manufacturer?: string | undefined; bluetoothId?: string | undefined; systemId?: string | undefined },
): Promise<DeviceRow | null> {
  // No conflict target: a taken serial, Bluetooth id or System ID (migration 012) all give null.
  const r = await q.query<DeviceRow>(
    `insert into devices (organisation_id, serial, model, kind, manufacturer, bluetooth_id, system_id) values ($1,$2,$3,$4,$5,$6,$7)
     on conflict do nothing
     returning *, null::uuid as loan_id, null::uuid as loan_patient_id, null::text as loan_patient_name, null::timestamptz as lent_at`,
    [d.organisationId, d.serial, d.model, d.kind, d.manufacturer ?? null, d.bluetoothId ?? null, d.systemId ?? null],
  );
  return r.rows[0] ?? null;
}

/** The organisation's devices with their open loan, newest first. */
export async function devicesOf(q: Queryable, organisationId: string): Promise<DeviceRow[]> {
  const r = await q.query<DeviceRow>(
    `select d.*, l.id as loan_id, l.patient_id as loan_patient_id, p.name as loan_patient_name, l.lent_at
       from devices d left join device_loans l on l.device_id = d.id and l.returned_at is null
       left join patients p on p.id = l.patient_id
      where d.organisation_id = $1 order by d.kind, d.serial`,
    [organisationId],
  );
  return r.rows;
}

export async function getDevice(q: Queryable, id: string, lock = false): Promise<{ id: string; organisation_id: string } | undefined> {
  return (await q.query<{ id: string; organisation_id: string }>(`select id, organisation_id from devices where id = $1 ${lock ? 'for update' : ''}`, [id])).rows[0];
}

export async function openLoanOfDevice(q: Queryable, deviceId: string): Promise<{ id: string } | undefined> {
  return (await q.query<{ id: string }>('select id from device_loans where device_id = $1 and returned_at is null', [deviceId])).rows[0];
}

const LOAN_SELECT = `select l.*, d.serial, d.model, d.kind, d.organisation_id, o.name as organisation_name
  from device_loans l join devices d on d.id = l.device_id join organisations o on o.id = d.organisation_id`;

export async function insertLoan(q: Queryable, deviceId: string, patientId: string, at: Date): Promise<LoanRow> {
  const r = await q.query<{ id: string }>('insert into device_loans (device_id, patient_id, lent_at) values ($1,$2,$3) returning id', [deviceId, patientId, at]);
  return (await getLoan(q, r.rows[0]!.id))!;
}

export async function getLoan(q: Queryable, id: string, lock = false): Promise<LoanRow | undefined> {
  if (lock) await q.query('select 1 from device_loans where id = $1 for update', [id]);
  return (await q.query<LoanRow>(`${LOAN_SELECT} where l.id = $1`, [id])).rows[0];
}

export async function returnLoan(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query('update device_loans set returned_at = $2 where id = $1', [id, at]);
}

/**
 * The patient's loans. With a scope (`episodeIds` not null), only loans of the caller's own
 * organisation's devices or loans made while one of those episodes ran.
 */
export async function loansOfPatient(q: Queryable, patientId: string, episodeIds: string[] | null = null, organisationId: string | null = null): Promise<LoanRow[]> {
  return (await q.query<LoanRow>(
    `${LOAN_SELECT} where l.patient_id = $1
        and ($2::uuid[] is null or d.organisation_id = $3 or exists (select 1 from episodes e where e.id = any($2)
              and l.lent_at >= e.started_at and (e.ended_at is null or l.lent_at <= e.ended_at)))
      order by l.returned_at is not null, l.lent_at desc`,
    [patientId, episodeIds, organisationId],
  )).rows;
}

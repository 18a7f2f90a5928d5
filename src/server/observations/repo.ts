import type { MeasureCode } from '../../domain/catalogue.js';
import type { ObservationPoint } from '../../domain/triage.js';
import type { Queryable } from '../db/port.js';

export interface ObservationRow {
  id: string;
  patient_id: string;
  episode_id: string;
  code: MeasureCode;
  value: number;
  unit: string;
  effective_at: Date;
  received_at: Date;
  source: 'patient' | 'device' | 'personnel';
  device_id: string | null;
  recorded_by: string;
  idempotency_key: string | null;
  zone: 'green' | 'yellow' | 'red' | null;
  plan_version: number | null;
  device_clock_offset_ms: number | null;
}

export type NewObservation = Omit<ObservationRow, 'id' | 'received_at'>;

export async function byIdempotencyKey(q: Queryable, patientId: string, key: string): Promise<ObservationRow[]> {
  const r = await q.query<ObservationRow>(
    'select * from observations where patient_id = $1 and idempotency_key = $2 order by code',
    [patientId, key],
  );
  return r.rows;
}

export async function insertObservation(q: Queryable, o: NewObservation): Promise<ObservationRow> {
  const r = await q.query<ObservationRow>(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, device_id, recorded_by,
       idempotency_key, zone, plan_version, device_clock_offset_ms)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) returning *`,
    [o.patient_id, o.episode_id, o.code, o.value, o.unit, o.effective_at, o.source, o.device_id, o.recorded_by,
      o.idempotency_key, o.zone, o.plan_version, o.device_clock_offset_ms],
  );
  return r.rows[0]!;
}

/** Observations of an episode in a time window, as the triage engine wants them. */
export async function pointsSince(q: Queryable, episodeId: string, since: Date): Promise<ObservationPoint[]> {
  const r = await q.query<{ id: string; code: MeasureCode; value: number; unit: string; effective_at: Date }>(
    'select id, code, value, unit, effective_at from observations where episode_id = $1 and effective_at >= $2 order by effective_at',
    [episodeId, since],
  );
  return r.rows.map((x) => ({ id: x.id, code: x.code, value: x.value, unit: x.unit, effectiveAt: x.effective_at }));
}

export interface ListFilter {
  code?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export async function listForPatient(q: Queryable, patientId: string, f: ListFilter): Promise<ObservationRow[]> {
  const r = await q.query<ObservationRow>(
    `select * from observations where patient_id = $1
        and ($2::text is null or code = $2) and ($3::timestamptz is null or effective_at >= $3)
        and ($4::timestamptz is null or effective_at < $4)
      order by effective_at desc, code limit $5`,
    [patientId, f.code ?? null, f.from ?? null, f.to ?? null, f.limit],
  );
  return r.rows;
}

/** The newest observation of each measure for the patient. */
export async function latestPerCode(q: Queryable, patientId: string): Promise<ObservationRow[]> {
  const r = await q.query<ObservationRow>(
    'select distinct on (code) * from observations where patient_id = $1 order by code, effective_at desc',
    [patientId],
  );
  return r.rows;
}

import { ensureMonthPartitions, PARTITION_MONTHS_AHEAD } from '../db/partitions.js';
import type { Db, Queryable } from '../db/port.js';

/**
 * How far past now a read of stored readings needs to look. No reading is stored dated more than
 * FUTURE_TOLERANCE_MS (5 min, service.ts) after the clock that received it, so a day leaves none
 * out, even under a clock a little behind that one's; and with an upper bound PostgreSQL drops the
 * monthly partitions made ahead and the default one when a statement starts, instead of scanning
 * each for every probe (issue 15: triage's history read, the sweep's reading probe, the worklist's
 * sparklines).
 */
const STORED_UNTIL_MS = 24 * 3_600_000;

/** The upper bound (exclusive) of a read of stored readings made at `now`: STORED_UNTIL_MS past it. */
export function storedUntil(now: Date): Date {
  return new Date(now.getTime() + STORED_UNTIL_MS);
}

/**
 * Creates the monthly partitions of `observations` for the month of `now` and the
 * PARTITION_MONTHS_AHEAD months after it (UTC month bounds), moving rows of those months out of
 * the default partition first (migration 027, varde_observation_partitions). Idempotent and
 * set-based; an advisory lock inside the function lets several app processes run it at once.
 * @returns how many partitions were created
 * @throws when a lock is not had within 10 s (the next daily run tries again)
 */
export async function ensureObservationPartitions(db: Db, now: Date, monthsAhead = PARTITION_MONTHS_AHEAD): Promise<number> {
  return ensureMonthPartitions(db, 'varde_observation_partitions', now, monthsAhead);
}

/**
 * Creates the monthly partitions covering `from` .. `to` (both months included), as a bulk load of
 * past readings wants before inserting them, so they land in their months and not in the default
 * partition. Same function and guarantees as ensureObservationPartitions.
 */
export async function ensurePartitionsFor(q: Queryable, from: Date, to: Date): Promise<number> {
  const r = await q.query<{ made: number }>('select varde_observation_partitions($1, $2) as made', [from, to]);
  return r.rows[0]!.made;
}

export interface ObservationPartition {
  name: string;
  /** Inclusive lower bound; null for the default partition. */
  from: Date | null;
  /** Exclusive upper bound; null for the default partition. */
  to: Date | null;
}

/** The attached partitions of `observations`, oldest first, the default partition last. */
export async function observationPartitions(q: Queryable): Promise<ObservationPartition[]> {
  const r = await q.query<{ name: string; is_default: boolean }>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' as is_default
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'observations'::regclass`,
  );
  // The function names each month's partition observations_YYYY_MM (its UTC month).
  const parsed = r.rows.map((x) => {
    const m = x.is_default ? null : /_(\d{4})_(\d{2})$/.exec(x.name);
    const y = m ? Number(m[1]) : 0;
    const mo = m ? Number(m[2]) - 1 : 0;
    return { name: x.name, from: m ? new Date(Date.UTC(y, mo, 1)) : null, to: m ? new Date(Date.UTC(y, mo + 1, 1)) : null };
  });
  return parsed.sort((a, b) => (a.from === null ? 1 : b.from === null ? -1 : a.from.getTime() - b.from.getTime()));
}

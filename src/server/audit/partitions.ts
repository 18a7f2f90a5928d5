import type { Db } from '../db/port.js';
import { PARTITION_MONTHS_AHEAD } from '../observations/partitions.js';

/**
 * Creates the monthly partitions of `audit_events` for the month of `now` and the
 * PARTITION_MONTHS_AHEAD months after it (UTC month bounds), each append-only like the parent
 * (migration 041, varde_audit_partitions). Months still covered by the partition of the rows from
 * before partitioning are left to it. Idempotent; an advisory lock inside the function lets several
 * app processes run it at once.
 * @returns how many partitions were created
 * @throws when a lock is not had within 10 s (the next daily run tries again)
 */
export async function ensureAuditPartitions(db: Db, now: Date, monthsAhead = PARTITION_MONTHS_AHEAD): Promise<number> {
  return db.tx(async (tx) => {
    // Attaching takes a brief lock on the parent and the default partition, which every audit
    // write goes through: better to give up and try again tomorrow than hold up a morning's writes.
    await tx.query(`set local lock_timeout = '10s'`);
    const r = await tx.query<{ made: number }>(
      'select varde_audit_partitions($1::timestamptz, $1::timestamptz + make_interval(months => $2::int)) as made',
      [now, monthsAhead],
    );
    return r.rows[0]!.made;
  });
}

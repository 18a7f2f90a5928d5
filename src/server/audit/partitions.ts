import { ensureMonthPartitions, PARTITION_MONTHS_AHEAD } from '../db/partitions.js';
import type { Db } from '../db/port.js';

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
  return ensureMonthPartitions(db, 'varde_audit_partitions', now, monthsAhead);
}

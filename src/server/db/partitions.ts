import type { Db } from './port.js';

/**
 * Months created ahead of the current one. A row of a month without a partition still lands (in
 * the default partition), but the default partition is read by every query whose time range is
 * open-ended, so it should stay empty; two months ahead leaves a daily job many chances to run.
 */
export const PARTITION_MONTHS_AHEAD = 2;

/** The SQL functions of the migrations that make month partitions (027: observations, 041: audit events). */
export type MonthPartitionFunction = 'varde_observation_partitions' | 'varde_audit_partitions';

/**
 * Runs one of the migrations' month-partition functions for the UTC month of `now` and the
 * `monthsAhead` months after it, in a transaction of its own. Attaching a month locks the parent
 * briefly and the default partition, which the writes and open-ended reads of that table go
 * through: queued behind a long report, it would hold them up, so it gives up after a 10 s lock
 * wait and the next daily run tries again (there are months of lead).
 * @returns how many partitions were created
 */
export async function ensureMonthPartitions(db: Db, fn: MonthPartitionFunction, now: Date, monthsAhead: number): Promise<number> {
  return db.tx(async (tx) => {
    await tx.query(`set local lock_timeout = '10s'`);
    const r = await tx.query<{ made: number }>(
      `select ${fn}($1::timestamptz, $1::timestamptz + make_interval(months => $2::int)) as made`,
      [now, monthsAhead],
    );
    return r.rows[0]!.made;
  });
}

import type { Ctx } from '../context.js';
import type { Db } from '../db/port.js';
import { isStalePlan } from '../db/postgres.js';

/*
 * The queue behind both group commits: device uploads (combiner.ts) and FHIR creates (group.ts).
 * Writes of one caller wait here while the previous write of that caller commits, and are then
 * written together in ONE transaction. On PostgreSQL nothing waits on a timer: a write that
 * arrives when none is running starts at once, and under load the groups form by themselves.
 * If a combined write fails, each write of the group is written again on its own, in arrival
 * order, so one write's problem is answered to that write alone.
 */

/** A write waiting in a GroupQueue; it is answered through resolve/reject after its commit. */
export interface QueuedJob<R> {
  ctx: Ctx;
  resolve(v: R): void;
  reject(err: unknown): void;
}

/**
 * Long enough for a few requests' token checks to run on PGlite, short next to its commit. PGlite
 * runs every statement on one thread, and its transaction holds off every other query, so the
 * requests behind it (token lookup, validation) only reach the queue once it has finished: without
 * a short wait each of them would start a transaction of its own. PostgreSQL needs none.
 */
const PGLITE_LINGER_MS = 3;
/** Deadlocks and serialisation failures are retried this many times before giving up. */
const TX_ATTEMPTS = 3;
/**
 * Groups beyond a caller's first two, for all callers of the process together. Each running group
 * holds one of the pool's ten connections (db/postgres.ts) for its whole transaction; with every
 * caller allowed four, a few busy gateways would take them all and a nurse's worklist page would
 * wait behind their uploads. Two callers each at two groups, plus these two, leave four free.
 */
const EXTRA_GROUPS = 2;
let extraRunning = 0;

/**
 * Runs `fn` again on deadlock (40P01), serialisation failure (40001) or a prepared statement
 * outdated by another node's migration (db/postgres.ts#isStalePlan); anything else is thrown.
 */
export async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= TX_ATTEMPTS || (code !== '40P01' && code !== '40001' && !isStalePlan(err))) throw err;
    }
  }
}

class GroupQueue<J extends QueuedJob<R>, R> {
  private readonly queue: J[] = [];
  private running = 0;
  private lingering: NodeJS.Timeout | undefined;

  /**
   * @param maxRunning PostgreSQL: one group can collect while another commits; PGlite has one connection.
   * @param lingerMs how long a write that could start at once waits for company (PGLITE_LINGER_MS).
   * @param worthAnother whether what waits is enough for a group of its own beside `running` running ones.
   */
  constructor(
    private readonly maxRunning: number,
    private readonly lingerMs: number,
    private readonly take: (queue: J[]) => J[],
    private readonly write: (ctx: Ctx, group: J[]) => Promise<R[]>,
    private readonly worthAnother: (queue: J[], running: number) => boolean = () => true,
  ) {}

  submit(job: J): void {
    this.queue.push(job);
    if (this.lingerMs > 0 && this.running === 0) {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        this.pump();
      }, this.lingerMs);
    } else this.pump();
  }

  private pump(): void {
    while (this.running < this.maxRunning && this.queue.length > 0) {
      if (this.running > 0 && !this.worthAnother(this.queue, this.running)) break;
      // A third or fourth group takes one of the process's EXTRA_GROUPS; without one, what waits
      // goes with the next group this caller starts.
      const extra = this.running >= 2;
      if (extra && extraRunning >= EXTRA_GROUPS) break;
      const group = this.take(this.queue);
      this.running++;
      if (extra) extraRunning++;
      void this.run(group).finally(() => {
        this.running--;
        if (extra) extraRunning--;
        this.pump();
      });
    }
  }

  private async run(group: J[]): Promise<void> {
    // Same caller in every job (that is how queues are keyed); the first request's context writes.
    try {
      const results = await this.write(group[0]!.ctx, group);
      group.forEach((j, i) => j.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      // Whose problem was it: each write alone, in arrival order.
      for (const j of group) {
        try {
          j.resolve((await this.write(j.ctx, [j]))[0]!);
        } catch (e) {
          j.reject(e);
        }
      }
    }
  }
}

/** Groups of one caller at once on PostgreSQL (combiner.ts and group.ts say why). */
const DEFAULT_GROUPS_RUNNING = 4;

/**
 * Groups of one caller that may run at once: DEFAULT_GROUPS_RUNNING, or the environment variable
 * `name` for before/after measurements (its whole part, at least 1; unreadable or 0 is the default).
 */
export function groupsRunningFrom(name: string): number {
  return Math.max(1, Math.floor(Number(process.env[name] ?? DEFAULT_GROUPS_RUNNING)) || DEFAULT_GROUPS_RUNNING);
}

/**
 * A `worthAnother` for GroupQueues: the waiting writes hold at least `min` units between them
 * (readings of device uploads, resources of FHIR writes) for each group already running. With
 * one running, `min` starts a second; a third needs twice as much waiting, and so on: only a
 * backlog of large writes spreads over more connections, while small ones keep collecting into
 * groups that share their statements.
 */
export function waitingAtLeast<J>(min: number, size: (job: J) => number): (queue: J[], running: number) => boolean {
  return (queue, running) => {
    const want = min * Math.max(1, running);
    let n = 0;
    for (const j of queue) if ((n += size(j)) >= want) return true;
    return false;
  };
}

/** One group-commit queue per database and caller key. */
export class GroupQueues<J extends QueuedJob<R>, R> {
  private readonly perDb = new WeakMap<Db, Map<string, GroupQueue<J, R>>>();

  /**
   * @param take removes the next group from the front of the queue (at least one job)
   * @param write writes a group in one transaction as `ctx`; one result per job, in order
   */
  constructor(
    private readonly take: (queue: J[]) => J[],
    private readonly write: (ctx: Ctx, group: J[]) => Promise<R[]>,
    /** Groups of one key written at once on PostgreSQL (with 2, one can start while another commits). */
    private readonly postgresRunning = 2,
    /**
     * With a group running, whether the waiting writes are worth a second one now (PostgreSQL).
     * Small writes are better left to collect into the next group: fewer, larger transactions
     * cost the database less per write; a backlog of large ones gains from a second core.
     */
    private readonly worthAnother?: (queue: J[], running: number) => boolean,
  ) {}

  /** Queues `job` behind the other writes of `key` on `db`; it is answered after its commit. */
  submit(db: Db, key: string, job: J): void {
    let perDb = this.perDb.get(db);
    if (!perDb) {
      perDb = new Map();
      this.perDb.set(db, perDb);
    }
    let q = perDb.get(key);
    if (!q) {
      q = db.kind === 'postgres' ? new GroupQueue(this.postgresRunning, 0, this.take, this.write, this.worthAnother) : new GroupQueue(1, PGLITE_LINGER_MS, this.take, this.write);
      perDb.set(key, q);
    }
    q.submit(job);
  }
}

import { actorTag } from '../auth/actor.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { storeSittings, type RecordOptions, type SittingToStore, type StoredSitting } from '../observations/service.js';
import { GroupQueues, groupsRunningFrom, waitingAtLeast, withRetry, type QueuedJob } from './queue.js';

/*
 * The FHIR write path's share of ingest's group commit (combiner.ts) and statement economy.
 *
 * SittingBatch: inside one transaction, sittings to be triaged are collected and stored by ONE
 * storeSittings call (lock, context, opening hours, one write statement) instead of one call per
 * posted Observation (a 100-Observation transaction Bundle went from ~800 statements to about a
 * quarter of that). Whatever depends on the stored result (the fhir_resources row, its notes)
 * runs after the flush, in the order the sittings were added. A writer whose reads could depend
 * on a pending sitting (same identifier, idempotency key or content hash) flushes first, so the
 * result is the same as writing one after the other.
 *
 * Per-write statements become per-group statements in two more ways. Shared reads (`shared`):
 * before any write of the group is staged, each write declares what it will read (submitShared's
 * `declare`) and one statement per kind reads it for all of them (fhir/write-batch.ts: identifier
 * twins, episodes). Collected writes (`collect`): the finishers of one flush queue their rows and one
 * statement writes them all (the fhir_resources rows).
 *
 * submitShared: concurrent FHIR creates of one client share a transaction (and so one commit, one
 * WAL flush, one pooled connection) and one SittingBatch. Each request is answered only after the
 * commit that holds its resource, readings, alerts and audit records. If the shared transaction
 * fails, each request of the group is written again on its own, so one request's problem (a 409,
 * an episode that just ended) is answered to that request alone — as in combiner.ts.
 */

interface Pending {
  item: SittingToStore;
  source: RecordOptions['source'];
  finish: (stored: StoredSitting) => Promise<unknown>;
  resolve(v: unknown): void;
  reject(err: unknown): void;
}

/** A write that stores no sitting, finished with the next flush's finishers (SittingBatch#defer). */
interface Deferred {
  finish: () => Promise<unknown>;
  resolve(v: unknown): void;
  reject(err: unknown): void;
}

/** Reads shared by the writes of a group, made once (load) before any of them is staged. */
export interface SharedReads {
  load(tx: Queryable): Promise<void>;
}

interface Collected {
  items: unknown[];
  waiters: { resolve(v: unknown): void; reject(err: unknown): void }[];
  run: (items: unknown[]) => Promise<unknown[]>;
}

/** Sittings of one transaction, stored together at flush(); see the comment at the top. */
export class SittingBatch {
  private pending: Pending[] = [];
  /** Finishers of writes that store no sitting (defer), run with the next flush's. */
  private deferred: Deferred[] = [];
  /** Identifier tokens, idempotency keys and content hashes of the pending writers. */
  private readonly names = new Set<string>();
  private readonly reads = new Map<string, SharedReads>();
  private readonly collected = new Map<string, Collected>();
  /** True while a flush starts its finishers: their collected writes wait for the others. */
  private collecting = false;

  constructor(private readonly ctx: Ctx, private readonly tx: Queryable) {}

  /** The group's shared reads of one kind (made on first use; loaded by load() if declared before it). */
  shared<T extends SharedReads>(key: string, make: () => T): T {
    let r = this.reads.get(key);
    if (!r) this.reads.set(key, (r = make()));
    return r as T;
  }

  /** Runs every shared read declared so far (write() calls it once, before staging). */
  async load(): Promise<void> {
    for (const r of this.reads.values()) await r.load(this.tx);
  }

  /**
   * Queues `item` for `run`, which writes every item collected under `key` in one statement and
   * returns one result per item, in order. Items collected by the finishers of one flush are run
   * together once all of them have started; at any other time an item is run at once, alone. A
   * failure of `run` rejects every item of that call.
   */
  collect<I, O>(key: string, item: I, run: (items: I[]) => Promise<O[]>): Promise<O> {
    if (!this.collecting) return run([item]).then((r) => r[0]!);
    let c = this.collected.get(key);
    if (!c) this.collected.set(key, (c = { items: [], waiters: [], run: run as Collected['run'] }));
    c.items.push(item);
    return new Promise<O>((resolve, reject) => {
      c.waiters.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private async runCollected(): Promise<void> {
    while (this.collected.size > 0) {
      const [key, c] = this.collected.entries().next().value!;
      this.collected.delete(key);
      try {
        const out = await c.run(c.items);
        c.waiters.forEach((w, i) => w.resolve(out[i]));
      } catch (err) {
        for (const w of c.waiters) w.reject(err);
      }
    }
  }

  /** True when a writer naming any of these could read what a pending sitting will write. */
  overlaps(names: readonly string[]): boolean {
    return names.some((n) => this.names.has(n));
  }

  /**
   * Queues a sitting; `finish` runs after it is stored (inside the same transaction) and its
   * result is what the returned promise resolves with. The promise never goes unhandled.
   */
  add<T>(item: SittingToStore, source: RecordOptions['source'], names: readonly string[], finish: (stored: StoredSitting) => Promise<T>): Promise<T> {
    const p = new Promise<T>((resolve, reject) => {
      this.pending.push({ item, source, finish, resolve: resolve as (v: unknown) => void, reject });
    });
    for (const n of names) this.names.add(n);
    p.catch(() => undefined);
    return p;
  }

  /**
   * Queues the finisher of a write that stores no sitting (a device's own observation, a reading
   * not triaged): it runs with the next flush's finishers, so the rows it collects are written by
   * their statements instead of statements of its own, and writing it does not flush the pending
   * sittings. `names` as for add: a later writer naming any of them flushes first.
   */
  defer<T>(names: readonly string[], finish: () => Promise<T>): Promise<T> {
    const p = new Promise<T>((resolve, reject) => {
      this.deferred.push({ finish, resolve: resolve as (v: unknown) => void, reject });
    });
    for (const n of names) this.names.add(n);
    p.catch(() => undefined);
    return p;
  }

  /**
   * Stores every pending sitting (one storeSittings per run of the same source, in order), then
   * runs each finisher in order, then the deferred writes' finishers. Failures go to the writes'
   * own promises, never out of here.
   */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.deferred.length > 0) {
      const all = this.pending;
      const deferred = this.deferred;
      this.pending = [];
      this.deferred = [];
      this.names.clear();
      for (let i = 0; i < all.length;) {
        let j = i + 1;
        while (j < all.length && all[j]!.source === all[i]!.source) j++;
        const run = all.slice(i, j);
        i = j;
        let stored: StoredSitting[];
        try {
          stored = await storeSittings(this.ctx, this.tx, run.map((x) => x.item), { source: run[0]!.source });
        } catch (err) {
          for (const x of run) x.reject(err);
          continue;
        }
        await this.finishAll(run.map((x, k) => ({ ...x, start: () => x.finish(stored[k]!) })));
      }
      if (deferred.length > 0) await this.finishAll(deferred.map((d) => ({ ...d, start: d.finish })));
    }
  }

  /**
   * Starts every finisher (in order) before awaiting any, so the rows they collect are written by
   * one statement; a finisher collects before its first await of anything else.
   */
  private async finishAll(xs: { start: () => Promise<unknown>; resolve(v: unknown): void; reject(err: unknown): void }[]): Promise<void> {
    this.collecting = true;
    const finishing = xs.map((x) => {
      try {
        return x.start();
      } catch (err) {
        return Promise.reject(err);
      }
    });
    this.collecting = false;
    for (const f of finishing) f.catch(() => undefined);
    await this.runCollected();
    for (const [k, x] of xs.entries()) {
      try {
        x.resolve(await finishing[k]!);
      } catch (err) {
        x.reject(err);
      }
    }
  }
}

/** A write staged in a shared transaction: done already, or done once the batch is flushed. */
export type Staged<T> = { now: T } | { later: Promise<T> };

interface Job extends QueuedJob<unknown> {
  stage: (tx: Queryable, batch: SittingBatch) => Promise<Staged<unknown>>;
  declare?: ((batch: SittingBatch) => void) | undefined;
  /** Resources the write stages (1 for a create, the entries of a Bundle). */
  size: number;
}

/** Writes in one shared transaction at most. */
const MAX_GROUP = 200;

/** One transaction for the group: every write staged in order, the batch flushed, then the results. */
function write(ctx: Ctx, group: Job[]): Promise<unknown[]> {
  return withRetry(() =>
    ctx.db.tx(async (tx) => {
      const batch = new SittingBatch(ctx, tx);
      // What every write will read, read once for all of them.
      for (const j of group) j.declare?.(batch);
      await batch.load();
      const staged: Staged<unknown>[] = [];
      for (const j of group) staged.push(await j.stage(tx, batch));
      await batch.flush();
      const out: unknown[] = [];
      for (const s of staged) out.push('now' in s ? s.now : await s.later);
      return out;
    }, { genericPlans: true }), // key probes only, as device ingest's group commit (ingest/combiner.ts)
  );
}

/**
 * Groups of one caller written at once on PostgreSQL: a second group starts while one commits
 * only when what waits holds at least PARALLEL_GROUP_RESOURCES resources (a transaction Bundle, or
 * a backlog of creates), as device ingest does (ingest/combiner.ts). With one group at a time, one
 * client's Bundles alternated between the server's work and the database's, so at most one of the
 * two cores was busy with them (~20 Bundles of 100/s, bench/README.md "Round 7"). A second group
 * started for whatever single create was waiting kept groups small (2.5–3.7 creates per
 * transaction at 32 concurrent, against 5.5 with one) and each create paid more statements
 * (bench/README.md, "FHIR writes on the group commit, second round"); the threshold avoids that.
 * Up to four run at once since round 20, a third needing 32 resources waiting and a fourth 48
 * (queue.ts#waitingAtLeast), each also one of the process's two slots for groups beyond any
 * caller's second (queue.ts, EXTRA_GROUPS), so single creates still collect while Bundles spread: in four
 * alternated runs of the Bundle phase, 3 591–4 081 obs/s against 3 425–3 782 with two
 * (bench/README.md, "Round 20"). VARDE_FHIR_GROUPS_RUNNING overrides the number for measurements
 * (a whole number of at least 1; anything else is the default).
 */
const POSTGRES_GROUPS_RUNNING = groupsRunningFrom('VARDE_FHIR_GROUPS_RUNNING');
/** Resources waiting that make a second group worth starting beside a running one (twice that a third, …). */
const PARALLEL_GROUP_RESOURCES = 16;
const queues = new GroupQueues<Job, unknown>((queue) => queue.splice(0, MAX_GROUP), write, POSTGRES_GROUPS_RUNNING,
  waitingAtLeast(PARALLEL_GROUP_RESOURCES, (j: Job) => j.size));

/**
 * Runs `stage` in a transaction shared with other concurrent writes of the same caller (group
 * commit); resolves after that transaction has committed. `declare` (optional, synchronous) tells
 * the batch's shared reads what `stage` will read, before any write of the group is staged.
 * `stage` may run twice (the second time alone, after the shared attempt failed), so it must not
 * change anything outside `tx`. `size`: the resources it stages (a Bundle's entries).
 */
export function submitShared<T>(
  ctx: Ctx, stage: (tx: Queryable, batch: SittingBatch) => Promise<Staged<T>>, declare?: (batch: SittingBatch) => void, size = 1,
): Promise<T> {
  const a = ctx.actor;
  // Only writes of one actor share a transaction: storeSittings audits and records them as one caller.
  // Everything of the actor that storeSittings writes into audit rows: who, organisation, role, route.
  const key = [actorTag(a), 'organisationId' in a ? a.organisationId : '', 'role' in a ? a.role : '', ctx.route ?? ''].join(' ');
  return new Promise<T>((resolve, reject) => {
    queues.submit(ctx.db, key, { ctx, stage: stage as Job['stage'], declare, size, resolve: resolve as (v: unknown) => void, reject });
  });
}

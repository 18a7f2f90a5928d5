import { z } from 'zod';
import { DEFAULT_INACTIVE_DAYS, detectInactive, INACTIVE_RULE_ID, missingAlertKind } from '../../domain/missing.js';
import { DEFAULT_ACTIONS, detectMissing, latestMissedOccurrence, type Finding } from '../../domain/triage.js';
import { MeasureCodeSchema, QuestionnaireCodeSchema, ScheduleSchema, validatePlan, type PlanDefinition, type Schedule } from '../../domain/plan.js';
import { MERGE_FINDING_SET } from '../alerts/repo.js';
import type { Db, Queryable } from '../db/port.js';
import { EVENTS_CHANNEL } from '../events/bus.js';
import { storedUntil } from '../observations/partitions.js';
import { nextDeadline } from './schedule.js';

/**
 * The reference (per-episode, `detectMissing` over `pointsSince`) counts only readings of the last
 * 8 days; the set-based check keeps that bound so both give the same answer.
 */
const LOOKBACK_DAYS = 8;
/**
 * Episodes per schedule-writing batch (rows per due batch: five times as many, about one episode's
 * entries): each batch is one short transaction of a few statements, so PGlite's only connection
 * is free again between batches. PGlite: 250, so that connection is held for about 0.2 s at a time
 * (p90 0.4 s, at most ~0.5 s once warm, with 500: p90 0.7 s and up to 0.9 s; an all-due sweep of
 * 10 000 took as long either way). PostgreSQL: 500 (250 to 1 000 measured alike; 2 000, one batch
 * per partition, was slower). bench/README.md, "Missing-measurement sweep, third round".
 */
const DEFAULT_BATCH = { pglite: 250, postgres: 500 } as const;
const ROWS_PER_EPISODE = 5;
/** An episode that failed is looked at again after this long (or as soon as its plan, zone or status changes). */
const RETRY_MS = 60 * 60_000;
/**
 * An inactive patient (or one in a state without such alerts: onboarding, baseline) is looked at
 * again after this long. Exact for settings of a day or more: the silence only ends with a reading
 * (which moves the deadline forward) or a new follow-up period (resume, which rewrites the row).
 */
const INACTIVE_RECHECK_MS = 60 * 60_000;
/** episode_schedule.code of an episode's inactivity check (migration 017). */
const INACTIVE_CODE = 'inactive';
/**
 * Arbitrary constant: the key of the sweep's transaction-level advisory locks. A batch holds
 * (SWEEP_LOCK, its partition) exclusively, so within a partition one batch runs at a time whatever
 * the number of processes (a row lock per claimed schedule would write every row twice), and
 * SWEEP_LOCK alone in shared mode, so a process of the previous version, which took SWEEP_LOCK
 * alone exclusively for each batch, never runs beside one of this version during a rolling deploy.
 * Each batch reads what the batches before it committed (its statements start after the lock is granted).
 */
const SWEEP_LOCK = 7_211_403;
/**
 * Episodes are split into this many partitions by their id (uniformly random bytes): batches of
 * different partitions touch disjoint episodes (schedules, alerts, episode_state and worklist
 * rows), so they may run at the same time on separate connections. Fixed, not per process: every
 * process must draw the same partitions for the locks above to exclude each other. Migrations 049
 * and 050 build indexes on this expression with 8 (`episode_schedule_part_due`,
 * `episode_schedule_dirty_part`): change them together.
 */
export const PARTS = 8;
/**
 * PGlite is one connection in one process: nothing runs beside a batch, so it keeps one partition
 * (one sequence of batches, as before partitions), and its due pass reads no index entries of
 * other partitions.
 */
const partsOf = (db: Db): number => (db.kind === 'postgres' ? PARTS : 1);
/** "The episode id column `col` is in the partition given by parameter `param`", in SQL (by the last byte of the uuid). */
export const IN_PART = (col: string, param: string, parts: number) =>
  parts === 1 ? `${param}::int = 0` : `get_byte(uuid_send(${col}), 15) % ${parts} = ${param}::int`;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/**
 * Concurrent batches of one sweep on PostgreSQL (one pooled connection each): the database does
 * nearly all of a sweep's work, and one connection uses one core. PGlite has one connection:
 * always one. Two by default, the smallest production node (and the machine this was measured on).
 */
const DEFAULT_WORKERS = 2;

/** What the sweep needs of a logger (pino's shape). */
export interface SweepLog {
  warn(obj: object, msg: string): void;
}

export interface SweepResult {
  /** Episodes with a scheduled measure or questionnaire whose deadline had passed and was looked at. */
  episodes: number;
  /** Missing-measurement and missing-questionnaire alerts newly raised. */
  raised: number;
  /** Inactive-patient alerts newly raised. */
  inactive: number;
  /** Episodes skipped because of bad data (logged once per sweep). */
  failed: number;
}

const running = new WeakMap<Db, Promise<SweepResult>>();

/**
 * Raises the alerts for what did not happen (domain/missing.ts): 'missing_measurement' and
 * 'missing_questionnaire' for scheduled entries overdue (schedule + grace) and not reported, and
 * 'inactive' for a followed patient who has sent nothing for the service's number of days.
 *
 * Set-based: every scheduled entry of an episode's approved plan, and its inactivity check, is a
 * row of `episode_schedule` with `next_due_at`, the next moment its answer can change; a sweep
 * reads only rows whose moment has passed. What the domain says about a schedule at `now`
 * (`detectMissing`, `latestMissedOccurrence`, `nextDeadline`) is the same for every episode
 * sharing time zone, code, schedule and plan version, so it is evaluated once per such group in
 * JS (a handful per sweep, in the patient's zone, DST included) and handed to ONE statement per
 * batch that moves every due row on, keeps the occurrences not reported and not already alerted,
 * upserts their alerts and notifies. No per-episode JS or statements.
 *
 * Short transactions (one batch each). Episodes fall into PARTS partitions by id (PGlite: one); a
 * batch works on one partition under that partition's transaction-level advisory lock, so several
 * processes (and, on PostgreSQL, several connections of one process: `workers`) sweep different
 * partitions at the same time and never the same schedule row twice (processes on one partition
 * take turns), and the alert upsert merges repeats. Each pass (new plans, due schedules,
 * inactivity) ends in every partition before the next starts. One episode's bad data (an
 * unknown time zone, a malformed plan, a row a statement cannot take) is logged and skipped; the
 * others are swept. Equal, sweep for sweep, to running the domain per episode (the property in
 * missing-job.test.ts).
 */
export function sweepMissing(db: Db, now: Date, opts: SweepOptions = {}): Promise<SweepResult> {
  // A sweep still running (a slow store, a long backlog) is not started twice from one process.
  const busy = running.get(db);
  if (busy) return busy;
  const p = sweep(db, now, opts).finally(() => running.delete(db));
  running.set(db, p);
  return p;
}

/** How a sweep runs; the defaults suit the store. */
export interface SweepOptions {
  log?: SweepLog;
  /** Episodes per batch (one short transaction each). */
  batchSize?: number;
  /** PostgreSQL only: batches of different partitions run at once on this many connections (PGlite: 1). */
  workers?: number;
}

interface SweepCtx {
  now: Date;
  /** Partitions of this store (partsOf). */
  parts: number;
  batch: number;
  log: SweepLog;
  out: SweepResult;
  /** Plan definitions by md5: their scheduled entries, or why the plan is unusable. */
  plans: Map<string, StoredEntryRow[] | string>;
  /** Group evaluations by canonical key. */
  groups: Map<string, Group>;
  /**
   * The group keys of a plan's scheduled entries by (definition md5, time zone, version): an
   * all-due sweep asks for them once per episode, and building a key stringifies a schedule.
   */
  planGroups: Map<string, string[]>;
  /** Episodes already counted and logged as failed in this sweep. */
  failed: Set<string>;
}

async function sweep(db: Db, now: Date, opts: SweepOptions): Promise<SweepResult> {
  const c: SweepCtx = {
    now, parts: partsOf(db), batch: Math.max(1, opts.batchSize ?? DEFAULT_BATCH[db.kind]), log: opts.log ?? { warn: () => undefined },
    out: { episodes: 0, raised: 0, inactive: 0, failed: 0 }, plans: new Map(), groups: new Map(), planGroups: new Map(), failed: new Set(),
  };
  // A minute with nothing to do costs one statement of two index probes, not a transaction per partition.
  const todo = (await db.query<{ dirty: boolean; due: boolean }>(
    `select exists (select 1 from episode_schedule_dirty) as dirty, exists (select 1 from episode_schedule where next_due_at <= $1) as due`,
    [now],
  )).rows[0];
  if (!todo?.dirty && !todo?.due) return c.out;
  const workers = db.kind === 'postgres' ? Math.min(c.parts, Math.max(1, opts.workers ?? DEFAULT_WORKERS)) : 1;
  /** Runs `fn` for every partition, `workers` at a time; the first error is thrown once all have stopped. */
  const eachPart = async (fn: (part: number) => Promise<void>): Promise<void> => {
    const queue = Array.from({ length: c.parts }, (_, i) => i);
    const done = await Promise.allSettled(Array.from({ length: workers }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) await fn(p);
    }));
    for (const d of done) if (d.status === 'rejected') throw d.reason;
  };
  // Waits for the partition: another process sweeping it takes turns batch by batch. Giving up
  // instead ("the other one will do the rest") loses work: that process may have evaluated its
  // groups, or passed this partition's pass, before rows this sweep must handle were due or written.
  const locked: Locked = (part, fn) =>
    db.tx(async (tx) => {
      // The sweep's statements check migration 014's gate themselves; the mark spares the per-row trigger (migration 017).
      await tx.query(
        `select pg_advisory_xact_lock_shared($1::bigint), pg_advisory_xact_lock($1::int, $2::int), set_config('varde.missing_sweep', 'on', true)`,
        [SWEEP_LOCK, part],
      );
      return fn(tx);
    });

  // 1. Episodes whose plan, zone or status changed: their rows rewritten (and looked at in the same statement).
  if (todo.dirty) {
    await prepareSync(db, c);
    await eachPart(async (part) => {
      // Claimed in episode order from where the last batch stopped, so no batch walks the index
      // entries of the rows claimed before it (an episode dirtied again behind the cursor waits for the next sweep).
      let after = NIL_UUID;
      for (;;) {
        let r: { n: number; last: string };
        try {
          r = await locked(part, (tx) => syncSchedules(tx, c, part, after, true));
        } catch {
          // Something in the batch broke the alert statement: write the rows as due now, and the due
          // pass below finds the culprit episode by episode.
          r = await locked(part, (tx) => syncSchedules(tx, c, part, after, false));
        }
        if (r.n < c.batch) return;
        after = r.last;
      }
    });
  }

  // 2. Scheduled entries whose deadline has passed (their groups evaluated once, for all partitions).
  const due = await db.query<{ tz: string; code: string; schedule: unknown; version: number }>(
    `select distinct e.time_zone as tz, s.code, s.schedule, p.version
       from episode_schedule s join episodes e on e.id = s.episode_id join plans p on p.id = s.plan_id
      where s.next_due_at <= $1 and s.code <> '${INACTIVE_CODE}'`,
    [now],
  );
  const keys = due.rows.map((g) => groupFor(c, g.tz, g.code, g.schedule, g.version));
  if (keys.length > 0) await eachPart((part) => dueInPart(db, c, part, keys, locked));

  // 3. Inactivity checks whose moment has passed: moved on in one transaction, the alerts written
  // in the next (a row a statement cannot take is then found episode by episode; its check comes
  // back after the recheck interval).
  await eachPart(async (part) => {
    for (;;) {
      const r = await locked(part, (tx) => inactiveDue(tx, c, part));
      if (r.todo.length > 0) {
        try {
          await locked(part, (tx) => raiseInactive(tx, c, r.todo));
        } catch {
          for (const t of r.todo) {
            try {
              await locked(part, (tx) => raiseInactive(tx, c, [t]));
            } catch (e) {
              fail(c, t.episodeId, e, 'missing-measurement sweep: episode skipped');
            }
          }
        }
      }
      if (r.n < c.batch * ROWS_PER_EPISODE) return;
    }
  });
  return c.out;
}

/** Runs `fn` in one transaction holding the partition's sweep lock. */
type Locked = <T>(part: number, fn: (tx: Queryable) => Promise<T>) => Promise<T>;

/** The due pass for one partition: batch after batch until fewer than a batch's rows were due. */
async function dueInPart(db: Db, c: SweepCtx, part: number, keys: string[], locked: Locked): Promise<void> {
  for (;;) {
    let rows: number;
    try {
      rows = await locked(part, (tx) => raise(tx, c, { kind: 'due', part, groups: keys }));
    } catch (err) {
      // Something in the batch broke the statement: redo it one episode at a time to find and skip the culprit.
      const ids = (await db.query<{ episode_id: string }>(
        `select distinct episode_id from (select episode_id from episode_schedule where next_due_at <= $1 and code <> '${INACTIVE_CODE}'
          and ${IN_PART('episode_id', '$3', c.parts)} order by next_due_at limit $2) x`,
        [c.now, c.batch * ROWS_PER_EPISODE, part],
      )).rows.map((r) => r.episode_id);
      if (ids.length === 0) {
        c.log.warn({ err }, 'missing-measurement sweep: batch failed');
        return;
      }
      for (const id of ids) {
        try {
          await locked(part, (tx) => raise(tx, c, { kind: 'due', part, groups: keys, episodes: [id] }));
        } catch (e) {
          fail(c, id, e, 'missing-measurement sweep: episode skipped');
          await db.query(`update episode_schedule set next_due_at = $2 where episode_id = $1 and code <> '${INACTIVE_CODE}'`, [id, new Date(c.now.getTime() + RETRY_MS)]);
        }
      }
      rows = c.batch * ROWS_PER_EPISODE;
    }
    if (rows < c.batch * ROWS_PER_EPISODE) return;
  }
}

function fail(c: SweepCtx, episodeId: string, err: unknown, msg: string, extra: object = {}): void {
  if (c.failed.has(episodeId)) return;
  c.failed.add(episodeId);
  c.out.failed++;
  c.log.warn({ err, episodeId, ...extra }, msg);
}

// ---------------------------------------------------------------- groups

const StoredEntry = z.object({ code: z.union([MeasureCodeSchema, QuestionnaireCodeSchema]), schedule: ScheduleSchema });

/** A scheduled entry of a plan definition, as written into episode_schedule. */
interface StoredEntryRow {
  code: string;
  /** The schedule as JSON text. */
  schedule: string;
}

/** What the domain says about one (time zone, code, schedule, plan version) at `now`. */
interface Group {
  tz: string;
  code: string;
  schedule: string;
  version: number;
  failed: boolean;
  error?: unknown;
  finding: Finding | null;
  windowStart: Date | null;
  due: Date | null;
  next: Date;
}

/** JSON with object keys sorted: jsonb hands a schedule back in its own key order. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x !== null && typeof x === 'object') {
    return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

/** The group of a schedule row, evaluated once per sweep. @returns its key */
function groupFor(c: SweepCtx, tz: string, code: string, schedule: unknown, version: number): string {
  const raw = typeof schedule === 'string' ? (JSON.parse(schedule) as unknown) : schedule;
  const sched = canonical(raw);
  const key = `${tz}\u0000${code}\u0000${sched}\u0000${version}`;
  if (c.groups.has(key)) return key;
  let g: Group;
  try {
    const entry = StoredEntry.parse({ code, schedule: raw });
    const ev = evaluateEntry(entry.code, entry.schedule, version, c.now, tz);
    g = { tz, code, schedule: sched, version, failed: false, ...ev, next: ev.next ?? new Date(c.now.getTime() + 30 * 86_400_000) };
  } catch (err) {
    g = { tz, code, schedule: sched, version, failed: true, error: err, finding: null, windowStart: null, due: null, next: new Date(c.now.getTime() + RETRY_MS) };
  }
  c.groups.set(key, g);
  return key;
}

/** The group keys of every scheduled entry of a plan (`def`, stored under `md5`) in time zone `tz`, built once per sweep. */
function groupsOfPlan(c: SweepCtx, tz: string, md5: string, def: StoredEntryRow[], version: number): string[] {
  const at = `${md5}\u0000${tz}\u0000${version}`;
  let keys = c.planGroups.get(at);
  if (!keys) {
    keys = def.map((e) => groupFor(c, tz, e.code, e.schedule, version));
    c.planGroups.set(at, keys);
  }
  return keys;
}

/** Runs the domain's own `detectMissing` for one schedule (no readings, no start): the finding if the occurrence is not reported. */
function evaluateEntry(code: z.infer<typeof StoredEntry>['code'], schedule: Schedule, version: number, now: Date, timeZone: string) {
  const entry = { code, schedule, thresholds: {}, actions: DEFAULT_ACTIONS };
  const plan: PlanDefinition = {
    measures: [entry], questionnaires: [], trendRules: [], news2: { enabled: false, scale: 1 }, medicines: '', contacts: '',
  };
  const finding = detectMissing({ plan, planVersion: version, observations: [], now, timeZone, since: new Date(0) })[0] ?? null;
  const occ = latestMissedOccurrence(schedule, now, timeZone);
  return { finding, windowStart: occ?.windowStart ?? null, due: finding ? new Date(finding.at) : null, next: nextDeadline(schedule, now, timeZone) };
}

/** The groups as statement parameters ($2…$11 of `raise`). */
function groupParams(gs: Group[]): unknown[] {
  return [
    gs.map((g) => g.tz), gs.map((g) => g.code), gs.map((g) => g.schedule), gs.map((g) => g.version), gs.map((g) => g.failed),
    gs.map((g) => g.windowStart), gs.map((g) => g.due), gs.map((g) => (g.finding ? JSON.stringify(g.finding) : null)), gs.map((g) => g.next),
    gs.map((g) => missingAlertKind(g.code)),
  ];
}

// ---------------------------------------------------------------- the statement

/** What a schedule row's alert needs of its episode (`e`) and plan (`p`): the source's rows carry them. */
const EPISODE_COLUMNS = 'e.patient_id, e.state, e.schedules_from, e.time_zone, p.approved_at, p.version';

type Source =
  | { kind: 'due'; part: number; groups: string[]; episodes?: string[] }
  /** New rows of changed episodes: per episode its plan and definition, per definition its entries. */
  | { kind: 'sync'; groups: string[]; episodes: SyncEpisode[]; entries: { md5: string; code: string; schedule: string }[] };

/** An episode whose schedules a sync batch writes: its approved plan and when its silence would reach the service's setting. */
interface SyncEpisode {
  id: string;
  planId: string;
  md5: string;
  inactiveAt: Date;
}

/**
 * One statement for a batch of schedule rows: writes each row's next deadline (due rows moved on,
 * new rows inserted), raises the missing alerts of the occurrences not reported and not alerted
 * before, and notifies the care teams.
 * @returns how many schedule rows were handled
 */
async function raise(tx: Queryable, c: SweepCtx, src: Source): Promise<number> {
  // $1 the reading lookback, $2…$11 the groups, then the source's own, then the readings' upper bound.
  // The groups in order: g.i (1-based) indexes this list.
  const gs = [...new Set(src.groups)].map((k) => c.groups.get(k)!);
  const params: unknown[] = [new Date(c.now.getTime() - LOOKBACK_DAYS * 86_400_000), ...groupParams(gs)];
  let rows: string;
  let write: string;
  let pre = '';
  if (src.kind === 'due') {
    params.push(c.now, c.batch * ROWS_PER_EPISODE, src.episodes ?? null, src.part);
    rows = `select s.episode_id, s.code, s.plan_id, s.schedule, s.next_due_at, ${EPISODE_COLUMNS}
              from episode_schedule s join episodes e on e.id = s.episode_id join plans p on p.id = s.plan_id
             where s.next_due_at <= $12 and s.code <> '${INACTIVE_CODE}' and ($14::uuid[] is null or s.episode_id = any($14::uuid[]))
               and ${IN_PART('s.episode_id', '$15', c.parts)}`;
    write = `update episode_schedule s set next_due_at = r.next_at from r where s.episode_id = r.episode_id and s.code = r.code`;
  } else {
    params.push(src.episodes.map((e) => e.id), src.episodes.map((e) => e.planId), src.episodes.map((e) => e.md5),
      src.entries.map((x) => x.md5), src.entries.map((x) => x.code), src.entries.map((x) => x.schedule), c.now, src.episodes.map((e) => e.inactiveAt));
    // Each episode and its plan read once (by key: "offset 0" keeps each probe a subquery; joined,
    // the planner hashed every episode and every plan for each batch of 500, work that grew with
    // all patients), then spread over the plan's entries. The probes sit in a MATERIALIZED CTE so
    // their cost stays out of the join order below (as a subquery it turned the group match into
    // a nested loop comparing schedules). The "offset 0" after the entries keeps them joined by md5
    // before the groups are matched, which the generic plan otherwise did as a cross product of
    // episodes, groups and entries.
    pre = `ep as materialized (
             select c.episode_id, c.plan_id, c.md5, ${EPISODE_COLUMNS}
               from unnest($12::uuid[], $13::uuid[], $14::text[]) as c(episode_id, plan_id, md5)
               cross join lateral (select e.patient_id, e.state, e.schedules_from, e.time_zone from episodes e where e.id = c.episode_id offset 0) e
               cross join lateral (select p.approved_at, p.version from plans p where p.id = c.plan_id offset 0) p),`;
    rows = `select c.episode_id, x.code, c.plan_id, x.schedule, '-infinity'::timestamptz as next_due_at,
                   c.patient_id, c.state, c.schedules_from, c.time_zone, c.approved_at, c.version
              from ep c
              join unnest($15::text[], $16::text[], $17::jsonb[]) as x(md5, code, schedule) on x.md5 = c.md5
             offset 0`;
    write = `insert into episode_schedule (episode_id, code, plan_id, schedule, next_due_at)
             select episode_id, code, plan_id, schedule, next_at from r
             union all
             -- The inactivity check is due when the silence would reach the service's setting (now
             -- if it already has: the inactive pass below raises it in this sweep). The moment comes
             -- from the claim (syncSchedules), which reads those rows by key anyway; joined here, the
             -- planner hashed every episode and state row for each batch.
             select c.episode_id, '${INACTIVE_CODE}', c.plan_id, '{"kind":"inactive"}'::jsonb,
                    case when c.inactive_at > $18 then c.inactive_at else '-infinity' end
               from unnest($12::uuid[], $13::uuid[], $19::timestamptz[]) as c(episode_id, plan_id, inactive_at)`;
  }
  // Due rows oldest first, a batch at a time; new rows all at once (their episodes are the batch).
  // Within a deadline by episode (migration 049's index order), so the rows of an episode due at one
  // instant fall in one batch and its state is computed once.
  const limit = src.kind === 'due' ? 'order by s.next_due_at, s.episode_id limit $13' : '';
  const probeUntil = `$${params.push(storedUntil(c.now))}`;
  const r = await tx.query<{ rows: number; episodes: number; raised: number; notified: number; failed: { e: string; i: number }[] }>(
    // A group's alert summary and findings are built here, once per group, not per alert row
    // (jsonb taken apart and put together again for each of 50 000 alerts in an all-due sweep of 10 000).
    `with ${pre} g as (
       select u.*, u.finding->'summary' as summary, jsonb_build_array(u.finding) as findings
         from unnest($2::text[], $3::text[], $4::jsonb[], $5::int[], $6::bool[], $7::timestamptz[], $8::timestamptz[], $9::jsonb[], $10::timestamptz[], $11::text[])
         with ordinality as u(tz, code, schedule, version, failed, window_start, due, finding, next_at, kind, i)),
     -- The batch picked (and sorted) on narrow rows; the group's finding and kind joined only for the alerts.
     r as (
       select k.episode_id, k.code, k.plan_id, k.schedule, k.patient_id, k.state, k.schedules_from, k.approved_at,
              g.version, g.failed, g.window_start, g.due, g.finding is not null as found, g.next_at, g.i
         from (select s.episode_id, s.code, s.plan_id, s.schedule, s.patient_id, s.state, s.schedules_from, s.time_zone, s.approved_at, s.version
                 from (${rows}) s
                where exists (select 1 from g where g.tz = s.time_zone and g.code = s.code and g.schedule = s.schedule and g.version = s.version)
                ${limit}) k
         join g on g.tz = k.time_zone and g.code = k.code and g.schedule = k.schedule and g.version = k.version),
     w as (${write}),
     todo as (
       select r.* from r
        where not r.failed and r.found and r.due >= r.approved_at
          -- Migration 014's gate, checked here so the gate has nothing to drop.
          and r.state in ('active', 'evaluation') and r.due >= coalesce(r.schedules_from, '-infinity')
          -- Scalar subqueries (not EXISTS, which the planner may turn into a hash of every
          -- observation): one index probe per schedule, whatever the size of the history.
          and (select true from observations o where o.patient_id = r.patient_id and o.code = r.code
                 and o.episode_id = r.episode_id and o.effective_at >= r.window_start and o.effective_at >= $1 and o.effective_at < ${probeUntil} limit 1) is null
          -- An occurrence already alerted (and maybe resolved by a nurse) is not raised again.
          and coalesce((select a.last_at from alerts a where a.episode_id = r.episode_id and a.rule_id = 'missing:' || r.code
                          and a.zone = 'missing' order by a.last_at desc limit 1), '-infinity') < r.due),
     -- the merge of alerts/repo.ts#upsertFindings (MERGE_FINDING_SET) for many rows; a 'missing:<code>' rule only ever has zone
     -- 'missing', so a merge never changes zone or status.
     ins as (
       insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       select t.patient_id, t.episode_id, 'missing:' || t.code, g.kind, 'missing', t.plan_id, t.version, g.summary, g.findings, t.due, t.due
         from todo t join g on g.i = t.i
       ${MERGE_MISSING_SQL}),
     n as (${NOTIFY_SQL})
     select (select count(*) from r)::int as rows, (select count(distinct episode_id) from r)::int as episodes,
            (select count(*) from ins where inserted)::int as raised, (select count(*) from n)::int as notified,
            (select coalesce(json_agg(distinct jsonb_build_object('e', episode_id, 'i', i)), '[]') from r where failed) as failed`,
    params,
  );
  const out = r.rows[0]!;
  c.out.episodes += out.episodes;
  c.out.raised += out.raised;
  for (const { e, i } of out.failed) {
    const g = gs[i - 1];
    fail(c, e, g?.error, 'missing-measurement sweep: bad episode data, skipped', { code: g?.code, timeZone: g?.tz });
  }
  return out.rows;
}

/**
 * When an episode's silence reaches the follow-up service's setting: the latest of its last
 * reading, the start of the current follow-up period and the episode start (domain/missing.ts#inactiveSince),
 * plus N × 24 h. Over `e` (episodes), the given alias of episode_state and `o` (the follow-up organisation).
 */
const INACTIVE_DEADLINE = (st: string, defaultDays: string) =>
  `(greatest(${st}.last_observation_at, e.schedules_from, e.started_at) + make_interval(hours => 24 * coalesce(o.inactive_after_days, ${defaultDays}::int)))`;

/**
 * The merge of a missing-kind alert into an open one of the same rule (alerts/repo.ts#MERGE_FINDING_SET,
 * as upsertFindings merges). Such a rule only ever has zone 'missing', so a merge never changes zone or status.
 * Ends the `ins` CTE that NOTIFY_SQL reads.
 */
const MERGE_MISSING_SQL = `on conflict (episode_id, rule_id) where status <> 'resolved' do update set
         ${MERGE_FINDING_SET},
         summary = excluded.summary,
         kind = excluded.kind
       returning al.patient_id, (xmax = 0) as inserted`;

/** events/bus.ts#publish + careTeamOrgs, one statement for every patient with a new alert (from `ins`). */
const NOTIFY_SQL = `select pg_notify('${EVENTS_CHANNEL}', json_build_object('type', 'alert', 'patientId', x.p, 'zone', 'missing', 'organisationIds',
           coalesce((select json_agg(distinct ct.organisation_id) from care_team ct join episodes e on e.id = ct.episode_id
                      where e.patient_id = x.p and e.status <> 'ended'), '[]'::json))::text)
    from (select distinct patient_id as p from ins where inserted) x`;

// ---------------------------------------------------------------- plans → schedules

/**
 * Episodes whose approved plan, time zone or status changed since the last sweep: their schedule
 * rows are rewritten from the plan (each distinct definition parsed once) and, with `evaluate`,
 * looked at in the same statement that writes them (one write per row); without, written as due now.
 * @returns how many episodes were handled (0: none left) and the last one in episode order
 */
async function syncSchedules(tx: Queryable, c: SweepCtx, part: number, after: string, evaluate: boolean): Promise<{ n: number; last: string }> {
  const claim = await tx.query<{
    n: number; last: string | null;
    episode_id: string | null; time_zone: string; active: boolean; plan_id: string | null; definition_md5: string | null; version: number | null; inactive_at: Date;
  }>(
    // Claimed (their marks deleted) and their old rows deleted in one statement. A mark whose
    // `gen` moved on after this statement's snapshot (a change committed while the delete waited
    // for its row) is not claimed: its episode waits for the next sweep, which sees the change
    // (migration 038). The transaction rolls the claim back if anything below fails.
    `with seen as (
       select episode_id, gen from episode_schedule_dirty where ${IN_PART('episode_id', '$2', c.parts)} and episode_id > $4 order by episode_id limit $1),
     claimed as (
       delete from episode_schedule_dirty d using seen where d.episode_id = seen.episode_id and d.gen = seen.gen returning d.episode_id),
     del as (delete from episode_schedule d using claimed where d.episode_id = claimed.episode_id)
     select k.n, k.last, x.* from (select count(*)::int as n, max(episode_id::text) as last from seen) k left join (
       select cl.episode_id, e.time_zone, e.status = 'active' as active, p.id as plan_id, p.definition_md5, p.version,
              ${INACTIVE_DEADLINE('s', '$3')} as inactive_at
         from claimed cl join episodes e on e.id = cl.episode_id left join episode_state s on s.episode_id = cl.episode_id
         left join plans p on p.episode_id = e.id and p.status = 'approved' left join organisations o on o.id = e.follow_up_org) x on true`,
    [c.batch, part, DEFAULT_INACTIVE_DAYS, after],
  );
  const seen = claim.rows[0];
  if (!seen || seen.n === 0 || seen.last === null) return { n: 0, last: after };
  // The claimed episodes (none when every mark seen had moved on).
  const eps = claim.rows.flatMap((r) => (r.episode_id === null ? [] : [{ ...r, episode_id: r.episode_id }]));
  const unknown = [...new Set(eps.filter((r) => r.active && r.plan_id && r.definition_md5 && !c.plans.has(r.definition_md5)).map((r) => r.plan_id!))];
  if (unknown.length > 0) {
    const defs = await tx.query<{ definition_md5: string; definition: unknown }>(
      `select distinct on (definition_md5) definition_md5, definition from plans where id = any($1::uuid[])`,
      [unknown],
    );
    for (const d of defs.rows) learnPlan(c, d.definition_md5, d.definition);
  }
  const episodes: SyncEpisode[] = [];
  const md5s = new Set<string>();
  const keys = new Set<string>();
  for (const r of eps) {
    if (!r.active || !r.plan_id || !r.definition_md5) continue;
    const def = c.plans.get(r.definition_md5);
    if (typeof def !== 'object') {
      fail(c, r.episode_id, undefined, 'missing-measurement sweep: malformed plan, episode skipped', { planId: r.plan_id, error: def ?? 'plan not found' });
      continue;
    }
    // A plan with only as-needed entries expects nothing: no schedules, and no inactivity check.
    if (def.length === 0) continue;
    episodes.push({ id: r.episode_id, planId: r.plan_id, md5: r.definition_md5, inactiveAt: r.inactive_at });
    md5s.add(r.definition_md5);
    if (evaluate) for (const k of groupsOfPlan(c, r.time_zone, r.definition_md5, def, r.version ?? 0)) keys.add(k);
  }
  const entries = [...md5s].flatMap((md5) => (c.plans.get(md5) as StoredEntryRow[]).map((e) => ({ md5, ...e })));
  if (episodes.length > 0) {
    if (evaluate) {
      await raise(tx, c, { kind: 'sync', groups: [...keys], episodes, entries });
    } else {
      await tx.query(
        `insert into episode_schedule (episode_id, code, plan_id, schedule, next_due_at)
         select c.episode_id, x.code, c.plan_id, x.schedule, '-infinity'::timestamptz
           from unnest($1::uuid[], $2::uuid[], $3::text[]) as c(episode_id, plan_id, md5)
           join unnest($4::text[], $5::text[], $6::jsonb[]) as x(md5, code, schedule) on x.md5 = c.md5
         union all
         select c.episode_id, '${INACTIVE_CODE}', c.plan_id, '{"kind":"inactive"}'::jsonb, '-infinity'::timestamptz from unnest($1::uuid[], $2::uuid[]) as c(episode_id, plan_id)`,
        [episodes.map((e) => e.id), episodes.map((e) => e.planId), episodes.map((e) => e.md5), entries.map((x) => x.md5), entries.map((x) => x.code), entries.map((x) => x.schedule)],
      );
    }
  }
  // uuid order is the order of its lower-case text.
  return { n: seen.n, last: seen.last };
}

/** Parses a plan definition once per sweep: its scheduled entries, or why it is unusable. */
function learnPlan(c: SweepCtx, md5: string, definition: unknown): void {
  const v = validatePlan(definition);
  c.plans.set(md5, v.ok
    ? [...v.value.measures, ...v.value.questionnaires].filter((e) => e.schedule.kind !== 'as_needed').map((e) => ({ code: e.code, schedule: JSON.stringify(e.schedule) }))
    : v.error.message);
}

/**
 * The plans of the episodes waiting for a sync, parsed, and their groups evaluated, before any
 * batch's transaction: on PGlite its one connection is then not held while JS parses plans and
 * runs the domain (the first batch took about a second more than the others when it did this).
 * What changes meanwhile is picked up inside the batch, as before.
 */
async function prepareSync(db: Db, c: SweepCtx): Promise<void> {
  const r = await db.query<{ tz: string; md5: string; version: number; definition: unknown }>(
    `select distinct on (e.time_zone, p.definition_md5, p.version) e.time_zone as tz, p.definition_md5 as md5, p.version, p.definition
       from episode_schedule_dirty d join episodes e on e.id = d.episode_id join plans p on p.episode_id = e.id and p.status = 'approved'
      where e.status = 'active'`,
  );
  for (const x of r.rows) {
    if (!c.plans.has(x.md5)) learnPlan(c, x.md5, x.definition);
    const def = c.plans.get(x.md5);
    if (typeof def === 'object') groupsOfPlan(c, x.tz, x.md5, def, x.version);
  }
}

// ---------------------------------------------------------------- inactive patients

interface InactiveTodo {
  patientId: string;
  episodeId: string;
  planId: string;
  finding: Finding;
}

/**
 * Inactivity checks whose moment has passed, in one statement: each row moves on to when the
 * patient would have been silent for the service's number of days (organisations.inactive_after_days,
 * default domain/missing.ts#DEFAULT_INACTIVE_DAYS), and the episodes silent that long, in an
 * alerting state and not yet alerted for this silence, come back; the domain writes their finding
 * and `raiseInactive` upserts the alerts.
 * @returns how many checks were handled, and the findings to raise
 */
async function inactiveDue(tx: Queryable, c: SweepCtx, part: number): Promise<{ n: number; todo: InactiveTodo[] }> {
  const r = await tx.query<{
    n: number; episode_id: string | null; patient_id: string; plan_id: string; version: number; time_zone: string;
    last_observation_at: Date | null; schedules_from: Date | null; started_at: Date; days: number;
  }>(
    `with d as (
       select s.episode_id, s.plan_id from episode_schedule s
        where s.code = '${INACTIVE_CODE}' and s.next_due_at <= $1 and ${IN_PART('s.episode_id', '$5', c.parts)} order by s.next_due_at limit $2),
     c as (
       select d.episode_id, d.plan_id, e.patient_id, e.time_zone, e.state, e.schedules_from, e.started_at, st.last_observation_at, p.version,
              greatest(st.last_observation_at, e.schedules_from, e.started_at) as since,
              make_interval(hours => 24 * coalesce(o.inactive_after_days, $3::int)) as span,
              coalesce(o.inactive_after_days, $3::int) as days
         from d join episodes e on e.id = d.episode_id join plans p on p.id = d.plan_id
         left join episode_state st on st.episode_id = d.episode_id
         left join organisations o on o.id = e.follow_up_org),
     u as (
       update episode_schedule s set next_due_at = case when c.since + c.span > $1 then c.since + c.span else $4 end
         from c where s.episode_id = c.episode_id and s.code = '${INACTIVE_CODE}')
     select k.n, t.* from (select count(*)::int as n from c) k left join (
       select c.episode_id, c.patient_id, c.plan_id, c.version, c.time_zone, c.last_observation_at, c.schedules_from, c.started_at, c.days from c
        where c.since + c.span <= $1 and c.state in ('active', 'evaluation')
          and not exists (select 1 from alerts a where a.episode_id = c.episode_id and a.rule_id = '${INACTIVE_RULE_ID}' and a.first_at >= c.since)) t on true`,
    [c.now, c.batch * ROWS_PER_EPISODE, DEFAULT_INACTIVE_DAYS, new Date(c.now.getTime() + INACTIVE_RECHECK_MS), part],
  );
  const n = r.rows[0]?.n ?? 0;
  const todo: InactiveTodo[] = [];
  for (const row of r.rows) {
    if (!row.episode_id) continue;
    let finding: Finding | null;
    try {
      finding = detectInactive({
        lastActivityAt: row.last_observation_at, schedulesFrom: row.schedules_from, startedAt: row.started_at,
        days: row.days, now: c.now, timeZone: row.time_zone, planVersion: row.version,
      });
    } catch (err) {
      fail(c, row.episode_id, err, 'missing-measurement sweep: bad episode data, skipped', { timeZone: row.time_zone });
      continue;
    }
    if (finding) todo.push({ patientId: row.patient_id, episodeId: row.episode_id, planId: row.plan_id, finding });
  }
  return { n, todo };
}

/** Upserts the inactive-patient alerts and notifies the care teams. */
async function raiseInactive(tx: Queryable, c: SweepCtx, todo: InactiveTodo[]): Promise<void> {
  const ins = await tx.query<{ raised: number }>(
    `with ins as (
       insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       select u.patient_id, u.episode_id, '${INACTIVE_RULE_ID}', 'inactive', 'missing', u.plan_id, (u.finding->>'planVersion')::int,
              u.finding->'summary', jsonb_build_array(u.finding), (u.finding->>'at')::timestamptz, (u.finding->>'at')::timestamptz
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::jsonb[]) as u(patient_id, episode_id, plan_id, finding)
         -- Migration 014's gate, again: the state may have changed since inactiveDue's transaction.
         -- = any(): an index probe per episode, not a hash of every episode (the planner's choice for an unnest).
         join episodes e on e.id = u.episode_id and e.id = any($2::uuid[])
        where e.state in ('active', 'evaluation') and (u.finding->>'at')::timestamptz >= coalesce(e.schedules_from, '-infinity')
       ${MERGE_MISSING_SQL}),
     n as (${NOTIFY_SQL})
     select (select count(*) from ins where inserted)::int as raised, (select count(*) from n)::int as notified`,
    [todo.map((t) => t.patientId), todo.map((t) => t.episodeId), todo.map((t) => t.planId), todo.map((t) => JSON.stringify(t.finding))],
  );
  c.out.inactive += ins.rows[0]?.raised ?? 0;
}

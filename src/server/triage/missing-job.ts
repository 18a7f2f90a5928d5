import { z } from 'zod';
import { DEFAULT_ACTIONS, detectMissing, latestMissedOccurrence, type Finding } from '../../domain/triage.js';
import { MeasureCodeSchema, QuestionnaireCodeSchema, ScheduleSchema, validatePlan, type PlanDefinition, type Schedule } from '../../domain/plan.js';
import type { Db, Queryable } from '../db/port.js';
import { EVENTS_CHANNEL } from '../events/bus.js';
import { nextDeadline } from './schedule.js';

/**
 * The reference (per-episode, `detectMissing` over `pointsSince`) counts only readings of the last
 * 8 days; the set-based check keeps that bound so both give the same answer.
 */
const LOOKBACK_DAYS = 8;
/** Rows per short transaction: small enough that PGlite's only connection is free again in milliseconds. */
const DEFAULT_BATCH = 2000;
/** An episode that failed is looked at again after this long (or as soon as its plan, zone or status changes). */
const RETRY_MS = 60 * 60_000;
/**
 * Arbitrary constant: with several app processes one batch runs at a time (a transaction-level
 * advisory lock; a row lock per claimed schedule would write every row twice).
 */
const SWEEP_LOCK = 7_211_403;

/** What the sweep needs of a logger (pino's shape). */
export interface SweepLog {
  warn(obj: object, msg: string): void;
}

export interface SweepResult {
  /** Episode schedules whose deadline had passed and were looked at. */
  episodes: number;
  /** Missing alerts newly raised. */
  raised: number;
  /** Episodes skipped because of bad data (logged). */
  failed: number;
}

const running = new WeakMap<Db, Promise<SweepResult>>();

/**
 * Raises 'missing' alerts for scheduled measurements and questionnaires that are overdue
 * (schedule + grace) and not reported. Set-based: it reads only the schedules whose deadline has
 * passed (`episode_schedule.next_due_at`, maintained by migration 010's triggers and advanced
 * here), in short transactions of a few statements per batch. Several processes may sweep: one
 * batch runs at a time (advisory lock) and the alert upsert merges repeats. One episode's bad
 * data (an unknown time zone, a malformed plan) is logged and skipped; the others are swept.
 * Equal, sweep for sweep, to running `detectMissing` for every active episode (see the property
 * in missing-job.test.ts).
 */
export function sweepMissing(db: Db, now: Date, opts: { log?: SweepLog; batchSize?: number } = {}): Promise<SweepResult> {
  // A sweep still running (a slow store, a long backlog) is not started twice from one process.
  const busy = running.get(db);
  if (busy) return busy;
  const p = sweep(db, now, opts).finally(() => running.delete(db));
  running.set(db, p);
  return p;
}

async function sweep(db: Db, now: Date, opts: { log?: SweepLog; batchSize?: number }): Promise<SweepResult> {
  const batch = opts.batchSize ?? DEFAULT_BATCH;
  const log = opts.log ?? { warn: () => undefined };
  const out: SweepResult = { episodes: 0, raised: 0, failed: 0 };
  const plans = new Map<string, PlanDefinition | string>();
  // null: another process holds the lock and is sweeping; it will do the rest.
  const locked = async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T | null> =>
    db.tx(async (tx) => ((await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [SWEEP_LOCK])).rows[0]?.ok ? fn(tx) : null));
  const entries = new Map<string, Evaluated | Error>();
  for (;;) {
    let n: number | null;
    try {
      // New schedules are looked at in the same transaction that writes them (one write per row).
      n = await locked((tx) => syncSchedules(tx, batch, plans, log, out, { now, memo: entries }));
    } catch {
      // Something in the batch broke the alert statement: write the rows as due now, and the due
      // pass below finds the culprit episode by episode.
      n = await locked((tx) => syncSchedules(tx, batch, plans, log, out));
    }
    if (n === null) return out;
    if (n < batch) break;
  }
  for (;;) {
    let claimed: DueRow[] | null = [];
    try {
      claimed = await locked(async (tx) => {
        const rows = await claimDue(tx, now, batch);
        add(out, await evaluateAndRaise(tx, rows, now, entries, log));
        return rows;
      });
      if (claimed === null) return out;
    } catch (err) {
      // Something in the batch broke a statement: redo it one episode at a time to find and skip the culprit.
      claimed = await db.tx((tx) => claimDue(tx, now, batch));
      for (const ids of groupByEpisode(claimed)) {
        try {
          const r = await locked(async (tx) => evaluateAndRaise(tx, await claimDue(tx, now, batch, ids), now, entries, log));
          if (r) add(out, r);
        } catch (e) {
          out.failed++;
          log.warn({ err: e, episodeId: ids[0] }, 'missing-measurement sweep: episode skipped');
          await db.query(`update episode_schedule set next_due_at = $2 where episode_id = any($1::uuid[])`, [ids, new Date(now.getTime() + RETRY_MS)]);
        }
      }
      if (claimed.length === 0) log.warn({ err }, 'missing-measurement sweep: batch failed');
    }
    if (claimed.length < batch) break;
  }
  return out;
}

// ---------------------------------------------------------------- plans → schedules

const StoredEntry = z.object({ code: z.union([MeasureCodeSchema, QuestionnaireCodeSchema]), schedule: ScheduleSchema });

/**
 * Episodes whose approved plan, time zone or status changed since the last sweep: their schedule
 * rows are rewritten from the plan (each distinct definition parsed once) and, with `evaluate`,
 * looked at right away (as the due pass would) and written with their next deadline; without, due at once.
 * @returns how many episodes were handled (0: none left)
 */
async function syncSchedules(
  tx: Queryable, batch: number, plans: Map<string, PlanDefinition | string>, log: SweepLog, out: SweepResult,
  evaluate?: { now: Date; memo: Map<string, Evaluated | Error> },
): Promise<number> {
  const eps = await tx.query<{ episode_id: string; patient_id: string; time_zone: string; active: boolean; plan_id: string | null; definition_md5: string | null; version: number | null; approved_at: Date | null }>(
    // Claimed and marked clean in one statement, before the alert statement's trigger touches the
    // same rows again (the transaction rolls it back if anything below fails).
    `update episode_state s set schedule_dirty = false, schedule_plan_id = case when e.status = 'active' then p.id end
       from episodes e left join plans p on p.episode_id = e.id and p.status = 'approved'
      where e.id = s.episode_id and s.episode_id in (select episode_id from episode_state where schedule_dirty limit $1)
      returning s.episode_id, e.patient_id, e.time_zone, e.status = 'active' as active, p.id as plan_id, p.definition_md5, p.version, p.approved_at`,
    [batch],
  );
  if (eps.rows.length === 0) return 0;
  const missing = eps.rows.filter((r) => r.active && r.plan_id && r.definition_md5 && !plans.has(r.definition_md5));
  if (missing.length > 0) {
    const defs = await tx.query<{ definition_md5: string; definition: unknown }>(
      `select distinct on (definition_md5) definition_md5, definition from plans where id = any($1::uuid[])`,
      [missing.map((r) => r.plan_id)],
    );
    for (const d of defs.rows) {
      const v = validatePlan(d.definition);
      plans.set(d.definition_md5, v.ok ? v.value : v.error.message);
    }
  }
  const ep: string[] = [], code: string[] = [], plan: string[] = [], sched: string[] = [];
  const rows: DueRow[] = [];
  const failed = { n: 0 };
  for (const r of eps.rows) {
    if (!r.active || !r.plan_id || !r.definition_md5) continue;
    const def = plans.get(r.definition_md5);
    if (typeof def !== 'object') {
      failed.n++;
      log.warn({ episodeId: r.episode_id, planId: r.plan_id, error: def ?? 'plan not found' }, 'missing-measurement sweep: malformed plan, episode skipped');
      continue;
    }
    for (const entry of [...def.measures, ...def.questionnaires]) {
      if (entry.schedule.kind === 'as_needed') continue;
      ep.push(r.episode_id);
      code.push(entry.code);
      plan.push(r.plan_id);
      sched.push(JSON.stringify(entry.schedule));
      rows.push({
        episode_id: r.episode_id, patient_id: r.patient_id, code: entry.code, schedule: entry.schedule, plan_id: r.plan_id,
        version: r.version ?? 0, approved_at: r.approved_at ?? new Date(0), time_zone: r.time_zone,
      });
    }
  }
  const ids = eps.rows.map((r) => r.episode_id);
  // Two statements: an INSERT does not see a DELETE of the same statement's CTE.
  await tx.query(`delete from episode_schedule where episode_id = any($1::uuid[])`, [ids]);
  if (evaluate) add(out, await evaluateAndRaise(tx, rows, evaluate.now, evaluate.memo, log, 'insert'));
  else if (ep.length > 0) {
    await tx.query(
      `insert into episode_schedule (episode_id, code, plan_id, schedule, next_due_at)
       select u.e, u.c, u.p, u.s, '-infinity' from unnest($1::uuid[], $2::text[], $3::uuid[], $4::jsonb[]) as u(e, c, p, s)`,
      [ep, code, plan, sched],
    );
  }
  out.failed += failed.n;
  return eps.rows.length;
}

// ---------------------------------------------------------------- due schedules → alerts

interface DueRow {
  episode_id: string;
  patient_id: string;
  code: string;
  schedule: unknown;
  plan_id: string;
  version: number;
  approved_at: Date;
  time_zone: string;
}

/** What the domain says about one schedule at `now`, the same for every episode sharing zone, schedule and plan version. */
interface Evaluated {
  finding: Finding | null;
  windowStart: Date | null;
  next: Date | null;
}

/** Up to `batch` schedules whose deadline has passed, oldest first (with `onlyEpisodes`, just theirs). */
async function claimDue(tx: Queryable, now: Date, batch: number, onlyEpisodes?: string[]): Promise<DueRow[]> {
  const r = await tx.query<DueRow>(
    `select s.episode_id, e.patient_id, s.code, s.schedule, s.plan_id, p.version, p.approved_at, e.time_zone
       from episode_schedule s join episodes e on e.id = s.episode_id join plans p on p.id = s.plan_id
      where s.next_due_at <= $1 and ($3::uuid[] is null or s.episode_id = any($3::uuid[]))
      order by s.next_due_at limit $2`,
    [now, batch, onlyEpisodes ?? null],
  );
  return r.rows;
}

function add(out: SweepResult, r: SweepResult): void {
  out.episodes += r.episodes;
  out.raised += r.raised;
  out.failed += r.failed;
}

function groupByEpisode(rows: DueRow[]): string[][] {
  return [...new Set(rows.map((r) => r.episode_id))].map((id) => [id]);
}

function evaluate(row: DueRow, now: Date, memo: Map<string, Evaluated | Error>): Evaluated {
  const key = `${row.time_zone}\u0000${row.code}\u0000${JSON.stringify(row.schedule)}\u0000${row.version}`;
  let hit = memo.get(key);
  if (hit === undefined) {
    try {
      const entry = StoredEntry.parse({ code: row.code, schedule: row.schedule });
      hit = evaluateEntry(entry.code, entry.schedule, row.version, now, row.time_zone);
    } catch (err) {
      hit = err instanceof Error ? err : new Error(String(err));
    }
    memo.set(key, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

/** Runs the domain's own `detectMissing` for one schedule (no readings, no start): the finding if the occurrence is not reported. */
function evaluateEntry(code: z.infer<typeof StoredEntry>['code'], schedule: Schedule, version: number, now: Date, timeZone: string): Evaluated {
  const entry = { code, schedule, thresholds: {}, actions: DEFAULT_ACTIONS };
  const plan: PlanDefinition = {
    measures: [entry], questionnaires: [], trendRules: [], news2: { enabled: false, scale: 1 }, medicines: '', contacts: '',
  };
  const finding = detectMissing({ plan, planVersion: version, observations: [], now, timeZone, since: new Date(0) })[0] ?? null;
  const occ = latestMissedOccurrence(schedule, now, timeZone);
  return { finding, windowStart: occ?.windowStart ?? null, next: nextDeadline(schedule, now, timeZone) };
}

/**
 * For the claimed schedules: the domain's finding per (zone, schedule), then one statement that
 * keeps those not reported and not already alerted and upserts their alerts, one NOTIFY
 * statement, and one statement that moves every row on to its next deadline.
 */
async function evaluateAndRaise(
  tx: Queryable, rows: DueRow[], now: Date, memo: Map<string, Evaluated | Error>, log: SweepLog,
  /** 'insert': the rows are new (from syncSchedules) and are written with their next deadline. */
  write: 'update' | 'insert' = 'update',
): Promise<SweepResult> {
  const out: SweepResult = { episodes: 0, raised: 0, failed: 0 };
  if (rows.length === 0) return out;
  const c = { ep: [] as string[], pat: [] as string[], plan: [] as string[], code: [] as string[], win: [] as Date[], due: [] as Date[], finding: [] as string[] };
  const next = { ep: [] as string[], code: [] as string[], at: [] as Date[] };
  const failed = new Set<string>();
  for (const r of rows) {
    let ev: Evaluated;
    try {
      ev = evaluate(r, now, memo);
    } catch (err) {
      if (!failed.has(r.episode_id)) {
        failed.add(r.episode_id);
        out.failed++;
        log.warn({ err, episodeId: r.episode_id, code: r.code, timeZone: r.time_zone }, 'missing-measurement sweep: bad episode data, skipped');
      }
      next.ep.push(r.episode_id);
      next.code.push(r.code);
      next.at.push(new Date(now.getTime() + RETRY_MS));
      continue;
    }
    next.ep.push(r.episode_id);
    next.code.push(r.code);
    next.at.push(ev.next ?? new Date(now.getTime() + 30 * 86_400_000));
    // Occurrences due before the plan was approved are not the patient's to miss (as in detectMissing's `since`).
    if (!ev.finding || !ev.windowStart || new Date(ev.finding.at).getTime() < r.approved_at.getTime()) continue;
    c.ep.push(r.episode_id);
    c.pat.push(r.patient_id);
    c.plan.push(r.plan_id);
    c.code.push(r.code);
    c.win.push(ev.windowStart);
    c.due.push(new Date(ev.finding.at));
    c.finding.push(JSON.stringify(ev.finding));
  }
  out.episodes += new Set(rows.map((r) => r.episode_id)).size;
  if (c.ep.length > 0) {
    // The upsert is alerts/repo.ts#upsertFromFinding for many rows; a 'missing:<code>' rule only
    // ever has zone 'missing', so a merge never changes zone or status.
    const ins = await tx.query<{ patient_id: string; inserted: boolean }>(
      `with c as (
         select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::jsonb[])
           as c(episode_id, patient_id, plan_id, code, window_start, due, finding)),
       todo as (
         select c.* from c
          -- Scalar subqueries (not EXISTS, which the planner may turn into a hash of every
          -- observation): one index probe per schedule, whatever the size of the history.
          where (select true from observations o where o.patient_id = c.patient_id and o.code = c.code
                   and o.episode_id = c.episode_id and o.effective_at >= c.window_start and o.effective_at >= $8 limit 1) is null
            -- An occurrence already alerted (and maybe resolved by a nurse) is not raised again.
            and coalesce((select a.last_at from alerts a where a.episode_id = c.episode_id and a.rule_id = 'missing:' || c.code
                            and a.zone = 'missing' order by a.last_at desc limit 1), '-infinity') < c.due)
       insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       select patient_id, episode_id, finding->>'ruleId', 'missing', 'missing', plan_id, (finding->>'planVersion')::int,
              finding->'summary', jsonb_build_array(finding), due, due
         from todo
       on conflict (episode_id, rule_id) where status <> 'resolved' do update set
         occurrences = al.occurrences + 1,
         findings = al.findings || excluded.findings,
         last_at = greatest(al.last_at, excluded.last_at),
         first_at = least(al.first_at, excluded.first_at),
         plan_id = excluded.plan_id,
         plan_version = excluded.plan_version,
         summary = excluded.summary
       returning al.patient_id, (xmax = 0) as inserted`,
      [c.ep, c.pat, c.plan, c.code, c.win, c.due, c.finding, new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000)],
    );
    const raised = [...new Set(ins.rows.filter((r) => r.inserted).map((r) => r.patient_id))];
    out.raised += ins.rows.filter((r) => r.inserted).length;
    if (raised.length > 0) {
      // events/bus.ts#publish + careTeamOrgs, one statement for every patient with a new alert.
      await tx.query(
        `select pg_notify($2, json_build_object('type', 'alert', 'patientId', x.p, 'zone', 'missing', 'organisationIds',
                  coalesce((select json_agg(distinct ct.organisation_id) from care_team ct join episodes e on e.id = ct.episode_id
                             where e.patient_id = x.p and e.status <> 'ended'), '[]'::json))::text)
           from unnest($1::uuid[]) as x(p)`,
        [raised, EVENTS_CHANNEL],
      );
    }
  }
  if (write === 'insert') {
    await tx.query(
      `insert into episode_schedule (episode_id, code, plan_id, schedule, next_due_at)
       select u.e, u.c, u.p, u.s, u.at from unnest($1::uuid[], $2::text[], $3::uuid[], $4::jsonb[], $5::timestamptz[]) as u(e, c, p, s, at)`,
      [next.ep, next.code, rows.map((r) => r.plan_id), rows.map((r) => JSON.stringify(r.schedule)), next.at],
    );
  } else {
    await tx.query(
      `update episode_schedule s set next_due_at = u.at from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as u(e, c, at)
        where s.episode_id = u.e and s.code = u.c`,
      [next.ep, next.code, next.at],
    );
  }
  return out;
}

/**
 * The missing-measurement sweep alone (issue 15: all 10 000 episodes due in < 2 s, 100 000 in
 * < 20 s): loads the simulated cohort into a fresh store, then times the sweep with every episode
 * due (as on the first run after a deploy) and the next minute's. In-process, no HTTP, bounded by
 * the cohort size (10 000 patients: about a minute to load on a 2-core box).
 *
 *   node --import tsx bench/sweep.ts [--patients N] [--days D] [--only pglite|postgres] [--at HH:MM] [--before path/to/old-missing-job.ts] [--profile] [--json file|-]
 *     [--workers N] [--batch N] [--keep] [--sql file] [--day-after] [--checkpoint] [--huge-pages]
 *
 * `--workers` and `--batch` are sweepMissing's options (concurrent connections on PostgreSQL,
 * episodes per batch). `--keep` (with `--at`) keeps the loaded cohort — PostgreSQL: a template
 * database on BENCH_DATABASE_URL or TEST_DATABASE_URL; PGlite: a data directory in the temporary
 * folder — and copies it on later runs instead of loading again (drop or delete it by hand). Each
 * sweep reports its wall time, the CPU of the database backends that served it (from /proc; only
 * when PostgreSQL runs on this machine), this process's CPU (PGlite's database runs in it), the
 * longest transaction (with --profile) and the 1-minute load average before and after.
 *
 * PostgreSQL also reports the WAL written, full-page images, checkpoints and buffers written by
 * backends during the sweep (cluster-wide counters). `--checkpoint` runs CHECKPOINT before each
 * timed sweep, so every copy starts alike (not in the middle of the checkpoint its copy set off).
 *
 * `--profile` prints the time spent per statement (by its first words) in each sweep, and the mean
 * time per call in each tenth of the sweep of the four costliest (whether batches slow down as the
 * sweep goes on); on PostgreSQL also the time in each trigger and SQL function (track_functions). `--at HH:MM`
 * sweeps (and ends the cohort) at that UTC time today instead of now: how many alerts an all-due
 * sweep raises depends on whether today's deadlines have passed (10:00 UTC: yesterday's occurrences
 * only, about 1.3 per patient; after 13:00 UTC: today's as well, about 4.4 per patient).
 *
 * The figures in bench/README.md compare with the sweep before issue 15's second round (5f59ea1;
 * its third round, two connections and migration 028, compares with 81021de the same way, with
 * `--before-sql bench/sweep-before-028.sql`):
 *   git show 5f59ea1:src/server/triage/missing-job.ts | sed -e "s#'\.\./\.\./domain/#'../src/domain/#" \
 *     -e "s#'\.\./db/#'../src/server/db/#" -e "s#'\.\./events/#'../src/server/events/#" \
 *     -e "s#'\./schedule\.js'#'../src/server/triage/schedule.js'#" > bench/.sweep-before.ts
 *
 * `--day-after` also times the sweep 24 h after the first: every schedule due again and nothing
 * reported (the due pass, as at a deadline every patient shares; occurrences merge into open alerts).
 *
 * `--sql file` runs that SQL on every copy before its sweep (e.g. to leave out another change's
 * triggers on both sides). `--before-sql file` runs that SQL on the "before" copy first (with the current sweep unless
 * `--before` is given too): how the alert triggers before migration 025 were compared,
 * `--before-sql bench/sweep-before-025.sql`.
 *
 * `--before` times another implementation of `sweepMissing` on an identical copy of the loaded
 * store (PostgreSQL: CREATE DATABASE … TEMPLATE; PGlite: a copy of the data directory), first, so
 * both start from the same state. PostgreSQL as in run.ts: BENCH_DATABASE_URL, TEST_DATABASE_URL
 * or a throwaway cluster with fsync on.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { splitStatements } from '../src/server/db/migrate.js';
import { openDb } from '../src/server/db/open.js';
import type { Db, Queryable } from '../src/server/db/port.js';
import { sweepMissing } from '../src/server/triage/missing-job.js';
import { adminQuery, databaseUrl, dropDatabase } from '../src/server/testing/pg-cluster.js';
import { loadCohort } from '../src/sim/load.js';
import { benchPostgres, hugePagesMode, hugePagesNote } from './postgres.js';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string' }, days: { type: 'string' }, only: { type: 'string' }, before: { type: 'string' }, json: { type: 'string' },
    'before-sql': { type: 'string' }, sql: { type: 'string' },
    profile: { type: 'boolean' }, checkpoint: { type: 'boolean' }, at: { type: 'string' }, workers: { type: 'string' }, keep: { type: 'boolean' }, batch: { type: 'string' }, 'day-after': { type: 'boolean' }, 'huge-pages': { type: 'boolean' },
  },
});
/** `--workers N`: concurrent batches of one sweep on PostgreSQL (sweepMissing's `workers`; default its own). */
const WORKERS = args.workers ? Number(args.workers) : undefined;
/** `--batch N`: episodes per batch (sweepMissing's `batchSize`; default its own). */
const BATCH = args.batch ? Number(args.batch) : undefined;
const PATIENTS = Number(args.patients ?? 10_000);
const DAYS = Number(args.days ?? 6);
const log = (s: string) => console.error(s);
/** The instant of the sweep and the cohort's end. */
function sweepAt(): Date {
  if (!args.at) return new Date();
  const [h, m] = args.at.split(':').map(Number);
  const d = new Date();
  d.setUTCHours(h ?? 0, m ?? 0, 0, 0);
  return d;
}

type Sweep = (db: Db, now: Date) => Promise<{ episodes: number; raised: number; failed: number; inactive?: number }>;

interface Timed {
  seconds: number;
  /** CPU of the database backends serving this sweep (PostgreSQL on this machine; null for PGlite, whose CPU is this process's). */
  dbCpuSeconds: number | null;
  /** CPU of this process during the sweep (PGlite's database runs in it). */
  processCpuSeconds: number;
  /** The longest transaction (PGlite: how long its only connection was held at a time); with --profile only. */
  longestTxSeconds: number | null;
  /** 1-minute load average before and after the sweep (2 cores: above ~2 the machine is shared). */
  load: [number, number];
  /**
   * PostgreSQL, cluster-wide (pg_stat_wal, pg_stat_bgwriter; other databases' work counts too): WAL
   * written, full-page images, checkpoints and buffers written by backends during the sweep.
   */
  wal: { mb: number; fpi: number; checkpoints: number; backendWrites: number } | null;
  episodes: number;
  raised: number;
  inactive: number;
  failed: number;
  nextSeconds: number;
  alertsByKind: Record<string, number>;
  /** --day-after: the sweep 24 h later, every schedule due again (a deadline every patient shares: the due pass). */
  dayAfter?: { seconds: number; dbCpuSeconds: number | null; episodes: number; raised: number; inactive: number; load: [number, number] };
}

const LONGEST = '(the longest transaction; × = transactions)';
/** Time per statement, keyed by its first words (whitespace folded), and the longest transaction. */
function profiled(db: Db, spent: Map<string, { ms: number; n: number; each: number[] }>, txMs: number[] = []): Db {
  const wrap = (q: Queryable): Queryable => ({
    query: async (sql, params) => {
      const t = performance.now();
      try {
        return await q.query(sql, params);
      } finally {
        const key = sql.replace(/\s+/g, ' ').trim().slice(0, 70);
        const e = spent.get(key) ?? { ms: 0, n: 0, each: [] };
        const ms = performance.now() - t;
        e.ms += ms;
        e.n++;
        e.each.push(ms);
        spent.set(key, e);
      }
    },
  }) as Queryable;
  return Object.assign(Object.create(db) as Db, {
    query: wrap(db).query,
    tx: async <T>(fn: (tx: Queryable) => Promise<T>) => {
      // The longest transaction: how long PGlite's only connection is held at a time.
      const t = performance.now();
      try {
        return await db.tx((tx) => fn(wrap(tx)));
      } finally {
        const ms = performance.now() - t;
        txMs.push(ms);
        const e = spent.get(LONGEST) ?? { ms: 0, n: 0, each: [] };
        spent.set(LONGEST, { ms: Math.max(e.ms, ms), n: e.n + 1, each: [] });
      }
    },
  });
}

/**
 * CPU ticks (ms) of the PostgreSQL backends connected to this database, by pid, from /proc: only
 * this sweep's connections, so other people's work on a shared cluster does not count.
 */
async function backendCpu(db: Db): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (db.kind !== 'postgres') return out;
  const pids = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`);
  for (const { pid } of pids.rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // Not on this machine, or gone: not counted.
    }
  }
  return out;
}

/** Cluster-wide WAL and checkpoint counters (Timed.wal). */
async function walStats(db: Db): Promise<{ mb: number; fpi: number; checkpoints: number; backendWrites: number } | null> {
  if (db.kind !== 'postgres') return null;
  const r = await db.query<{ mb: number; fpi: number; checkpoints: number; backend_writes: number }>(
    `select (select wal_bytes / 1048576.0 from pg_stat_wal)::float8 as mb, (select wal_fpi from pg_stat_wal)::float8 as fpi,
            (checkpoints_timed + checkpoints_req)::float8 as checkpoints, buffers_backend::float8 as backend_writes from pg_stat_bgwriter`,
  );
  const x = r.rows[0]!;
  return { mb: x.mb, fpi: x.fpi, checkpoints: x.checkpoints, backendWrites: x.backend_writes };
}

async function timeSweep(db: Db, fn: Sweep, now: Date): Promise<Timed> {
  const spent = new Map<string, { ms: number; n: number; each: number[] }>();
  // --checkpoint: every sweep starts right after a checkpoint (not in the middle of the one the
  // copy or the load set off), so runs on identical copies start alike.
  if (args.checkpoint && db.kind === 'postgres') await db.query('checkpoint');
  if (args.profile && db.kind === 'postgres') await db.query('select pg_stat_reset()');
  const wal0 = await walStats(db);
  const load0 = loadavg()[0]!;
  const cpu0 = await backendCpu(db);
  const proc0 = process.cpuUsage();
  const first0 = performance.now();
  const txMs: number[] = [];
  const firstResult = await fn(args.profile ? profiled(db, spent, txMs) : db, now);
  const seconds = (performance.now() - first0) / 1000;
  const proc = process.cpuUsage(proc0);
  const cpu1 = await backendCpu(db);
  const dbCpuSeconds = db.kind === 'postgres' ? [...cpu1].reduce((s, [pid, ms]) => s + ms - (cpu0.get(pid) ?? 0), 0) / 1000 : null;
  const wal1 = await walStats(db);
  const wal = wal0 && wal1 ? { mb: wal1.mb - wal0.mb, fpi: wal1.fpi - wal0.fpi, checkpoints: wal1.checkpoints - wal0.checkpoints, backendWrites: wal1.backendWrites - wal0.backendWrites } : null;
  if (args.profile) {
    log(`  profile of the all-due sweep (${seconds.toFixed(2)} s):`);
    for (const [k, v] of [...spent].sort((a, b) => b[1].ms - a[1].ms)) log(`    ${(v.ms / 1000).toFixed(3)} s  ×${v.n}  ${k}`);
    // Whether a statement slows down as the sweep goes on (stale statistics, bloat, a walk that grows
    // with the rows moved before it): its mean time in each tenth of its calls, in sweep order.
    for (const [k, v] of [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, 4)) {
      if (v.each.length < 20) continue;
      const tenths = Array.from({ length: 10 }, (_, i) => v.each.slice(Math.floor((i * v.each.length) / 10), Math.floor(((i + 1) * v.each.length) / 10)));
      log(`    ms per call by tenth of the sweep: ${tenths.map((t) => (t.reduce((a, b) => a + b, 0) / Math.max(1, t.length)).toFixed(0)).join(' ')}  ${k.slice(0, 40)}`);
    }
    if (db.kind === 'postgres') {
      // Backends report function times when a transaction ends, at most once a second while busy.
      await new Promise((r) => setTimeout(r, 1_500));
      const fns = await db.query<{ name: string; calls: number; total: number; self: number }>(
        `select funcname as name, calls::float8 as calls, total_time::float8 as total, self_time::float8 as self
           from pg_stat_user_functions order by total_time desc limit 12`);
      for (const f of fns.rows) log(`    function ${f.name}: ${(f.total / 1000).toFixed(3)} s in all, ${(f.self / 1000).toFixed(3)} s itself, ×${f.calls}`);
    }
    const q = [...txMs].sort((a, b) => a - b);
    const at = (p: number) => (q[Math.min(q.length - 1, Math.floor(p * q.length))]! / 1000).toFixed(3);
    if (q.length > 0) log(`    transactions: ${q.length}, median ${at(0.5)} s, p90 ${at(0.9)} s, the five longest ${q.slice(-5).map((x) => (x / 1000).toFixed(2)).join(' ')} s (the longest was number ${txMs.indexOf(q[q.length - 1]!) + 1})`);
  }
  const longest = spent.get(LONGEST);
  const t = performance.now();
  await fn(db, new Date(now.getTime() + 60_000));
  const nextSeconds = (performance.now() - t) / 1000;
  const kinds = await db.query<{ kind: string; n: number }>(`select kind, count(*)::int as n from alerts where zone = 'missing' group by kind order by kind`);
  let dayAfter: Timed['dayAfter'];
  if (args['day-after']) {
    const l0 = loadavg()[0]!;
    const c0 = await backendCpu(db);
    const t0 = performance.now();
    const r = await fn(db, new Date(now.getTime() + 86_400_000));
    const secs = (performance.now() - t0) / 1000;
    const c1 = await backendCpu(db);
    dayAfter = {
      seconds: secs, dbCpuSeconds: db.kind === 'postgres' ? [...c1].reduce((s, [pid, ms]) => s + ms - (c0.get(pid) ?? 0), 0) / 1000 : null,
      episodes: r.episodes, raised: r.raised, inactive: r.inactive ?? 0, load: [l0, loadavg()[0]!],
    };
  }
  return {
    dayAfter,
    wal, seconds, dbCpuSeconds, processCpuSeconds: (proc.user + proc.system) / 1e6, longestTxSeconds: longest ? longest.ms / 1000 : null,
    load: [load0, loadavg()[0]!], nextSeconds, episodes: firstResult.episodes, raised: firstResult.raised, inactive: firstResult.inactive ?? 0,
    failed: firstResult.failed, alertsByKind: Object.fromEntries(kinds.rows.map((r) => [r.kind, r.n])),
  };
}

async function main(): Promise<void> {
  const before: Sweep | null = args.before ? ((await import(resolve(args.before))) as { sweepMissing: Sweep }).sweepMissing
    : args['before-sql'] ? (d, at) => sweepMissing(d, at, { workers: WORKERS, batchSize: BATCH }) : null;
  const out: Record<string, unknown> = {};
  if (args.only !== 'postgres') out['pglite'] = await runPglite(before);
  if (args.only !== 'pglite') {
    const server = await benchPostgres({ hugePages: hugePagesMode(args['huge-pages']) });
    if (!server) log('PostgreSQL: skipped (no BENCH_DATABASE_URL, TEST_DATABASE_URL or local binaries)');
    else {
      try {
        log(`PostgreSQL: ${server.source}${hugePagesNote(server)}`);
        out['postgres'] = await runPostgres(server.adminUrl, before);
      } finally {
        server.stop();
      }
    }
  }
  const text = JSON.stringify(out, null, 2);
  if (args.json === '-') console.log(text);
  else if (args.json) writeFileSync(args.json, text);
}

/** `--sql` (every copy), then for the "before" copy `--before-sql`: schema changes, statement by statement as migrations run. */
async function beforeSql(db: Db, file = args['before-sql']): Promise<void> {
  await runSql(db, args.sql);
  await runSql(db, file);
}

async function runSql(db: Db, file: string | undefined): Promise<void> {
  if (!file) return;
  await db.tx(async (tx) => {
    for (const stmt of splitStatements(readFileSync(file, 'utf8'))) await tx.query(stmt);
  });
}

async function load(db: Db, now: Date): Promise<void> {
  log(`loading ${PATIENTS} patients × ${DAYS} days`);
  const r = await loadCohort(db, { patients: PATIENTS, days: DAYS, seed: 1, end: now, log: () => undefined });
  log(`  ${r.patients} patients, ${r.observations} observations in ${(r.ms / 1000).toFixed(1)} s`);
}

function report(kind: string, label: string, t: Timed): void {
  const f = (x: number | null, d = 2) => (x === null ? '–' : x.toFixed(d));
  log(`${kind} ${label}: all due ${t.seconds.toFixed(2)} s, database CPU ${f(t.dbCpuSeconds)} s, this process CPU ${f(t.processCpuSeconds)} s, longest transaction ${f(t.longestTxSeconds)} s, load ${f(t.load[0], 1)} → ${f(t.load[1], 1)} (${t.episodes} episodes, ${t.raised} missing + ${t.inactive} inactive raised, ${t.failed} skipped); next minute ${t.nextSeconds.toFixed(3)} s; alerts by kind ${JSON.stringify(t.alertsByKind)}`);
  if (t.wal) log(`${kind} ${label}: WAL ${t.wal.mb.toFixed(0)} MB, ${t.wal.fpi} full-page images, ${t.wal.checkpoints} checkpoints, ${t.wal.backendWrites} buffers written by backends (cluster-wide)`);
  const d = t.dayAfter;
  if (d) log(`${kind} ${label}, a day later: ${d.seconds.toFixed(2)} s, database CPU ${d.dbCpuSeconds === null ? '–' : d.dbCpuSeconds.toFixed(2)} s, load ${d.load[0].toFixed(1)} → ${d.load[1].toFixed(1)} (${d.episodes} episodes, ${d.raised} missing + ${d.inactive} inactive raised; merges not counted)`);
}

async function runPostgres(adminUrl: string, before: Sweep | null): Promise<Record<string, unknown>> {
  const admin = (sql: string) => adminQuery(adminUrl, sql);
  const urlOf = (name: string) => databaseUrl(adminUrl, name);
  const name = `varde_sweep_${randomBytes(4).toString('hex')}`;
  const copy = `${name}_before`;
  const now = sweepAt();
  // --keep: the loaded cohort stays as a template database, keyed by size and sweep instant, and
  // later runs copy it instead of loading again (with BENCH_DATABASE_URL or TEST_DATABASE_URL).
  const tpl = args.keep ? `varde_sweep_tpl_${PATIENTS}_${DAYS}_${now.toISOString().slice(0, 16).replace(/\D/g, '')}` : null;
  const result: Record<string, unknown> = { patients: PATIENTS, at: now.toISOString() };
  try {
    if (tpl && !(await templateLoaded(adminUrl, tpl))) {
      await dropDatabase(adminUrl, tpl);
      await admin(`create database ${tpl}`);
      const t = await openDb({ DATABASE_URL: urlOf(tpl), PGLITE_DIR: '' });
      try {
        await load(t, now);
        await t.query('analyze');
      } finally {
        await t.close();
      }
      await admin(`comment on database ${tpl} is 'loaded'`);
    }
    await admin(tpl ? `create database ${name} template ${tpl}` : `create database ${name}`);
    // --profile: the time in each trigger and SQL function (pg_stat_user_functions), for every
    // connection the sweep opens (a database setting, before the first one).
    if (args.profile) await admin(`alter database ${name} set track_functions = 'all'`);
    let db = await openDb({ DATABASE_URL: urlOf(name), PGLITE_DIR: '' });
    const settings = await db.query<{ name: string; setting: string }>(`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'server_version')`);
    log(`  ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`);
    if (!tpl) {
      await load(db, now);
      await db.query('analyze');
    }
    if (before) {
      await db.close();
      await admin(`create database ${copy} template ${tpl ?? name}`);
      const old = await openDb({ DATABASE_URL: urlOf(copy), PGLITE_DIR: '' });
      try {
        await beforeSql(old);
        const t = await timeSweep(old, before, now);
        report('postgres', 'before', t);
        result['before'] = t;
      } finally {
        await old.close();
      }
      db = await openDb({ DATABASE_URL: urlOf(name), PGLITE_DIR: '' });
    }
    try {
      await runSql(db, args.sql);
      const t = await timeSweep(db, (d, at) => sweepMissing(d, at, { workers: WORKERS, batchSize: BATCH }), now);
      report('postgres', 'after', t);
      result['sweep'] = t;
    } finally {
      await db.close();
    }
  } finally {
    await dropDatabase(adminUrl, copy);
    await dropDatabase(adminUrl, name);
  }
  return result;
}

/** Whether `--keep`'s template database exists and was loaded to the end. */
async function templateLoaded(adminUrl: string, tpl: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query(`select 1 from pg_database d where d.datname = $1 and shobj_description(d.oid, 'pg_database') = 'loaded'`, [tpl]);
    return r.rows.length > 0;
  } finally {
    await c.end();
  }
}

async function runPglite(before: Sweep | null): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'varde-sweep-'));
  const now = sweepAt();
  const result: Record<string, unknown> = { patients: PATIENTS, at: now.toISOString() };
  // --keep: the loaded data directory stays in the temporary folder and later runs copy it.
  const tpl = args.keep ? join(tmpdir(), `varde-sweep-tpl-${PATIENTS}-${DAYS}-${now.toISOString().slice(0, 16).replace(/\D/g, '')}`) : null;
  try {
    if (tpl && !existsSync(join(tpl, 'loaded'))) {
      rmSync(tpl, { recursive: true, force: true });
      const t = await openDb({ PGLITE_DIR: join(tpl, 'db'), DATABASE_URL: undefined });
      try {
        await load(t, now);
      } finally {
        await t.close();
      }
      writeFileSync(join(tpl, 'loaded'), '');
    }
    if (tpl) cpSync(join(tpl, 'db'), join(dir, 'a'), { recursive: true });
    let db = await openDb({ PGLITE_DIR: join(dir, 'a'), DATABASE_URL: undefined });
    if (!tpl) await load(db, now);
    if (before) {
      await db.close();
      cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
      const old = await openDb({ PGLITE_DIR: join(dir, 'b'), DATABASE_URL: undefined });
      try {
        await beforeSql(old);
        const t = await timeSweep(old, before, now);
        report('pglite', 'before', t);
        result['before'] = t;
      } finally {
        await old.close();
      }
      db = await openDb({ PGLITE_DIR: join(dir, 'a'), DATABASE_URL: undefined });
    }
    try {
      await runSql(db, args.sql);
      const t = await timeSweep(db, (d, at) => sweepMissing(d, at, { workers: WORKERS, batchSize: BATCH }), now);
      report('pglite', 'after', t);
      result['sweep'] = t;
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

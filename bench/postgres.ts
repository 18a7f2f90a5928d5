import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminQuery, databaseUrl, dropDatabase, findPgBin, pgToolsBlocked, startCluster } from '../src/server/testing/pg-cluster.js';

export interface PgServer {
  /** A role that may CREATE DATABASE. */
  adminUrl: string;
  /** Where it came from, for the report. */
  source: string;
  /** CPU time (ms) used so far by the cluster's processes; only known for a cluster we started. */
  cpuMs?: () => number;
  /** MB of the cluster's shared memory on 2 MB huge pages (a throwaway cluster only; 0 = none). */
  hugePagesMb?: number;
  /** How the throwaway cluster's processes are scheduled, for the report (pgScheduling). */
  scheduling?: string;
  stop(): void;
}

/**
 * Huge pages reserved for the throwaway cluster: its 1 GB of shared_buffers and the rest of its
 * shared memory (~1.07 GB in all; `postgres -C shared_memory_size_in_huge_pages` says 536 with
 * max_connections=50, a few more with pg_stat_statements).
 */
const HUGE_PAGES = 600;
const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';

/**
 * Reserves HUGE_PAGES 2 MB pages in the kernel if fewer are reserved (root only), so PostgreSQL's
 * default `huge_pages = try` maps its shared memory on them, as docs/SCALING.md asks of a
 * production primary. Returns the undo (the former reservation back, also when this process exits
 * first), or throws when the pages cannot be had.
 */
function reserveHugePages(): () => void {
  const before = Number(readFileSync(NR_HUGEPAGES, 'utf8'));
  if (before >= HUGE_PAGES) return () => undefined;
  try {
    writeFileSync(NR_HUGEPAGES, String(HUGE_PAGES));
  } catch (err) {
    throw new Error(`could not reserve huge pages (${(err as Error).message}); as root: sysctl -w vm.nr_hugepages=${HUGE_PAGES}`, { cause: err });
  }
  let done = false;
  const undo = () => {
    if (done) return;
    done = true;
    process.off('exit', undo);
    writeFileSync(NR_HUGEPAGES, String(before));
  };
  process.on('exit', undo);
  let got = Number(readFileSync(NR_HUGEPAGES, 'utf8'));
  if (got < HUGE_PAGES) {
    // Free memory in 4 kB pieces (after a test run, say) has few whole 2 MB pages: compact it
    // (what reserving them at boot, as a production host does, avoids) and ask again.
    try {
      writeFileSync('/proc/sys/vm/compact_memory', '1');
      writeFileSync(NR_HUGEPAGES, String(HUGE_PAGES));
      got = Number(readFileSync(NR_HUGEPAGES, 'utf8'));
    } catch {
      // No compaction here (a kernel without it): what the first request got stands.
    }
  }
  if (got < HUGE_PAGES) {
    undo();
    throw new Error(`the kernel found ${got} of ${HUGE_PAGES} free 2 MB pages (memory too fragmented or too small)`);
  }
  return undo;
}

/**
 * Huge pages for the throwaway cluster: `on` (`--huge-pages`: reserved, or the run stops), `try`
 * (the default: reserved when this process may, else without, as the report then says), `off`
 * (BENCH_HUGE_PAGES=off: PostgreSQL's 4 kB pages, as rounds 1–14 of bench/README.md measured).
 */
export type HugePages = 'on' | 'try' | 'off';

/** The mode from `--huge-pages` and BENCH_HUGE_PAGES. */
export function hugePagesMode(flag: boolean | undefined): HugePages {
  if (flag) return 'on';
  const env = process.env.BENCH_HUGE_PAGES;
  if (env === undefined || env === '' || env === 'try') return 'try';
  if (env === 'on' || env === 'off') return env;
  throw new Error(`BENCH_HUGE_PAGES=${env}: expected on, try or off`);
}

/** For a report: how much of a throwaway cluster's shared memory was on huge pages, and how it was scheduled ('' for another server). */
export function hugePagesNote(server: PgServer): string {
  const mb = server.hugePagesMb;
  const sched = server.scheduling ? `; scheduling: ${server.scheduling}` : '';
  if (mb === undefined || Number.isNaN(mb)) return sched;
  return `; shared memory on huge pages: ${mb > 0 ? `${mb.toFixed(0)} MB` : 'none (docs/SCALING.md)'}${sched}`;
}

/**
 * The throwaway cluster's scheduling policy, from BENCH_PG_SCHED: `batch` or `normal` (Linux's
 * default, SCHED_OTHER). With `batch` (SCHED_BATCH) a backend woken by a statement does not
 * preempt whoever runs on that core: on this 2-core machine the server's event loop was preempted
 * at nearly every statement it sent, and a third of the time its CPU profile showed in `writev`
 * was spent waiting for the backend it had woken (bench/README.md, "Round 21"). docs/SCALING.md
 * gives the same setting for a node that runs the app and PostgreSQL together.
 */
export type PgScheduling = 'batch' | 'normal';

/** The policy asked for by BENCH_PG_SCHED (default: normal). */
export function pgSchedulingMode(): PgScheduling {
  const env = process.env.BENCH_PG_SCHED;
  if (env === undefined || env === '' || env === 'normal') return 'normal';
  if (env === 'batch') return 'batch';
  throw new Error(`BENCH_PG_SCHED=${env}: expected batch or normal`);
}

/**
 * Puts the postmaster and its processes under SCHED_BATCH (`chrt`, util-linux); backends forked
 * later inherit it. Returns what the report says: the policy, or why it stayed the default.
 */
function scheduleBatch(postmaster: number): string {
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
    } catch {
      return false;
    }
  });
  for (const pid of [String(postmaster), ...children]) {
    const r = spawnSync('chrt', ['--batch', '--pid', '0', pid]);
    if (r.error || r.status !== 0) {
      // A child that exited in between is no reason to give up; the postmaster is.
      if (pid !== String(postmaster)) continue;
      return `SCHED_OTHER (chrt failed: ${r.error?.message ?? r.stderr.toString().trim()})`;
    }
  }
  return 'SCHED_BATCH (BENCH_PG_SCHED=batch)';
}

/** MB of a process's mappings on 2 MB pages (its /proc smaps): PostgreSQL's shared memory when on huge pages. */
function hugePagesMb(pid: number): number {
  try {
    let kb = 0;
    for (const block of readFileSync(`/proc/${pid}/smaps`, 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
      if (/^KernelPageSize:\s+2048 kB$/m.test(block)) kb += Number(/^Size:\s+(\d+) kB$/m.exec(block)?.[1] ?? 0);
    }
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/**
 * A PostgreSQL for the benchmark: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else a throwaway
 * cluster from the local binaries (initdb, durable defaults: fsync and synchronous_commit on), else null.
 * The throwaway cluster gets the two settings docs/SCALING.md gives a production primary for
 * write bursts: shared_buffers 1 GB and max_wal_size 4 GB. With PostgreSQL's defaults (128 MB,
 * 1 GB) an all-due sweep of 100 000 episodes (1.3 GB of WAL) ran through three checkpoints, each
 * followed by full-page images of every page touched again: ~750 MB more WAL and 12–15 % more
 * database CPU (bench/README.md, "Missing-measurement sweep at 100 000 episodes").
 */
export async function benchPostgres(opts: { statements?: boolean; hugePages?: HugePages; scheduling?: PgScheduling } = {}): Promise<PgServer | null> {
  for (const name of ['BENCH_DATABASE_URL', 'TEST_DATABASE_URL'] as const) {
    const url = process.env[name];
    if (url) return { adminUrl: url, source: name, stop: () => undefined };
  }
  const bin = initdbBin();
  // initdb refuses to run as root (as scripts/test.sh does, the tools run as the postgres user).
  if (!bin || pgToolsBlocked()) return null;
  const settings = ['max_connections=50', 'shared_buffers=1GB', 'max_wal_size=4GB'];
  // `--statements`: per-statement and per-function statistics (bench/run.ts#phaseStatements).
  // track=all counts the statements inside trigger functions too, each under its own text.
  if (opts.statements) settings.push('shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all', 'track_functions=all');
  // BENCH_PG_SETTINGS="name=value name=value": more settings, for comparing them (bench/README.md).
  settings.push(...(process.env.BENCH_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean));
  const mode = opts.hugePages ?? 'try';
  let release: () => void = () => undefined;
  if (mode === 'on') {
    release = reserveHugePages();
    // Not PostgreSQL's default (try): a mapping that fails stops the run.
    settings.push('huge_pages=on');
  } else if (mode === 'try') {
    try {
      release = reserveHugePages();
    } catch {
      // Not root, or no memory to spare: 4 kB pages, and the report says so.
    }
  } else settings.push('huge_pages=off');
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  try {
    cluster = await startCluster(bin, 'varde-bench-pg-', settings);
  } catch (err) {
    release();
    throw err;
  }
  const postmaster = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const scheduling = opts.scheduling === 'batch' ? scheduleBatch(postmaster) : 'SCHED_OTHER';
  return {
    adminUrl: cluster.adminUrl,
    source: `throwaway cluster (${bin})`,
    cpuMs: () => clusterCpuMs(postmaster),
    hugePagesMb: hugePagesMb(postmaster),
    scheduling,
    stop: () => {
      cluster.stop();
      release();
    },
  };
}

/**
 * Runs `work` against a new, empty database on the benchmark's PostgreSQL (benchPostgres), drops it
 * afterwards and stops a throwaway cluster: the frame of the one-off scripts (bench/migrate-0NN.ts).
 */
export async function withBenchDatabase<T>(prefix: string, work: (url: string, server: PgServer) => Promise<T>): Promise<T> {
  const server = await benchPostgres();
  if (!server) throw new Error('no PostgreSQL: set BENCH_DATABASE_URL or install the binaries');
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  try {
    await adminQuery(server.adminUrl, `create database ${name}`);
    return await work(databaseUrl(server.adminUrl, name), server);
  } finally {
    await dropDatabase(server.adminUrl, name);
    server.stop();
  }
}

/**
 * CPU of a cluster: the postmaster's own and its exited children's (utime, stime, cutime, cstime),
 * plus every live child (backends, checkpointer, WAL writer…), from /proc, in ms (100 ticks/s).
 */
function clusterCpuMs(postmaster: number): number {
  const fields = (pid: number | string): string[] | null => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return null;
    }
  };
  const own = fields(postmaster);
  if (!own) return NaN;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const f = fields(pid);
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10;
}

/** The folder of the initdb on PATH, else of the newest Debian PostgreSQL. */
function initdbBin(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v initdb']).stdout?.toString().trim();
  return which ? join(which, '..') : findPgBin('initdb');
}

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { adminQuery, databaseUrl, dropDatabase, findPgBin, pgToolsBlocked, startCluster } from '../src/server/testing/pg-cluster.js';

export interface PgServer {
  /** A role that may CREATE DATABASE. */
  adminUrl: string;
  /** Where it came from, for the report. */
  source: string;
  /** CPU time (ms) used so far by the cluster's processes; only known for a cluster we started. */
  cpuMs?: () => number;
  stop(): void;
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
export async function benchPostgres(): Promise<PgServer | null> {
  for (const name of ['BENCH_DATABASE_URL', 'TEST_DATABASE_URL'] as const) {
    const url = process.env[name];
    if (url) return { adminUrl: url, source: name, stop: () => undefined };
  }
  const bin = initdbBin();
  // initdb refuses to run as root (as scripts/test.sh does, the tools run as the postgres user).
  if (!bin || pgToolsBlocked()) return null;
  const cluster = await startCluster(bin, 'varde-bench-pg-', ['max_connections=50', 'shared_buffers=1GB', 'max_wal_size=4GB']);
  const postmaster = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    adminUrl: cluster.adminUrl,
    source: `throwaway cluster (${bin})`,
    cpuMs: () => clusterCpuMs(postmaster),
    stop: () => cluster.stop(),
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

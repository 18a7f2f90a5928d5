import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * cluster from the local binaries (initdb, default durable settings: fsync on), else null.
 */
export async function benchPostgres(): Promise<PgServer | null> {
  for (const name of ['BENCH_DATABASE_URL', 'TEST_DATABASE_URL'] as const) {
    const url = process.env[name];
    if (url) return { adminUrl: url, source: name, stop: () => undefined };
  }
  const bin = findPgBin();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), 'varde-bench-pg-'));
  // initdb refuses to run as root (as scripts/test.sh does, run it as the postgres user).
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const : [cmd, args] as const;
    const r = spawnSync(full[0], [...full[1]], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr?.toString()}`);
  };
  if (asRoot) {
    if (spawnSync('id', ['postgres']).status !== 0) return null;
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=50`, 'start']);
  const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    source: `throwaway cluster (${bin})`,
    cpuMs: () => clusterCpuMs(postmaster),
    stop() {
      try {
        run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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

function findPgBin(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v initdb']).stdout?.toString().trim();
  if (which) return join(which, '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/*
 * Throwaway PostgreSQL clusters from the local (Debian) binaries, for tests that need servers of
 * their own (db/replica.test.ts) and for the benchmark (bench/postgres.ts). Test and bench code
 * only: production never starts a database.
 */

/** initdb refuses to run as root; as root the tools run as the postgres user instead. */
const AS_ROOT = process.getuid?.() === 0;

/** The newest /usr/lib/postgresql/<version>/bin that has `tool`, or null. */
export function findPgBin(tool: string): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', tool))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Why a cluster cannot be started here (root without a postgres user to run initdb as), or null. */
export function pgToolsBlocked(): string | null {
  return AS_ROOT && spawnSync('id', ['postgres']).status !== 0 ? 'running as root without a postgres user to run initdb as' : null;
}

/** A new temporary directory for cluster data, owned by the user the tools run as. */
export function clusterDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (AS_ROOT) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Runs a PostgreSQL tool of `bin` (as the postgres user when we are root); throws with its output when it fails. */
export function runPgTool(bin: string, tool: string, args: string[]): void {
  const cmd = join(bin, tool);
  const r = AS_ROOT ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}${r.stdout?.toString()}`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway cluster started by startCluster. */
export interface Cluster {
  /** The superuser `postgres` on the cluster's `postgres` database (trust authentication). */
  adminUrl: string;
  /** The data directory (postmaster.pid, logs beside it). */
  dataDir: string;
  /** Stops it at once (`-m immediate`) and deletes its files. */
  stop(): void;
}

/**
 * initdb and start a cluster of `bin` on 127.0.0.1 and a free port, in a new temporary directory
 * (`prefix`), with these extra server settings (`-c name=value` each).
 */
export async function startCluster(bin: string, prefix: string, settings: string[] = []): Promise<Cluster> {
  const dir = clusterDir(prefix);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  runPgTool(bin, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  runPgTool(bin, 'pg_ctl', ['-D', dataDir, '-l', join(dir, 'log'), '-w', '-o',
    [`-h 127.0.0.1 -p ${port} -k ${dir}`, ...settings.map((x) => `-c ${x}`)].join(' '), 'start']);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop() {
      try {
        runPgTool(bin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Runs one statement as the admin role on a connection of its own: `create database` and
 * `drop database` may not run inside a transaction or through a pool's session settings.
 */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * Drops database `name` on the server `adminUrl` points at, as that role, even when the role is not
 * a superuser and an autovacuum worker is in the database. `drop database … with (force)` cannot
 * do that: it refuses to signal any backend of another role (an autovacuum worker has none), with
 * 42501 "must be a member of the role whose process is being terminated". So the role's own
 * leftover sessions are terminated, and a plain `drop database` signals autovacuum workers to go;
 * it waits up to 5 s for the rest, and is tried again while the database is still in use (55006).
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      await c.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and usename = current_user`,
        [name],
      );
      try {
        await c.query(`drop database if exists ${pg.escapeIdentifier(name)}`);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt >= 6) throw err;
      }
    }
  } finally {
    await c.end();
  }
}

/** The URL of database `name` on the server `adminUrl` points at (same role, host and options). */
export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.href;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (src/sim → ../..), where `src/cli.ts` lives. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (null after a signal) when the process has gone. */
  exited: Promise<number | null>;
  /** The last few KB the server wrote to stderr, for failure messages. */
  stderr(): string;
  /** SIGTERM (graceful) and wait; SIGKILL if it has not gone within `ms`. */
  stop(ms?: number): Promise<void>;
  /** SIGKILL now (a crash: no shutdown hooks, no flushing) and wait until it has gone. */
  kill9(): Promise<void>;
}

/** The compiled server (`npm run build:server`), as `npm start` and production run it. */
export const COMPILED_CLI = join(REPO_ROOT, 'dist', 'server', 'cli.js');

/**
 * Starts `node --import tsx src/cli.ts start` (or, with `compiled`, the built `dist/server/cli.js`) as a separate process bound to 127.0.0.1 on a free
 * port and waits for its machine-readable "listening" line (VARDE_READY_LINE=1). Benchmarks and
 * fault tests use a real process so RSS and CPU are the server's own, and kill -9 is a real crash.
 * @param env store selection and anything else: DATABASE_URL, or PGLITE_DIR for PGlite on disk
 */
export async function spawnServer(env: Record<string, string>, opts: { timeoutMs?: number; compiled?: boolean } = {}): Promise<ChildServer> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The store is chosen by the caller only; test-runner variables must not leak into the server.
    if (v === undefined || k === 'DATABASE_URL' || k === 'PGLITE_DIR' || k.startsWith('NODE_TEST') || k === 'DEMO') continue;
    base[k] = v;
  }
  const child = spawn(process.execPath, opts.compiled ? [COMPILED_CLI, 'start'] : ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: REPO_ROOT,
    env: { ...base, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', VARDE_READY_LINE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errTail = '';
  child.stderr!.on('data', (d: Buffer) => {
    errTail = (errTail + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within ${opts.timeoutMs ?? 60_000} ms:\n${errTail}`)), opts.timeoutMs ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.includes('"varde":"listening"')) continue;
        try {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        } catch {
          /* not our line after all */
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${errTail}`));
    });
  });
  const pid = child.pid!;
  return {
    url, pid, child, exited,
    stderr: () => errTail,
    async stop(ms = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resident set size and peak (kB) and CPU time (ms) of a process, from /proc (Linux only). */
export function processStats(pid: number): { rssKb: number; hwmKb: number; cpuMs: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = (Number(rest[11]) + Number(rest[12])) * 10;
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuMs };
  } catch {
    return null;
  }
}

import { spawn } from 'node:child_process';
import pg from 'pg';
import { join } from 'node:path';
import { runLoad, percentile, type LoadRequest } from './http-load.js';
import { processStats, REPO_ROOT } from '../src/sim/child-server.js';

/** What this machine does for a request that does nothing: the yardstick the bench's figures are read against. */
export interface Floor {
  perS: number;
  p50: number;
  p99: number;
  concurrency: number;
  /** CPU ms per request of the floor server and of the load generator. */
  cpuMsPerRequest: { server: number; bench: number };
}

/**
 * Measures the HTTP floor: a bare fastify route (bench/floor-server.mjs, its own process, with the
 * bench server's NODE_OPTIONS) driven by the bench's own load generator at the single phase's
 * concurrency with the single phase's request body. No ingest can be faster than this on the same
 * machine, so the floor turns the machine-bound throughput targets into fractions that travel between
 * machines: round 9's VM served ~15 800 req/s here, round 25's 2 952–4 600, and the same code's figures
 * are compared across them as "% of floor" and as CPU per request relative to the floor's. Those
 * floors were node:http's, the client's own ceiling (one core busy); with undici (round 32) the same
 * route serves 25 800–28 200 req/s on round 31's VM, so floors of rounds 9–31 compare only with
 * BENCH_CLIENT=node-http runs.
 */
export async function measureFloor(opts: { seconds: number; concurrency: number; nodeOptions: string; make: (i: number) => LoadRequest }): Promise<Floor> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'floor-server.mjs')], {
    cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: opts.nodeOptions }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('floor server did not start in 15 s')), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\S+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]!); }
      });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`floor server exited (${code})`)); });
    });
    const make = (i: number): LoadRequest => ({ ...opts.make(i), path: '/floor' });
    // Warm-up: JIT and keep-alive connections, as the ingest phases get.
    await runLoad({ base, concurrency: 4, durationMs: 3000, maxRequests: 300, make });
    const before = processStats(child.pid!);
    const bench0 = process.cpuUsage();
    const r = await runLoad({ base, concurrency: opts.concurrency, durationMs: opts.seconds * 1000, maxRequests: 1_000_000, make });
    const after = processStats(child.pid!);
    const benchUs = process.cpuUsage(bench0);
    const n = r.latencies.length;
    if (n === 0) throw new Error(`floor: no request succeeded (${r.samples.join('; ')})`);
    return {
      perS: (n / r.elapsedMs) * 1000,
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
      concurrency: opts.concurrency,
      cpuMsPerRequest: { server: before && after ? (after.cpuMs - before.cpuMs) / n : NaN, bench: (benchUs.user + benchUs.system) / 1000 / n },
    };
  } finally {
    child.kill('SIGTERM');
  }
}

/** What this PostgreSQL does for the smallest durable write: the yardstick for the database-bound figures. */
export interface CommitFloor {
  commitsPerS: number;
  connections: number;
  /** CPU ms per commit of the database cluster (throwaway cluster only, else NaN) and of the bench process. */
  cpuMsPerCommit: { db: number; bench: number };
}

/**
 * Measures the database's commit floor: `connections` clients each inserting one row per
 * transaction (autocommit, a bigserial key and one int) into one scratch table, for `seconds`.
 * The figure the issue quoted for its machine ("PostgreSQL itself does ~12 000 single-row
 * commits/s"), so the database-bound figures (batched ingest, the sweep) can be read against the
 * machine too. The table is dropped afterwards.
 */
export async function measureCommitFloor(opts: { url: string; seconds: number; connections: number; dbCpuMs: () => number }): Promise<CommitFloor> {
  const admin = new pg.Client({ connectionString: opts.url });
  await admin.connect();
  await admin.query('create table bench_commit_floor (id bigserial primary key, v int not null)');
  const clients = await Promise.all(Array.from({ length: opts.connections }, async () => {
    const c = new pg.Client({ connectionString: opts.url });
    await c.connect();
    return c;
  }));
  try {
    const run = async (ms: number) => {
      const deadline = performance.now() + ms;
      let n = 0;
      await Promise.all(clients.map(async (c, k) => {
        while (performance.now() < deadline) {
          await c.query({ name: 'floor_insert', text: 'insert into bench_commit_floor (v) values ($1)', values: [k] });
          n++;
        }
      }));
      return n;
    };
    await run(1000); // warm-up: connections, prepared statements
    const db0 = opts.dbCpuMs();
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    const n = await run(opts.seconds * 1000);
    const elapsed = performance.now() - t0;
    const b = process.cpuUsage(bench0);
    return {
      commitsPerS: (n / elapsed) * 1000,
      connections: opts.connections,
      cpuMsPerCommit: { db: (opts.dbCpuMs() - db0) / n, bench: (b.user + b.system) / 1000 / n },
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin.query('drop table bench_commit_floor').catch(() => undefined);
    await admin.end();
  }
}

import http from 'node:http';
import { Pool } from 'undici';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Latency of each successful request, ms. */
  latencies: number[];
  elapsedMs: number;
  /** First few unexpected answers, for the report. */
  samples: string[];
}

/**
 * The bench's HTTP client. `undici` (the default since round 32): Node's own HTTP/1.1 client
 * project, one keep-alive connection per worker, no pipelining. `node-http` (BENCH_CLIENT=node-http):
 * node:http with a keep-alive Agent, the client of rounds 1–31. Both are closed-loop: a worker sends
 * its next request only when the answer to the last one is in. They differ in what the client costs
 * the two cores it shares with the server and the database: against the bare fastify route,
 * node:http saturated one core at 14 000–16 000 req/s (62–70 µs of CPU per request) where undici
 * served 28 000–33 000 (31–38 µs), so "the HTTP floor" of rounds 9–31 was the client's, and the
 * ingest phases lent the client CPU the server could have used (bench/README.md, "Round 32").
 */
export type LoadClient = 'undici' | 'node-http';

/** The client from BENCH_CLIENT (default undici). */
export function loadClient(): LoadClient {
  const c = process.env.BENCH_CLIENT ?? 'undici';
  if (c !== 'undici' && c !== 'node-http') throw new Error(`BENCH_CLIENT must be undici or node-http, not ${c}`);
  return c;
}

type Send = (req: LoadRequest) => Promise<{ status: number; body: string | null }>;

/**
 * A sender over `concurrency` keep-alive connections to `base`. The body of a 2xx answer is read
 * to its end and dropped (a worklist page is a few hundred kB: the client receives all of it); the
 * body of any other answer is kept for the report.
 */
function sender(client: LoadClient, base: string, concurrency: number, ok: (status: number) => boolean): { send: Send; close: () => Promise<void> } {
  if (client === 'undici') {
    const pool = new Pool(base, { connections: concurrency, pipelining: 1 });
    return {
      send: async (req) => {
        const res = await pool.request({ method: req.method, path: req.path, headers: req.headers, body: req.body ?? null });
        if (!ok(res.statusCode)) return { status: res.statusCode, body: await res.body.text() };
        for await (const _ of res.body); // read to the end, keep nothing
        return { status: res.statusCode, body: null };
      },
      close: () => pool.close(),
    };
  }
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    send: (req) =>
      new Promise((resolve, reject) => {
        const r = http.request(
          { host: url.hostname, port: url.port, method: req.method, path: req.path, agent, headers: { ...req.headers, ...(req.body ? { 'content-length': Buffer.byteLength(req.body) } : {}) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        r.on('error', reject);
        if (req.body) r.write(req.body);
        r.end();
      }),
    close: async () => agent.destroy(),
  };
}

/**
 * A closed-loop HTTP load generator: `concurrency` workers on keep-alive connections, each sending
 * its next request as soon as the previous answer is in, until `durationMs` or `maxRequests` is
 * reached (both bounded, so a run always ends). The client is BENCH_CLIENT's (loadClient above).
 */
export async function runLoad(opts: {
  base: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  make: (i: number) => LoadRequest;
  ok?: (status: number) => boolean;
}): Promise<LoadResult> {
  const ok = opts.ok ?? ((s) => s >= 200 && s < 300);
  const { send, close } = sender(loadClient(), opts.base, opts.concurrency, ok);
  const latencies: number[] = [];
  const samples: string[] = [];
  let issued = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;

  const worker = async () => {
    while (issued < opts.maxRequests && performance.now() < deadline) {
      const req = opts.make(issued++);
      const start = performance.now();
      try {
        const res = await send(req);
        if (ok(res.status)) latencies.push(performance.now() - start);
        else {
          errors++;
          if (samples.length < 3) samples.push(`${res.status} ${(res.body ?? '').slice(0, 200)}`);
        }
      } catch (err) {
        errors++;
        if (samples.length < 3) samples.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  await close();
  return { requests: latencies.length + errors, errors, latencies, elapsedMs, samples };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

import http from 'node:http';

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
 * A closed-loop HTTP load generator: `concurrency` workers on keep-alive connections, each sending
 * its next request as soon as the previous answer is in, until `durationMs` or `maxRequests` is
 * reached (both bounded, so a run always ends). node:http rather than fetch: less client CPU per
 * request, which matters when client and server share two cores.
 */
export async function runLoad(opts: {
  base: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  make: (i: number) => LoadRequest;
  ok?: (status: number) => boolean;
}): Promise<LoadResult> {
  const url = new URL(opts.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const ok = opts.ok ?? ((s) => s >= 200 && s < 300);
  const latencies: number[] = [];
  const samples: string[] = [];
  let issued = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;

  const one = (req: LoadRequest) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
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
    });

  const worker = async () => {
    while (issued < opts.maxRequests && performance.now() < deadline) {
      const req = opts.make(issued++);
      const start = performance.now();
      try {
        const res = await one(req);
        if (ok(res.status)) latencies.push(performance.now() - start);
        else {
          errors++;
          if (samples.length < 3) samples.push(`${res.status} ${res.body.slice(0, 200)}`);
        }
      } catch (err) {
        errors++;
        if (samples.length < 3) samples.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return { requests: latencies.length + errors, errors, latencies, elapsedMs, samples };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

import { cohort, sittingOn, type CohortOptions, type SimSitting } from './cohort.js';

export interface StreamOptions extends CohortOptions {
  /** Server origin, e.g. http://127.0.0.1:3000 */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Readings per second (default 20). */
  rate?: number;
  /** Readings per upload (default 10). */
  batchSize?: number;
  /** Stops after this long even if readings are left (default 120 s). */
  durationMs?: number;
  /** Serial the gateway reports; part of the idempotency key, so keep it stable between runs. */
  deviceSerial?: string;
  log?: (line: string) => void;
}

export interface StreamResult {
  uploads: number;
  readings: number;
  created: number;
  duplicates: number;
  refused: number;
  zones: Record<string, number>;
  ms: number;
}

interface UploadAnswer {
  created?: number;
  duplicates?: number;
  results?: { zone: string | null }[];
  error?: { code: string; message: string };
}

/**
 * Streams today's readings of a cohort to a running server over the ingest API, as a device
 * gateway would: client credentials, small uploads at a steady rate, bounded in time. Patients with
 * a deterioration go first so a demo shows red on the worklist within seconds. Reading ids are
 * stable per patient and day, so running it twice stores nothing twice.
 */
export async function streamLive(opts: StreamOptions): Promise<StreamResult> {
  const log = opts.log ?? (() => undefined);
  const rate = opts.rate ?? 20;
  const batchSize = Math.max(1, opts.batchSize ?? 10);
  const deadline = Date.now() + (opts.durationMs ?? 120_000);
  const t0 = Date.now();

  const sittings: { sitting: SimSitting; identifier: string; ill: boolean }[] = [];
  for (const p of cohort(opts)) {
    const s = sittingOn(p, opts.days, opts);
    if (s) sittings.push({ sitting: s, identifier: p.identifier, ill: p.deterioration !== null && p.deterioration.startDay <= opts.days });
  }
  sittings.sort((a, b) => Number(b.ill) - Number(a.ill));
  log(`streaming ${sittings.length} readings to ${opts.url} at ${rate}/s in uploads of ${batchSize}`);

  let token = await fetchToken(opts);
  const out: StreamResult = { uploads: 0, readings: 0, created: 0, duplicates: 0, refused: 0, zones: {}, ms: 0 };
  const interval = (batchSize / rate) * 1000;
  for (let i = 0; i < sittings.length && Date.now() < deadline; i += batchSize) {
    const started = Date.now();
    const slice = sittings.slice(i, i + batchSize);
    const sentAt = new Date();
    const body = {
      sentAt: sentAt.toISOString(),
      device: { serial: opts.deviceSerial ?? 'SIM-GW-1', model: 'Varde simulator' },
      readings: slice.map(({ sitting, identifier }, k) => ({
        readingId: sitting.readingId,
        patientIdentifier: identifier,
        // Measured just now (a few seconds apart), whatever time of day the demo runs.
        effectiveAt: new Date(sentAt.getTime() - (slice.length - k) * 1000).toISOString(),
        measurements: sitting.measurements,
      })),
    };
    let res = await upload(opts.url, token, body);
    if (res.status === 401) {
      token = await fetchToken(opts);
      res = await upload(opts.url, token, body);
    }
    out.uploads++;
    if (res.status === 200 || res.status === 201) {
      out.readings += slice.length;
      out.created += res.body.created ?? 0;
      out.duplicates += res.body.duplicates ?? 0;
      for (const r of res.body.results ?? []) out.zones[r.zone ?? 'none'] = (out.zones[r.zone ?? 'none'] ?? 0) + 1;
    } else {
      out.refused += slice.length;
      log(`upload refused (${res.status}): ${res.body.error?.message ?? 'no details'}`);
    }
    if (out.uploads % 10 === 0) log(`  ${out.readings} readings sent: ${out.created} new, ${out.duplicates} already stored; zones ${JSON.stringify(out.zones)}`);
    const wait = interval - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
  }
  out.ms = Date.now() - t0;
  return out;
}

async function fetchToken(opts: StreamOptions): Promise<string> {
  const res = await fetch(new URL('/auth/token', opts.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret, scope: 'observation.write' }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (!res.ok || !body.access_token) throw new Error(`token request refused (${res.status} ${body.error ?? ''}): check --client-id and --client-secret`);
  return body.access_token;
}

/** One upload with a few retries on network errors (the server may be restarting). */
async function upload(url: string, token: string, body: unknown): Promise<{ status: number; body: UploadAnswer }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(new URL('/api/ingest/observations', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as UploadAnswer };
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

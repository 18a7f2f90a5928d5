import type { QueuedReading, ReadingQueue } from './queue.js';

/*
 * Upload through the device ingest (src/server/ingest): a bearer token from POST /auth/token
 * (client credentials, scope observation.write), then POST /api/ingest/observations with one
 * upload per device and clock offset. The idempotency key is the client, the device serial and
 * the reading id, so sending again after a lost answer stores nothing twice.
 */

export interface UploadResult {
  uploaded: number;
  duplicates: number;
  rejected: number;
  pending: number;
  /** Why flushing stopped early (offline, server error); readings stay queued. */
  stoppedBecause?: string;
}

type Fetch = typeof fetch;

/** A client of the ingest API with client credentials. */
export class IngestClient {
  private token: { value: string; until: number } | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly fetchImpl: Fetch = fetch,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async bearer(): Promise<string> {
    if (this.token && this.token.until > this.now().getTime()) return this.token.value;
    const res = await this.fetchImpl(new URL('/auth/token', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.clientId, client_secret: this.clientSecret, scope: 'observation.write' }).toString(),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error_description?: string; error?: unknown };
    if (!res.ok || !body.access_token) throw new HttpFailure(res.status, 'token_refused', `The server refused the gateway's client credentials (${res.status}${body.error_description ? `: ${body.error_description}` : ''}).`);
    // Renew a minute early so a token never expires mid-upload.
    this.token = { value: body.access_token, until: this.now().getTime() + ((body.expires_in ?? 3600) - 60) * 1000 };
    return this.token.value;
  }

  /** POSTs one ingest upload; retries once with a fresh token on 401. */
  async upload(body: unknown): Promise<{ status: number; body: IngestAnswer }> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetchImpl(new URL('/api/ingest/observations', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.bearer()}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      if (res.status === 401 && attempt === 0) {
        this.token = null;
        continue;
      }
      return { status: res.status, body: (await res.json().catch(() => ({}))) as IngestAnswer };
    }
  }
}

export interface IngestAnswer {
  created?: number;
  duplicates?: number;
  error?: { code: string; message: string; fields?: Record<string, string> };
}

export class HttpFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Readings that go up together: same device and same clock (the server measures one offset per upload). */
function groups(pending: readonly QueuedReading[]): QueuedReading[][] {
  const by = new Map<string, QueuedReading[]>();
  for (const r of pending) {
    // HI/LO readings go in an upload of their own, so a server that does not take meter flags yet refuses only them.
    const flagged = r.measurements.some((m) => m.interpretation !== undefined);
    const k = `${r.device.serial}\n${r.device.bluetoothId}\n${r.deviceOffsetMs}\n${flagged}`;
    by.set(k, [...(by.get(k) ?? []), r]);
  }
  return [...by.values()];
}

/** At most this many readings per upload (the API takes 1000). */
const BATCH = 500;

/**
 * Sends everything queued, oldest first per device. Acknowledged readings (created or duplicate)
 * leave the queue; an upload the server refuses (4xx: unknown device, not lent, implausible
 * value) is moved to `rejected` with the server's message so it is not retried forever; offline,
 * 5xx or 429 stop the flush and leave the rest queued for the next attempt.
 */
export async function flushQueue(queue: ReadingQueue, client: IngestClient, now: () => Date = () => new Date()): Promise<UploadResult> {
  const out: UploadResult = { uploaded: 0, duplicates: 0, rejected: 0, pending: queue.pending.length };
  for (const group of groups(queue.pending)) {
    for (let i = 0; i < group.length; i += BATCH) {
      const batch = group.slice(i, i + BATCH);
      const first = batch[0]!;
      // sentAt is the device's clock now: the server compares it with its own and shifts every
      // effectiveAt by the difference when it is beyond transmission delay.
      const body = {
        sentAt: new Date(now().getTime() + first.deviceOffsetMs).toISOString(),
        device: { serial: first.device.serial, ...(first.device.model ? { model: first.device.model } : {}), bluetoothId: first.device.bluetoothId, ...(first.device.systemId ? { systemId: first.device.systemId } : {}) },
        readings: batch.map((r) => ({ readingId: r.readingId, effectiveAt: r.effectiveAt, measurements: r.measurements })),
      };
      let res: { status: number; body: IngestAnswer };
      try {
        res = await client.upload(body);
      } catch (e) {
        if (e instanceof HttpFailure && e.status >= 400 && e.status < 500) return { ...out, stoppedBecause: e.message, pending: queue.pending.length };
        return { ...out, stoppedBecause: `offline: ${(e as Error).message}`, pending: queue.pending.length };
      }
      if (res.status === 200 || res.status === 201) {
        queue.remove(batch);
        out.uploaded += res.body.created ?? 0;
        out.duplicates += res.body.duplicates ?? 0;
      } else if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
        const e = res.body.error ?? { code: `http_${res.status}`, message: `HTTP ${res.status}` };
        // The server refuses an upload whole but names the readings at fault: set those aside and
        // send the rest again, so one bad record (say, from the previous borrower) holds up nothing else.
        const named = new Set(Object.keys(e.fields ?? {}).flatMap((k) => {
          const m = /^readings\.(\d+)\./.exec(k);
          return m ? [Number(m[1])] : [];
        }));
        const bad = named.size > 0 && named.size < batch.length ? batch.filter((_, j) => named.has(j)) : batch;
        queue.remove(bad, { status: res.status, code: e.code, message: e.message, at: now().toISOString() });
        out.rejected += bad.length;
        if (bad !== batch) {
          const again = await flushQueue(queue, client, now);
          return { uploaded: out.uploaded + again.uploaded, duplicates: out.duplicates + again.duplicates, rejected: out.rejected + again.rejected, pending: again.pending, ...(again.stoppedBecause ? { stoppedBecause: again.stoppedBecause } : {}) };
        }
      } else {
        return { ...out, stoppedBecause: `server answered ${res.status}`, pending: queue.pending.length };
      }
    }
  }
  return { ...out, pending: queue.pending.length };
}

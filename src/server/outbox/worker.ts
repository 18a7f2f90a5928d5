import { randomBytes } from 'node:crypto';
import type { Db } from '../db/port.js';
import { type BackoffPolicy, DEFAULT_BACKOFF, isRetryable, retryAfterMs, retryDelayMs } from './backoff.js';
import * as repo from './repo.js';

/** What the worker needs of a logger (pino's shape). */
export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Gives the bearer token for a receiver's HelseID client (client credentials with a signed JWT
 * assertion and DPoP in production). Not implemented yet: see docs/INTEGRATION.md.
 */
export type TokenSource = ((receiver: { kind: repo.ReceiverKind; helseIdClientId: string; url: string }) => Promise<string>) & {
  /** Forgets a cached token the receiver refused (401), so the next attempt gets a fresh one. */
  invalidate?: (receiver: { kind: repo.ReceiverKind; helseIdClientId: string; url: string }) => void;
};

export interface WorkerOptions {
  now?: () => Date;
  log?: WorkerLog;
  /** Unique per process; a random one by default. */
  id?: string;
  /** How long the single-worker lease lasts without renewal (a killed worker is replaced after this). */
  leaseMs?: number;
  /** A delivery that has not answered by then is abandoned and retried; must be shorter than the lease. */
  requestTimeoutMs?: number;
  /** Attempts before a message becomes a dead letter. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  /** Messages claimed per transaction; 1 (the default) counts an attempt only for the message being sent. */
  batch?: number;
  fetch?: typeof fetch;
  /** Production refuses plain-http receivers and sending without a HelseID token. */
  production?: boolean;
  token?: TokenSource;
  /**
   * Jobs that queue documents (Pasientens måledata) run by the leader only, before it delivers,
   * at most every `producerEveryMs` (default 60 s): exactly one process queues, off ingest's path.
   */
  producers?: ((db: Db, now: Date) => Promise<unknown>)[];
  producerEveryMs?: number;
}

export interface TickResult {
  leader: boolean;
  delivered: number;
  retried: number;
  dead: number;
}

/** 10 attempts with the default back-off span about 40 minutes of trying before a person is asked. */
export const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Delivers the outbox. One worker delivers at a time across every process on the database (a
 * lease row it renews before each message); each message is claimed before it is sent and
 * settled after, so a worker killed with -9 mid-delivery leaves its message to be sent again —
 * with the same idempotency key, which the receiver uses to keep it once.
 */
export class OutboxWorker {
  readonly id: string;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private running: Promise<TickResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = false;
  private producedAt = -Infinity;

  constructor(private readonly db: Db, private readonly opts: WorkerOptions = {}) {
    this.id = opts.id ?? `worker-${process.pid}-${randomBytes(6).toString('hex')}`;
    this.now = opts.now ?? (() => new Date());
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.timeoutMs = Math.min(opts.requestTimeoutMs ?? 10_000, Math.floor(this.leaseMs / 2));
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** Runs `tick` every `intervalMs`, and at once when a message is written (NOTIFY). */
  async start(intervalMs: number): Promise<void> {
    const run = () => {
      if (this.stopped) return;
      this.tick().catch((err: unknown) => this.opts.log?.error({ err }, 'outbox delivery failed'));
    };
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
    this.unlisten = await this.db.listen(repo.OUTBOX_CHANNEL, run);
    run();
  }

  /** Stops ticking, waits for the round in progress and gives the lease up for another process. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => undefined);
    await this.running?.catch(() => undefined);
    await repo.releaseLease(this.db, this.id).catch(() => undefined);
  }

  /** One round: take the lease, deliver what is due. A round still running is not started twice. */
  tick(): Promise<TickResult> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<TickResult> {
    const out: TickResult = { leader: false, delivered: 0, retried: 0, dead: 0 };
    const lease = () => {
      const now = this.now();
      return repo.takeLease(this.db, this.id, now, new Date(now.getTime() + this.leaseMs));
    };
    if (!(await lease())) return out;
    out.leader = true;
    await this.produce();
    for (;;) {
      if (this.stopped) break;
      const now = this.now();
      const claimed = await this.db.tx((tx) =>
        repo.claimDue(tx, this.id, now, new Date(now.getTime() + this.leaseMs), this.opts.batch ?? 1),
      );
      if (!claimed.length) break;
      for (const m of claimed) {
        // Renewed before every message: a delivery never outlives the lease (timeout < lease / 2).
        if (this.stopped || !(await lease())) return out;
        const r = await this.deliver(m);
        out[r]++;
      }
      if (claimed.length < (this.opts.batch ?? 1)) break;
    }
    return out;
  }

  /** Runs the producers when they are due; one failing does not stop delivery. */
  private async produce(): Promise<void> {
    const now = this.now();
    if (!this.opts.producers?.length || now.getTime() - this.producedAt < (this.opts.producerEveryMs ?? 60_000)) return;
    this.producedAt = now.getTime();
    for (const p of this.opts.producers) {
      await p(this.db, now).catch((err: unknown) => this.opts.log?.error({ err }, 'outbox producer failed'));
    }
  }

  private async deliver(m: repo.ClaimedMessage): Promise<'delivered' | 'retried' | 'dead'> {
    const fail = async (status: number | null, error: string, retryable: boolean, after?: number) => {
      const now = this.now();
      const dead = !retryable || m.attempts >= this.maxAttempts;
      const wait = Math.max(retryDelayMs(m.attempts, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random), after ?? 0);
      await repo.markFailed(this.db, m.id, this.id, { status, error, dead, nextAttemptAt: new Date(now.getTime() + wait), at: now });
      const what = dead ? 'dead' : 'retried';
      this.opts.log?.warn({ outboxId: m.id, kind: m.document_kind, attempts: m.attempts, status, error: error.slice(0, 200), [what]: true }, `outbox delivery failed (${what})`);
      return what;
    };
    if (m.body === null) return fail(null, m.last_error ?? 'The document could not be built.', false);
    const headers: Record<string, string> = {
      'content-type': m.content_type,
      'idempotency-key': m.idempotency_key,
      'x-varde-document-kind': m.document_kind,
      'user-agent': 'Varde outbox',
    };
    if (this.opts.production) {
      if (!m.url.startsWith('https://')) return fail(null, 'Receivers must use https:// in production.', false);
      if (!m.helseid_client_id || !this.opts.token) return fail(null, 'HelseID client authentication is not configured for this receiver.', false);
    }
    if (m.helseid_client_id && this.opts.token) {
      try {
        headers.authorization = `Bearer ${await this.opts.token({ kind: m.receiver_kind, helseIdClientId: m.helseid_client_id, url: m.url })}`;
      } catch (err) {
        return fail(null, `HelseID token: ${(err as Error).message}`, true);
      }
    }
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(m.url, { method: 'POST', headers, body: m.body, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return fail(null, e.name === 'TimeoutError' ? `No answer within ${this.timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`, true);
    }
    const text = await res.text().catch(() => '');
    // A refused token (revoked, or expired early) is not a refused document: drop it and try again with a new one.
    if (res.status === 401 && headers.authorization && this.opts.token?.invalidate && m.helseid_client_id) {
      this.opts.token.invalidate({ kind: m.receiver_kind, helseIdClientId: m.helseid_client_id, url: m.url });
      return fail(401, `HTTP 401 (token refused; a new one is fetched for the next attempt): ${text.slice(0, 300)}`, true);
    }
    if (res.ok) {
      await repo.markDelivered(this.db, m.id, this.id, res.status, this.now());
      return 'delivered';
    }
    return fail(res.status, `HTTP ${res.status}: ${text.slice(0, 500)}`, isRetryable(res.status), retryAfterMs(res.headers.get('retry-after'), this.now()));
  }
}

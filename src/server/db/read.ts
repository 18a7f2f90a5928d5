import type { Logger } from 'pino';
import type { Db, QueryOptions, QueryResult } from './port.js';
import { openPostgres } from './postgres.js';

/**
 * Read routing to a PostgreSQL streaming replica (`DATABASE_READ_URL`).
 *
 * Only single statements outside a transaction go to the replica, and only where a service asks
 * for them through `ctx.readDb` (reports, FHIR searches, observation lists). `tx`, `exec` and
 * `listen` on the read Db run on the primary, so anything inside a transaction, every write and
 * every access check or audit record (they take `ctx.db`) stays there.
 *
 * Replication lag is handled in three ways (docs/SCALING.md):
 * - read-your-writes: after a caller's write (any non-GET request) their reads stay on the primary
 *   for `stickyMs` in this process (`wrote`/`forActor`);
 * - a replica further behind than `maxLagMs` (measured every second by comparing the primary's WAL
 *   position with the replica's replayed position) gets no reads until it has caught up;
 * - a replica that cannot answer (connection refused, shut down, recovery conflict) costs a retry
 *   of that statement on the primary, never an error to the caller.
 */
export interface ReadRouter {
  /** The Db for this caller's reads: the replica, or the primary while sticky or while the replica lags. */
  forActor(actorKey: string): Db;
  /** Records that this caller wrote: their reads go to the primary for a while. */
  wrote(actorKey: string): void;
  /** The replica-routed Db regardless of stickiness (for tests and tools). */
  readonly replica: Db;
  /** Whether reads currently go to the replica (it answered and is within `maxLagMs`). */
  healthy(): boolean;
  close(): Promise<void>;
}

export interface ReadRouterOptions {
  stickyMs?: number;
  maxLagMs?: number;
  /** How often the replica's lag is measured; 0 = never (then it counts as healthy until a query fails). */
  checkMs?: number;
  log?: Pick<Logger, 'warn'>;
  /** Pool size on the replica. */
  max?: number;
  /** Prepared statements on the replica's connections (as on the primary; default on). */
  prepare?: boolean;
}

/** SQLSTATE classes after which the same read is retried on the primary. */
function replicaUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET…) or a pool error.
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  // 08 connection exception, 57P operator intervention (shutdown), 53 insufficient resources,
  // 40001 "canceling statement due to conflict with recovery" on a hot standby.
  return code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || code === '40001';
}

class NotStandby extends Error {
  constructor() {
    super('DATABASE_READ_URL is not a standby (pg_is_in_recovery() is false): point it at a streaming replica of DATABASE_URL');
  }
}

/** 'X/Y' (pg_lsn) → a comparable number of bytes. */
export function lsnBytes(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/**
 * Opens the replica pool and returns the router. Throws when the URL answers but is not a server
 * in recovery: a writable "replica" would mean reads from a database the primary never writes to.
 * A replica that does not answer at start does not stop the app: reads go to the primary until it
 * does.
 */
export async function openReadRouter(primary: Db, url: string, opts: ReadRouterOptions = {}): Promise<ReadRouter> {
  const stickyMs = opts.stickyMs ?? 5_000;
  const maxLagMs = opts.maxLagMs ?? 10_000;
  const pool = await openPostgres(url, { max: opts.max ?? 10, check: false, prepare: opts.prepare ?? true });
  let healthy = true;
  let warned = false;
  try {
    const r = await pool.query<{ recovery: boolean }>('select pg_is_in_recovery() as recovery');
    if (!r.rows[0]?.recovery) {
      await pool.close();
      throw new NotStandby();
    }
  } catch (err) {
    if (err instanceof NotStandby || !replicaUnavailable(err)) throw err;
    opts.log?.warn({ err }, 'read replica unavailable at start: reading from the primary until it answers');
    healthy = false;
    warned = true;
  }

  const markDown = (err: unknown) => {
    if (!warned) opts.log?.warn({ err }, 'read replica unavailable: reading from the primary');
    warned = true;
  };

  const replica: Db = {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[], qopts?: QueryOptions): Promise<QueryResult<T>> {
      if (!healthy) return primary.query<T>(sql, params, qopts);
      try {
        return await pool.query<T>(sql, params, qopts);
      } catch (err) {
        if (!replicaUnavailable(err)) throw err;
        markDown(err);
        return primary.query<T>(sql, params, qopts);
      }
    },
    tx: (fn, opts) => primary.tx(fn, opts),
    exec: (sql) => primary.exec(sql),
    listen: (channel, on) => primary.listen(channel, on),
    // The primary belongs to whoever opened it.
    close: () => pool.close(),
  };

  // Lag: the replica is fresh when it has replayed what the primary had written maxLagMs ago.
  const samples: { at: number; lsn: bigint }[] = [];
  async function check(): Promise<void> {
    const now = Date.now();
    try {
      const p = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      samples.push({ at: now, lsn: lsnBytes(p.rows[0]!.lsn) });
      while (samples.length > 1 && samples[1]!.at <= now - maxLagMs) samples.shift();
      const s = await pool.query<{ recovery: boolean; lsn: string | null }>('select pg_is_in_recovery() as recovery, pg_last_wal_replay_lsn()::text as lsn');
      const replayed = s.rows[0]?.lsn ? lsnBytes(s.rows[0].lsn) : -1n;
      // The oldest sample kept is at most maxLagMs old: if even that is not replayed, the replica lags too far.
      const oldest = samples[0]!;
      // A promoted standby is no longer fed by the primary: no reads from it.
      const fresh = s.rows[0]?.recovery === true && (replayed >= oldest.lsn || now - oldest.at < maxLagMs);
      if (healthy && !fresh) opts.log?.warn({ maxLagMs }, 'read replica lags: reading from the primary until it catches up');
      healthy = fresh;
      if (fresh) warned = false;
    } catch (err) {
      if (healthy) markDown(err);
      healthy = false;
    }
  }
  const checkMs = opts.checkMs ?? 1_000;
  const timer = checkMs > 0 ? setInterval(() => void check(), checkMs) : undefined;
  timer?.unref();

  const sticky = new Map<string, number>();
  return {
    replica,
    healthy: () => healthy,
    wrote(actorKey) {
      if (stickyMs <= 0) return;
      const now = Date.now();
      sticky.set(actorKey, now + stickyMs);
      // Keep the map as small as the set of recent writers.
      if (sticky.size > 10_000) for (const [k, until] of sticky) if (until <= now) sticky.delete(k);
    },
    forActor(actorKey) {
      const until = sticky.get(actorKey);
      if (until === undefined) return replica;
      if (until > Date.now()) return primary;
      sticky.delete(actorKey);
      return replica;
    },
    async close() {
      if (timer) clearInterval(timer);
      await pool.close();
    },
  };
}

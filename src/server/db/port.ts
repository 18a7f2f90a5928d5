/**
 * The store port. Services and repos see only this interface, so the same SQL runs on the
 * embedded PGlite (demo, `npm start`) and on a real PostgreSQL (production, CI).
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** How one statement is run; ignored where it means nothing (PGlite). */
export interface QueryOptions {
  /**
   * Plan it on every execution, with the tables' size as it is now (PostgreSQL: sent unnamed
   * instead of as a per-connection prepared statement). For lookups on a table that starts empty
   * and can grow fast, like fhir_resources: a plan made while it was empty scans it whole, and a
   * prepared statement keeps that plan until the next ANALYZE of the table (bench/README.md, "Round
   * 7"). The price is a planning per execution.
   */
  replan?: boolean;
}

/** Anything that can run a parameterised statement: the pool or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<T>>;
}

/** How a transaction runs its statements; ignored where it means nothing (PGlite). */
export interface TxOptions {
  /**
   * Reuse each prepared statement's generic plan instead of planning it again for every set of
   * parameters (PostgreSQL's `plan_cache_mode = force_generic_plan`, for this transaction only).
   * For transactions made only of statements whose plan does not depend on their parameters'
   * values — index probes by key through `unnest` of array parameters, like the write path's group
   * commits — where PostgreSQL otherwise keeps choosing custom plans and pays a planning per
   * execution. Not for searches whose best plan depends on a range or a skewed value.
   */
  genericPlans?: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; a throw rolls everything back. */
  tx<T>(fn: (tx: Queryable) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Runs a script of several statements (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  /**
   * Subscribes to a NOTIFY channel. Notifications sent inside a transaction arrive after
   * commit, so a listener never sees an event for data that was rolled back.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Sends a notification; call inside the writing transaction so it is delivered on commit only. */
export async function notify(q: Queryable, channel: string, payload: unknown): Promise<void> {
  await q.query('select pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
}

import type { Logger } from 'pino';
import type { Actor } from './auth/actor.js';
import type { Db } from './db/port.js';
import type { Config } from './config/index.js';

/** What every service call gets: the store, who is asking, and the clock (injectable for tests). */
export interface Ctx {
  /** The primary: writes, transactions, access checks and audit records. */
  db: Db;
  /**
   * For reads that tolerate replication lag (reports, FHIR searches, observation lists): a
   * streaming replica when DATABASE_READ_URL is set and the caller has not just written, else
   * the primary. Unset = the primary; use `readDbOf(ctx)`.
   */
  readDb?: Db;
  actor: Actor;
  now: () => Date;
  log: Logger;
  config: Config;
  /** Method and route pattern, recorded with audit events. */
  route?: string;
}

/** The Db for lag-tolerant reads of this call (the replica when configured, else the primary). */
export function readDbOf(ctx: Pick<Ctx, 'db' | 'readDb'>): Db {
  return ctx.readDb ?? ctx.db;
}

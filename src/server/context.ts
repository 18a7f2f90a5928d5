import type { Logger } from 'pino';
import type { Actor } from './auth/actor.js';
import type { Db } from './db/port.js';
import type { Config } from './config/index.js';

/** What every service call gets: the store, who is asking, and the clock (injectable for tests). */
export interface Ctx {
  db: Db;
  actor: Actor;
  now: () => Date;
  log: Logger;
  config: Config;
  /** Method and route pattern, recorded with audit events. */
  route?: string;
}

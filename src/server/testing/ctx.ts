import pino from 'pino';
import { loadConfig } from '../config/index.js';
import type { Ctx } from '../context.js';
import type { Db } from '../db/port.js';

/**
 * The service context of a device client of `organisationId` posting to ingest, for tests that call
 * the write path's services directly (no server): real clock, silent log, default configuration.
 */
export function deviceClientCtx(db: Db, organisationId: string, clientId: string): Ctx {
  return {
    db, now: () => new Date(), log: pino({ level: 'silent' }), config: loadConfig({}), route: 'POST /api/ingest/observations',
    actor: { kind: 'client', clientId, organisationId, scopes: ['observation.write'] },
  };
}

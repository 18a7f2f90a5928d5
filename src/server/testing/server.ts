import { loadConfig } from '../config/index.js';
import type { Db } from '../db/port.js';
import { startServer, type Server } from '../server.js';

/** The real server on 127.0.0.1 and a free port, with the test's database and clock. */
export async function startTestServer(db: Db, opts: { now?: () => Date; env?: Record<string, string> } = {}): Promise<Server> {
  const config = loadConfig({}, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', LOCAL_IDP: 'true', ...opts.env });
  return startServer(config, { db, sweepMs: 0, ...(opts.now ? { now: opts.now } : {}) });
}

import { after, before } from 'node:test';
import { loadConfig } from '../config/index.js';
import type { PlanDefinition } from '../../domain/plan.js';
import type { Db } from '../db/port.js';
import type { Server } from '../server.js';
import { testDb } from './db.js';
import { cookiesFor, seedFixture, type Fixture } from './fixtures.js';

/** The real server on 127.0.0.1 and a free port, with the test's database and clock. */
export async function startTestServer(db: Db, opts: { now?: () => Date; env?: Record<string, string> } = {}): Promise<Server> {
  const config = loadConfig({}, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', LOCAL_IDP: 'true', ...opts.env });
  // Imported here: files that use useTestServer for a database only (dbOnly, noServer) do not load
  // every route of the app.
  const { startServer } = await import('../server.js');
  return startServer(config, { db, sweepMs: 0, ...(opts.now ? { now: opts.now } : {}) });
}

export interface TestEnv {
  db: Db;
  server: Server;
  f: Fixture;
  c: Awaited<ReturnType<typeof cookiesFor>>;
  /** JSON request through Fastify's inject (no socket); body parsed when there is one. */
  call(method: string, url: string, cookie: string | null, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | null }>;
  /** `select count(*)` over a from-clause, as a number. */
  count(fromClause: string, params?: unknown[]): Promise<number>;
}

export interface TestServerOptions {
  /** The patients' plan in the standard fixture (seedFixture's `plan`). */
  plan?: PlanDefinition;
  /** No fixture, cookies or server: a fresh migrated database only (domain, repo and job tests). */
  dbOnly?: boolean;
  /** No server: database, fixture and cookies (service-level tests). */
  noServer?: boolean;
  /** The server's clock. */
  now?: () => Date;
  /** Configuration for the server (rate limits, lockouts). */
  env?: Record<string, string>;
  /**
   * The file's own set-up after the standard one (alerts to act on, clients to log in). Top-level
   * `before` hooks of node:test run concurrently, so a second `before` could not rely on this one.
   */
  setup?: (env: TestEnv) => Promise<void>;
  /** Runs before the server and database close (a browser that holds streams open closes first). */
  teardown?: () => Promise<void>;
}

/**
 * The one set-up of every server test: registers before/after hooks that give the test file a
 * fresh database (PGlite, or PostgreSQL with VARDE_TEST_DB=postgres) with the standard fixture,
 * session cookies for every role, and a running server; all closed after the file. Fields are set
 * in `before`, so read them inside tests (`env.db`), not at module level.
 */
export function useTestServer(opts: TestServerOptions = {}): TestEnv {
  const env = {} as TestEnv;
  before(async () => {
    env.db = await testDb();
    if (!opts.dbOnly) {
      env.f = await seedFixture(env.db, opts.plan ? { plan: opts.plan } : {});
      env.c = await cookiesFor(env.db, env.f);
      if (!opts.noServer) env.server = await startTestServer(env.db, { ...(opts.now ? { now: opts.now } : {}), ...(opts.env ? { env: opts.env } : {}) });
    }
    await opts.setup?.(env);
  });
  after(async () => {
    await opts.teardown?.();
    await env.server?.close();
    await env.db?.close();
  });
  env.call = (method, url, cookie, body) => injectJson(env.server, method, url, cookie, body);
  env.count = (fromClause, params = []) => countRows(env.db, fromClause, params);
  return env;
}

/** A JSON request through Fastify's inject (no socket); the body is parsed when there is one. */
export async function injectJson(
  server: Server,
  method: string,
  url: string,
  cookie: string | null,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : null };
}

/** `select count(*)` over a from-clause (`'alerts where patient_id = $1'`), as a number. */
export async function countRows(db: Db, fromClause: string, params: unknown[] = []): Promise<number> {
  return (await db.query<{ n: number }>(`select count(*)::int as n from ${fromClause}`, params)).rows[0]!.n;
}

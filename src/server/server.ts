import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { adminRoutes } from './admin/routes.js';
import { bulkAlertRoutes } from './alerts/bulk.js';
import { noteRoutes } from './notes/routes.js';
import { delegationRoutes } from './delegation/routes.js';
import { observationRoutes } from './observations/routes.js';
import { planRoutes } from './plans/routes.js';
import { alertRoutes } from './alerts/routes.js';
import { fhirRoutes } from './fhir/routes.js';
import { ingestRoutes } from './ingest/routes.js';
import { createLocalIdp, IDPORTEN_ACR_HIGH, IDPORTEN_ACR_SUBSTANTIAL, localClients, type LocalIdp } from './auth/local-idp.js';
import { OidcRp } from './auth/oidc-rp.js';
import { authRoutes, localIdpRoutes } from './auth/routes.js';
import { actorTag } from './auth/actor.js';
import { lockoutRoutes } from './auth/lockout-routes.js';
import { purgeExpiredSessions, SessionWatch } from './auth/session.js';
import type { Config } from './config/index.js';
import { openDb } from './db/open.js';
import type { Db } from './db/port.js';
import { openReadRouter } from './db/read.js';
import { seedDemo } from './demo/seed.js';
import { EventHub } from './events/bus.js';
import { type App, type AppDeps, createHttp } from './http/app.js';
import { meRoutes } from './me/routes.js';
import { messageRoutes } from './messages/routes.js';
import { openingHoursRoutes } from './opening-hours/routes.js';
import { organisationRoutes } from './organisations/routes.js';
import { questionnaireRoutes } from './questionnaires/routes.js';
import { escalationRoutes } from './escalations/routes.js';
import { deviceRoutes } from './devices/routes.js';
import { templateRoutes } from './templates/routes.js';
import { reportRoutes } from './reports/routes.js';
import { patientRoutes } from './patients/routes.js';
import { pathwayRoutes } from './pathway/routes.js';
import { sweepMissing } from './triage/missing-job.js';
import { sweepHeldRemeasures } from './observations/remeasure-job.js';
import { ensureObservationPartitions } from './observations/partitions.js';
import { ensureAuditPartitions } from './audit/partitions.js';
import { worklistRoutes } from './worklist/routes.js';
import { compactCounts } from './worklist/repo.js';
import { outboxRoutes, startOutbox } from './outbox/routes.js';
import { integrationRoutes } from './integration/routes.js';

export interface Server {
  app: App;
  db: Db;
  url: string;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Logs without patient data: no bodies, no query strings (FHIR searches carry identifiers), no cookies. */
export function createLogger(level: Config['LOG_LEVEL']): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
    },
  });
}

export interface StartOptions {
  db?: Db;
  now?: () => Date;
  log?: Logger;
  /** Interval of the missing-measurement sweep; 0 turns it off (tests call sweepMissing directly). */
  sweepMs?: number;
  /** How often open SSE streams are checked against their session (idle/absolute expiry); 0 = never. */
  sessionCheckMs?: number;
  /** How often expired sessions, their ID tokens and expired device tokens are deleted; 0 = never. */
  purgeMs?: number;
  /** How often the next months' observation partitions are ensured (also once at start); 0 = never. Default: daily, off when the sweep is off. */
  partitionsMs?: number;
  /** How often the worklist count deltas are folded (migration 030); 0 = never. Default: every minute, off when the sweep is off. */
  countsMs?: number;
  /** How often the outbox worker looks for due deliveries (it also wakes on each new one); 0 = off. Off by default when the sweep is off (tests tick it themselves). */
  outboxMs?: number;
}

/** Opens the store, builds the app with every feature and listens. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<Server> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const db = opts.db ?? (await openDb(config));
  const ownsDb = !opts.db;
  if (config.DEMO) {
    const seeded = await seedDemo(db, { now: opts.now?.() ?? new Date() });
    if (seeded) log.info(seeded, 'seeded demo helsefellesskap');
  }
  const hub = new EventHub();
  await hub.start(db);
  // Lag-tolerant reads on a streaming replica; the primary keeps writes, transactions and the LISTEN.
  const reads = config.DATABASE_READ_URL
    ? await openReadRouter(db, config.DATABASE_READ_URL, { stickyMs: config.DATABASE_READ_STICKY_MS, maxLagMs: config.DATABASE_READ_MAX_LAG_MS, prepare: config.VARDE_PG_PREPARE, log })
    : undefined;

  let origin = config.PUBLIC_URL;
  const idle = { personnelMinutes: config.SESSION_IDLE_MINUTES_PERSONNEL, patientMinutes: config.SESSION_IDLE_MINUTES_PATIENT };
  const deps: AppDeps = {
    sessions: new SessionWatch(db, idle),
    config, db, log, hub, now: opts.now ?? (() => new Date()), publicUrl: () => origin,
    cookieSecret: config.COOKIE_SECRET ?? randomBytes(32).toString('base64url'),
    reads,
  };
  const app = await createHttp(deps);
  if (reads) {
    // Read-your-writes: whoever just changed something reads from the primary for a while.
    app.addHook('onResponse', async (req) => {
      if (req.actor && req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') reads.wrote(actorTag(req.actor));
    });
  }

  // The local provider is created on first use: its issuer URL needs the port we listen on.
  const local = localClients();
  let idp: Promise<LocalIdp> | undefined;
  const getIdp = () => (idp ??= createLocalIdp(db, origin, [deps.cookieSecret], local));
  let rp: OidcRp;
  // The lowest level the configuration accepts is what we ask the provider for (ID-porten's acr_values).
  const patientAcr = config.IDPORTEN_ACR.split(',').map((a) => a.trim()).includes(IDPORTEN_ACR_SUBSTANTIAL) ? IDPORTEN_ACR_SUBSTANTIAL : IDPORTEN_ACR_HIGH;
  // loadConfig refuses this already; a second lock on the door that lists test people and patients.
  if (config.PRODUCTION && config.LOCAL_IDP) throw new Error('The local test identity provider must not run in production.');
  if (config.LOCAL_IDP) {
    localIdpRoutes(app, deps, getIdp);
    rp = new OidcRp(
      {
        clinic: { issuer: () => `${origin}/idp`, ...local.clinic, scope: 'openid profile helseid' },
        patient: { issuer: () => `${origin}/idp`, ...local.patient, scope: 'openid profile pid', params: { acr_values: patientAcr } },
      },
      () => origin,
    );
  } else {
    rp = new OidcRp(
      {
        clinic: { issuer: () => config.HELSEID_ISSUER!, clientId: config.HELSEID_CLIENT_ID!, clientSecret: config.HELSEID_CLIENT_SECRET ?? '', scope: 'openid profile helseid://scopes/identity/pid helseid://scopes/identity/security_level helseid://scopes/hpr/hpr_number' },
        patient: { issuer: () => config.IDPORTEN_ISSUER!, clientId: config.IDPORTEN_CLIENT_ID!, clientSecret: config.IDPORTEN_CLIENT_SECRET ?? '', scope: 'openid profile', params: { acr_values: patientAcr } },
      },
      () => origin,
    );
  }
  authRoutes(app, deps, rp);
  lockoutRoutes(app, deps);
  meRoutes(app, deps);
  messageRoutes(app, deps);
  patientRoutes(app, deps);
  pathwayRoutes(app, deps);
  alertRoutes(app, deps);
  observationRoutes(app, deps);
  planRoutes(app, deps);
  noteRoutes(app, deps);
  delegationRoutes(app, deps);
  bulkAlertRoutes(app, deps);
  worklistRoutes(app, deps);
  organisationRoutes(app, deps);
  openingHoursRoutes(app, deps);
  questionnaireRoutes(app, deps);
  escalationRoutes(app, deps);
  deviceRoutes(app, deps);
  templateRoutes(app, deps);
  reportRoutes(app, deps);
  fhirRoutes(app, deps);
  adminRoutes(app, deps);
  ingestRoutes(app, deps);
  outboxRoutes(app, deps);
  integrationRoutes(app, deps);

  await app.listen({ host: config.HOST, port: config.PORT });
  const addr = app.server.address() as AddressInfo;
  if (!process.env.PUBLIC_URL || config.PORT === 0) origin = `http://${config.HOST}:${addr.port}`;

  const sweepMs = opts.sweepMs ?? 60_000;
  const sweep = sweepMs > 0
    ? setInterval(() => {
        sweepMissing(db, deps.now(), { log }).catch((err: unknown) => log.error({ err }, 'missing-measurement sweep failed'));
        sweepHeldRemeasures(db, deps.now()).catch((err: unknown) => log.error({ err }, 're-measure sweep failed'));
      }, sweepMs)
    : undefined;
  sweep?.unref();
  const every = (ms: number, what: string, job: () => Promise<unknown>) => {
    if (ms <= 0) return undefined;
    const t = setInterval(() => void job().catch((err: unknown) => log.error({ err }, `${what} failed`)), ms);
    t.unref();
    return t;
  };
  const sessionCheck = every(opts.sessionCheckMs ?? 30_000, 'session check of open streams', () => deps.sessions.sweep());
  const purge = every(opts.purgeMs ?? 10 * 60_000, 'purge of expired sessions', () => purgeExpiredSessions(db, idle));
  // Next months' partitions of observations (migration 027) and audit events (041), once at start and
  // daily; wall clock, as rows arrive in real time. One failing does not keep the other from running.
  const maintainPartitions = async () => {
    const [obs, audit] = await Promise.allSettled([ensureObservationPartitions(db, new Date()), ensureAuditPartitions(db, new Date())]);
    if (obs.status === 'rejected') log.error({ err: obs.reason as unknown }, 'observation partition maintenance failed');
    if (audit.status === 'rejected') log.error({ err: audit.reason as unknown }, 'audit partition maintenance failed');
  };
  const partitions = every(opts.partitionsMs ?? (sweepMs > 0 ? 86_400_000 : 0), 'partition maintenance', maintainPartitions);
  if (partitions) void maintainPartitions();
  // Worklist count deltas (migration 030) folded so a count reads a few rows; exact either way.
  const counts = every(opts.countsMs ?? (sweepMs > 0 ? 60_000 : 0), 'worklist count compaction', () => compactCounts(db));
  const outbox = await startOutbox(db, deps, { intervalMs: opts.outboxMs ?? (sweepMs > 0 ? 5_000 : 0), log, origin });

  return {
    app, db, deps, url: origin,
    async close() {
      if (sweep) clearInterval(sweep);
      if (sessionCheck) clearInterval(sessionCheck);
      if (purge) clearInterval(purge);
      if (partitions) clearInterval(partitions);
      if (counts) clearInterval(counts);
      await outbox?.stop();
      await app.close();
      await hub.close();
      await reads?.close();
      if (ownsDb) await db.close();
    },
  };
}

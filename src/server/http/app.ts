import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { ErrorCode } from '../../api/errors.js';
import { type Actor, actorTag } from '../auth/actor.js';
import { tokenActors } from '../auth/token-cache.js';
import { SESSION_COOKIE, type SessionWatch, actorForSession } from '../auth/session.js';
import { refuseOutsideRelativeRoutes } from '../auth/relative.js';
import { refuseOutsideLaunchedPatient } from '../auth/launch-bound.js';
import { type Config, trustProxyOption } from '../config/index.js';
import type { Ctx } from '../context.js';
import type { Db } from '../db/port.js';
import type { ReadRouter } from '../db/read.js';
import type { EventHub } from '../events/bus.js';
import { systemRoutes } from '../../api/system.js';
import { serve } from './contract.js';
import { registerApiDocs } from './docs.js';
import { AppError, fromZod, unauthenticated } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** Every route as registered, for the access sweep test and the API listing. */
    vardeRoutes: { method: string; url: string }[];
  }
  interface FastifyContextConfig {
    /** Reachable without a session (health, login). Everything else under /api and /fhir needs one. */
    public?: boolean;
    /** Takes HTML-form bodies (OAuth token endpoint, local IdP login). Everything else under /api, /fhir and /auth takes JSON only. */
    forms?: boolean;
  }
}

export interface AppDeps {
  config: Config;
  db: Db;
  log: Logger;
  hub: EventHub;
  now: () => Date;
  /** The origin browsers use; known only after listen() when PORT is 0. */
  publicUrl: () => string;
  cookieSecret: string;
  /** Ends long-lived responses (SSE) with their session. */
  sessions: SessionWatch;
  /** Read routing to a replica (DATABASE_READ_URL); unset = all reads on `db`. */
  reads?: ReadRouter;
}

export type App = FastifyInstance;

/** Builds the request context for a service call; throws 401 when nobody is logged in. */
export function ctxOf(req: FastifyRequest, deps: AppDeps): Ctx {
  if (!req.actor) throw unauthenticated();
  return {
    db: deps.db,
    readDb: deps.reads?.forActor(actorTag(req.actor)) ?? deps.db,
    actor: req.actor,
    now: deps.now,
    log: req.log as unknown as Logger,
    config: deps.config,
    route: `${req.method} ${req.routeOptions.url ?? req.url}`,
  };
}

/** Validates one part of a request with zod; failures become 400 with per-field messages. */
export function parse<T>(schema: ZodType<T>, data: unknown, prefix = ''): T {
  const r = schema.safeParse(data ?? {});
  if (!r.success) throw fromZod(r.error, prefix);
  return r.data;
}

/** Creates the Fastify instance with auth, error handling and static web apps; features add routes. */
export async function createHttp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: 5 * 1024 * 1024,
    // Only proxies we were told about may set the client address: rate limits are per address.
    trustProxy: trustProxyOption(deps.config.TRUST_PROXY),
    // 16 hex: a request id appears in logs and error bodies for support.
    genReqId: requestId,
  });
  app.decorateRequest('actor', null);
  const routes: { method: string; url: string }[] = [];
  app.decorate('vardeRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  // Helmet's headers are the same on every answer, so they are worked out once (securityHeaders)
  // and only set per request. (@fastify/helmet built helmet's middleware anew on every request —
  // parsing the CSP directives each time — ~23 µs of CPU per device-ingest request; running a
  // prebuilt middleware still costs ~5 µs, setting the headers ~1 µs: bench/README.md, "Server
  // CPU per request (round 5)".) First hook, as before: refusals by the hooks below carry them too.
  const security = securityHeaders(deps.config);
  app.addHook('onRequest', (_req, reply, done) => {
    const res = reply.raw;
    for (const name of security.removed) res.removeHeader(name);
    for (const [name, value] of security.set) res.setHeader(name, value);
    done();
  });
  await app.register(cookie, { secret: deps.cookieSecret });
  await app.register(formbody);
  // Limits are set per route (login, token endpoint); see auth/routes.ts.
  await app.register(rateLimit, { global: false });

  // Before authentication: a forged cross-site request must not even reach the session lookup.
  // Synchronous (a throw refuses the request): no promise and microtask per request.
  app.addHook('onRequest', (req, _reply, done) => {
    refuseCrossSite(req, deps.publicUrl());
    refuseNonJsonBody(req);
    done();
  });

  // A device client's bearer token already in the cache (token-cache.ts) needs no await: the
  // client actor is set at once, and the rules below have nothing more to check for a client
  // (it is logged in, and is neither a relative nor a launched session). Everything else: authenticate.
  app.addHook('onRequest', (req, _reply, done) => {
    const bearer = bearerToken(req);
    const known = bearer ? tokenActors.peek(bearer) : undefined;
    if (known?.kind === 'client') {
      req.actor = known;
      return done();
    }
    authenticate(req, bearer).then(() => done(), done);
  });
  const authenticate = async (req: FastifyRequest, bearer: string | undefined): Promise<void> => {
    if (bearer !== undefined) {
      req.actor = bearer ? await tokenActors.actorFor(deps.db, bearer) : null;
    } else {
      const token = req.cookies[SESSION_COOKIE];
      if (token) {
        req.actor = await actorForSession(deps.db, token, {
          personnelMinutes: deps.config.SESSION_IDLE_MINUTES_PERSONNEL,
          patientMinutes: deps.config.SESSION_IDLE_MINUTES_PATIENT,
        });
      }
    }
    const url = req.url;
    const guarded = url.startsWith('/api/') || url.startsWith('/fhir');
    if (guarded && !req.routeOptions.config?.public && !req.actor) throw unauthenticated();
    if (req.actor?.kind === 'relative') await refuseOutsideRelativeRoutes(req, deps.db);
    if (req.actor?.kind === 'personnel' && req.actor.launchPatient) await refuseOutsideLaunchedPatient(req, deps.db);
  };

  // Answers of the API and FHIR carry patient data: no browser or proxy may keep a copy.
  app.addHook('onSend', (req, reply, payload, done) => {
    const path = req.url;
    if (path.startsWith('/api/') || path.startsWith('/fhir') || path.startsWith('/auth/')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.url.startsWith('/auth/')) {
      return reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` } });
    }
    return reply.code(404).type('text/plain').send('Not found');
  });

  const webRoot = resolve('dist/web');
  if (existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'], wildcard: true });
  } else {
    app.get('/', { config: { public: true } }, async (_req, reply) =>
      reply.type('text/html').send('<!doctype html><title>Varde</title><p>The web apps are not built. Run <code>npm run build</code>.</p>'),
    );
  }
  serve(app, deps, systemRoutes.health, async () => ({ status: 'ok' as const, db: deps.db.kind }));
  await registerApiDocs(app);
  return app;
}

/**
 * Security headers for every answer. Scripts only from our own origin (the built apps have no
 * inline scripts); styles may be inline (server-rendered login pages, style attributes).
 */
export function helmetOptions(config: Pick<Config, 'PUBLIC_URL'>) {
  const https = config.PUBLIC_URL.startsWith('https://');
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        manifestSrc: ["'self'"],
        workerSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS over plain http would be ignored at best and pin a demo host to https at worst.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' as const },
    xFrameOptions: { action: 'deny' as const },
    crossOriginEmbedderPolicy: false,
  };
}

/**
 * The headers helmet sets (and removes) with helmetOptions, read once by running its middleware
 * against a recorder. Valid because every option is static (no per-request directive functions
 * or nonces): the headers are the same for every request.
 */
export function securityHeaders(config: Pick<Config, 'PUBLIC_URL'>): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      set.push([name, value]);
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let finished = false;
  helmet(helmetOptions(config))(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    recorder as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (err?: unknown) => {
      if (err) throw err;
      finished = true;
    },
  );
  // Helmet's middlewares are synchronous; anything else would mean headers that vary per request.
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be worked out once');
  return { set, removed };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence: a state-changing request that a browser marks as coming from another site (or
 * sibling subdomain), or whose Origin is not ours, is refused. Machine clients with a bearer or basic credential and no
 * cookie cannot be forged by a browser and are let through; so are requests without either header
 * (not sent by a browser on a cross-site form post).
 */
function refuseCrossSite(req: FastifyRequest, publicUrl: string): void {
  if (!UNSAFE_METHODS.has(req.method)) return;
  if (req.headers.authorization && !req.headers.cookie) return;
  // Browsers that send Sec-Fetch-Site say exactly where the request comes from. They also send
  // `Origin: null` on our own form posts (Referrer-Policy: no-referrer), so this answer wins.
  const site = req.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return;
  if (site !== undefined) throw crossSite();
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== new URL(publicUrl).origin) throw crossSite();
}

const crossSite = () => new AppError(403, 'cross_site_request', 'Requests from other sites are not accepted.');

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The JSON API takes JSON only: HTML forms (the classic CSRF vector) get 415 unless the route takes forms. */
function refuseNonJsonBody(req: FastifyRequest): void {
  if (!UNSAFE_METHODS.has(req.method) || req.routeOptions.config?.forms) return;
  const url = req.url;
  if (!(url.startsWith('/api/') || url.startsWith('/fhir') || url.startsWith('/auth/'))) return;
  const type = req.headers['content-type'];
  if (type !== undefined && !JSON_TYPE.test(type)) {
    throw new AppError(415, 'unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).');
  }
}

/**
 * The token of an `Authorization: Bearer …` header ('' when the header names none, which no token
 * matches), or undefined when the request carries no bearer header (a session cookie may apply).
 */
function bearerToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  return auth !== undefined && /^bearer\b/i.test(auth) ? auth.slice(6).trim() : undefined;
}

/** Random bytes for request ids, drawn from the CSPRNG in blocks: one call per 512 requests, not one per request. */
let idBytes = Buffer.alloc(0);
let idAt = 0;
function requestId(): string {
  if (idAt + 8 > idBytes.length) {
    idBytes = randomBytes(8 * 512);
    idAt = 0;
  }
  idAt += 8;
  return idBytes.toString('hex', idAt - 8, idAt);
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.html) return reply.code(err.status).type('text/html').send(err.html);
    return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } });
  }
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own 4xx (malformed JSON, body too large, unsupported media type).
    // Their FST_ERR_* codes are Fastify's internals; the contract's codes are what apps translate.
    const code: ErrorCode = e.statusCode === 413 ? 'payload_too_large' : e.statusCode === 415 ? 'unsupported_media_type' : e.statusCode === 429 ? 'rate_limited' : 'bad_request';
    return reply.code(e.statusCode).send({ error: { code, message: e.message ?? 'Bad request' } });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ error: { code: 'internal', message: `Something went wrong on our side (request ${req.id}).` } });
}

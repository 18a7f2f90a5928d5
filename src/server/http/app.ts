import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Actor } from '../auth/actor.js';
import { actorForAccessToken } from '../auth/clients.js';
import { SESSION_COOKIE, actorForSession } from '../auth/session.js';
import type { Config } from '../config/index.js';
import type { Ctx } from '../context.js';
import type { Db } from '../db/port.js';
import type { EventHub } from '../events/bus.js';
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
}

export type App = FastifyInstance;

/** Builds the request context for a service call; throws 401 when nobody is logged in. */
export function ctxOf(req: FastifyRequest, deps: AppDeps): Ctx {
  if (!req.actor) throw unauthenticated();
  return {
    db: deps.db,
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
    trustProxy: true,
    // 26 hex: a UUID-ish request id appears in logs and error bodies for support.
    genReqId: () => randomBytes(8).toString('hex'),
  });
  app.decorateRequest('actor', null);
  const routes: { method: string; url: string }[] = [];
  app.decorate('vardeRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  await app.register(cookie, { secret: deps.cookieSecret });
  await app.register(formbody);

  app.addHook('onRequest', async (req) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      req.actor = await actorForAccessToken(deps.db, auth.slice(7).trim());
    } else {
      const token = req.cookies[SESSION_COOKIE];
      if (token) req.actor = await actorForSession(deps.db, token);
    }
    const url = req.url;
    const guarded = url.startsWith('/api/') || url.startsWith('/fhir');
    if (guarded && !req.routeOptions.config?.public && !req.actor) throw unauthenticated();
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
  app.get('/api/health', { config: { public: true } }, async () => ({ status: 'ok', db: deps.db.kind }));
  return app;
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } });
  }
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own 4xx (malformed JSON, body too large, unsupported media type).
    return reply.code(e.statusCode).send({ error: { code: e.code?.toLowerCase() ?? 'bad_request', message: e.message ?? 'Bad request' } });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ error: { code: 'internal', message: `Something went wrong on our side (request ${req.id}).` } });
}

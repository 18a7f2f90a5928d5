import type { FastifyInstance } from 'fastify';
import { outboxRoutes as api } from '../../api/outbox.js';
import type { Ctx } from '../context.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { serve } from '../http/contract.js';
import { forbidden } from '../http/errors.js';
import type { Db } from '../db/port.js';
import { queueSharedMeasurements } from '../integration/pmd-job.js';
import { helseIdFromEnv } from '../integration/helseid-client.js';
import { LocalReceiver } from './local-receiver.js';
import * as repo from './repo.js';
import { ReceiverModeBody } from './schema.js';
import { listOutbox, listReceivers, putReceiver, resend } from './service.js';
import { OutboxWorker, type WorkerLog } from './worker.js';

const receivers = new WeakMap<App, LocalReceiver>();

/** The local receiver mounted on this app (demo and tests only). */
export function localReceiverOf(app: App): LocalReceiver | undefined {
  return receivers.get(app);
}

/** Whether the development receiver may be mounted: never in production. */
export function devReceiverAllowed(config: AppDeps['config']): boolean {
  return !config.PRODUCTION && (config.DEMO || config.LOCAL_IDP);
}

/** Dead letters and resend, receivers per organisation (administrators), and the dev receiver. */
export function outboxRoutes(app: App, deps: AppDeps): void {
  // Administrators only, decided before the query or body is read.
  const admin = (c: Ctx) => {
    if (c.actor.kind !== 'personnel' || c.actor.role !== 'admin') throw forbidden();
    return c;
  };
  serve(app, deps, api.list, async ({ ctx, query }) => {
    const c = admin(ctx());
    return { messages: await listOutbox(c, query().status ?? null) };
  });
  serve(app, deps, api.resend, async ({ ctx, params }) => resend(ctx(), params().id));
  serve(app, deps, api.receivers, async ({ ctx }) => ({ receivers: await listReceivers(ctx()) }));
  serve(app, deps, api.putReceiver, async ({ ctx, params, body }) => {
    const c = admin(ctx());
    return putReceiver(c, params().kind, body());
  });

  if (devReceiverAllowed(deps.config)) {
    const receiver = new LocalReceiver();
    receivers.set(app, receiver);
    void app.register((f) => devReceiverPlugin(f, deps, receiver), { prefix: '/dev/receiver' });
  }
}

/**
 * The local receiver under /dev/receiver: POST /dev/receiver/<kind> takes documents like the
 * national services (no session: it stands for another system); what it holds and how it behaves
 * are for logged-in personnel.
 */
async function devReceiverPlugin(f: FastifyInstance, deps: AppDeps, receiver: LocalReceiver): Promise<void> {
  // The body is kept exactly as sent (FHIR JSON or dialogmelding XML), so duplicates compare byte for byte.
  f.removeAllContentTypeParsers();
  f.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  f.post<{ Params: { channel: string } }>('/:channel', { config: { public: true } }, async (req, reply) => {
    const h = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : null);
    const a = await receiver.handle({
      channel: req.params.channel, key: h('idempotency-key'), contentType: h('content-type') ?? '', documentKind: h('x-varde-document-kind'),
      body: typeof req.body === 'string' ? req.body : '', authorization: !!h('authorization'), at: deps.now(),
    });
    if (a.drop) {
      req.raw.socket.destroy();
      return reply.hijack();
    }
    return reply.code(a.status).type('application/fhir+json').send(a.body);
  });
  f.get('/documents', async (req) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    return { mode: receiver.mode, requests: receiver.requests, documents: receiver.list() };
  });
  f.put('/mode', async (req) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    let raw: unknown = {};
    try {
      raw = typeof req.body === 'string' && req.body ? JSON.parse(req.body) : {};
    } catch {
      raw = null;
    }
    const body = parse(ReceiverModeBody, raw);
    return receiver.setMode({ ...body, failStatus: body.failStatus ?? (body.failStatus === null ? null : receiver.mode.failStatus) });
  });
}

/**
 * Starts the delivery worker of this process. In the demo, every municipality without a VKP
 * receiver gets the local one (moved to this run's address when the port changed), so documents
 * can be seen arriving.
 */
export async function startOutbox(db: Db, deps: AppDeps, opts: { intervalMs: number; log: WorkerLog; origin: string }): Promise<OutboxWorker | undefined> {
  if (deps.config.DEMO && devReceiverAllowed(deps.config)) {
    await db.query(
      `insert into integration_receivers (organisation_id, kind, url, enabled)
       select id, 'vkp', $1, true from organisations where kind = 'municipality'
       on conflict (organisation_id, kind) do update set url = excluded.url
         where integration_receivers.url like '%/dev/receiver/%'`,
      [`${opts.origin}/dev/receiver/vkp`],
    );
  }
  if (opts.intervalMs <= 0) return undefined;
  const worker = new OutboxWorker(db, {
    now: deps.now, log: opts.log, production: deps.config.PRODUCTION, token: helseIdFromEnv(process.env),
    producers: [(q, now) => queueSharedMeasurements(q, now, { fhirBase: `${deps.config.PUBLIC_URL}/fhir` })],
  });
  await worker.start(opts.intervalMs);
  return worker;
}

export { repo as outboxRepo };

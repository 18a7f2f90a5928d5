import { CLINICAL_ROLES } from '../auth/actor.js';
import { type App, type AppDeps, ctxOf } from '../http/app.js';
import { forbidden } from '../http/errors.js';
import { worklist } from './service.js';

/** Keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 25_000;

export function worklistRoutes(app: App, deps: AppDeps): void {
  app.get('/api/worklist', async (req) => ({ items: await worklist(ctxOf(req, deps)) }));

  // Server-Sent Events: tells the nurse's screen that something changed for one of its patients.
  app.get('/api/worklist/stream', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const a = ctx.actor;
    if (a.kind !== 'personnel' || !CLINICAL_ROLES.includes(a.role)) throw forbidden();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    const unsubscribe = deps.hub.subscribe((e) => {
      if (!e.organisationIds.includes(a.organisationId)) return;
      res.write(`event: worklist\ndata: ${JSON.stringify({ patientId: e.patientId, reason: e.type, zone: e.zone ?? null })}\n\n`);
    });
    const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const stop = () => {
      clearInterval(beat);
      unsubscribe();
    };
    req.raw.on('close', stop);
    res.on('error', stop);
  });
}

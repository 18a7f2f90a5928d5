import { WorklistQuery, worklistRoutes as api } from '../../api/worklist.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { type App, type AppDeps, ctxOf } from '../http/app.js';
import { serve } from '../http/contract.js';
import { forbidden, fromZod } from '../http/errors.js';
import { changedRows, worklist } from './service.js';

/** Keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 25_000;
/** Changes within this window go out as one `rows` event: a burst of uploads costs one read. */
const ROWS_DEBOUNCE_MS = 200;
/** More changed patients than this in one window: the client refetches its page instead. */
const MAX_ROWS_PER_EVENT = 200;
/** The stream's query: the page's `lang` (the changed rows' texts in that language only). */
const StreamQuery = WorklistQuery.pick({ lang: true });

export function worklistRoutes(app: App, deps: AppDeps): void {
  // Authorisation (in the service) before the query is read: a patient gets 403, not a lesson in filters.
  serve(app, deps, api.page, async ({ ctx, query }) => {
    const c = ctx();
    if (c.actor.kind !== 'personnel' || !CLINICAL_ROLES.includes(c.actor.role)) throw forbidden('The worklist is for clinical personnel.');
    return worklist(c, query());
  });

  // Server-Sent Events for the nurse's screen. `worklist`: which patient changed and why (the
  // patient view refetches on it). `rows`: the changed worklist rows themselves and the counts per
  // status, so the worklist updates in place without reading the whole caseload again; with
  // `?lang=`, their texts in that language only, as the page's.
  app.get('/api/worklist/stream', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const a = ctx.actor;
    if (a.kind !== 'personnel' || !CLINICAL_ROLES.includes(a.role)) throw forbidden();
    const query = StreamQuery.safeParse(req.query);
    if (!query.success) throw fromZod(query.error);
    const { lang } = query.data;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    let pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const flush = async () => {
      timer = undefined;
      const ids = [...pending];
      pending = new Set();
      if (closed || ids.length === 0) return;
      if (ids.length > MAX_ROWS_PER_EVENT) {
        res.write(`event: rows\ndata: ${JSON.stringify({ refetch: true })}\n\n`);
        return;
      }
      try {
        const rows = await changedRows(ctx, ids, lang);
        if (!closed) res.write(`event: rows\ndata: ${JSON.stringify(rows)}\n\n`);
      } catch (err) {
        req.log.warn({ err }, 'worklist stream: changed rows not sent');
        if (!closed) res.write(`event: rows\ndata: ${JSON.stringify({ refetch: true })}\n\n`);
      }
    };
    const unsubscribe = deps.hub.subscribe((e) => {
      if (!e.organisationIds.includes(a.organisationId)) return;
      // A session opened from the EPJ for one patient hears of that patient only (auth/launch-bound.ts).
      if (a.launchPatient && e.patientId !== a.launchPatient.id) return;
      res.write(`event: worklist\ndata: ${JSON.stringify({ patientId: e.patientId, reason: e.type, zone: e.zone ?? null })}\n\n`);
      pending.add(e.patientId);
      timer ??= setTimeout(() => void flush(), ROWS_DEBOUNCE_MS);
    });
    const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const stop = () => {
      closed = true;
      clearInterval(beat);
      clearTimeout(timer);
      unsubscribe();
      unwatch();
    };
    // The stream ends with its session (logout, idle or absolute expiry), not only with the tab.
    const unwatch = deps.sessions.watchRequest(req, () => {
      stop();
      res.end();
    });
    req.raw.on('close', stop);
    res.on('error', stop);
  });
}

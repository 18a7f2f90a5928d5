import { observationRoutes as api } from '../../api/observations.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { selfId } from '../me/service.js';
import { listObservations, observationDto, recordObservations } from './service.js';

const range = (q: { from?: string | undefined; to?: string | undefined }) => ({ from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });

/** Readings: the patient's own (patient app) and a patient's as the care team sees and records them. */
export function observationRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.recordOwn, async ({ ctx, body, reply }) => {
    const c = ctx();
    const patientId = selfId(c);
    const r = await recordObservations(c, patientId, body(), { source: 'patient' });
    if (r.replayed) reply.code(200);
    return { observations: r.observations.map(observationDto), feedback: r.feedback, replayed: r.replayed };
  });
  serve(app, deps, api.listOwn, async ({ ctx, query }) => {
    const c = ctx();
    const q = query();
    return { observations: (await listObservations(c, selfId(c), { ...q, ...range(q) })).map(observationDto) };
  });
  // Personnel may record on the patient's behalf (e.g. during a home visit).
  serve(app, deps, api.record, async ({ ctx, params, body, reply }) => {
    const r = await recordObservations(ctx(), params().id, body(), { source: 'personnel' });
    if (r.replayed) reply.code(200);
    return { observations: r.observations.map(observationDto), feedback: r.feedback, replayed: r.replayed };
  });
  serve(app, deps, api.list, async ({ ctx, params, query }) => {
    const q = query();
    return { observations: (await listObservations(ctx(), params().id, { ...q, ...range(q) })).map(observationDto) };
  });
}

import { type App, type AppDeps, ctxOf } from '../http/app.js';
import { forbidden } from '../http/errors.js';

/** Organisations of the helsefellesskap (no patient data): for enrolment forms and administration. */
export function organisationRoutes(app: App, deps: AppDeps): void {
  app.get('/api/organisations', async (req) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    const r = await ctx.db.query<{ id: string; org_number: string; name: string; kind: string; helsefellesskap: string }>(
      'select id, org_number, name, kind, helsefellesskap from organisations order by kind, name',
    );
    return { organisations: r.rows.map((o) => ({ id: o.id, orgNumber: o.org_number, name: o.name, kind: o.kind, helsefellesskap: o.helsefellesskap })) };
  });
}

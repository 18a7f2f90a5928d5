import { organisationRoutes as api } from '../../api/organisations.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { forbidden } from '../http/errors.js';

/** Organisations of the helsefellesskap (no patient data): for enrolment forms and administration. */
export function organisationRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.list, async ({ ctx }) => {
    const c = ctx();
    if (c.actor.kind !== 'personnel') throw forbidden();
    const r = await c.db.query<{ id: string; org_number: string; name: string; kind: 'municipality' | 'hospital' | 'gp_office'; helsefellesskap: string }>(
      'select id, org_number, name, kind, helsefellesskap from organisations order by kind, name',
    );
    return { organisations: r.rows.map((o) => ({ id: o.id, orgNumber: o.org_number, name: o.name, kind: o.kind, helsefellesskap: o.helsefellesskap })) };
  });
}

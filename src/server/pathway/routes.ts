import { pathwayRoutes as api } from '../../api/pathway.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import { requireRole } from '../auth/access.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { applyTransition, createReferral, getPathway, listReferrals, listTasks, ownPathway, recordOnboarding } from './service.js';

/** The care pathway: referrals, the pathway of one patient, its steps, onboarding records, tasks. */
export function pathwayRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.refer, async ({ ctx, body }) => {
    const c = ctx();
    // Who may refer is decided before the body is read: a patient gets 403, not a list of field errors.
    requireRole(c, CLINICAL_ROLES);
    return createReferral(c, body());
  });
  serve(app, deps, api.referrals, async ({ ctx }) => ({ referrals: await listReferrals(ctx()) }));
  serve(app, deps, api.tasks, async ({ ctx }) => ({ tasks: await listTasks(ctx()) }));
  serve(app, deps, api.get, async ({ ctx, params }) => getPathway(ctx(), params().id));
  serve(app, deps, api.transition, async ({ ctx, params, body }) => applyTransition(ctx(), params().id, body()));
  serve(app, deps, api.onboarding, async ({ ctx, params, body }) => {
    const e = await recordOnboarding(ctx(), params().id, body());
    return { episodeId: e.id, state: e.state, consentAt: e.consent_at?.toISOString() ?? null, training: e.training, goals: e.goals };
  });
  serve(app, deps, api.own, async ({ ctx }) => ownPathway(ctx()));
}

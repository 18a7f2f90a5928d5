import { planRoutes as api } from '../../api/plans.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { approvePlan, createDraft, listPlans, planDto } from './service.js';

/** Versions of a patient's self-management plan: drafts by the GP or the follow-up service, approval by the GP. */
export function planRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.list, async ({ ctx, params }) => ({ plans: (await listPlans(ctx(), params().id)).map(planDto) }));
  serve(app, deps, api.draft, async ({ ctx, params, body }) => {
    const { definition } = body();
    return planDto(await createDraft(ctx(), params().id, definition));
  });
  serve(app, deps, api.approve, async ({ ctx, params }) => {
    const { id, planId } = params();
    return planDto(await approvePlan(ctx(), id, planId));
  });
}

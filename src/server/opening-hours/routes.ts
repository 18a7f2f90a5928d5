import { openingHoursRoutes as api } from '../../api/opening-hours.js';
import { requireRole } from '../auth/access.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { OPENING_HOURS_EDITORS, getServiceHours, saveServiceHours } from './service.js';

/** Opening hours and extra closed days of the follow-up service the caller acts for. */
export function openingHoursRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.get, async ({ ctx }) => getServiceHours(ctx()));
  serve(app, deps, api.put, async ({ ctx, body }) => {
    const c = ctx();
    // Refuse someone who may not edit before telling them what is wrong with their input.
    requireRole(c, OPENING_HOURS_EDITORS);
    return saveServiceHours(c, body());
  });
}

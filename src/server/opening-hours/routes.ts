import { requireRole } from '../auth/access.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { OpeningHoursBody } from './schema.js';
import { OPENING_HOURS_EDITORS, getServiceHours, saveServiceHours } from './service.js';

/** Opening hours and extra closed days of the follow-up service the caller acts for. */
export function openingHoursRoutes(app: App, deps: AppDeps): void {
  app.get('/api/opening-hours', async (req) => getServiceHours(ctxOf(req, deps)));
  app.put('/api/opening-hours', async (req) => {
    const ctx = ctxOf(req, deps);
    // Refuse someone who may not edit before telling them what is wrong with their input.
    requireRole(ctx, OPENING_HOURS_EDITORS);
    return saveServiceHours(ctx, parse(OpeningHoursBody, req.body));
  });
}

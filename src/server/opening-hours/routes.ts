import { openingHoursRoutes as api } from '../../api/opening-hours.js';
import { serviceSettingsRoutes as settingsApi } from '../../api/service-settings.js';
import { requireRole } from '../auth/access.js';
import type { Ctx } from '../context.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { getServiceSettings, saveServiceSettings } from '../service-settings/service.js';
import { OPENING_HOURS_EDITORS, getServiceHours, saveServiceHours } from './service.js';

/**
 * A write of the service's own settings: someone who may not edit is refused before being told
 * what is wrong with their input (the body is read only after the role check).
 */
const asEditor =
  <B, R>(save: (c: Ctx, body: B) => Promise<R>) =>
  async ({ ctx, body }: { ctx: () => Ctx; body: () => B }): Promise<R> => {
    const c = ctx();
    requireRole(c, OPENING_HOURS_EDITORS);
    return save(c, body());
  };

/**
 * The follow-up service's own settings, for the service the caller acts for: opening hours and
 * extra closed days, and after how many silent days a patient is flagged inactive.
 */
export function openingHoursRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.get, async ({ ctx }) => getServiceHours(ctx()));
  serve(app, deps, api.put, asEditor(saveServiceHours));
  serve(app, deps, settingsApi.get, async ({ ctx }) => getServiceSettings(ctx()));
  serve(app, deps, settingsApi.put, asEditor(saveServiceSettings));
}

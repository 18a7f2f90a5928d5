import { alertRoutes as api } from '../../api/alerts.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { actOnAlert, alertBurden, alertDto, listAlerts } from './service.js';

/** A patient's alerts, and acknowledging or resolving one with a contact note. */
export function alertRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.ofPatient, async ({ ctx, params, query }) => {
    const { status } = query();
    return { alerts: (await listAlerts(ctx(), params().id, status)).map(alertDto) };
  });
  for (const action of ['acknowledge', 'resolve'] as const) {
    serve(app, deps, api[action], async ({ ctx, params, body }) => {
      const b = body();
      return alertDto(await actOnAlert(ctx(), params().id, action, b.note, b.noActionNeeded));
    });
  }
  serve(app, deps, api.burden, async ({ ctx, params }) => alertBurden(ctx(), params().id));
}

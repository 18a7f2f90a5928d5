import { alertRoutes as api } from '../../api/alerts.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { actOnAlert, alertDto } from './service.js';

export function alertRoutes(app: App, deps: AppDeps): void {
  for (const action of ['acknowledge', 'resolve'] as const) {
    serve(app, deps, api[action], async ({ ctx, params, body }) => alertDto(await actOnAlert(ctx(), params().id, action, body().note)));
  }
}

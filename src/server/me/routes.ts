import { meRoutes as api } from '../../api/me.js';
import { SESSION_COOKIE } from '../auth/session.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { setOwnLanguage } from '../patients/service.js';
import { myAccessLog, myPlan, myToday, selfId } from './service.js';
import { myStatus } from './status.js';

/** The patient app's API: the logged-in patient's own data only (own readings: observations/, own thread: messages/routes.ts). */
export function meRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.plan, async ({ ctx }) => myPlan(ctx()));
  serve(app, deps, api.today, async ({ ctx }) => myToday(ctx()));
  // Polled by the app: open advice until a nurse acknowledges it, plan state and the session's end.
  serve(app, deps, api.status, async ({ ctx, req }) => myStatus(ctx(), req.cookies[SESSION_COOKIE], deps.config.SESSION_IDLE_MINUTES_PATIENT));
  serve(app, deps, api.accessLog, async ({ ctx }) => myAccessLog(ctx()));
  serve(app, deps, api.language, async ({ ctx, body }) => {
    const c = ctx();
    selfId(c);
    await setOwnLanguage(c, body().lang);
  });
}

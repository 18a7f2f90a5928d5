import { escalationRoutes as api } from '../../api/escalations.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { escalateAlert, escalationDto, handleEscalation, listForOrganisation, listForPatient } from './service.js';

/** Escalation of an alert to the patient's GP office, and the GP office's inbox. */
export function escalationRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.escalate, async ({ ctx, params, body }) => {
    const { note } = body();
    return escalationDto(await escalateAlert(ctx(), params().id, note));
  });
  serve(app, deps, api.inbox, async ({ ctx, query }) => {
    const { status } = query();
    return { escalations: (await listForOrganisation(ctx(), status)).map(escalationDto) };
  });
  serve(app, deps, api.handle, async ({ ctx, params, body }) => {
    const { note } = body();
    return escalationDto(await handleEscalation(ctx(), params().id, note));
  });
  serve(app, deps, api.ofPatient, async ({ ctx, params }) => ({ escalations: (await listForPatient(ctx(), params().id)).map(escalationDto) }));
}

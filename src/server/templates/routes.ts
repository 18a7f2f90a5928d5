import { templateRoutes as api } from '../../api/templates.js';
import { planFromTemplates, TEMPLATE_CODES, TEMPLATES } from '../../domain/templates.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { forbidden } from '../http/errors.js';

/**
 * Diagnosis templates for the GP's plan editor (no patient data): the list, and one merged plan
 * for a patient with several conditions (planFromTemplates), ready to be edited and saved as a draft.
 */
export function templateRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.list, async ({ ctx }) => {
    if (ctx().actor.kind !== 'personnel') throw forbidden();
    return {
      templates: TEMPLATE_CODES.map((code) => {
        const t = TEMPLATES[code];
        return { code: t.code, title: t.title, diagnoses: t.diagnoses, definition: t.definition, source: t.source };
      }),
    };
  });
  serve(app, deps, api.plan, async ({ ctx, query }) => {
    if (ctx().actor.kind !== 'personnel') throw forbidden();
    const { codes } = query();
    return { codes, definition: planFromTemplates(codes) };
  });
}

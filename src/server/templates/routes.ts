import { z } from 'zod';
import { planFromTemplates, TEMPLATE_CODES, TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { forbidden } from '../http/errors.js';

const PlanQuery = z.object({
  codes: z
    .string()
    .min(1, 'Choose at least one template')
    .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TEMPLATE_CODES as [TemplateCode, ...TemplateCode[]])).min(1, 'Choose at least one template')),
});

/**
 * Diagnosis templates for the GP's plan editor (no patient data): the list, and one merged plan
 * for a patient with several conditions (planFromTemplates), ready to be edited and saved as a draft.
 */
export function templateRoutes(app: App, deps: AppDeps): void {
  app.get('/api/templates', async (req) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    return {
      templates: TEMPLATE_CODES.map((code) => {
        const t = TEMPLATES[code];
        return { code: t.code, title: t.title, diagnoses: t.diagnoses, definition: t.definition, source: t.source };
      }),
    };
  });
  app.get('/api/templates/plan', async (req) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    const { codes } = parse(PlanQuery, req.query);
    return { codes, definition: planFromTemplates(codes) };
  });
}

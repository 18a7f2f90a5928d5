import { z } from 'zod';
import { PlanDefinitionSchema } from '../domain/plan.js';
import { TEMPLATE_CODES, type TemplateCode } from '../domain/templates.js';
import { LocalText } from './common.js';
import { route } from './route.js';

/** `?codes=copd,heart_failure`: one or more diagnosis templates to merge. */
export const TemplatePlanQuery = z.object({
  codes: z
    .string()
    .min(1, 'Choose at least one template')
    .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TEMPLATE_CODES as [TemplateCode, ...TemplateCode[]])).min(1, 'Choose at least one template')),
});

export const Template = z.object({
  code: z.string(),
  title: LocalText,
  diagnoses: z.array(z.object({ system: z.enum(['ICPC-2', 'ICD-10']), code: z.string(), display: z.string() })),
  definition: PlanDefinitionSchema,
  source: z.string(),
});
export type Template = z.infer<typeof Template>;

export const templateRoutes = {
  list: route({ method: 'GET', path: '/api/templates', tag: 'templates', summary: 'Diagnosis templates for the plan editor', response: z.object({ templates: z.array(Template) }) }),
  plan: route({
    method: 'GET', path: '/api/templates/plan', tag: 'templates', summary: 'One plan merged from several templates (a patient with several conditions)',
    query: TemplatePlanQuery, response: z.object({ codes: z.array(z.string()), definition: PlanDefinitionSchema }),
  }),
};

import { z } from 'zod';
import { parseNorwegianId } from '../../domain/identifiers.js';
import { TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { ApiTimeZone } from '../http/validation.js';

const templateCodes = Object.keys(TEMPLATES) as [TemplateCode, ...TemplateCode[]];

export const NorwegianId = z
  .string()
  .transform((s) => s.replace(/\s/g, ''))
  .superRefine((s, ctx) => {
    const r = parseNorwegianId(s);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error.message });
  });

export const EnrolBody = z.object({
  identifier: NorwegianId,
  name: z.string().trim().min(2).max(200),
  phone: z.string().trim().regex(/^\+?[0-9 ]{8,15}$/, 'Phone number: 8–15 digits').optional(),
  lang: z.enum(['nb', 'nn', 'en']).default('nb'),
  diagnoses: z
    .array(z.object({ system: z.enum(['ICPC-2', 'ICD-10']), code: z.string().trim().min(1).max(10), display: z.string().trim().min(1).max(200) }))
    .min(1, 'At least one diagnosis is required for enrolment'),
  riskLevel: z.enum(['medium', 'high']),
  consent: z.literal(true, { error: 'The patient must consent to digital home follow-up' }),
  followUpOrganisationId: z.uuid(),
  hospitalOrganisationId: z.uuid().optional(),
  templates: z.array(z.enum(templateCodes)).min(1).optional(),
  timeZone: ApiTimeZone.default('Europe/Oslo'),
});
export type EnrolBody = z.infer<typeof EnrolBody>;

export const LanguageBody = z.object({ lang: z.enum(['nb', 'nn', 'en']) });
export const EndEpisodeBody = z.object({ reason: z.string().trim().min(3).max(500) });
export const PatientParams = z.object({ id: z.string() });

import { z } from 'zod';
import { MeasureCodeSchema } from '../../domain/plan.js';
import { BASELINE_MAX_DAYS, BASELINE_MIN_DAYS, END_REASONS, REFERRAL_SOURCES, TRAINING_ITEMS } from '../../domain/pathway.js';
import { TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { ApiDate, ApiTimeZone } from '../http/validation.js';
import { NorwegianId } from '../patients/schema.js';

const templateCodes = Object.keys(TEMPLATES) as [TemplateCode, ...TemplateCode[]];
const Text = (min: number, max: number) => z.string().trim().min(min).max(max);

export const Diagnoses = z
  .array(z.object({ system: z.enum(['ICPC-2', 'ICD-10']), code: Text(1, 10), display: Text(1, 200) }))
  .min(1, 'At least one diagnosis is required');

/** A referral (henvisning) to digital home follow-up. */
export const ReferralBody = z.object({
  identifier: NorwegianId,
  name: Text(2, 200),
  phone: z.string().trim().regex(/^\+?[0-9 ]{8,15}$/, 'Phone number: 8–15 digits').optional(),
  lang: z.enum(['nb', 'nn', 'en']).default('nb'),
  source: z.enum(REFERRAL_SOURCES),
  reason: Text(10, 2000),
  diagnoses: Diagnoses,
  riskLevel: z.enum(['medium', 'high']),
  // The inclusion guidance, answered by the referrer; the deciding service sees the answers.
  inclusion: z.object({ chronicCondition: z.boolean(), ableToConsent: z.boolean(), ableToUseEquipment: z.boolean() }),
  followUpOrganisationId: z.uuid(),
  // The patient's GP office (medical lead): the referrer's own office when a GP refers.
  gpOrganisationId: z.uuid().optional(),
  hospitalOrganisationId: z.uuid().optional(),
  templates: z.array(z.enum(templateCodes)).min(1).optional(),
  timeZone: ApiTimeZone.default('Europe/Oslo'),
});
export type ReferralBody = z.infer<typeof ReferralBody>;

/** One pathway step; the domain's transition table decides whether it is allowed. */
export const TransitionBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), vedtakDate: ApiDate }),
  z.object({ action: z.literal('decline'), reason: Text(10, 2000) }),
  z.object({ action: z.literal('start_baseline'), days: z.number().int().min(BASELINE_MIN_DAYS).max(BASELINE_MAX_DAYS).default(14) }),
  // The GP approves the plan after the baseline: the per-patient limits proposed for these measures.
  z.object({ action: z.literal('activate'), useProposal: z.array(MeasureCodeSchema).default([]) }),
  z.object({ action: z.literal('pause'), reason: Text(3, 500), until: ApiDate }),
  z.object({ action: z.literal('resume') }),
  z.object({ action: z.literal('start_evaluation') }),
  z.object({
    action: z.literal('complete_evaluation'), outcome: z.enum(['continue', 'adjust_plan']),
    patientView: Text(0, 2000).default(''), note: Text(0, 2000).default(''),
  }),
  z.object({ action: z.literal('end'), reason: z.enum(END_REASONS), note: Text(0, 2000).default(''), patientView: Text(0, 2000).optional() }),
]);
export type TransitionBody = z.infer<typeof TransitionBody>;

/** Onboarding records: any of them, at any open step (consent can be re-recorded, goals change). */
export const OnboardingBody = z.object({
  // shareMeasurements: the structured part of the consent that integration/pmd-job.ts acts on (issue 14); omitted = unchanged.
  consent: z.object({ scope: Text(3, 500), shareMeasurements: z.boolean().optional() }).optional(),
  training: z.array(z.enum(TRAINING_ITEMS)).optional(),
  goals: Text(0, 2000).optional(),
}).refine((b) => b.consent || b.training || b.goals !== undefined, { message: 'Nothing to record' });
export type OnboardingBody = z.infer<typeof OnboardingBody>;

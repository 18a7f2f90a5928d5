import { z } from 'zod';
import { BASELINE_MAX_DAYS, BASELINE_MIN_DAYS, END_REASONS, PATHWAY_ACTIONS, REFERRAL_SOURCES, TRAINING_ITEMS } from '../domain/pathway.js';
import { MeasureCodeSchema, type Thresholds } from '../domain/plan.js';
import { TEMPLATES, type TemplateCode } from '../domain/templates.js';
import { ApiDate, ApiTimeZone, IdParams, Instant } from './common.js';
import { EpisodeStatus, NorwegianId, PathwayState, StoredDiagnosis } from './patients.js';
import { route } from './route.js';

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
  // scope omitted with shareMeasurements given: only the sharing consent changes (a withdrawal does not re-date the consent).
  consent: z.object({ scope: Text(3, 500).optional(), shareMeasurements: z.boolean().optional() })
    .refine((c) => c.scope !== undefined || c.shareMeasurements !== undefined, { message: 'Give the consent text (scope) or shareMeasurements' })
    .optional(),
  training: z.array(z.enum(TRAINING_ITEMS)).optional(),
  goals: Text(0, 2000).optional(),
}).refine((b) => b.consent || b.training || b.goals !== undefined, { message: 'Nothing to record' });
export type OnboardingBody = z.infer<typeof OnboardingBody>;

// ---- Answers ----

const Name = z.string().nullable();
const RiskLevel = z.enum(['medium', 'high']);
const Source = z.enum(['gp', 'hospital', 'home_care', 'citizen']).nullable();
const Inclusion = z.record(z.string(), z.boolean()).nullable();
/** Training checklist items done (`equipment`, `app`, …): when, by whom (personnel id). */
const Training = z.record(z.string(), z.object({ at: z.string(), by: z.string() }));

export const ReferralCreated = z.object({ patientId: z.string(), episodeId: z.string(), draftPlanId: z.string().nullable() });

/** A referral the caller's service has to decide (`toDecide`), or one its organisation sent. */
export const Referral = z.object({
  episodeId: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  identifier: z.string(),
  state: PathwayState,
  /** `gp`, `hospital`, `home_care` or `citizen`. */
  source: z.string().nullable(),
  reason: z.string().nullable(),
  referredAt: Instant.nullable(),
  inclusion: Inclusion,
  diagnoses: z.array(StoredDiagnosis),
  /** `medium` or `high`. */
  riskLevel: z.string(),
  followUpOrganisation: Name,
  referrer: Name,
  referredBy: Name,
  vedtakDate: z.string().nullable(),
  decidedAt: Instant.nullable(),
  decidedBy: Name,
  declineReason: z.string().nullable(),
  toDecide: z.boolean(),
});
export type Referral = z.infer<typeof Referral>;

export const PathwayTask = z.object({
  /** plan_adjustment: an evaluation decided to adjust the plan; the GP's until a new plan version is approved. */
  kind: z.enum(['referral', 'evaluation_due', 'evaluation', 'baseline_done', 'pause_over', 'equipment_return', 'plan_adjustment']),
  episodeId: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  dueAt: Instant.nullable(),
  /** plan_adjustment: the evaluation's note (what to adjust); null for the other kinds. */
  note: z.string().nullable(),
});
export type PathwayTask = z.infer<typeof PathwayTask>;

/** Adherence, alerts by zone, contacts and messages over a follow-up period. */
export const PeriodFigures = z.object({
  from: Instant,
  to: Instant,
  days: z.number().int(),
  daysWithReadings: z.number().int(),
  /** Share (0–1) of days with at least one reading; null for an empty period. */
  adherence: z.number().nullable(),
  alerts: z.object({ red: z.number().int(), yellow: z.number().int(), missing: z.number().int() }),
  contacts: z.number().int(),
  messages: z.number().int(),
});

/** Per-patient limits proposed from the baseline readings, beside the template's (domain/pathway.ts#proposeThresholds). */
export const ThresholdProposal = z.object({
  code: z.string(),
  readings: z.number().int(),
  median: z.number().nullable(),
  spread: z.number().nullable(),
  template: z.custom<Thresholds>(),
  proposed: z.custom<Thresholds>(),
  note: z.enum(['proposed', 'too_few_readings', 'no_yellow_limit']),
});

/** The pathway of the patient's current episode as the clinic shows it. */
export const Pathway = z.object({
  episodeId: z.string(),
  state: PathwayState,
  status: EpisodeStatus,
  /** What the caller may do next (the domain's transition table and the caller's roles). */
  actions: z.array(z.enum(PATHWAY_ACTIONS)),
  roles: z.array(z.enum(['service', 'gp'])),
  careTeam: z.array(z.object({ organisationId: z.string(), name: z.string(), responsibility: z.string() })),
  referral: z.object({
    source: Source, reason: z.string().nullable(), referredAt: Instant, inclusion: Inclusion,
    referrer: Name, referredBy: Name, diagnoses: z.array(StoredDiagnosis), riskLevel: RiskLevel,
  }).nullable(),
  decision: z.object({ vedtakDate: z.string().nullable(), decidedAt: Instant, decidedBy: Name, declineReason: z.string().nullable() }).nullable(),
  onboarding: z.object({
    consentAt: Instant.nullable(),
    consentScope: z.string().nullable(),
    consentBy: Name,
    /** Since when the patient shares measurements with Pasientens måledata (null: no consent, or withdrawn). */
    shareMeasurementsSince: Instant.nullable(),
    training: Training,
    goals: z.string().nullable(),
    loans: z.array(z.object({ id: z.string(), serial: z.string(), model: z.string(), lentAt: Instant })),
    /** What is missing before the baseline can start (`consent`, `training:<item>`, `plan`). */
    blockers: z.array(z.string()),
  }),
  plan: z.object({ id: z.string(), version: z.number().int() }).nullable(),
  baseline: z.object({
    days: z.number().int(), startedAt: Instant.nullable(), endsAt: Instant.nullable(), endedAt: Instant.nullable(), over: z.boolean(),
    proposal: z.array(ThresholdProposal),
  }),
  pause: z.object({ reason: z.string().nullable(), until: z.string().nullable(), since: Instant.nullable() }).nullable(),
  evaluation: z.object({ months: z.number().int(), nextAt: Instant.nullable(), due: z.boolean(), figures: PeriodFigures.nullable() }),
  /** The latest evaluation decided to adjust the plan and no plan version has been approved since (the GP's task). */
  planAdjustment: z.object({ since: Instant, note: z.string() }).nullable(),
  end: z.object({ reason: z.string().nullable(), note: z.string().nullable(), at: Instant, summary: z.unknown() }).nullable(),
  transitions: z.array(z.object({
    from: PathwayState.nullable(), to: PathwayState, action: z.string(), at: Instant, by: Name, organisation: Name,
    /** What the step recorded (vedtak date, pause, evaluation figures, the GP summary at the end). */
    details: z.record(z.string(), z.unknown()),
  })),
});
export type Pathway = z.infer<typeof Pathway>;

export const TransitionResult = z.object({ episodeId: z.string(), state: PathwayState, status: EpisodeStatus });
export const OnboardingResult = z.object({
  episodeId: z.string(),
  state: PathwayState,
  consentAt: Instant.nullable(),
  training: Training,
  goals: z.string().nullable(),
});

/** The patient's own view: the app says when follow-up is paused, and why and until when. */
export const OwnPathway = z.object({
  state: PathwayState.nullable(),
  pause: z.object({ reason: z.string().nullable(), until: z.string().nullable() }).nullable(),
  baseline: z.object({ endsAt: Instant }).nullable(),
  goals: z.string().nullable(),
  /** Since when the patient's measurements are shared with Pasientens måledata (null: not shared). */
  shareMeasurementsSince: Instant.nullable(),
});
export type OwnPathway = z.infer<typeof OwnPathway>;

export const pathwayRoutes = {
  refer: route({
    method: 'POST', path: '/api/referrals', tag: 'pathway', summary: 'Refer a patient to digital home follow-up (henvisning)',
    description: 'Clinical roles only; the referrer is the caller\'s organisation, whose kind must match `source`. 409 when the patient already has an open episode.',
    body: ReferralBody, status: 201, response: ReferralCreated,
  }),
  referrals: route({ method: 'GET', path: '/api/referrals', tag: 'pathway', summary: 'Referrals to decide and the ones the organisation sent (each patient audited)', response: z.object({ referrals: z.array(Referral) }) }),
  tasks: route({ method: 'GET', path: '/api/pathway/tasks', tag: 'pathway', summary: "The caller's pathway tasks (referrals, evaluations, baselines over, pauses over, equipment, plans to adjust after an evaluation)", response: z.object({ tasks: z.array(PathwayTask) }) }),
  get: route({ method: 'GET', path: '/api/patients/:id/pathway', tag: 'pathway', summary: "The pathway of the patient's current episode", params: IdParams, response: Pathway }),
  transition: route({
    method: 'POST', path: '/api/patients/:id/pathway', tag: 'pathway', summary: 'One pathway step (accept, decline, baseline, activate, pause, resume, evaluate, end)',
    description: '409 `invalid_transition` when the step is not allowed from the current state; 409 `onboarding_incomplete` before the baseline when consent, training or the plan is missing.',
    params: IdParams, body: TransitionBody, response: TransitionResult,
  }),
  onboarding: route({ method: 'PUT', path: '/api/patients/:id/pathway/onboarding', tag: 'pathway', summary: 'Record consent, training items done and the patient\'s goals', params: IdParams, body: OnboardingBody, response: OnboardingResult }),
  own: route({ method: 'GET', path: '/api/me/pathway', tag: 'me', summary: "The patient's own pathway state (pause, baseline end, goals)", response: OwnPathway }),
};

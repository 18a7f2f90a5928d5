import { z } from 'zod';
import { MEASURE_CODE_LIST } from './catalogue.js';
import { type Result, ok, err } from './result.js';
import { LocalTextSchema } from './text.js';

/*
 * The self-management plan (egenbehandlingsplan) as data. It is versioned and
 * approved by the GP; the triage engine only ever reads it. The schema is the single
 * gate: anything that passes it can be evaluated without further checks.
 */

export const MeasureCodeSchema = z.enum(MEASURE_CODE_LIST);

export const QUESTIONNAIRE_CODE_LIST = ['phq9', 'gad7', 'cat', 'symptoms'] as const;
export type QuestionnaireCode = (typeof QUESTIONNAIRE_CODE_LIST)[number];
export const QuestionnaireCodeSchema = z.enum(QUESTIONNAIRE_CODE_LIST);

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM (00:00–23:59)');

// A week of grace is the longest that still lets "missing" mean something for a weekly schedule.
const MAX_GRACE_MINUTES = 7 * 24 * 60;
const Grace = z.number().int('must be whole minutes').min(0).max(MAX_GRACE_MINUTES);

export const ScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('daily'), dueBy: HHMM, graceMinutes: Grace }),
  z.object({
    kind: z.literal('weekly'),
    weekdays: z
      .array(z.number().int().min(1, 'ISO weekday 1 (Monday)–7 (Sunday)').max(7, 'ISO weekday 1 (Monday)–7 (Sunday)'))
      .min(1, 'at least one weekday is required')
      .refine((d) => new Set(d).size === d.length, 'weekdays must not repeat'),
    dueBy: HHMM,
    graceMinutes: Grace,
  }),
  z.object({ kind: z.literal('as_needed') }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

const THRESHOLD_ORDER = ['redBelow', 'yellowBelow', 'yellowAbove', 'redAbove'] as const;

/**
 * Zone limits, all strict: value < redBelow → red, value < yellowBelow → yellow,
 * value > yellowAbove → yellow, value > redAbove → red, otherwise green.
 * Strict on both sides so the limit itself is always the last acceptable value
 * and "under rød grense 88" means 87 and below.
 */
export const ThresholdsSchema = z
  .strictObject({
    redBelow: z.number().finite().optional(),
    yellowBelow: z.number().finite().optional(),
    yellowAbove: z.number().finite().optional(),
    redAbove: z.number().finite().optional(),
  })
  .superRefine((th, ctx) => {
    // Only present limits are compared, so a plan may use just one side.
    let prev: { key: (typeof THRESHOLD_ORDER)[number]; value: number } | undefined;
    for (const key of THRESHOLD_ORDER) {
      const value = th[key];
      if (value === undefined) continue;
      if (prev !== undefined && !(prev.value < value)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} (${value}) must be greater than ${prev.key} (${prev.value}); limits must satisfy redBelow < yellowBelow < yellowAbove < redAbove`,
        });
      }
      prev = { key, value };
    }
  });
export type Thresholds = z.infer<typeof ThresholdsSchema>;

export const ZoneActionsSchema = z.object({ green: LocalTextSchema, yellow: LocalTextSchema, red: LocalTextSchema });
export type ZoneActions = z.infer<typeof ZoneActionsSchema>;

export const MeasurePlanSchema = z.object({
  code: MeasureCodeSchema,
  schedule: ScheduleSchema,
  thresholds: ThresholdsSchema,
  actions: ZoneActionsSchema,
});
export type MeasurePlan = z.infer<typeof MeasurePlanSchema>;

export const QuestionnairePlanSchema = z.object({
  code: QuestionnaireCodeSchema,
  schedule: ScheduleSchema,
  /** Limits on the total score. */
  thresholds: ThresholdsSchema,
  actions: ZoneActionsSchema,
});
export type QuestionnairePlan = z.infer<typeof QuestionnairePlanSchema>;

export const TrendRuleSchema = z.strictObject({
  /** Stable id; the finding's ruleId is `trend:<id>`, which the server uses to merge alerts. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  code: MeasureCodeSchema,
  kind: z.enum(['rise', 'fall']),
  /** Triggers when the change is strictly greater than this amount (canonical unit). */
  amount: z.number().finite().positive(),
  windowDays: z.number().finite().positive().max(90),
  zone: z.enum(['yellow', 'red']),
  /** Patient-facing action when the rule fires; defaults to the measure's action for `zone`. */
  actions: LocalTextSchema.optional(),
});
export type TrendRule = z.infer<typeof TrendRuleSchema>;

export const PlanDefinitionSchema = z
  .object({
    measures: z.array(MeasurePlanSchema),
    questionnaires: z.array(QuestionnairePlanSchema),
    trendRules: z.array(TrendRuleSchema),
    news2: z.object({ enabled: z.boolean(), scale: z.union([z.literal(1), z.literal(2)]) }),
    medicines: z.string(),
    contacts: z.string(),
  })
  .superRefine((plan, ctx) => {
    // A code planned twice would make thresholds and schedules ambiguous.
    const seen = new Map<string, string>();
    plan.measures.forEach((m, i) => {
      const where = seen.get(m.code);
      if (where !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['measures', i, 'code'], message: `${m.code} is already planned in ${where}` });
      } else seen.set(m.code, `measures.${i}`);
    });
    plan.questionnaires.forEach((q, i) => {
      const where = seen.get(q.code);
      if (where !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['questionnaires', i, 'code'], message: `${q.code} is already planned in ${where}` });
      } else seen.set(q.code, `questionnaires.${i}`);
    });
    const ids = new Set<string>();
    plan.trendRules.forEach((r, i) => {
      if (ids.has(r.id)) {
        ctx.addIssue({ code: 'custom', path: ['trendRules', i, 'id'], message: `trend rule id "${r.id}" is used twice` });
      }
      ids.add(r.id);
      // A trend on something the patient is never asked to report can never fire — almost certainly a typo.
      if (!seen.has(r.code)) {
        ctx.addIssue({ code: 'custom', path: ['trendRules', i, 'code'], message: `trend rule "${r.id}" uses ${r.code}, which is not in the plan` });
      }
    });
  });
export type PlanDefinition = z.infer<typeof PlanDefinitionSchema>;

/**
 * Validates an untrusted plan (from the GP's editor, the database or FHIR CarePlan).
 * @param input anything
 * @returns the parsed plan, or 'invalid_plan' with the dotted path of the first bad field
 *   (e.g. `measures.0.thresholds.yellowBelow`) in both `field` and the message
 */
export function validatePlan(input: unknown): Result<PlanDefinition> {
  const parsed = PlanDefinitionSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  if (issue === undefined) return err('invalid_plan', 'Plan is invalid');
  const field = issue.path.map(String).join('.');
  return err('invalid_plan', field === '' ? issue.message : `${field}: ${issue.message}`, field === '' ? undefined : field);
}

/**
 * The planned entry (measure or questionnaire) for a code, if any.
 * @param plan the plan
 * @param code a measure code (questionnaire totals share the code space)
 */
export function planEntryFor(plan: PlanDefinition, code: string): MeasurePlan | QuestionnairePlan | undefined {
  return plan.measures.find((m) => m.code === code) ?? plan.questionnaires.find((q) => q.code === code);
}

import { z } from 'zod';
import { MEASURE_CODE_LIST } from './catalogue.js';
import { type Result, ok, err } from './result.js';
import { QUESTIONNAIRES } from './questionnaires.js';
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
  z.strictObject({ kind: z.literal('daily'), dueBy: HHMM, graceMinutes: Grace }),
  z.strictObject({
    kind: z.literal('weekly'),
    weekdays: z
      .array(z.number().int().min(1, 'ISO weekday 1 (Monday)–7 (Sunday)').max(7, 'ISO weekday 1 (Monday)–7 (Sunday)'))
      .min(1, 'at least one weekday is required')
      .refine((d) => new Set(d).size === d.length, 'weekdays must not repeat'),
    dueBy: HHMM,
    graceMinutes: Grace,
  }),
  z.strictObject({ kind: z.literal('as_needed') }),
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

export const ZoneActionsSchema = z.strictObject({ green: LocalTextSchema, yellow: LocalTextSchema, red: LocalTextSchema });
export type ZoneActions = z.infer<typeof ZoneActionsSchema>;

/** Stable rule ids: they become part of alert rule ids, so they are restricted to a safe alphabet. */
const RuleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');
const AlertZone = z.enum(['yellow', 'red']);

/**
 * Re-measure before a yellow is raised (e.g. SpO2 or blood pressure after rest: poor technique,
 * cold fingers and walking to the chair are the common causes of a single low SpO2 or high BP;
 * ESC/ESH 2018 home BP: sit 5 minutes, measure twice). A yellow reading of this measure is held:
 * the patient is asked to rest `restMinutes` and measure again; the re-measurement decides. If no
 * re-measurement arrives within `withinMinutes`, the first yellow is raised after all. A red is
 * never held.
 */
export const RemeasureSchema = z.strictObject({
  restMinutes: z.number().int('must be whole minutes').min(1).max(60),
  withinMinutes: z.number().int('must be whole minutes').min(5).max(240),
}).refine((r) => r.withinMinutes > r.restMinutes, { message: 'withinMinutes must be longer than restMinutes', path: ['withinMinutes'] });
export type Remeasure = z.infer<typeof RemeasureSchema>;

export const MeasurePlanSchema = z.strictObject({
  code: MeasureCodeSchema,
  schedule: ScheduleSchema,
  thresholds: ThresholdsSchema,
  actions: ZoneActionsSchema,
  remeasure: RemeasureSchema.optional(),
});
export type MeasurePlan = z.infer<typeof MeasurePlanSchema>;

/**
 * A rule on single answers of a questionnaire, evaluated whatever the total and even when other
 * items are unanswered.
 * - 'answer': item `item` answered with a value ≥ `atLeast` (e.g. "short of breath at rest" = 3).
 * - 'count': at least `count` of `items` (all items when omitted) answered ≥ `atLeast`
 *   (e.g. two or more symptoms worse than usual, Anthonisen 1987).
 * The finding's ruleId is `questionnaire:<code>:<id>`.
 */
export const ItemRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('answer'),
    id: RuleId,
    item: z.string().min(1),
    atLeast: z.number().int().min(1, 'an answer rule must be above the lowest answer (0)'),
    zone: AlertZone,
    actions: LocalTextSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('count'),
    id: RuleId,
    items: z.array(z.string().min(1)).min(1).optional(),
    atLeast: z.number().int().min(1),
    count: z.number().int().min(1),
    zone: AlertZone,
    actions: LocalTextSchema.optional(),
  }),
]);
export type ItemRule = z.infer<typeof ItemRuleSchema>;

export const QuestionnairePlanSchema = z.strictObject({
  code: QuestionnaireCodeSchema,
  schedule: ScheduleSchema,
  /** Limits on the total score. */
  thresholds: ThresholdsSchema,
  actions: ZoneActionsSchema,
  itemRules: z.array(ItemRuleSchema).optional(),
});
export type QuestionnairePlan = z.infer<typeof QuestionnairePlanSchema>;

/** Longest window any trend or day-count rule may state; the server loads this much history for triage. */
export const MAX_WINDOW_DAYS = 90;

/**
 * A change over local calendar days in the patient's time zone. The newest reading is compared
 * with every earlier reading of the same measure from local midnight `windowDays` days before its
 * own local day (so a weighing at 07:20 is compared with one at 07:00 three days earlier, across
 * DST changes), and fires on the most extreme one (lowest for a rise, highest for a fall). With
 * `baseline`, the change is measured from that recorded value (the patient's own stable value,
 * e.g. habitual SpO2) instead of from the window.
 */
export const TrendRuleSchema = z.strictObject({
  /** Stable id; the finding's ruleId is `trend:<id>`. */
  id: RuleId,
  code: MeasureCodeSchema,
  kind: z.enum(['rise', 'fall']),
  /** The change that fires the rule, in the measure's canonical unit. */
  amount: z.number().finite().positive(),
  /** false (default): fires when the change is strictly more than `amount` ("> 2 kg"); true: at least `amount` ("≥ 3 points"). */
  inclusive: z.boolean().optional(),
  windowDays: z.number().int('must be whole local days').min(1).max(MAX_WINDOW_DAYS),
  baseline: z.number().finite().optional(),
  /**
   * What the newest reading is compared with when there is no `baseline`: 'extreme' (default) the
   * lowest (rise) or highest (fall) earlier reading in the window — a weight gain that started
   * mid-window; 'median' the patient's usual level, the median of the earlier readings in the
   * window — a fall from one's own baseline (BTS), which one unusually good reading must not move.
   */
  reference: z.enum(['extreme', 'median']).optional(),
  zone: AlertZone,
  /** Patient-facing action when the rule fires; defaults to the measure's action for `zone`. */
  actions: LocalTextSchema.optional(),
});
export type TrendRule = z.infer<typeof TrendRuleSchema>;

/**
 * Rules over several readings at once.
 * - 'sitting': `minYellow` or more measures (of `codes`, default all) yellow or worse in one
 *   sitting (readings within an hour; a yellow replaced by a planned re-measurement does not count) → `zone` (UKONS 2016 triage
 *   tool: two or more amber = red).
 * - 'consecutive_days': a measure of `codes` (default all) yellow or worse on each of `days`
 *   consecutive local days → `zone`.
 * The finding's ruleId is `combined:<id>`.
 */
export const CombinedRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sitting'),
    id: RuleId,
    minYellow: z.number().int().min(2).max(MEASURE_CODE_LIST.length),
    codes: z.array(MeasureCodeSchema).min(2).optional(),
    zone: AlertZone,
    actions: LocalTextSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('consecutive_days'),
    id: RuleId,
    days: z.number().int().min(2).max(MAX_WINDOW_DAYS),
    codes: z.array(MeasureCodeSchema).min(1).optional(),
    zone: AlertZone,
    actions: LocalTextSchema.optional(),
  }),
]);
export type CombinedRule = z.infer<typeof CombinedRuleSchema>;

/**
 * NEWS2 at home (RCP 2017). Scale 2 is only for confirmed hypercapnic respiratory failure with a
 * prescribed 88–92 % target, so the plan must record that confirmation to use it. Long-term oxygen
 * therapy scores "on oxygen" (2 points) on every set of vitals.
 */
export const News2SettingsSchema = z.strictObject({
  enabled: z.boolean(),
  scale: z.union([z.literal(1), z.literal(2)]),
  hypercapnicFailureConfirmed: z.boolean().optional(),
  longTermOxygen: z.boolean().optional(),
});
export type News2Settings = z.infer<typeof News2SettingsSchema>;

export const PlanDefinitionSchema = z
  .strictObject({
    measures: z.array(MeasurePlanSchema),
    questionnaires: z.array(QuestionnairePlanSchema),
    trendRules: z.array(TrendRuleSchema),
    combinedRules: z.array(CombinedRuleSchema).optional(),
    news2: News2SettingsSchema,
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
      checkItemRules(q, i, ctx);
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
    const combinedIds = new Set<string>();
    (plan.combinedRules ?? []).forEach((r, i) => {
      if (combinedIds.has(r.id)) {
        ctx.addIssue({ code: 'custom', path: ['combinedRules', i, 'id'], message: `combined rule id "${r.id}" is used twice` });
      }
      combinedIds.add(r.id);
      (r.codes ?? []).forEach((c, j) => {
        if (!plan.measures.some((m) => m.code === c)) {
          ctx.addIssue({ code: 'custom', path: ['combinedRules', i, 'codes', j], message: `combined rule "${r.id}" uses ${c}, which is not a planned measure` });
        }
      });
      if (r.kind === 'sitting' && r.codes !== undefined && r.minYellow > r.codes.length) {
        ctx.addIssue({ code: 'custom', path: ['combinedRules', i, 'minYellow'], message: `combined rule "${r.id}" needs ${r.minYellow} measures but lists only ${r.codes.length}` });
      }
    });
    if (plan.news2.enabled && plan.news2.scale === 2 && plan.news2.hypercapnicFailureConfirmed !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['news2', 'scale'],
        message: 'SpO2 scale 2 is only for confirmed hypercapnic respiratory failure (RCP 2017); record the confirmation (hypercapnicFailureConfirmed) or use scale 1',
      });
    }
  });
export type PlanDefinition = z.infer<typeof PlanDefinitionSchema>;

/** Item rules must name items and answers that exist, or they could never fire. */
function checkItemRules(q: QuestionnairePlan, index: number, ctx: z.RefinementCtx): void {
  const def = QUESTIONNAIRES[q.code];
  const ruleIds = new Set<string>();
  (q.itemRules ?? []).forEach((r, j) => {
    const path = ['questionnaires', index, 'itemRules', j];
    if (ruleIds.has(r.id)) ctx.addIssue({ code: 'custom', path: [...path, 'id'], message: `item rule id "${r.id}" is used twice` });
    ruleIds.add(r.id);
    const items = r.kind === 'answer' ? [r.item] : (r.items ?? def.items.map((it) => it.id));
    items.forEach((id, k) => {
      const item = def.items.find((it) => it.id === id);
      const itemPath = r.kind === 'answer' ? [...path, 'item'] : [...path, 'items', k];
      if (item === undefined) {
        ctx.addIssue({ code: 'custom', path: itemPath, message: `"${id}" is not an item of ${def.title.en}; items: ${def.items.map((it) => it.id).join(', ')}` });
      } else if (r.kind === 'answer' && !item.options.some((o) => o.value >= r.atLeast)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'atLeast'], message: `no answer to "${id}" is ${r.atLeast} or more; the rule could never fire` });
      }
    });
    if (r.kind === 'count' && r.count > items.length) {
      ctx.addIssue({ code: 'custom', path: [...path, 'count'], message: `count ${r.count} is more than the ${items.length} items the rule looks at` });
    }
  });
}

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

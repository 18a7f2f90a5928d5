import type { MeasureCode } from './catalogue.js';
import type { Thresholds } from './plan.js';
import { type Result, ok } from './result.js';
import type { Finding } from './triage.js';

/*
 * The care pathway of digital home follow-up as a state machine (Helsedirektoratet, nasjonale
 * faglige råd for digital hjemmeoppfølging; the programme's experience reports; Oslo kommune's
 * DHO handbook): referral → decision → onboarding → baseline → active ⇄ paused → evaluation → end.
 * Pure data and functions: the server writes the transitions and audits them.
 */

export const PATHWAY_STATES = ['referred', 'declined', 'onboarding', 'baseline', 'active', 'paused', 'evaluation', 'ended'] as const;
export type PathwayState = (typeof PATHWAY_STATES)[number];

export const PATHWAY_ACTIONS = [
  'accept', 'decline', 'start_baseline', 'activate', 'pause', 'resume', 'start_evaluation', 'complete_evaluation', 'end',
] as const;
export type PathwayAction = (typeof PATHWAY_ACTIONS)[number];

/** Who may take a step: the follow-up service running the episode, or the GP office (medical lead). */
export type PathwayRole = 'service' | 'gp';

export interface TransitionRule {
  from: readonly PathwayState[];
  to: PathwayState;
  by: readonly PathwayRole[];
}

const OPEN_STEPS = ['onboarding', 'baseline', 'active', 'paused', 'evaluation'] as const;

/**
 * The whole pathway in one table. The follow-up service decides on referrals (vedtak) and runs
 * onboarding, pauses and evaluations; the GP approves the plan that ends the baseline period;
 * either responsible party may pause, resume or end (as before this table existed).
 */
export const TRANSITIONS: Record<PathwayAction, TransitionRule> = {
  accept: { from: ['referred'], to: 'onboarding', by: ['service'] },
  decline: { from: ['referred'], to: 'declined', by: ['service'] },
  start_baseline: { from: ['onboarding'], to: 'baseline', by: ['service'] },
  activate: { from: ['baseline'], to: 'active', by: ['gp'] },
  pause: { from: ['active'], to: 'paused', by: ['service', 'gp'] },
  resume: { from: ['paused'], to: 'active', by: ['service', 'gp'] },
  start_evaluation: { from: ['active'], to: 'evaluation', by: ['service'] },
  complete_evaluation: { from: ['evaluation'], to: 'active', by: ['service'] },
  end: { from: OPEN_STEPS, to: 'ended', by: ['service', 'gp'] },
};

/**
 * The next state for `action` taken in `state` by someone with `roles`, or why not.
 * @returns the target state, or `invalid_transition` / `not_responsible`
 */
export function transition(state: PathwayState, action: PathwayAction, roles: readonly PathwayRole[]): Result<PathwayState> {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(state)) {
    return { ok: false, error: { code: 'invalid_transition', message: `Cannot ${action.replaceAll('_', ' ')} an episode that is ${state}.` } };
  }
  if (!rule.by.some((r) => roles.includes(r))) {
    return { ok: false, error: { code: 'not_responsible', message: `Only ${rule.by.map((r) => (r === 'gp' ? 'the GP' : 'the follow-up service')).join(' or ')} can ${action.replaceAll('_', ' ')}.` } };
  }
  return ok(rule.to);
}

/** The actions open from a state (for the clinic's buttons). */
export function actionsFrom(state: PathwayState): PathwayAction[] {
  return PATHWAY_ACTIONS.filter((a) => TRANSITIONS[a].from.includes(state));
}

/**
 * The coarse episode status the rest of Varde reads: open = not ended; on the worklist and swept
 * for missing measurements = active. Onboarding, baseline and evaluation are followed on the
 * worklist (a safety-limit red during baseline must be seen); a referral is not yet.
 */
export function coarseStatus(state: PathwayState): 'referred' | 'active' | 'paused' | 'ended' {
  switch (state) {
    case 'referred':
      return 'referred';
    case 'declined':
    case 'ended':
      return 'ended';
    case 'paused':
      return 'paused';
    default:
      return 'active';
  }
}

/**
 * Whether a triage finding becomes an alert in this pathway state. During the baseline period
 * only safety limits alert (red, from the template or the catalogue's critical limits): the point
 * is to learn the patient's own normal, and the national guidance asks for no live follow-up on
 * yellow before the plan is individualised. Missing measurements alert only in follow-up proper.
 * A paused patient who measures anyway still gets a red seen; onboarding likewise.
 */
export function raisesAlert(state: string | undefined, finding: Pick<Finding, 'zone'>): boolean {
  if (state === undefined || state === 'active' || state === 'evaluation') return true;
  return finding.zone === 'red';
}

// ---------------------------------------------------------------- referral, onboarding, end

export const REFERRAL_SOURCES = ['gp', 'hospital', 'home_care', 'citizen'] as const;
export type ReferralSource = (typeof REFERRAL_SOURCES)[number];

/**
 * Inclusion guidance shown at referral (nasjonale faglige råd: chronic condition with medium to
 * high risk of deterioration, able to consent, able to use the equipment with the help offered).
 * Guidance, not a gate: the referrer's answers travel with the referral to the deciding service.
 */
export const INCLUSION_CRITERIA = ['chronicCondition', 'ableToConsent', 'ableToUseEquipment'] as const;
export type InclusionCriterion = (typeof INCLUSION_CRITERIA)[number];

/** Training checklist at onboarding (from municipal DHO handbooks: equipment, app, plan, whom to call). */
export const TRAINING_ITEMS = ['equipment', 'app', 'plan', 'contact', 'emergency'] as const;
export type TrainingItem = (typeof TRAINING_ITEMS)[number];

/** Reasons an episode ends (fixed list, for the programme's reporting). */
export const END_REASONS = ['goal_reached', 'no_benefit', 'too_ill', 'moved', 'died', 'declined'] as const;
export type EndReason = (typeof END_REASONS)[number];

export const EVALUATION_OUTCOMES = ['continue', 'adjust_plan', 'end'] as const;
export type EvaluationOutcome = (typeof EVALUATION_OUTCOMES)[number];

/**
 * An evaluation that decided to adjust the plan leaves the GP (the medical lead, who approves
 * plans) a task until a new plan version is approved. Only the latest completed evaluation
 * counts: a later one that says "continue" settles it. pathway/repo.ts#tasksFor is the same rule
 * in SQL, for the task list over many patients.
 * @returns when it was decided and the evaluation's note, or null when nothing is pending
 */
export function pendingPlanAdjustment(
  evaluations: readonly { at: Date; outcome: string; note: string }[],
  lastPlanApprovedAt: Date | null,
): { since: Date; note: string } | null {
  const latest = evaluations.reduce<{ at: Date; outcome: string; note: string } | null>((a, e) => (!a || e.at >= a.at ? e : a), null);
  if (!latest || latest.outcome !== 'adjust_plan') return null;
  if (lastPlanApprovedAt && lastPlanApprovedAt > latest.at) return null;
  return { since: latest.at, note: latest.note };
}

/** Baseline length: 2–4 weeks (nasjonale faglige råd; Oslo kommune's handbook uses 14 days). */
export const BASELINE_MIN_DAYS = 14;
export const BASELINE_MAX_DAYS = 28;
/** Evaluation every 3 months by default (nasjonale faglige råd: "jevnlig evaluering", the programme used 3 months). */
export const DEFAULT_EVALUATION_MONTHS = 3;

/** What is still missing before the baseline period may start: consent, every training item, an approved plan (its red limits are the safety limits). */
export function baselineBlockers(e: { consentAt: Date | null; training: Partial<Record<string, unknown>>; hasApprovedPlan: boolean }): string[] {
  const out: string[] = [];
  if (!e.consentAt) out.push('consent');
  for (const item of TRAINING_ITEMS) if (!e.training[item]) out.push(`training:${item}`);
  if (!e.hasApprovedPlan) out.push('approved_plan');
  return out;
}

/** When the baseline period started at `startedAt` with `days` ends. */
export function baselineEndsAt(startedAt: Date, days: number): Date {
  return new Date(startedAt.getTime() + days * 86_400_000);
}

/** The next evaluation `months` after `from` (calendar months, UTC; the day is clamped to the month's end). */
export function nextEvaluation(from: Date, months: number): Date {
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

// ---------------------------------------------------------------- baseline → per-patient limits

/**
 * Readings needed before the patient's own values say anything: one week of daily readings
 * (half of the shortest baseline period).
 */
export const MIN_BASELINE_READINGS = 7;

/**
 * Width of the proposed green band: median ± 2 robust standard deviations (1.4826 × MAD, which
 * equals the SD for normally distributed data; Rousseeuw & Croux 1993), so about 95 % of the
 * patient's own stable readings stay green.
 */
export const SPREAD_FACTOR = 2;
const MAD_TO_SD = 1.4826;

/**
 * Per measure: the smallest spread assumed (a patient with identical readings still varies by about
 * the device's precision; ISO 80601-2-61 oximeters ±2 %, ISO 81060-2 BP ±5 mmHg) and the step the
 * proposal is rounded to (the display resolution; the patient's readings themselves are never rounded).
 */
export const BASELINE_MEASURE: Partial<Record<MeasureCode, { minSpread: number; step: number }>> = {
  spo2: { minSpread: 1, step: 1 },
  heart_rate: { minSpread: 3, step: 1 },
  resp_rate: { minSpread: 1, step: 1 },
  bp_systolic: { minSpread: 5, step: 1 },
  bp_diastolic: { minSpread: 3, step: 1 },
  weight: { minSpread: 0.5, step: 0.1 },
  temperature: { minSpread: 0.2, step: 0.1 },
  glucose: { minSpread: 0.5, step: 0.1 },
};

export interface ThresholdProposal {
  code: MeasureCode;
  readings: number;
  median: number | null;
  spread: number | null;
  template: Thresholds;
  proposed: Thresholds;
  /** Why the proposal is what it is: `too_few_readings` / `no_yellow_limit` keep the template. */
  note: 'proposed' | 'too_few_readings' | 'no_yellow_limit';
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function roundTo(x: number, step: number, dir: 'down' | 'up'): number {
  const n = x / step;
  // 1e-9 absorbs binary fractions (36.6 / 0.1 = 365.99999…).
  const k = dir === 'down' ? Math.floor(n + 1e-9) : Math.ceil(n - 1e-9);
  return Number((k * step).toFixed(6));
}

/**
 * Per-patient yellow limits from the baseline readings: median ± 2 robust SD, rounded outwards to
 * the measure's step, and bounded by the template: never stricter than the template's yellow limit
 * (a tighter limit than the population default only adds alerts the guidance gives no evidence for),
 * never past its red limit (the safety limits stay exactly as they are), and the patient's own
 * median green (unless it lies at or past the red limit, which stays where it is). Red limits are copied unchanged; a measure with too few readings or no
 * yellow limit keeps the template.
 */
export function proposeThresholds(code: MeasureCode, template: Thresholds, values: readonly number[]): ThresholdProposal {
  const spec = BASELINE_MEASURE[code] ?? { minSpread: 0, step: 0.1 };
  const base = { code, readings: values.length, template, median: null, spread: null } as const;
  if (template.yellowBelow === undefined && template.yellowAbove === undefined) return { ...base, proposed: { ...template }, note: 'no_yellow_limit' };
  if (values.length < MIN_BASELINE_READINGS) return { ...base, proposed: { ...template }, note: 'too_few_readings' };
  const m = median(values);
  const sd = Math.max(MAD_TO_SD * median(values.map((v) => Math.abs(v - m))), spec.minSpread);
  const proposed: Thresholds = { ...template };
  if (template.yellowBelow !== undefined) {
    let y = Math.min(roundTo(m - SPREAD_FACTOR * sd, spec.step, 'down'), template.yellowBelow);
    // Strict limits: a value equal to redBelow is already yellow, so one step above it is the laxest.
    if (template.redBelow !== undefined) y = Math.max(y, roundTo(template.redBelow + spec.step, spec.step, 'up'));
    proposed.yellowBelow = Math.min(y, template.yellowBelow);
  }
  if (template.yellowAbove !== undefined) {
    let y = Math.max(roundTo(m + SPREAD_FACTOR * sd, spec.step, 'up'), template.yellowAbove);
    if (template.redAbove !== undefined) y = Math.min(y, roundTo(template.redAbove - spec.step, spec.step, 'down'));
    proposed.yellowAbove = Math.max(y, template.yellowAbove);
  }
  return { ...base, median: m, spread: Number(sd.toFixed(6)), proposed, note: 'proposed' };
}

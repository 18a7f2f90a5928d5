import type { Observation } from '../../src/api/observations.js';
import type { MeasurePlan, PlanDefinition, QuestionnairePlan, Schedule, Thresholds } from '../../src/domain/plan.js';

/** A measure or questionnaire of the plan. */
export type PlanEntry = MeasurePlan | QuestionnairePlan;

export function asPlan(d: unknown): PlanDefinition | null {
  return typeof d === 'object' && d !== null && Array.isArray((d as PlanDefinition).measures) ? (d as PlanDefinition) : null;
}

export function planEntries(plan: PlanDefinition | null): PlanEntry[] {
  return plan ? [...plan.measures, ...plan.questionnaires] : [];
}

/** Codes in the order of the plan, then anything else that was measured. */
export function chartCodes(plan: PlanDefinition | null, observations: Observation[]): string[] {
  const planned: string[] = planEntries(plan).map((e) => e.code);
  const seen = [...new Set(observations.map((o) => o.code))].filter((c) => !planned.includes(c));
  return [...planned, ...seen];
}

export function thresholdsFor(plan: PlanDefinition | null, code: string): Thresholds | null {
  return planEntries(plan).find((e) => e.code === code)?.thresholds ?? null;
}

export type ScheduleWords = {
  scheduleDaily: (time: string) => string;
  scheduleWeekly: (days: string, time: string) => string;
  scheduleAsNeeded: string;
  weekdayShort: readonly string[];
};

export function scheduleText(s: Schedule, t: ScheduleWords): string {
  if (s.kind === 'as_needed') return t.scheduleAsNeeded;
  if (s.kind === 'daily') return t.scheduleDaily(s.dueBy);
  return t.scheduleWeekly(s.weekdays.map((d) => t.weekdayShort[d - 1] ?? String(d)).join(', '), s.dueBy);
}

import type { MeasureCode } from './catalogue.js';
import type { PlanDefinition } from './plan.js';
import { NEWS2_VITAL_CODES } from './triage.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Slack added to windows of local calendar days: a window of N days starts at local midnight N days
 * before the reading's own local day, so it reaches back up to N + 1 days, plus an hour on a DST
 * change; one more day to spare.
 */
const DAY_SLACK_MS = 2 * DAY_MS;
/**
 * How far back a re-measurement can reach: each link of a chain of yellows is at most 240 minutes
 * (plan.ts), and whether a yellow re-measures the one before depends on the whole chain. Two days
 * of readings every four hours or less would be needed to reach past it (the 91 days read before
 * cut such a chain too, only further back).
 */
const REMEASURE_REACH_MS = 2 * DAY_MS;
/** NEWS2 scores the vitals of the hour before (triage.ts, NEWS2_WINDOW_MS); an hour to spare. */
const NEWS2_REACH_MS = 2 * HOUR_MS;
/** A sitting rule looks at the hour before (triage.ts, SITTING_MS); an hour to spare. */
const SITTING_REACH_MS = 2 * HOUR_MS;

/**
 * What `evaluate` (triage.ts) can read of a patient's history when judging new readings of
 * `codes` under `plan`: per measure, how far back from each new reading. Everything else in the
 * history cannot change the result — the same zones, findings, actions and re-measure requests as
 * with the whole history (history-window.test.ts checks this against evaluate itself):
 *
 * - a new reading's own measure when the plan asks for a re-measurement of it (the chain of yellows
 *   before it), and for trend rules on it (their `windowDays`, the longest up to 90);
 * - every measure of a combined rule that names one of them (the hour of a sitting, or N days in a
 *   row), also for the late-data pass, which judges those measures' later readings again;
 * - with NEWS2 on, every NEWS2 vital of the hour before.
 *
 * Measures absent from the result need no history at all (a threshold is judged on the reading
 * alone). So a pulse in a COPD plan reads the vitals of the last two hours, and a weighing in a
 * heart-failure plan five days of weights, not 90 days of everything the patient measures.
 * @param plan the episode's approved plan
 * @param codes the measures of the new readings
 * @returns milliseconds back per measure to read
 */
export function historyWindow(plan: PlanDefinition, codes: Iterable<MeasureCode>): Map<MeasureCode, number> {
  const out = new Map<MeasureCode, number>();
  const need = (code: MeasureCode, ms: number) => out.set(code, Math.max(out.get(code) ?? 0, ms));
  const fresh = new Set(codes);
  for (const m of plan.measures) if (m.remeasure !== undefined && fresh.has(m.code)) need(m.code, REMEASURE_REACH_MS);
  for (const r of plan.trendRules) if (fresh.has(r.code)) need(r.code, r.windowDays * DAY_MS + DAY_SLACK_MS);
  const planCodes = plan.measures.map((m) => m.code);
  for (const r of plan.combinedRules ?? []) {
    const ruleCodes = r.codes ?? planCodes;
    if (!ruleCodes.some((c) => fresh.has(c))) continue;
    for (const c of ruleCodes) need(c, r.kind === 'sitting' ? SITTING_REACH_MS : r.days * DAY_MS + DAY_SLACK_MS);
  }
  if (plan.news2.enabled) for (const c of NEWS2_VITAL_CODES) need(c, NEWS2_REACH_MS);
  return out;
}

import type { MeasureCode } from './catalogue.js';
import type { PlanDefinition } from './plan.js';
import { NEWS2_VITAL_CODES } from './triage.js';

/**
 * Slack added to every window, in days: rule windows are local calendar days (a window of N days
 * starts at local midnight N days before the reading's own local day, so it reaches back up to
 * N + 1 days), plus an hour for a DST change and room for a re-measurement chain (at most 240
 * minutes per link, plan.ts) across midnight.
 */
const SLACK_DAYS = 2;

/**
 * What `evaluate` (triage.ts) can read of a patient's history when judging new readings of
 * `codes` under `plan`: per measure, how many days back from each new reading. Everything else in
 * the history cannot change the result — the same zones, findings, actions and re-measure requests
 * as with the whole history (history-window.test.ts checks this against evaluate itself):
 *
 * - the new readings' own measures, for a re-measurement within minutes and for trend rules on them
 *   (their `windowDays`, the longest up to 90);
 * - every measure of a combined rule that names one of them (one sitting, or N days in a row),
 *   also for the late-data pass, which judges those measures' later readings again;
 * - with NEWS2 on, every NEWS2 vital (a snapshot reads the vitals of the hour before).
 *
 * So a weighing reads a few days of weights, not 90 days of everything the patient measures.
 * @param plan the episode's approved plan
 * @param codes the measures of the new readings
 * @returns days back per measure to read (each at least SLACK_DAYS + 1)
 */
export function historyWindow(plan: PlanDefinition, codes: Iterable<MeasureCode>): Map<MeasureCode, number> {
  const out = new Map<MeasureCode, number>();
  const need = (code: MeasureCode, days: number) => out.set(code, Math.max(out.get(code) ?? 0, days + SLACK_DAYS));
  const fresh = new Set(codes);
  for (const c of fresh) need(c, 1);
  for (const r of plan.trendRules) if (fresh.has(r.code)) need(r.code, r.windowDays);
  const planCodes = plan.measures.map((m) => m.code);
  for (const r of plan.combinedRules ?? []) {
    const ruleCodes = r.codes ?? planCodes;
    if (!ruleCodes.some((c) => fresh.has(c))) continue;
    for (const c of ruleCodes) need(c, r.kind === 'sitting' ? 1 : r.days);
  }
  if (plan.news2.enabled) for (const c of NEWS2_VITAL_CODES) need(c, 1);
  return out;
}

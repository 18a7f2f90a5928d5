import { isQuestionnaireCode } from './questionnaires.js';
import { toLocal } from './time.js';
import type { Finding } from './triage.js';

/*
 * Alerts for what did not happen, as the national VKP alert code system has them (code 5.3 and
 * below, HL7Norway/Velferdsteknologi vkp-alert-code-v090; see server/integration/vkp.ts, whose
 * codes are the published ones — DESIGN.md §4 numbers them differently):
 *   - 'missing_measurement'   måling ikke rapportert      (VKP 5.3.2), rule 'missing:<measure>'
 *   - 'missing_questionnaire' manglende skjemabesvarelse  (VKP 5.3.1), rule 'missing:<questionnaire>'
 *   - 'inactive'              inaktiv pasient             (VKP 5.3),   rule 'inactive'
 * The kind is stored in alerts.kind; the zone of all three is 'missing'. Missing occurrences
 * themselves are found by triage.ts#detectMissing; this file adds the kinds and inactivity.
 */

export const MISSING_KINDS = ['missing_measurement', 'missing_questionnaire', 'inactive'] as const;
export type MissingKind = (typeof MISSING_KINDS)[number];

/** The rule id of the inactive-patient alert (one per episode while unresolved). */
export const INACTIVE_RULE_ID = 'inactive';

/**
 * Days without any reading or questionnaire answer before a patient counts as inactive, unless the
 * follow-up service sets its own (organisations.inactive_after_days). Neither Helsedirektoratet's
 * nasjonale faglige råd nor the VKP code system fixes a number; 3 days is the default issue 12
 * asks for: with daily measurements that is the third missed day in a row.
 */
export const DEFAULT_INACTIVE_DAYS = 3;
/** Bounds of the setting: at least a day (the sweep re-checks an inactive patient hourly), at most two months. */
export const MIN_INACTIVE_DAYS = 1;
export const MAX_INACTIVE_DAYS = 60;

const DAY_MS = 86_400_000;

/**
 * The alert kind for a missed scheduled entry of the plan.
 * @param code a measure or questionnaire code of the plan
 */
export function missingAlertKind(code: string): 'missing_measurement' | 'missing_questionnaire' {
  return isQuestionnaireCode(code) ? 'missing_questionnaire' : 'missing_measurement';
}

/**
 * Since when the patient has been silent: the latest of the last reading (questionnaire totals are
 * stored as readings too), the start of the current follow-up period (activation or resume:
 * nothing before it is the patient's to miss) and the episode start.
 */
export function inactiveSince(e: { lastActivityAt: Date | null; schedulesFrom: Date | null; startedAt: Date }): Date {
  let t = e.startedAt.getTime();
  if (e.schedulesFrom && e.schedulesFrom.getTime() > t) t = e.schedulesFrom.getTime();
  if (e.lastActivityAt && e.lastActivityAt.getTime() > t) t = e.lastActivityAt.getTime();
  return new Date(t);
}

function stamp(at: Date, timeZone: string, lang: 'nb' | 'nn' | 'en'): string {
  const l = toLocal(at, timeZone);
  const hm = `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
  if (lang === 'en') return `${l.date} ${hm}`;
  return `${String(l.day).padStart(2, '0')}.${String(l.month).padStart(2, '0')}.${l.year} kl. ${hm}`;
}

/**
 * The inactive-patient finding: nothing at all (no reading, no questionnaire answer) for `days`
 * whole 24-hour days since `inactiveSince`. Whether alerts may be raised in the episode's pathway
 * state, and whether this silence was already alerted, is the caller's to check.
 * @param input the episode's last activity, follow-up start, the setting, the current time, the
 *   patient's IANA zone (for the text) and the plan version
 * @returns the finding (at = since when the patient has been silent), or null
 * @throws RangeError for an unknown time zone
 */
export function detectInactive(input: {
  lastActivityAt: Date | null;
  schedulesFrom: Date | null;
  startedAt: Date;
  days: number;
  now: Date;
  timeZone: string;
  planVersion: number;
}): Finding | null {
  const since = inactiveSince(input);
  if (since.getTime() + input.days * DAY_MS > input.now.getTime()) return null;
  const tag = `(plan v${input.planVersion})`;
  const n = input.days;
  const what = input.lastActivityAt && input.lastActivityAt.getTime() >= since.getTime()
    ? { nb: 'siste', nn: 'siste', en: 'last' } : { nb: 'følges opp fra', nn: 'følgd opp frå', en: 'followed since' };
  return {
    ruleId: INACTIVE_RULE_ID,
    kind: 'missing',
    zone: 'missing',
    planVersion: input.planVersion,
    values: [],
    at: since.toISOString(),
    summary: {
      nb: `Inaktiv: ingen målinger eller skjemasvar på ${n} døgn (${what.nb} ${stamp(since, input.timeZone, 'nb')}) ${tag}`,
      nn: `Inaktiv: ingen målingar eller skjemasvar på ${n} døgn (${what.nn} ${stamp(since, input.timeZone, 'nn')}) ${tag}`,
      en: `Inactive: no readings or questionnaire answers for ${n} ${n === 1 ? 'day' : 'days'} (${what.en} ${stamp(since, input.timeZone, 'en')}) ${tag}`,
    },
  };
}

import { z } from 'zod';
import { IdParams, Instant, LocalText } from './common.js';
import { NoteInput } from './notes.js';
import { route } from './route.js';

export const AlertStatus = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;
export const AlertZone = z.enum(['yellow', 'red', 'missing']);

/**
 * The contact note, and the nurse's judgement: `noActionNeeded` true = "ingen tiltak nødvendig"
 * (the alert asked for nothing), false = something was done; left out = not stated. It feeds the
 * patient's alert burden and the suggestion to review a threshold (GET …/alert-burden).
 */
export const AlertActionBody = z.object({ note: NoteInput, noActionNeeded: z.boolean().optional() });
export const AlertListQuery = z.object({ status: AlertStatus.optional() });

/** One reading a finding is about; values exact as measured, in the catalogue unit. */
export const FindingValue = z.object({
  observationId: z.string().optional(),
  code: z.string(),
  value: z.number(),
  unit: z.string(),
  effectiveAt: z.string(),
  interpretation: z.enum(['HI', 'LO']).optional(),
});

const FindingKind = z.enum(['threshold', 'trend', 'combined', 'missing', 'questionnaire', 'news2']);

/** What triage found (domain/triage.ts#Finding): rule, plan version, values and time. */
export const Finding = z.object({
  ruleId: z.string(),
  kind: FindingKind,
  zone: AlertZone,
  code: z.string().optional(),
  planVersion: z.number(),
  values: z.array(FindingValue),
  at: z.string(),
  summary: LocalText,
  rules: z.array(z.object({ ruleId: z.string(), kind: FindingKind, zone: AlertZone, summary: LocalText })).optional(),
  partial: z.boolean().optional(),
  score: z.number().optional(),
});

/** An alert with the latest finding's values and its whole history (alerts/service.ts#alertDto). */
export const Alert = z.object({
  id: z.string(),
  patientId: z.string(),
  episodeId: z.string(),
  status: AlertStatus,
  zone: AlertZone,
  ruleId: z.string(),
  kind: z.string(),
  planVersion: z.number(),
  summary: LocalText,
  values: z.array(FindingValue),
  findings: z.array(Finding),
  firstAt: Instant,
  lastAt: Instant,
  occurrences: z.number().int(),
  /** The name of who acknowledged (their id when the name is unknown). */
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: Instant.nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: Instant.nullable(),
  /** The nurse's judgement when handling it: true = no action needed; null = not stated. */
  noActionNeeded: z.boolean().nullable(),
});
export type Alert = z.infer<typeof Alert>;
export const AlertsResponse = z.object({ alerts: z.array(Alert) });
export type AlertsResponse = z.infer<typeof AlertsResponse>;

const act = (action: 'acknowledge' | 'resolve') =>
  route({
    method: 'POST', path: `/api/alerts/:id/${action}`, tag: 'alerts',
    summary: action === 'acknowledge' ? 'Acknowledge an alert with a contact note' : 'Resolve an alert with a contact note (acknowledges it too)',
    params: IdParams, body: AlertActionBody, response: Alert,
  });

/** One ISO week of a patient's alerts (Monday, in the patient's time zone). */
export const BurdenWeek = z.object({ weekStart: z.string(), alerts: z.number().int(), noActionNeeded: z.number().int() });

/** A reading behind a threshold-review suggestion, exact as stored (canonical unit). */
export const BurdenReading = z.object({ code: z.string(), value: z.number(), unit: z.string(), effectiveAt: Instant, zone: z.string().nullable() });

/**
 * A rule that fired often without action: the GP is asked to review its threshold, with the
 * alerts and the readings behind it (alerts/service.ts#REVIEW_* says when).
 */
export const ThresholdReview = z.object({
  ruleId: z.string(),
  kind: z.string(),
  /** The measure(s) the rule is about. */
  codes: z.array(z.string()),
  windowDays: z.number().int(),
  alerts: z.number().int(),
  noActionNeeded: z.number().int(),
  /** The plan's current limits for those measures (as stored in the approved plan). */
  thresholds: z.array(z.object({ code: z.string(), thresholds: z.record(z.string(), z.number()) })),
  alertList: z.array(z.object({ id: z.string(), zone: AlertZone, status: AlertStatus, firstAt: Instant, occurrences: z.number().int(), noActionNeeded: z.boolean().nullable(), summary: LocalText })),
  readings: z.array(BurdenReading),
});
export type ThresholdReview = z.infer<typeof ThresholdReview>;

/** A patient's alert burden: alerts per week and the share the nurses judged "no action needed". */
export const AlertBurden = z.object({
  patientId: z.string(),
  from: Instant,
  to: Instant,
  /** Oldest first. */
  weeks: z.array(BurdenWeek),
  /** Mean alerts per week over the last `recentDays` days. */
  perWeek: z.number(),
  recentDays: z.number().int(),
  /** Alerts of the period that a nurse has handled with a judgement (true or false). */
  judged: z.number().int(),
  noActionNeeded: z.number().int(),
  /** noActionNeeded / judged; null when nothing was judged. */
  noActionShare: z.number().nullable(),
  reviews: z.array(ThresholdReview),
});
export type AlertBurden = z.infer<typeof AlertBurden>;

/**
 * The alerts the nurse saw on screen: acknowledging "all" must never take an alert that arrived
 * after the page was drawn, so the caller names them.
 */
export const BulkAcknowledgeBody = z.object({
  alertIds: z.array(z.uuid()).min(1).max(100),
  note: NoteInput,
  /** The nurse's judgement as for one alert (AlertActionBody), here for every named alert; left out = not stated. */
  noActionNeeded: z.boolean().optional(),
});

export const alertRoutes = {
  burden: route({
    method: 'GET', path: '/api/patients/:id/alert-burden', tag: 'alerts',
    summary: "A patient's alert burden (alerts per week, share judged no action needed) and rules suggested for threshold review",
    params: IdParams, response: AlertBurden,
  }),
  ofPatient: route({ method: 'GET', path: '/api/patients/:id/alerts', tag: 'alerts', summary: "A patient's alerts, with each finding's rule, values and plan version", params: IdParams, query: AlertListQuery, response: AlertsResponse }),
  acknowledge: act('acknowledge'),
  resolve: act('resolve'),
  acknowledgeAll: route({
    method: 'POST', path: '/api/patients/:id/alerts/acknowledge', tag: 'alerts', summary: 'Acknowledge the named open alerts of a patient with one contact note',
    description: 'One transaction; 409 `alerts_changed` when one of them is no longer open (someone else was faster), and nothing is acknowledged.',
    params: IdParams, body: BulkAcknowledgeBody, response: AlertsResponse,
  }),
};

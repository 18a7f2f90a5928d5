import { z } from 'zod';
import { IdParams, Instant, LocalText } from './common.js';
import { NoteInput } from './notes.js';
import { route } from './route.js';

export const AlertStatus = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;
export const AlertZone = z.enum(['yellow', 'red', 'missing']);

export const AlertActionBody = z.object({ note: NoteInput });
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

export const alertRoutes = {
  ofPatient: route({ method: 'GET', path: '/api/patients/:id/alerts', tag: 'alerts', summary: "A patient's alerts, with each finding's rule, values and plan version", params: IdParams, query: AlertListQuery, response: AlertsResponse }),
  acknowledge: act('acknowledge'),
  resolve: act('resolve'),
};

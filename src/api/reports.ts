import { z } from 'zod';
import { ApiDate } from './common.js';
import { route } from './route.js';
import { Lang } from './session.js';

/** `to` is inclusive (local dates, Europe/Oslo); by default the last 30 days. `lang` names the CSV's headers. */
export const ReportQuery = z.object({ from: ApiDate.optional(), to: ApiDate.optional(), lang: Lang.default('nb') });

/** A count, `'<5'` when under the minimum, or `'hidden'` when shown it would give a `'<5'` back through a total. */
export const ReportCount = z.union([z.number().int(), z.literal('<5'), z.literal('hidden')]);
export type ReportCount = z.infer<typeof ReportCount>;

/** One municipality × diagnosis group (null: all of them); suppressed rows carry no figures. */
export const IndicatorRow = z.object({
  municipalityId: z.string().nullable(),
  diagnosis: z.string().nullable(),
  suppressed: z.boolean(),
  patients: ReportCount,
  /** Share (0–1) of scheduled measurements and questionnaires that were done. */
  adherence: z.number().nullable(),
  alerts: ReportCount.nullable(),
  alertsPerPatientMonth: z.number().nullable(),
  redAlertsAcknowledged: ReportCount.nullable(),
  ackMedianMinutes: z.number().nullable(),
  ackP90Minutes: z.number().nullable(),
  /** Share (0–1) of judged alerts the nurse judged "no action needed" (alert burden); null when too few either way. */
  noActionShare: z.number().nullable(),
});
export type IndicatorRow = z.infer<typeof IndicatorRow>;

/** Aggregated indicators of the caller's helsefellesskap: no patient-level data. */
export const IndicatorReport = z.object({
  helsefellesskap: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  generatedAt: z.string(),
  minCount: z.number().int(),
  municipalities: z.array(z.object({ id: z.string(), name: z.string() })),
  rows: z.array(IndicatorRow),
  /** The whole helsefellesskap month by month, suppressed like the rows. */
  trend: z.array(z.object({ month: z.string(), from: z.string(), to: z.string(), row: IndicatorRow.nullable() })),
});
export type IndicatorReport = z.infer<typeof IndicatorReport>;

export const reportRoutes = {
  indicators: route({
    method: 'GET', path: '/api/reports/indicators', tag: 'reports', summary: 'Indicators per municipality and diagnosis group (counts under 5 suppressed)',
    description: 'Coordinators and clinical roles. The same report as CSV: `GET /api/reports/indicators.csv` with the same query (not JSON, so outside this contract).',
    query: ReportQuery, response: IndicatorReport,
  }),
};

import { z } from 'zod';
import { TEMPLATES } from '../../domain/templates.js';
import type { Lang, LocalText } from '../../domain/text.js';
import { addDays, toLocal, zonedInstant } from '../../domain/time.js';
import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { AppError, forbidden } from '../http/errors.js';
import { ApiDate } from '../http/validation.js';
import { computeIndicators, MIN_COUNT, type DiagnosisGroup, type IndicatorRow } from './indicators.js';
import * as repo from './repo.js';

/** Reports are for the programme's coordinators and for the clinical roles; aggregated only. */
export const REPORT_ROLES = ['coordinator', 'nurse', 'gp', 'specialist'] as const;
const REPORT_TZ = 'Europe/Oslo';
const MAX_DAYS = 366;
/** Weekly schedules look back up to a week before the period for their window. */
const LOOKBACK_MS = 8 * 86_400_000;

export const ReportQuery = z.object({ from: ApiDate.optional(), to: ApiDate.optional(), lang: z.enum(['nb', 'nn', 'en']).default('nb') });
export type ReportQuery = z.infer<typeof ReportQuery>;

export interface Report {
  helsefellesskap: string;
  period: { from: string; to: string };
  generatedAt: string;
  minCount: number;
  municipalities: { id: string; name: string }[];
  rows: IndicatorRow[];
}

/** Indicators for the municipalities of the caller's helsefellesskap; `to` is inclusive (local dates). */
export async function indicatorReport(ctx: Ctx, q: ReportQuery): Promise<Report> {
  requireRole(ctx, REPORT_ROLES);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const now = ctx.now();
  const to = q.to ?? toLocal(now, REPORT_TZ).date;
  const from = q.from ?? addDays(to, -29);
  const fromAt = zonedInstant(from, '00:00', REPORT_TZ);
  const toAt = zonedInstant(addDays(to, 1), '00:00', REPORT_TZ);
  if (fromAt >= toAt) throw new AppError(400, 'validation_failed', 'The period must start before it ends.', { from: 'After the end date' });
  if (toAt.getTime() - fromAt.getTime() > MAX_DAYS * 86_400_000) throw new AppError(400, 'validation_failed', `The period can be at most ${MAX_DAYS} days.`, { from: 'Too long a period' });

  const municipalities = await repo.municipalitiesOf(ctx.db, a.organisationId);
  const ids = municipalities.map((m) => m.id);
  const episodes = await repo.episodesIn(ctx.db, ids, fromAt, toAt);
  const eids = episodes.map((e) => e.id);
  const [plans, observations, alerts] = await Promise.all([
    repo.plansOf(ctx.db, eids),
    repo.reportTimes(ctx.db, eids, new Date(fromAt.getTime() - LOOKBACK_MS), toAt),
    repo.alertsOf(ctx.db, eids, fromAt, toAt),
  ]);
  const rows = computeIndicators({
    municipalities: ids, episodes, plans, observations, alerts, from: fromAt, to: toAt, now,
    // One episode's bad stored data is logged and costs only its own adherence, not the report.
    onProblem: (episodeId, error) => ctx.log.warn({ episodeId, err: error }, 'report: episode data could not be used in full'),
  });
  await audit(ctx, { action: 'read', resourceType: 'Report', details: { report: 'indicators', from, to } });
  return {
    helsefellesskap: municipalities[0]?.helsefellesskap ?? '',
    period: { from, to },
    generatedAt: now.toISOString(),
    minCount: MIN_COUNT,
    municipalities: municipalities.map((m) => ({ id: m.id, name: m.name })),
    rows,
  };
}

const ALL: LocalText = { nb: 'Alle', nn: 'Alle', en: 'All' };
const OTHER: LocalText = { nb: 'Andre diagnoser', nn: 'Andre diagnosar', en: 'Other diagnoses' };
export function diagnosisTitle(d: DiagnosisGroup | null): LocalText {
  return d === null ? ALL : d === 'other' ? OTHER : TEMPLATES[d].title;
}

const HEADER: Record<Lang, string[]> = {
  nb: ['Kommune', 'Diagnose', 'Aktive pasienter', 'Etterlevelse (%)', 'Varsler', 'Varsler per pasientmåned', 'Røde varsler kvittert', 'Median minutter til kvittering', '90-persentil minutter til kvittering'],
  nn: ['Kommune', 'Diagnose', 'Aktive pasientar', 'Etterleving (%)', 'Varsel', 'Varsel per pasientmånad', 'Raude varsel kvitterte', 'Median minutt til kvittering', '90-persentil minutt til kvittering'],
  en: ['Municipality', 'Diagnosis', 'Active patients', 'Adherence (%)', 'Alerts', 'Alerts per patient-month', 'Red alerts acknowledged', 'Median minutes to acknowledgement', '90th percentile minutes to acknowledgement'],
};

function cell(v: string | number | null): string {
  if (v === null) return '';
  if (v === 'hidden') return '×';
  const s = String(v);
  return /[;"\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The same suppressed figures as the JSON, semicolon-separated with a BOM so spreadsheet programs read æøå. */
export function reportCsv(r: Report, lang: Lang): string {
  const name = new Map(r.municipalities.map((m) => [m.id, m.name]));
  const lines = [HEADER[lang].map(cell).join(';')];
  for (const row of r.rows) {
    lines.push(
      [
        row.municipalityId === null ? ALL[lang] : (name.get(row.municipalityId) ?? row.municipalityId),
        diagnosisTitle(row.diagnosis)[lang],
        row.patients,
        row.adherence === null ? null : Math.round(row.adherence * 1000) / 10,
        row.alerts,
        row.alertsPerPatientMonth,
        row.redAlertsAcknowledged,
        row.ackMedianMinutes,
        row.ackP90Minutes,
      ].map(cell).join(';'),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

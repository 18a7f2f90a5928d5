import { z } from 'zod';
import { TEMPLATES } from '../../domain/templates.js';
import type { Lang, LocalText } from '../../domain/text.js';
import { addDays, toLocal, zonedInstant } from '../../domain/time.js';
import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import { type Ctx, readDbOf } from '../context.js';
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
  /** The whole helsefellesskap month by month (the last TREND_MONTHS months up to the period's end), suppressed like the rows. */
  trend: TrendMonth[];
}

export interface TrendMonth {
  /** YYYY-MM */
  month: string;
  from: string;
  to: string;
  row: IndicatorRow | null;
}

/** Months in the trend: half a year shows a direction without a year's worth of work per report. */
export const TREND_MONTHS = 6;

/** First day of the month `offset` months after the month of `date` (YYYY-MM-DD). */
export function monthStart(date: string, offset: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1 + offset;
  const yy = y + Math.floor(m / 12);
  const mm = ((m % 12) + 12) % 12;
  return `${String(yy).padStart(4, '0')}-${String(mm + 1).padStart(2, '0')}-01`;
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

  // Aggregates over weeks: a replica's lag of a second changes nothing, so they read there when one is configured.
  const db = readDbOf(ctx);
  const municipalities = await repo.municipalitiesOf(db, a.organisationId);
  const ids = municipalities.map((m) => m.id);
  const indicatorsFor = async (start: Date, end: Date): Promise<IndicatorRow[]> => {
    const episodes = await repo.episodesIn(db, ids, start, end);
    const eids = episodes.map((e) => e.id);
    const [plans, observations, alerts] = await Promise.all([
      repo.plansOf(db, eids),
      repo.reportTimes(db, eids, new Date(start.getTime() - LOOKBACK_MS), end),
      repo.alertsOf(db, eids, start, end),
    ]);
    return computeIndicators({
      municipalities: ids, episodes, plans, observations, alerts, from: start, to: end, now,
      // One episode's bad stored data is logged and costs only its own adherence, not the report.
      onProblem: (episodeId, error) => ctx.log.warn({ episodeId, err: error }, 'report: episode data could not be used in full'),
    });
  };
  const rows = await indicatorsFor(fromAt, toAt);
  // Month by month for the whole helsefellesskap; each month is computed and suppressed on its own.
  const trend: TrendMonth[] = [];
  for (let i = TREND_MONTHS - 1; i >= 0; i--) {
    const mFrom = monthStart(to, -i);
    const next = monthStart(to, -i + 1);
    const mTo = addDays(next, -1) < to ? addDays(next, -1) : to;
    const monthRows = await indicatorsFor(zonedInstant(mFrom, '00:00', REPORT_TZ), zonedInstant(addDays(mTo, 1), '00:00', REPORT_TZ));
    trend.push({ month: mFrom.slice(0, 7), from: mFrom, to: mTo, row: monthRows.find((r) => r.municipalityId === null && r.diagnosis === null) ?? null });
  }
  await audit(ctx, { action: 'read', resourceType: 'Report', details: { report: 'indicators', from, to } });
  return {
    helsefellesskap: municipalities[0]?.helsefellesskap ?? '',
    period: { from, to },
    generatedAt: now.toISOString(),
    minCount: MIN_COUNT,
    municipalities: municipalities.map((m) => ({ id: m.id, name: m.name })),
    rows,
    trend,
  };
}

const ALL: LocalText = { nb: 'Alle', nn: 'Alle', en: 'All' };
const OTHER: LocalText = { nb: 'Andre diagnoser', nn: 'Andre diagnosar', en: 'Other diagnoses' };
export function diagnosisTitle(d: DiagnosisGroup | null): LocalText {
  return d === null ? ALL : d === 'other' ? OTHER : TEMPLATES[d].title;
}

const HEADER: Record<Lang, string[]> = {
  nb: ['Kommune', 'Diagnose', 'Aktive pasienter', 'Etterlevelse (%)', 'Varsler', 'Varsler per pasientmåned', 'Røde varsler kvittert', 'Median minutter til kvittering', '90-persentil minutter til kvittering', 'Vurdert ingen tiltak nødvendig (%)'],
  nn: ['Kommune', 'Diagnose', 'Aktive pasientar', 'Etterleving (%)', 'Varsel', 'Varsel per pasientmånad', 'Raude varsel kvitterte', 'Median minutt til kvittering', '90-persentil minutt til kvittering', 'Vurdert ingen tiltak naudsynt (%)'],
  en: ['Municipality', 'Diagnosis', 'Active patients', 'Adherence (%)', 'Alerts', 'Alerts per patient-month', 'Red alerts acknowledged', 'Median minutes to acknowledgement', '90th percentile minutes to acknowledgement', 'Judged no action needed (%)'],
};

/**
 * One CSV field. Norwegian Excel reads ';' as the separator and ',' as the decimal mark, so numbers
 * get a decimal comma in nb/nn (the BOM makes it read UTF-8).
 */
const TREND_HEADER: Record<Lang, string> = { nb: 'Måned (alle kommuner og diagnoser)', nn: 'Månad (alle kommunar og diagnosar)', en: 'Month (all municipalities and diagnoses)' };

function cell(v: string | number | null, lang: Lang = 'en'): string {
  if (v === null) return '';
  if (v === 'hidden') return '×';
  const s = typeof v === 'number' && lang !== 'en' ? String(v).replace('.', ',') : String(v);
  return /[;"\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The same suppressed figures as the JSON, semicolon-separated with a BOM so spreadsheet programs read æøå. */
export function reportCsv(r: Report, lang: Lang): string {
  const name = new Map(r.municipalities.map((m) => [m.id, m.name]));
  const lines = [HEADER[lang].map((h) => cell(h)).join(';')];
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
        row.noActionShare === null ? null : Math.round(row.noActionShare * 1000) / 10,
      ].map((v) => cell(v, lang)).join(';'),
    );
  }
  // The month-by-month trend below the table, same columns with the month first.
  lines.push('');
  lines.push([TREND_HEADER[lang], ...HEADER[lang].slice(2)].map((v) => cell(v)).join(';'));
  for (const m of r.trend) {
    const row = m.row;
    lines.push(
      [
        m.month,
        row?.patients ?? null,
        row?.adherence == null ? null : Math.round(row.adherence * 1000) / 10,
        row?.alerts ?? null,
        row?.alertsPerPatientMonth ?? null,
        row?.redAlertsAcknowledged ?? null,
        row?.ackMedianMinutes ?? null,
        row?.ackP90Minutes ?? null,
        row?.noActionShare == null ? null : Math.round(row.noActionShare * 1000) / 10,
      ].map((v) => cell(v, lang)).join(';'),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

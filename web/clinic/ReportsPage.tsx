import { useId, useState } from 'preact/hooks';
import { call, withQuery } from '../shared/api.js';
import { Async, TableRegion } from '../shared/components.js';
import { formatDate, formatNumber } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import type { IndicatorRow, ReportCount } from '../../src/api/reports.js';

const DIAGNOSES = ['copd', 'heart_failure', 'diabetes', 'mental_health', 'cancer', 'other'] as const;

function localDate(d: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return parts;
}

export function diagnosisLabel(code: string | null, t: Catalogue): string {
  switch (code) {
    case null:
      return t.reportAllDiagnoses;
    case 'copd':
      return t.dxCopd;
    case 'heart_failure':
      return t.dxHeartFailure;
    case 'diabetes':
      return t.dxDiabetes;
    case 'mental_health':
      return t.dxMentalHealth;
    case 'cancer':
      return t.dxCancer;
    default:
      return t.dxOther;
  }
}

const count = (c: ReportCount | null, lang: Lang): string => (c === null ? '–' : c === '<5' ? '<5' : c === 'hidden' ? '×' : formatNumber(c, lang));
const pct = (v: number | null, lang: Lang): string => (v === null ? '–' : `${formatNumber(Math.round(v * 1000) / 10, lang)} %`);

function minutes(v: number | null, t: Catalogue): string {
  if (v === null) return '–';
  if (v < 60) return t.minutesShort(Math.round(v));
  return t.hoursMinutesShort(Math.floor(v / 60), Math.round(v % 60));
}

/** The indicator columns, in the order the tables show them; the month trend shows the first six. */
const INDICATOR_COLUMNS: { head: (t: Catalogue) => string; cell: (r: IndicatorRow, t: Catalogue, lang: Lang) => string }[] = [
  { head: (t) => t.reportColPatients, cell: (r, _t, lang) => count(r.patients, lang) },
  { head: (t) => t.reportColAdherence, cell: (r, _t, lang) => pct(r.adherence, lang) },
  { head: (t) => t.reportColAlerts, cell: (r, _t, lang) => count(r.alerts, lang) },
  { head: (t) => t.reportColAlertRate, cell: (r, _t, lang) => (r.alertsPerPatientMonth === null ? '–' : formatNumber(r.alertsPerPatientMonth, lang)) },
  { head: (t) => t.reportColRedAck, cell: (r, _t, lang) => count(r.redAlertsAcknowledged, lang) },
  { head: (t) => t.reportColMedian, cell: (r, t) => minutes(r.ackMedianMinutes, t) },
  { head: (t) => t.reportColP90, cell: (r, t) => minutes(r.ackP90Minutes, t) },
  { head: (t) => t.reportColNoAction, cell: (r, _t, lang) => pct(r.noActionShare, lang) },
];

/** The header row: what a row is (diagnosis, month), then the first `columns` indicators. */
function IndicatorHead({ first, columns }: { first: string; columns: number }) {
  const { t } = useI18n();
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        {INDICATOR_COLUMNS.slice(0, columns).map((c) => (
          <th key={c.head(t)} scope="col" class="num">
            {c.head(t)}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** One row's first `columns` indicators; a row with no figures (a month before any data) shows dashes. */
function IndicatorCells({ row, columns }: { row: IndicatorRow | null; columns: number }) {
  const { t, lang } = useI18n();
  return (
    <>
      {INDICATOR_COLUMNS.slice(0, columns).map((c) => (
        <td key={c.head(t)} class="num">
          {row ? c.cell(row, t, lang) : '–'}
        </td>
      ))}
    </>
  );
}

function IndicatorTable({ caption, rows }: { caption: string; rows: IndicatorRow[] }) {
  const { t } = useI18n();
  return (
    <TableRegion label={caption}>
      <table class="data-table report-table">
        <caption>{caption}</caption>
        <IndicatorHead first={t.reportColDiagnosis} columns={INDICATOR_COLUMNS.length} />
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.municipalityId}-${r.diagnosis}`} class={r.diagnosis === null ? 'row-total' : undefined}>
              <th scope="row">{diagnosisLabel(r.diagnosis, t)}</th>
              <IndicatorCells row={r} columns={INDICATOR_COLUMNS.length} />
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

interface TrendMonth {
  month: string;
  from: string;
  to: string;
  row: IndicatorRow | null;
}

const TREND_TEXT: Record<Lang, { caption: (n: number) => string; month: string; partial: string }> = {
  nb: { caption: (n) => `Utvikling måned for måned, alle kommuner og diagnoser (siste ${n} måneder)`, month: 'Måned', partial: 'til og med' },
  nn: { caption: (n) => `Utvikling månad for månad, alle kommunar og diagnosar (siste ${n} månader)`, month: 'Månad', partial: 'til og med' },
  en: { caption: (n) => `Month by month, all municipalities and diagnoses (last ${n} months)`, month: 'Month', partial: 'up to' },
};

function monthLabel(month: string, lang: Lang): string {
  const d = new Date(`${month}-15T12:00:00Z`);
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'nb-NO', { month: 'long', year: 'numeric', timeZone: 'Europe/Oslo' }).format(d);
}

/** The month trend leaves out the P90 and no-action columns. */
const TREND_COLUMNS = 6;

/** The helsefellesskap's indicators month by month, so a coordinator sees the direction, not one number. */
function MonthTrend({ months }: { months: TrendMonth[] }) {
  const { lang } = useI18n();
  const x = TREND_TEXT[lang];
  const caption = x.caption(months.length);
  return (
    <TableRegion label={caption}>
      <table class="data-table report-table report-trend">
        <caption>{caption}</caption>
        <IndicatorHead first={x.month} columns={TREND_COLUMNS} />
        <tbody>
          {months.map((m) => {
            const partial = !m.to.endsWith(lastDayOf(m.month));
            return (
              <tr key={m.month}>
                <th scope="row">
                  {monthLabel(m.month, lang)}
                  {partial && <span class="hint"> ({x.partial} {formatDate(m.to, lang)})</span>}
                </th>
                <IndicatorCells row={m.row} columns={TREND_COLUMNS} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableRegion>
  );
}

function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return String(new Date(Date.UTC(y ?? 2000, m ?? 1, 0)).getUTCDate()).padStart(2, '0');
}

/** Horizontal bars with the value printed next to each: readable without the bars, and in forced colours. */
function BarChart({ title, bars, max, format }: { title: string; bars: { label: string; value: number | null }[]; max: number; format: (v: number) => string }) {
  const { t } = useI18n();
  const headingId = useId();
  return (
    <figure class="bar-chart" aria-labelledby={headingId}>
      <figcaption id={headingId} class="bar-chart-title">
        {title}
      </figcaption>
      <ul class="bar-list">
        {bars.map((b) => (
          <li key={b.label} class="bar-row">
            <span class="bar-label">{b.label}</span>
            <span class="bar-track" aria-hidden="true">
              {b.value !== null && <span class="bar-fill" style={{ width: `${Math.max(1, (b.value / (max || 1)) * 100)}%` }} />}
            </span>
            <span class="bar-value">{b.value === null ? t.reportSuppressedShort : format(b.value)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Indicators for the national programme, aggregated per municipality and diagnosis; small numbers shown as "<5". */
export function ReportsPage() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.reportsHeading));
  const today = localDate(new Date());
  const monthAgo = localDate(new Date(Date.now() - 29 * 86_400_000));
  const [period, setPeriod] = useState({ from: monthAgo, to: today });
  const [draft, setDraft] = useState(period);
  const ids = { from: useId(), to: useId() };
  const state = useAsync(() => call('GET /api/reports/indicators', { query: period }), [period.from, period.to]);
  const csv = withQuery('/api/reports/indicators.csv', { ...period, lang });

  return (
    <>
      <h1>{t.reportsHeading}</h1>
      <p class="intro">{t.reportsIntro}</p>
      <form
        class="inline-form report-period"
        onSubmit={(e) => {
          e.preventDefault();
          setPeriod(draft);
        }}
      >
        <div class="field">
          <label for={ids.from}>{t.reportFrom}</label>
          <input id={ids.from} type="date" value={draft.from} max={draft.to} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for={ids.to}>{t.reportTo}</label>
          <input id={ids.to} type="date" value={draft.to} min={draft.from} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </div>
        <button type="submit" class="button button-primary">
          {t.reportShow}
        </button>
        <a class="button button-secondary" href={csv} download>
          {t.reportDownloadCsv}
        </a>
      </form>
      <Async state={state}>
        {(r) => {
          const totals = r.municipalities.map((m) => ({ m, row: r.rows.find((x) => x.municipalityId === m.id && x.diagnosis === null) }));
          const all = r.rows.find((x) => x.municipalityId === null && x.diagnosis === null);
          const rates = totals.map(({ row }) => row?.alertsPerPatientMonth ?? 0);
          return (
            <>
              <p class="report-meta">{t.reportMeta(r.helsefellesskap, r.period.from, r.period.to)}</p>
              <div class="chart-grid">
                <BarChart
                  title={t.reportChartAdherence}
                  bars={totals.map(({ m, row }) => ({ label: m.name, value: row?.adherence ?? null }))}
                  max={1}
                  format={(v) => pct(v, lang)}
                />
                <BarChart
                  title={t.reportChartAlerts}
                  bars={totals.map(({ m, row }) => ({ label: m.name, value: row?.alertsPerPatientMonth ?? null }))}
                  max={Math.max(...rates, 0.01)}
                  format={(v) => formatNumber(v, lang)}
                />
              </div>
              {all && <IndicatorTable caption={t.reportAllCaption(r.helsefellesskap)} rows={[all]} />}
              {Array.isArray((r as { trend?: unknown }).trend) && <MonthTrend months={(r as unknown as { trend: TrendMonth[] }).trend} />}
              {r.municipalities.map((m) => (
                <IndicatorTable
                  key={m.id}
                  caption={m.name}
                  rows={[...DIAGNOSES.map((d) => r.rows.find((x) => x.municipalityId === m.id && x.diagnosis === d)), r.rows.find((x) => x.municipalityId === m.id && x.diagnosis === null)].filter(
                    (x): x is IndicatorRow => x !== undefined,
                  )}
                />
              ))}
              <p class="hint">{t.reportFootnote(r.minCount)}</p>
            </>
          );
        }}
      </Async>
    </>
  );
}

import type { ThresholdReview } from '../../src/api/alerts.js';
import { call } from '../shared/api.js';
import { DateTime, TableRegion } from '../shared/components.js';
import { formatDate, formatNumber, formatValue } from '../shared/format.js';
import { useAsync } from '../shared/hooks.js';
import { localized, useI18n } from '../shared/i18n.js';
import { measureName, unitLabel } from '../shared/measures.js';
import { ZoneBadge } from '../shared/zone.js';
import './burden.css';

/** The measures a rule is about, by name ("SpO₂", "Puls + SpO₂"). */
function ruleName(r: ThresholdReview, lang: Parameters<typeof measureName>[1]): string {
  return r.codes.length > 0 ? r.codes.map((c) => measureName(c, lang)).join(' + ') : r.ruleId;
}

/**
 * Alert burden on the patient view (issue 12): alerts per week lately, the share the nurses judged
 * "no action needed", eight weeks as bars, and a line when a rule is suggested for review.
 * `refreshKey` changes after an alert is handled, so the figures follow the dialog.
 */
export function AlertBurden({ patientId, refreshKey = 0 }: { patientId: string; refreshKey?: number }) {
  const { t, lang } = useI18n();
  const state = useAsync(() => call('GET /api/patients/:id/alert-burden', { params: { id: patientId } }), [patientId, refreshKey]);
  const b = state.data;
  if (!b) return null;
  const max = Math.max(1, ...b.weeks.map((w) => w.alerts));
  const W = 28;
  const H = 56;
  return (
    <section class="burden" aria-labelledby="burden-heading">
      <h3 id="burden-heading">{t.burdenHeading}</h3>
      <p class="burden-figure" data-testid="burden-per-week">
        <strong>{formatNumber(b.perWeek, lang)}</strong>
        <span>{t.burdenPerWeek}</span>
      </p>
      <p class="burden-figure" data-testid="burden-no-action">
        {b.noActionShare === null ? (
          <span>{t.burdenNoneJudged}</span>
        ) : (
          <>
            <strong>{formatNumber(Math.round(b.noActionShare * 100), lang)} %</strong>
            <span>
              {t.burdenNoAction} · {t.burdenOfJudged(b.noActionNeeded, b.judged)}
            </span>
          </>
        )}
      </p>
      <svg class="burden-weeks" width={b.weeks.length * W} height={H + 16} role="img" aria-label={t.burdenWeeksCaption}>
        <title>{t.burdenWeeksCaption}</title>
        {b.weeks.map((w, i) => {
          const h = Math.round((w.alerts / max) * H);
          const hn = Math.round((w.noActionNeeded / max) * H);
          return (
            <g key={w.weekStart}>
              <title>{`${t.burdenWeekOf(formatDate(w.weekStart, lang))}: ${t.burdenWeekBar(w.alerts, w.noActionNeeded)}`}</title>
              {h > 0 && <rect class="all" x={i * W + 4} y={H - h} width={W - 8} height={h} />}
              {hn > 0 && <rect class="none" x={i * W + 4} y={H - hn} width={W - 8} height={hn} />}
              <text x={i * W + W / 2} y={H + 12} text-anchor="middle">{w.alerts}</text>
            </g>
          );
        })}
      </svg>
      <p class="burden-legend" aria-hidden="true">{t.burdenLegend}</p>
      {b.reviews.length > 0 && <p class="burden-review notice notice-info">{t.burdenReviewNotice(b.reviews.map((r) => ruleName(r, lang)).join(', '))}</p>}
    </section>
  );
}

/**
 * The GP's suggestion to review a limit that keeps firing without action, with the data behind it:
 * the plan's limits now, the alerts with the nurses' judgements, and the readings. Shown in the
 * plan section, where the GP makes a new plan version; nothing changes without one.
 */
export function ThresholdReviews({ patientId }: { patientId: string }) {
  const { t, lang } = useI18n();
  const state = useAsync(() => call('GET /api/patients/:id/alert-burden', { params: { id: patientId } }), [patientId]);
  const reviews = state.data?.reviews ?? [];
  if (reviews.length === 0) return null;
  const num = (code: string, v: number, unit: string) => `${formatNumber(v, lang)} ${unitLabel(code, unit, lang)}`.trim();
  // A plan's limit exactly as the GP set it (web/shared/format.ts#formatValue).
  const limit = (code: string, v: number, unit: string) => `${formatValue(v, lang)} ${unitLabel(code, unit, lang)}`.trim();
  const LIMIT: Record<string, string> = { redBelow: t.limitRedBelowLabel, yellowBelow: t.limitYellowBelowLabel, yellowAbove: t.limitYellowAboveLabel, redAbove: t.limitRedAboveLabel };
  return (
    <>
      {reviews.map((r) => {
        const name = ruleName(r, lang);
        const unitOf = new Map(r.readings.map((x) => [x.code, x.unit]));
        return (
          <section key={r.ruleId} class="threshold-review" aria-labelledby={`review-${r.ruleId}`} data-testid="threshold-review">
            <h3 id={`review-${r.ruleId}`}>
              {t.reviewHeading}: {name}
            </h3>
            <p>{t.reviewIntro(name, r.alerts, r.noActionNeeded, r.windowDays)}</p>
            {r.thresholds.length > 0 && (
              <p>
                <strong>{t.reviewLimits}:</strong>{' '}
                {r.thresholds
                  .map((x) => `${measureName(x.code, lang)}: ${Object.entries(x.thresholds).map(([k, v]) => `${LIMIT[k] ?? k} ${limit(x.code, v, unitOf.get(x.code) ?? '')}`).join(', ')}`)
                  .join('; ')}
              </p>
            )}
            <details>
              <summary>{t.reviewAlerts(r.alertList.length)}</summary>
              <ul>
                {r.alertList.map((a) => (
                  <li key={a.id}>
                    <ZoneBadge zone={a.zone} size="sm" /> <DateTime iso={a.firstAt} /> – {localized(a.summary, lang)} (
                    {a.noActionNeeded === true ? t.reviewNoAction : a.noActionNeeded === false ? t.reviewAction : t.reviewNotJudged})
                  </li>
                ))}
              </ul>
            </details>
            <details>
              <summary>{t.reviewReadings(r.readings.length)}</summary>
              <TableRegion label={t.reviewReadings(r.readings.length)}>
                <table class="data-table">
                  <caption>{t.reviewReadings(r.readings.length)}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t.colMeasure}</th>
                      <th scope="col">{t.colWhen}</th>
                      <th scope="col" class="num">{t.colValue}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.readings.map((x, i) => (
                      <tr key={`${x.code}-${x.effectiveAt}-${i}`}>
                        <th scope="row">{measureName(x.code, lang)}</th>
                        <td>
                          <DateTime iso={x.effectiveAt} />
                        </td>
                        <td class="num">{num(x.code, x.value, x.unit)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableRegion>
            </details>
            <p class="hint">{t.reviewHint}</p>
          </section>
        );
      })}
    </>
  );
}

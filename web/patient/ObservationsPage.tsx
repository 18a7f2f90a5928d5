import { useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { TrendChart } from '../shared/chart.js';
import { Async } from '../shared/components.js';
import { isoDaysAgo } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import { asPlan, chartCodes, thresholdsFor } from '../shared/plan.js';

const PERIODS = [7, 30, 90] as const;

export function ObservationsPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.observationsHeading));
  const [days, setDays] = useState<number>(7);
  const periodId = useId();
  const plan = useAsync(() => call('GET /api/me/plan'), []);
  const state = useAsync(
    () => call('GET /api/me/observations', { query: { from: isoDaysAgo(days), limit: 5000 } }),
    [days],
  );
  const definition = asPlan(plan.data?.definition);
  return (
    <>
      <h1>{t.observationsHeading}</h1>
      <p class="intro">{t.trendsIntro}</p>
      <div class="field period-field">
        <label for={periodId}>{t.periodLabel}</label>
        <select id={periodId} value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {PERIODS.map((d) => (
            <option key={d} value={String(d)}>
              {t.lastDays(d)}
            </option>
          ))}
        </select>
      </div>
      <Async state={state}>
        {(data) =>
          data.observations.length === 0 && !definition ? (
            <p class="intro">{t.observationsEmptyDays(days)}</p>
          ) : (
            <div class="trend-list">
              {chartCodes(definition, data.observations).map((code) => (
                <TrendChart
                  key={code}
                  code={code}
                  observations={data.observations.filter((o) => o.code === code)}
                  thresholds={thresholdsFor(definition, code)}
                  days={days}
                />
              ))}
            </div>
          )
        }
      </Async>
    </>
  );
}

import { api } from '../shared/api.js';
import { Async } from '../shared/components.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import { asPlan } from '../shared/plan.js';
import type { PlanDefinition, PlanResponse, TodayResponse } from '../shared/types.js';
import { useOutboxItems } from './outbox.js';
import { RecordSection } from './RecordForm.js';
import { TodayList } from './TodayList.js';

function planDefinition(plan: PlanResponse | undefined): PlanDefinition | null {
  return asPlan(plan?.definition);
}

export function Home() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.todayHeading));
  const today = useAsync(() => api.get<TodayResponse>('/api/me/today'), []);
  // Thresholds for the preliminary offline answer and the "service closed" notice; a missing plan must not break the page.
  const plan = useAsync(() => api.get<PlanResponse>('/api/me/plan'), []);
  const waiting = new Set(useOutboxItems().filter((i) => !i.failed).flatMap((i) => i.label.map((l) => l.code)));

  return (
    <>
      <h1>{t.todayHeading}</h1>
      {plan.data?.serviceOpen === false && (
        <div class="notice notice-warning">
          <p>{t.serviceClosed}</p>
        </div>
      )}
      <Async state={today}>
        {(data) => (
          <>
            <TodayList tasks={data.tasks} waiting={waiting} />
            <RecordSection tasks={data.tasks} plan={planDefinition(plan.data)} onSaved={today.reload} />
          </>
        )}
      </Async>
    </>
  );
}

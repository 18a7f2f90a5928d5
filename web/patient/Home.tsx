import { api } from '../shared/api.js';
import { Async } from '../shared/components.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import type { PlanResponse, TodayResponse } from '../shared/types.js';
import { RecordSection } from './RecordForm.js';
import { TodayList } from './TodayList.js';

export function Home() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.todayHeading));
  const today = useAsync(() => api.get<TodayResponse>('/api/me/today'), []);
  // Only used for the "service closed" notice; a missing plan must not break the page.
  const plan = useAsync(() => api.get<PlanResponse>('/api/me/plan'), []);

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
            <TodayList tasks={data.tasks} />
            <RecordSection tasks={data.tasks} onSaved={today.reload} />
          </>
        )}
      </Async>
    </>
  );
}

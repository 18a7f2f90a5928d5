import { useEffect, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async } from '../shared/components.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import { asPlan } from '../shared/plan.js';
import type { MyPlan as PlanResponse } from '../../src/api/me.js';
import type { PlanDefinition } from '../../src/domain/plan.js';
import { useOutboxItems } from './outbox.js';
import { RecordSection } from './RecordForm.js';
import { OpenAdvice, useMyStatus } from './status.js';
import { PathwayNotice, useOwnPathway } from './PathwayNotice.js';
import { PATIENT_TEXTS } from './texts.js';
import { TodayList } from './TodayList.js';

function planDefinition(plan: PlanResponse | undefined): PlanDefinition | null {
  return asPlan(plan?.definition);
}

export function Home() {
  const { t, lang } = useI18n();
  const p = PATIENT_TEXTS[lang];
  const { status, reload: reloadStatus } = useMyStatus();
  // While the feedback of a new sitting is open it says the same as the open advice; show one.
  const [feedbackOpen, setFeedbackOpen] = useState(false);
  useEffect(() => {
    // "Ferdig" closes the feedback and moves focus back to the form's heading.
    const onFocus = (e: FocusEvent) => (e.target as HTMLElement | null)?.id === 'record-heading' && setFeedbackOpen(false);
    document.addEventListener('focusin', onFocus);
    return () => document.removeEventListener('focusin', onFocus);
  }, []);
  useDocumentTitle(t.pageTitle(t.todayHeading));
  const today = useAsync(() => call('GET /api/me/today'), []);
  // Thresholds for the preliminary offline answer and the "service closed" notice; a missing plan must not break the page.
  const plan = useAsync(() => call('GET /api/me/plan'), []);
  const pathway = useOwnPathway();
  const waiting = new Set(useOutboxItems().filter((i) => !i.failed).flatMap((i) => i.label.map((l) => l.code)));

  return (
    <>
      <h1>{t.todayHeading}</h1>
      {plan.data?.serviceOpen === false && (
        <div class="notice notice-warning">
          <p>{t.serviceClosed}</p>
        </div>
      )}
      {(status?.planApproved === false || (plan.data && !plan.data.planId)) && (
        <div class="notice notice-info plan-preparing">
          <p>{p.planPreparing}</p>
        </div>
      )}
      <PathwayNotice own={pathway} />
      {!feedbackOpen && <OpenAdvice />}
      <Async state={today}>
        {(data) => {
          // What is left comes first, then the form, then what is already done today.
          // As-needed entries (no due time) are never "left to do": they have their own list.
          const left = data.tasks.filter((task) => !task.done && task.dueBy !== null);
          const asNeeded = data.tasks.filter((task) => !task.done && task.dueBy === null);
          const done = data.tasks.filter((task) => task.done);
          return (
            <>
              {data.tasks.some((task) => task.dueBy !== null) && (
                <section aria-labelledby="left-heading">
                  <h2 id="left-heading">{p.leftToday}</h2>
                  {left.length > 0 ? <TodayList tasks={left} waiting={waiting} /> : <p class="intro">{p.allDone}</p>}
                </section>
              )}
              <RecordSection
                tasks={data.tasks}
                plan={planDefinition(plan.data)}
                baseline={pathway?.baseline != null}
                onSaved={() => {
                  setFeedbackOpen(true);
                  today.reload();
                  reloadStatus();
                }}
              />
              {asNeeded.length > 0 && (
                <section aria-labelledby="as-needed-heading">
                  <h2 id="as-needed-heading">{t.todayAsNeededHeading}</h2>
                  <p class="intro">{t.todayAsNeededIntro}</p>
                  <TodayList tasks={asNeeded} waiting={waiting} label={t.todayAsNeededHeading} />
                </section>
              )}
              {done.length > 0 && (
                <section aria-labelledby="done-heading">
                  <h2 id="done-heading">{p.doneToday}</h2>
                  <TodayList tasks={done} waiting={waiting} label={p.doneToday} />
                </section>
              )}
            </>
          );
        }}
      </Async>
    </>
  );
}

import { formatDateTime, formatNumber, formatTime } from '../shared/format.js';
import { localized, useI18n } from '../shared/i18n.js';
import { EXPLAIN, MEASURES, measureName, unitLabel } from '../shared/measures.js';
import type { TodayTask } from '../../src/api/me.js';
import { ZoneBadge } from '../shared/zone.js';

function DoneMark({ done, waiting }: { done: boolean; waiting: boolean }) {
  const { t } = useI18n();
  if (!done && waiting) {
    return (
      <span class="task-state task-waiting">
        <svg class="task-state-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2.4" stroke-dasharray="4 2.6" />
          <path d="M12 6.5v6l3.5 2" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
        </svg>
        {t.taskWaiting}
      </span>
    );
  }
  return (
    <span class={`task-state ${done ? 'task-done' : 'task-open'}`}>
      <svg class="task-state-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        {done ? (
          <>
            <circle cx="12" cy="12" r="11" fill="currentColor" />
            <path d="M6.5 12.5l3.5 3.5 7.5-8" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" />
          </>
        ) : (
          <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2.4" />
        )}
      </svg>
      {done ? t.taskDone : t.taskNotDone}
    </span>
  );
}

/** `label` names the list for screen readers when a page has two (left to do, done). */
export function TodayList({ tasks, waiting = new Set(), label }: { tasks: TodayTask[]; waiting?: ReadonlySet<string>; label?: string }) {
  const { t, lang } = useI18n();
  if (tasks.length === 0) return <p class="intro">{t.todayEmpty}</p>;
  return (
    <ul class="task-list" aria-label={label ?? t.todayListLabel}>
      {tasks.map((task) => (
        <li key={task.code} class="task">
          <p class="task-name">
            {/* One plain name per measure everywhere in the app (the plan's display text is for clinicians). */}
            {MEASURES[task.code] ? measureName(task.code, lang) : localized(task.display, lang)}
            {task.kind === 'questionnaire' && <span class="tag">{t.taskQuestionnaire}</span>}
          </p>
          {EXPLAIN[task.code] && <p class="task-explain">{EXPLAIN[task.code]![lang]}</p>}
          {/* "Not done yet" would be wrong for something measured only when needed. */}
          {(task.done || task.dueBy !== null || waiting.has(task.code)) && <DoneMark done={task.done} waiting={waiting.has(task.code)} />}
          {task.dueBy && <p class="task-due">{t.taskDueBy(formatTime(task.dueBy, lang))}</p>}
          {task.last && (
            <p class="task-last">
              <span>
                {t.lastValue}:{' '}
                <strong>
                  {formatNumber(task.last.value, lang)} {unitLabel(task.code, task.last.unit, lang)}
                </strong>{' '}
                (<time dateTime={task.last.effectiveAt}>{formatDateTime(task.last.effectiveAt, lang)}</time>)
              </span>{' '}
              <ZoneBadge zone={task.last.zone} size="sm" />
            </p>
          )}
          {task.kind === 'questionnaire' && (!task.done || task.dueBy === null) && !waiting.has(task.code) && (
            <p class="task-action">
              <a class="button button-primary button-block" href={`#/skjema/${encodeURIComponent(task.code)}`}>
                {t.answerQuestionnaire}
                <span class="visually-hidden">: {localized(task.display, lang)}</span>
              </a>
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}

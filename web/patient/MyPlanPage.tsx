import type { OpeningHours } from '../../src/domain/opening-hours.js';
import type { MeasurePlan, QuestionnairePlan, Thresholds } from '../../src/domain/plan.js';
import { call } from '../shared/api.js';
import { Async } from '../shared/components.js';
import { formatDate, formatDay, formatValue } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { localized, useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import { CANONICAL_UNIT, EXPLAIN, measureName, unitLabel } from '../shared/measures.js';
import { PhoneLinks } from '../shared/phoneLinks.js';
import { scheduleText } from '../shared/plan.js';
import { ZoneIcon, zoneMeaning, zoneWord } from '../shared/zone.js';
import { ContactLine } from './Emergency.js';
import { PATIENT_TEXTS } from './texts.js';


type Words = Pick<
  Catalogue,
  'myPlanFromTo' | 'myPlanAtLeast' | 'myPlanAtMost' | 'myPlanBelow' | 'myPlanAbove' | 'myPlanFromBelow' | 'myPlanAboveTo' | 'myPlanOr' | 'myPlanAnyValue'
>;

/**
 * The values of each zone in words, from the plan's strict limits (value < redBelow is red,
 * value < yellowBelow is yellow, value > yellowAbove yellow, value > redAbove red): a limit itself
 * belongs to the milder zone, so "rød under 88" and "gul fra 88 til under 92".
 * @returns one phrase per zone; null where the plan has no such zone
 */
export function zoneRanges(th: Thresholds, n: (v: number) => string, w: Words): Record<'green' | 'yellow' | 'red', string | null> {
  const or = (parts: string[]) => (parts.length ? parts.join(` ${w.myPlanOr} `) : null);
  const lo = th.yellowBelow ?? th.redBelow;
  const hi = th.yellowAbove ?? th.redAbove;
  const green = lo !== undefined && hi !== undefined ? w.myPlanFromTo(n(lo), n(hi)) : lo !== undefined ? w.myPlanAtLeast(n(lo)) : hi !== undefined ? w.myPlanAtMost(n(hi)) : w.myPlanAnyValue;
  const yellow: string[] = [];
  if (th.yellowBelow !== undefined) yellow.push(th.redBelow !== undefined ? w.myPlanFromBelow(n(th.redBelow), n(th.yellowBelow)) : w.myPlanBelow(n(th.yellowBelow)));
  if (th.yellowAbove !== undefined) yellow.push(th.redAbove !== undefined ? w.myPlanAboveTo(n(th.yellowAbove), n(th.redAbove)) : w.myPlanAbove(n(th.yellowAbove)));
  const red: string[] = [];
  if (th.redBelow !== undefined) red.push(w.myPlanBelow(n(th.redBelow)));
  if (th.redAbove !== undefined) red.push(w.myPlanAbove(n(th.redAbove)));
  return { green, yellow: or(yellow), red: or(red) };
}

/** "mandag–fredag 08:00–15:30": consecutive weekdays with the same hours share a line. */
export function hoursLines(h: OpeningHours, weekdays: readonly string[]): string[] {
  const lines: string[] = [];
  let start = 0;
  const spans = (d: number) => (h.weekly[d as 1] ?? []).map(([a, b]) => `${a}–${b}`).join(', ');
  for (let d = 1; d <= 7; d++) {
    const cur = spans(d);
    if (d < 7 && spans(d + 1) === cur) {
      if (start === 0) start = d;
      continue;
    }
    const first = start || d;
    start = 0;
    if (!cur) continue;
    const days = first === d ? weekdays[d - 1] : `${weekdays[first - 1]}–${weekdays[d - 1]}`;
    lines.push(`${days} ${cur}`);
  }
  return lines;
}

function Entry({ entry, lang, t }: { entry: MeasurePlan | QuestionnairePlan; lang: Lang; t: Catalogue }) {
  const name = measureName(entry.code, lang);
  const unit = unitLabel(entry.code, CANONICAL_UNIT[entry.code] ?? '', lang);
  const n = (v: number) => `${formatValue(v, lang)}${unit ? ` ${unit}` : ''}`;
  const ranges = zoneRanges(entry.thresholds, n, t);
  const headingId = `plan-${entry.code}`;
  return (
    <section class="card plan-entry" aria-labelledby={headingId}>
      <h3 id={headingId}>{name}</h3>
      {EXPLAIN[entry.code] && <p class="task-explain">{EXPLAIN[entry.code]![lang]}</p>}
      <p class="plan-when">
        <strong>{t.myPlanWhen}:</strong> {scheduleText(entry.schedule, t)}
      </p>
      {/* As needed: one tap to the form (measures) or the questionnaire, as often as wanted. */}
      {entry.schedule.kind === 'as_needed' && (
        <p>
          <a class="button button-secondary" href={CANONICAL_UNIT[entry.code] === '{score}' ? `#/skjema/${encodeURIComponent(entry.code)}` : '#/'}>
            {CANONICAL_UNIT[entry.code] === '{score}' ? t.answerQuestionnaire : t.myPlanRecordNow}
          </a>
        </p>
      )}
      <ul class="plan-zones" aria-label={t.myPlanZonesLabel(name)}>
        {(['green', 'yellow', 'red'] as const).map((z) =>
          ranges[z] === null ? null : (
            <li key={z} class={`plan-zone plan-zone-${z}`}>
              {/* The zone in words with its shape, as a line of text: a boxed badge breaks words at 200 % text. */}
              <p class={`plan-zone-head zone-text-${z}`}>
                <ZoneIcon zone={z} />
                <strong>
                  {zoneWord(z, t)} – {zoneMeaning(z, lang)}
                </strong>
              </p>
              <p class="plan-zone-range">{ranges[z]}</p>
              <p class="plan-zone-do">
                <strong>{t.myPlanDo}:</strong> <PhoneLinks text={localized(entry.actions[z], lang)} />
              </p>
            </li>
          ),
        )}
      </ul>
    </section>
  );
}

/**
 * "Min plan": the plan the GP approved, in plain words — per measure the green, yellow and red
 * values with units and what to do in each, the patient's own goals, medicines, and whom to call
 * when (113, legevakt, the follow-up service with its opening hours). Read-only; the server audits
 * the reads of /api/me/plan and /api/me/pathway.
 */
export function MyPlanPage() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.myPlanHeading));
  const plan = useAsync(() => call('GET /api/me/plan'), []);
  const pathway = useAsync(() => call('GET /api/me/pathway'), []);
  const goals = pathway.data?.goals?.trim();
  return (
    <>
      <h1>{t.myPlanHeading}</h1>
      <Async state={plan}>
        {(data) => {
          const def = data.definition;
          const hours = hoursLines(data.openingHours, t.weekdayShort);
          return (
            <>
              {def && data.version !== null ? (
                <p class="intro">{t.myPlanIntro(data.version, data.approvedAt ? formatDate(data.approvedAt, lang) : '', data.approvedBy)}</p>
              ) : (
                <div class="notice notice-info plan-preparing">
                  <p>{PATIENT_TEXTS[lang].planPreparing}</p>
                </div>
              )}
              {pathway.data?.state && (
                <p class="plan-sharing" data-testid="pmd-sharing">
                  {pathway.data.shareMeasurementsSince ? t.pmdSharingPatientSince(formatDay(pathway.data.shareMeasurementsSince, lang)) : t.pmdSharingPatientNone}
                </p>
              )}
              {goals && (
                <section class="card plan-goals" aria-labelledby="plan-goals-heading">
                  <h2 id="plan-goals-heading">{t.myPlanGoalsHeading}</h2>
                  <p class="plan-goals-text">{goals}</p>
                </section>
              )}
              {def &&
                ([
                  ['plan-measures-heading', t.myPlanMeasuresHeading, def.measures],
                  ['plan-questionnaires-heading', t.myPlanQuestionnairesHeading, def.questionnaires],
                ] as const).map(([id, heading, entries]) =>
                  entries.length === 0 ? null : (
                    <section key={id} aria-labelledby={id}>
                      <h2 id={id}>{heading}</h2>
                      {entries.map((e: MeasurePlan | QuestionnairePlan) => (
                        <Entry key={e.code} entry={e} lang={lang} t={t} />
                      ))}
                    </section>
                  ),
                )}
              {def?.medicines.trim() && (
                <section class="card" aria-labelledby="plan-medicines-heading">
                  <h2 id="plan-medicines-heading">{t.myPlanMedicinesHeading}</h2>
                  <p class="plan-free-text">{def.medicines}</p>
                </section>
              )}
              <section class="card plan-call" aria-labelledby="plan-call-heading">
                <h2 id="plan-call-heading">{t.myPlanCallHeading}</h2>
                <ul class="plan-call-list">
                  <li>
                    {t.myPlanCall113}{' '}
                    <a href="tel:113" class="phone-link">
                      {t.myPlanCall113Link}
                    </a>
                  </li>
                  <li>
                    {t.myPlanCallLegevakt}{' '}
                    <a href="tel:116117" class="phone-link">
                      {t.myPlanCallLegevaktLink}
                    </a>
                  </li>
                  {def?.contacts.trim() && (
                    <li>
                      {t.myPlanCallService} <ContactLine text={def.contacts} />
                    </li>
                  )}
                </ul>
                <h3>{t.myPlanHoursHeading}</h3>
                <p>
                  <strong>{data.serviceOpen ? t.myPlanOpenNow : t.myPlanClosedNow}</strong>
                </p>
                {hours.length > 0 ? (
                  <ul class="plan-hours">
                    {hours.map((l) => (
                      <li key={l}>{l}</li>
                    ))}
                  </ul>
                ) : (
                  <p>{t.myPlanNoHours}</p>
                )}
                {data.openingHours.publicHolidays !== false && <p class="hint">{t.myPlanHolidays}</p>}
              </section>
            </>
          );
        }}
      </Async>
    </>
  );
}

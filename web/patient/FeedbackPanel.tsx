import type { RefObject } from 'preact';
import { formatNumber } from '../shared/format.js';
import { PhoneLinks } from '../shared/phoneLinks.js';
import { localized, useI18n, type Lang } from '../shared/i18n.js';
import { measureName, unitLabel } from '../shared/measures.js';
import type { Zone } from '../../src/api/common.js';
import type { MeasurementInput, Observation, RecordResponse } from '../../src/api/observations.js';
import type { PlanDefinition } from '../../src/domain/plan.js';
import { ZoneBadge } from '../shared/zone.js';
import { readingZone } from '../shared/zones.js';
import { notQuoted, useMyStatus } from './status.js';

const SEVERITY: Record<Zone, number> = { green: 0, yellow: 1, red: 2 };

/** Meters that only show HI or LO: the flag is the reading. */
function shownValue(o: { value?: number | undefined; interpretation?: 'HI' | 'LO' | undefined }, lang: Lang): string {
  return o.interpretation ?? (o.value === undefined ? '' : formatNumber(o.value, lang));
}

const REMEASURE: Record<Lang, { heading: string; body: (minutes: number, names: string) => string; again: string }> = {
  nb: { heading: 'Mål på nytt', body: (m, n) => `Sitt i ro i ${m} minutter, og mål ${n} én gang til. Sykepleieren får beskjed hvis den nye målingen også er utenfor planen din.`, again: 'Mål på nytt' },
  nn: { heading: 'Mål på nytt', body: (m, n) => `Sit i ro i ${m} minutt, og mål ${n} éin gong til. Sjukepleiaren får beskjed om den nye målinga òg er utanfor planen din.`, again: 'Mål på nytt' },
  en: { heading: 'Measure again', body: (m, n) => `Rest for ${m} minutes, then measure ${n} once more. The nurse is told if the new measurement is also outside your plan.`, again: 'Measure again' },
};

/** Falls back to the worst observation if the server leaves the overall zone out. */
function overallZone(feedbackZone: Zone | null, observations: Observation[]): Zone | null {
  if (feedbackZone) return feedbackZone;
  let worst: Zone | null = null;
  for (const o of observations) if (o.zone && (!worst || SEVERITY[o.zone] > SEVERITY[worst])) worst = o.zone;
  return worst;
}

/** The plan's advice: one text as a paragraph, several as a list; phone numbers are tel: links. */
function AdviceTexts({ texts }: { texts: readonly string[] }) {
  if (texts.length === 0) return null;
  if (texts.length === 1) {
    return (
      <p class="feedback-action">
        <PhoneLinks text={texts[0]!} />
      </p>
    );
  }
  return (
    <ul class="feedback-action feedback-actions">
      {texts.map((a) => (
        <li key={a}>
          <PhoneLinks text={a} />
        </li>
      ))}
    </ul>
  );
}

/** The boxed notice (who is told, when the service is open, legevakt and 113). */
function NoticeBox({ text }: { text: string }) {
  return (
    <div class="feedback-notice">
      <svg class="notice-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <circle cx="12" cy="12" r="11" fill="currentColor" />
        <path d="M12 10.5v7" stroke="#fff" stroke-width="2.6" stroke-linecap="round" />
        <circle cx="12" cy="6.8" r="1.6" fill="#fff" />
      </svg>
      <p>
        <PhoneLinks text={text} />
      </p>
    </div>
  );
}

export function FeedbackPanel({
  result,
  onDone,
  panelRef,
}: {
  result: RecordResponse;
  onDone: () => void;
  panelRef: RefObject<HTMLDivElement | null>;
}) {
  const { t, lang } = useI18n();
  const { feedback, observations } = result;
  const zone = overallZone(feedback.zone, observations);
  const notice = feedback.notice ?? (feedback.serviceOpen === false ? t.serviceClosed : null);
  const { status } = useMyStatus();
  const codes = new Set(observations.filter((o) => o.zone === 'yellow' || o.zone === 'red').map((o) => o.code));
  const sittingAdvice = [
    ...(feedback.action ? [feedback.action] : []),
    ...(status?.advice?.actions ?? []).filter((a) => codes.has(a.code)).map((a) => a.text),
  ].filter((a, i, all) => all.indexOf(a) === i);
  // What the notice already quotes is not listed again: every advice, and "ring 113", once.
  const listed = notQuoted(sittingAdvice, notice);
  // A red's notice says what to do now and who is told: read first. Otherwise the advice comes first.
  const noticeBlock = notice && <NoticeBox text={notice} />;

  return (
    <div class={`feedback zone-panel zone-panel-${zone ?? 'unknown'}`} ref={panelRef} tabIndex={-1}>
      <h3 class="feedback-heading">{t.feedbackHeading}</h3>
      <p class="feedback-zone">
        <span class="visually-hidden">{t.feedbackResult}: </span>
        <ZoneBadge zone={zone} size="lg" />
      </p>
      {zone === 'red' && noticeBlock}
      {/* Every deviating measure's advice (two yellows → both texts), not only the worst one's. */}
      <AdviceTexts texts={listed} />
      {feedback.remeasure && zone !== 'red' && (
        <div class="feedback-remeasure">
          <h4 class="feedback-subheading">{REMEASURE[lang].heading}</h4>
          <p>{REMEASURE[lang].body(feedback.remeasure.restMinutes, feedback.remeasure.codes.map((c) => measureName(c, lang)).join(', '))}</p>
          <button type="button" class="button button-secondary" onClick={onDone}>
            {REMEASURE[lang].again}
          </button>
        </div>
      )}
      {zone !== 'red' && noticeBlock}
      {observations.length > 0 && (
        <>
          <h4 class="feedback-subheading">{t.feedbackSent}</h4>
          <ul class="feedback-values">
            {observations.map((o) => (
              <li key={o.id}>
                <span>
                  {measureName(o.code, lang)}:{' '}
                  <strong>
                    {shownValue(o, lang)} {o.interpretation ? '' : unitLabel(o.code, o.unit, lang)}
                  </strong>
                </span>{' '}
                <ZoneBadge zone={o.zone} size="sm" />
              </li>
            ))}
          </ul>
        </>
      )}
      <button type="button" class="button button-primary button-large" onClick={onDone}>
        {t.feedbackDone}
      </button>
    </div>
  );
}

/** What the plan says about readings that could not be sent yet: a preliminary answer on the device. */
export interface LocalAssessment {
  zone: Zone | null;
  /** Every deviating measure's advice, worst first (two yellows → both texts). */
  actions: string[];
  measurements: MeasurementInput[];
}

/**
 * The preliminary zone and advice from the cached plan. In the baseline period (`baseline`) a
 * yellow raises no alert, so its advice is left out as on the server; red safety advice stays.
 */
export function localAssessment(measurements: MeasurementInput[], plan: PlanDefinition | null, lang: Lang, baseline = false): LocalAssessment {
  if (!plan) return { zone: null, actions: [], measurements };
  let zone: Zone | null = null;
  const advice: { zone: Zone; text: string }[] = [];
  for (const m of measurements) {
    const entry = plan.measures.find((e) => e.code === m.code);
    // A meter's HI/LO and a critical value are red whatever the limits (the server says the same).
    const z = m.interpretation ? 'red' : m.value === undefined ? 'green' : readingZone(entry?.thresholds ?? null, m.code, m.value);
    if (!entry && z === 'green') continue;
    if (!zone || SEVERITY[z] > SEVERITY[zone]) zone = z;
    if (entry && z !== 'green' && !(baseline && z === 'yellow')) advice.push({ zone: z, text: localized(entry.actions[z], lang) });
  }
  const actions = advice
    .sort((a, b) => SEVERITY[b.zone] - SEVERITY[a.zone])
    .map((a) => a.text)
    .filter((a, i, all) => a !== '' && all.indexOf(a) === i);
  return { zone, actions, measurements };
}

export function QueuedPanel({
  assessment,
  onDone,
  panelRef,
}: {
  assessment: LocalAssessment;
  onDone: () => void;
  panelRef: RefObject<HTMLDivElement | null>;
}) {
  const { t, lang } = useI18n();
  const deviating = assessment.zone === 'yellow' || assessment.zone === 'red';
  return (
    <div class={`feedback zone-panel zone-panel-${deviating ? assessment.zone : 'unknown'}`} ref={panelRef} tabIndex={-1}>
      <h3 class="feedback-heading">{t.queuedHeading}</h3>
      <p class="queued-intro">{t.queuedIntro}</p>
      {deviating && (
        <>
          <p class="feedback-zone">
            <span>{t.queuedPreliminary}</span> <ZoneBadge zone={assessment.zone} size="lg" />
          </p>
          <AdviceTexts texts={assessment.actions} />
        </>
      )}
      <NoticeBox text={t.queuedNotice} />
      <h4 class="feedback-subheading">{t.feedbackSent}</h4>
      <ul class="feedback-values">
        {assessment.measurements.map((m) => (
          <li key={m.code}>
            {measureName(m.code, lang)}:{' '}
            <strong>
              {shownValue(m, lang)} {m.interpretation ? '' : unitLabel(m.code, m.unit ?? '', lang)}
            </strong>
          </li>
        ))}
      </ul>
      <button type="button" class="button button-primary button-large" onClick={onDone}>
        {t.feedbackDone}
      </button>
    </div>
  );
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async, errorKey, FieldError } from '../shared/components.js';
import { toApiError, useAsync, useDocumentTitle } from '../shared/hooks.js';
import { localized, msg, raw, textOf, useI18n, type Text } from '../shared/i18n.js';
import { PhoneLinks } from '../shared/phoneLinks.js';
import { MEASURES, measureName } from '../shared/measures.js';
import type { AnswerResponse, QuestionnaireDef } from '../../src/api/questionnaires.js';
import { ZoneBadge } from '../shared/zone.js';
import { useOutbox } from './outbox.js';
import { newKey } from './submission.js';

type Answers = Record<string, number>;

function ResultPanel({ result }: { result: AnswerResponse }) {
  const { t, lang } = useI18n();
  const { response, feedback } = result;
  const zone = feedback.zone ?? response.zone;
  return (
    <div class={`feedback zone-panel zone-panel-${zone ?? 'unknown'}`}>
      <h2 class="feedback-heading">{t.answersSaved}</h2>
      {zone && (
        <p class="feedback-zone">
          <span class="visually-hidden">{t.feedbackResult}: </span>
          <ZoneBadge zone={zone} size="lg" />
        </p>
      )}
      <p class="score-line">
        {t.scoreLine(response.score, response.maxScore ?? 0)}
        {response.severity && <> – {localized(response.severity, lang)}</>}
      </p>
      {feedback.action && <p class="feedback-action">{feedback.action}</p>}
      {feedback.notice && (
        <div class="feedback-notice">
          <p>
            <PhoneLinks text={feedback.notice} />
          </p>
        </div>
      )}
      <a class="button button-primary button-large" href="#/">
        {t.backToToday}
      </a>
    </div>
  );
}

function QueuedAnswers() {
  const { t } = useI18n();
  return (
    <div class="feedback zone-panel zone-panel-unknown">
      <h2 class="feedback-heading">{t.queuedAnswersHeading}</h2>
      <p class="queued-intro">{t.queuedAnswersIntro}</p>
      <div class="feedback-notice">
        <p>{t.queuedNotice}</p>
      </div>
      <a class="button button-primary button-large" href="#/">
        {t.backToToday}
      </a>
    </div>
  );
}

function QuestionnaireForm({ def }: { def: QuestionnaireDef }) {
  const { t, lang } = useI18n();
  const outbox = useOutbox();
  const [answers, setAnswers] = useState<Answers>({});
  const [errors, setErrors] = useState<Record<string, Text>>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<AnswerResponse | 'queued' | null>(null);
  // The same answers sent again (after a lost reply) keep their key, so they are stored once.
  const pending = useRef<{ key: string; fingerprint: string } | null>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const inputId = (itemId: string, value: number) => `q-${def.code}-${itemId}-${value}`;

  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  const focusItem = (itemId: string): void => {
    const item = def.items.find((i) => i.id === itemId);
    const first = item?.options[0];
    if (item && first) document.getElementById(inputId(item.id, answers[item.id] ?? first.value))?.focus();
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (sending) return;
    const missing = def.items.filter((i) => answers[i.id] === undefined);
    if (missing.length > 0) {
      setErrors(Object.fromEntries(missing.map((i) => [i.id, msg('errAnswerRequired')])));
      setFormError([raw(t.errUnanswered(missing.length))]);
      focusItem(missing[0]!.id);
      return;
    }
    setErrors({});
    setFormError([]);
    setSending(true);
    const fingerprint = JSON.stringify(answers);
    if (!pending.current || pending.current.fingerprint !== fingerprint) pending.current = { key: newKey(), fingerprint };
    const body = { idempotencyKey: pending.current.key, effectiveAt: new Date().toISOString(), answers };
    const path = `/api/me/questionnaires/${encodeURIComponent(def.code)}`;
    try {
      const r = outbox
        ? await outbox.submit<AnswerResponse>({ key: body.idempotencyKey, kind: 'questionnaire', path, body, label: [{ code: def.code }] })
        : { queued: false as const, response: await call('POST /api/me/questionnaires/:code', { params: { code: def.code }, body }) };
      pending.current = null;
      setResult(r.queued ? 'queued' : r.response);
    } catch (err) {
      const apiError = toApiError(err);
      const byItem: Record<string, Text> = {};
      for (const [key, message] of Object.entries(apiError.fields)) {
        const m = /^answers\.(.+)$/.exec(key);
        if (m?.[1]) byItem[m[1]] = raw(message);
      }
      setErrors(byItem);
      setFormError([apiError.status === 422 && apiError.message ? raw(apiError.message) : msg(errorKey(apiError))]);
      const first = Object.keys(byItem)[0];
      if (first) focusItem(first);
    } finally {
      setSending(false);
    }
  };

  if (result) {
    return (
      <div ref={resultRef} tabIndex={-1} role="status" class="feedback-region">
        {result === 'queued' ? <QueuedAnswers /> : <ResultPanel result={result} />}
      </div>
    );
  }

  return (
    <form class="questionnaire-form" onSubmit={(e) => void submit(e)} noValidate>
      <p class="intro">{localized(def.intro, lang)}</p>
      {def.items.map((item, index) => {
        const error = errors[item.id];
        const errorId = `q-${def.code}-${item.id}-error`;
        return (
          <fieldset key={item.id} class={`question${error ? ' has-error' : ''}`} aria-describedby={errorId}>
            <legend>
              <span class="question-number">{index + 1}.</span> {localized(item.text, lang)}
            </legend>
            <div class="options">
              {item.options.map((o) => {
                const id = inputId(item.id, o.value);
                return (
                  <label key={o.value} class="option" for={id}>
                    <input
                      type="radio"
                      id={id}
                      name={`${def.code}-${item.id}`}
                      value={String(o.value)}
                      checked={answers[item.id] === o.value}
                      aria-invalid={error ? true : undefined}
                      onChange={() => {
                        setAnswers((a) => ({ ...a, [item.id]: o.value }));
                        setErrors((errs) => {
                          const { [item.id]: _gone, ...rest } = errs;
                          return rest;
                        });
                      }}
                    />
                    <span>{localized(o.text, lang)}</span>
                  </label>
                );
              })}
            </div>
            <FieldError id={errorId} message={error && textOf(error, t)} />
          </fieldset>
        );
      })}
      <div role="alert" class="form-alert">
        {formError.map((m) => (
          <p key={textOf(m, t)} class="notice notice-error">
            {textOf(m, t)}
          </p>
        ))}
      </div>
      <button type="submit" class="button button-primary button-large" aria-busy={sending}>
        {sending ? t.answersSending : t.answersSubmit}
      </button>
      <details class="source">
        <summary>{t.aboutQuestionnaire}</summary>
        <p lang="en">{def.source}</p>
      </details>
    </form>
  );
}

export function QuestionnairePage({ code }: { code: string }) {
  const { t, lang } = useI18n();
  const def = useAsync(() => call('GET /api/questionnaires/:code', { params: { code } }), [code]);
  // The app's one name for the questionnaire (as on the task and the chart), not a second title from the server.
  const title = MEASURES[code] ? measureName(code, lang) : def.data ? localized(def.data.title, lang) : t.questionnaireHeading;
  useDocumentTitle(t.pageTitle(title));
  return (
    <>
      <p class="back-link">
        <a href="#/">
          <span aria-hidden="true">←</span> {t.backToToday}
        </a>
      </p>
      <h1>{title}</h1>
      <Async state={def}>{(d) => <QuestionnaireForm def={d} />}</Async>
    </>
  );
}

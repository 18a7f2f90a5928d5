import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { errorKey, FieldError } from '../shared/components.js';
import { parseDecimal } from '../shared/format.js';
import { toApiError } from '../shared/hooks.js';
import { localized, msg, raw, textOf, useI18n, type Lang, type Text } from '../shared/i18n.js';
import { BP_COMPONENTS, BP_PANEL, MEASURES, measureName, unitLabel } from '../shared/measures.js';
import type { TodayTask } from '../../src/api/me.js';
import type { MeasurementInput, RecordResponse } from '../../src/api/observations.js';
import type { PlanDefinition } from '../../src/domain/plan.js';
import { DeviceReadings, DeviceResultNote, type DeviceNote } from './bluetooth/DeviceReadings.js';
import { FeedbackPanel, QueuedPanel, localAssessment, type LocalAssessment } from './FeedbackPanel.js';
import { useOutbox } from './outbox.js';
import { submissions } from './submission.js';

interface FieldDef {
  id: string;
  code: string;
  unit: string;
  label: string;
}

/** One plan task; blood pressure becomes one group with two numbers. */
interface FieldGroup {
  key: string;
  legend: string | null;
  /** Already measured today: may be left empty, but if one number is given the group must be complete. */
  optional: boolean;
  /** Measured when needed (the plan's as-needed schedule): optional, with its own hint. */
  asNeeded: boolean;
  fields: FieldDef[];
}

type Values = Record<string, string>;
type Errors = Record<string, Text>;

function buildGroups(tasks: TodayTask[], lang: Lang): FieldGroup[] {
  const measures = tasks.filter((task) => task.kind === 'measure');
  return measures
    // The plan lists the two blood-pressure numbers as two tasks; patients read them off one cuff.
    .filter((task) => task.code !== BP_COMPONENTS[1] || !measures.some((m) => m.code === BP_COMPONENTS[0]))
    .map((task) => {
      const label = MEASURES[task.code] ? measureName(task.code, lang) : localized(task.display, lang) || task.code;
      if (task.code === BP_COMPONENTS[0]) {
        const unit = task.unit || 'mm[Hg]';
        const both = measures.filter((m) => BP_COMPONENTS.includes(m.code));
        return {
          key: BP_PANEL,
          legend: bpLegend[lang],
          optional: both.every((m) => m.done || m.dueBy === null),
          asNeeded: both.every((m) => m.dueBy === null),
          fields: both.map((m) => ({ id: `measure-${m.code}`, code: m.code, unit, label: measureName(m.code, lang) })),
        };
      }
      return {
        key: task.code,
        legend: null,
        // As-needed measures (dueBy null) are always in the form, so "one more reading" can be sent.
        optional: task.done || task.dueBy === null,
        asNeeded: task.dueBy === null,
        fields: [{ id: `measure-${task.code}`, code: task.code, unit: task.unit, label }],
      };
    });
}

const bpLegend: Record<Lang, string> = { nb: 'Blodtrykk', nn: 'Blodtrykk', en: 'Blood pressure' };

/** Meters that show "HI"/"LO" outside their range (the server accepts the flag for these). */
const FLAG_CODES = ['glucose', 'temperature'];
const confusionText: Record<Lang, { label: string; hint: string }> = {
  nb: { label: 'Ny forvirring', hint: 'Kryss av hvis du eller noen hos deg merker at du er uvanlig forvirret eller uklar i dag.' },
  nn: { label: 'Ny forvirring', hint: 'Kryss av om du eller nokon hos deg merkar at du er uvanleg forvirra eller uklar i dag.' },
  en: { label: 'New confusion', hint: 'Tick if you or someone with you notices that you are unusually confused or muddled today.' },
};
const flagHint: Record<Lang, string> = {
  nb: 'Viser måleren HI eller LO, skriv det inn.',
  nn: 'Viser måleren HI eller LO, skriv det inn.',
  en: 'If the meter shows HI or LO, type that.',
};

function validate(groups: FieldGroup[], values: Values): { errors: Errors; measurements: MeasurementInput[] } {
  const errors: Errors = {};
  const measurements: MeasurementInput[] = [];
  for (const group of groups) {
    const anyFilled = group.fields.some((f) => (values[f.code] ?? '').trim() !== '');
    for (const field of group.fields) {
      const raw = (values[field.code] ?? '').trim();
      if (raw === '') {
        if (!group.optional || anyFilled) errors[field.code] = msg('errEmpty');
        continue;
      }
      const flag = raw.toUpperCase();
      if ((flag === 'HI' || flag === 'LO') && FLAG_CODES.includes(field.code)) {
        // The meter showed HI or LO instead of a number: sent as the flag, never as a guessed value.
        measurements.push({ code: field.code, unit: field.unit, interpretation: flag });
        continue;
      }
      const value = parseDecimal(raw);
      if (value === null) errors[field.code] = msg('errNotNumber');
      else measurements.push({ code: field.code, value, unit: field.unit });
    }
  }
  const first = groups[0]?.fields[0];
  if (Object.keys(errors).length === 0 && measurements.length === 0 && first) errors[first.code] = msg('errNoneFilled');
  return { errors, measurements };
}

/** Maps "measurements.1.value" back to the field that produced measurement 1. */
function serverFieldErrors(
  fields: Readonly<Record<string, string>>,
  sent: MeasurementInput[],
): { byCode: Errors; unmatched: Text[] } {
  const byCode: Errors = {};
  const unmatched: Text[] = [];
  for (const [key, message] of Object.entries(fields)) {
    const m = /^measurements\.(\d+)/.exec(key);
    const code = m ? sent[Number(m[1])]?.code : undefined;
    if (code) byCode[code] = raw(message);
    else unmatched.push(raw(message));
  }
  return { byCode, unmatched };
}

function MeasureInput({
  field,
  optional,
  asNeeded,
  value,
  error,
  onInput,
}: {
  field: FieldDef;
  optional: boolean;
  asNeeded: boolean;
  value: string;
  error: Text | undefined;
  onInput: (value: string) => void;
}) {
  const { t, lang } = useI18n();
  const ids = { error: `${field.id}-error`, unit: `${field.id}-unit`, hint: `${field.id}-hint`, flag: `${field.id}-flag` };
  const flags = FLAG_CODES.includes(field.code);
  const describedBy = [ids.unit, optional ? ids.hint : null, flags ? ids.flag : null, ids.error].filter(Boolean).join(' ');
  return (
    <div class={`field measure-field${error ? ' has-error' : ''}`}>
      <label for={field.id}>{field.label}</label>
      {optional && (
        <p id={ids.hint} class="hint">
          {asNeeded ? t.recordAsNeeded : t.recordOptional}
        </p>
      )}
      {flags && (
        <p id={ids.flag} class="hint">
          {flagHint[lang]}
        </p>
      )}
      <div class="input-with-unit">
        <input
          id={field.id}
          name={field.code}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          spellcheck={false}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
        <span class="unit" id={ids.unit}>
          {unitLabel(field.code, field.unit, lang)}
        </span>
      </div>
      <FieldError id={ids.error} message={error && textOf(error, t)} />
    </div>
  );
}

/** `baseline`: the pathway's baseline period, when only red values alert (no yellow advice). */
export function RecordSection({ tasks, plan, onSaved, baseline = false }: { tasks: TodayTask[]; plan: PlanDefinition | null; onSaved: () => void; baseline?: boolean }) {
  const { t, lang } = useI18n();
  const outbox = useOutbox();
  const [queued, setQueued] = useState<LocalAssessment | null>(null);
  const groups = useMemo(() => buildGroups(tasks, lang), [tasks, lang]);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [sending, setSending] = useState(false);
  const [confused, setConfused] = useState(false);
  const [result, setResult] = useState<RecordResponse | null>(null);
  // Set when the sitting came from a Bluetooth device rather than the form.
  const [deviceNote, setDeviceNote] = useState<DeviceNote | null>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (result || queued) panelRef.current?.focus();
  }, [result, queued]);

  const focusField = (code: string): void => {
    const field = groups.flatMap((g) => g.fields).find((f) => f.code === code);
    if (field) document.getElementById(field.id)?.focus();
  };

  const firstInvalid = (errs: Errors): string | undefined =>
    groups.flatMap((g) => g.fields).find((f) => errs[f.code] !== undefined)?.code;

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    // The button stays enabled while sending so focus is not lost; double taps are ignored here.
    if (sending) return;
    const { errors: clientErrors, measurements } = validate(groups, values);
    if (Object.keys(clientErrors).length > 0) {
      setErrors(clientErrors);
      setFormError([msg('errFormSummary')]);
      const code = firstInvalid(clientErrors);
      if (code) focusField(code);
      return;
    }
    setErrors({});
    setFormError([]);
    setSending(true);
    const prepared = submissions.prepare(measurements);
    const request = confused ? { ...prepared, newConfusion: true } : prepared;
    // The time of measuring travels with the reading, so a reading synced later keeps its own time.
    const effectiveAt = new Date().toISOString();
    try {
      const r = outbox
        ? await outbox.submit<RecordResponse>({
            key: request.idempotencyKey, kind: 'observations', path: '/api/me/observations', body: { ...request, effectiveAt },
            label: measurements.map((m) => ({ code: m.code, ...(m.value === undefined ? {} : { value: m.value }), unit: m.unit ?? '' })),
          })
        : { queued: false as const, response: await call('POST /api/me/observations', { body: { ...request, effectiveAt } }) };
      submissions.succeeded();
      setValues({});
      setConfused(false);
      if (r.queued) setQueued(localAssessment(measurements, plan, lang, baseline));
      else {
        setResult(r.response);
        onSaved();
      }
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.isNetwork) {
        setFormError([msg('errNetworkSave')]);
      } else if (Object.keys(apiError.fields).length > 0) {
        const { byCode, unmatched } = serverFieldErrors(apiError.fields, measurements);
        setErrors(byCode);
        setFormError(unmatched.length > 0 ? unmatched : [msg('errFormSummary')]);
        const code = firstInvalid(byCode);
        if (code) focusField(code);
      } else {
        // 422 without fields still carries a message meant for the patient (e.g. unit not accepted).
        setFormError([apiError.status === 422 && apiError.message ? raw(apiError.message) : msg(errorKey(apiError))]);
      }
    } finally {
      setSending(false);
    }
  };

  const done = (): void => {
    setResult(null);
    setQueued(null);
    setDeviceNote(null);
    headingRef.current?.focus();
  };

  return (
    <section class="record card" aria-labelledby="record-heading">
      <h2 id="record-heading" ref={headingRef} tabIndex={-1}>
        {t.recordHeading}
      </h2>
      {/* Kept mounted so the result is announced as well as focused. */}
      <div role="status" class="feedback-region">
        {(result || queued) && deviceNote && <DeviceResultNote note={deviceNote} />}
        {result && <FeedbackPanel result={result} onDone={done} panelRef={panelRef} />}
        {queued && <QueuedPanel assessment={queued} onDone={done} panelRef={panelRef} />}
      </div>
      {!result && !queued &&
        (groups.length === 0 ? (
          <p>{t.recordNoTasks}</p>
        ) : (
          <>
          <DeviceReadings
            onResult={(response, note) => {
              setDeviceNote(note);
              setResult(response);
              onSaved();
            }}
            onQueued={(measurements, note) => {
              setDeviceNote(note);
              setQueued(localAssessment(measurements, plan, lang, baseline));
            }}
          />
          <form class="record-form" onSubmit={(e) => void submit(e)} noValidate>
            <p class="intro">{t.recordIntro}</p>
            {groups.map((group) => {
              const inputs = group.fields.map((field) => (
                <MeasureInput
                  key={field.code}
                  field={field}
                  optional={group.optional}
                  asNeeded={group.asNeeded}
                  value={values[field.code] ?? ''}
                  error={errors[field.code]}
                  onInput={(v) => setValues((prev) => ({ ...prev, [field.code]: v }))}
                />
              ));
              return group.legend ? (
                <fieldset key={group.key} class="measure-group">
                  <legend>{group.legend}</legend>
                  {inputs}
                </fieldset>
              ) : (
                inputs
              );
            })}
            <div class="choice-list">
              <p id="record-new-confusion-hint" class="hint">
                {confusionText[lang].hint}
              </p>
              <label class="choice" for="record-new-confusion">
                <input id="record-new-confusion" type="checkbox" checked={confused} aria-describedby="record-new-confusion-hint" onChange={(e) => setConfused(e.currentTarget.checked)} />
                <span>{confusionText[lang].label}</span>
              </label>
            </div>
            <div role="alert" class="form-alert">
              {formError.map((message) => (
                <p key={textOf(message, t)} class="notice notice-error">
                  {textOf(message, t)}
                </p>
              ))}
            </div>
            <button type="submit" class="button button-primary button-large" aria-busy={sending}>
              {sending ? t.recordSending : t.recordSubmit}
            </button>
          </form>
          </>
        ))}
    </section>
  );
}

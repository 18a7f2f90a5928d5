import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import type { ServiceHours } from '../../src/api/opening-hours.js';
import { call } from '../shared/api.js';
import { ActionFeedback, Async, DateTime, errorKey, FieldError } from '../shared/components.js';
import { formatDate } from '../shared/format.js';
import { toApiError, useAsync, useDocumentTitle } from '../shared/hooks.js';
import { localized, msg, raw, textOf, useI18n, type LocalizedText, type Text } from '../shared/i18n.js';
import { InactiveSettings } from './ServiceSettings.js';

/** GET/PUT /api/opening-hours, as the contract says (src/api/opening-hours.ts). */
export type { ServiceHours };

interface Form {
  timeZone: string;
  weekly: Record<number, { from: string; to: string }[]>;
  publicHolidays: boolean;
  closedDays: { date: string; label: string }[];
}

const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_RANGE_DAYS = 31;

const minutes = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const isRealDate = (s: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
};
const addDay = (s: string, n: number): string => new Date(Date.parse(`${s}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function formOf(h: ServiceHours): Form {
  const weekly: Form['weekly'] = {};
  for (const d of DAYS) weekly[d] = (h.weekly[d as keyof ServiceHours['weekly']] ?? []).map(([from, to]) => ({ from, to }));
  return { timeZone: h.timeZone, weekly, publicHolidays: h.publicHolidays, closedDays: h.closedDays.map((c) => ({ ...c })) };
}

/** Field keys follow the server's error paths, so its messages land on the same inputs. */
const keyOf = {
  from: (d: number, i: number) => `weekly.${d}.${i}.0`,
  to: (d: number, i: number) => `weekly.${d}.${i}.1`,
  interval: (d: number, i: number) => `weekly.${d}.${i}`,
  day: (d: number) => `weekly.${d}`,
  date: (i: number) => `closedDays.${i}.date`,
  label: (i: number) => `closedDays.${i}.label`,
};
const idOf = (key: string): string => `oh-${key.replace(/[^a-zA-Z0-9]+/g, '-')}`;

/** The same checks as the server's schema, so most mistakes are shown before a round trip. */
function validate(f: Form): Record<string, Text> {
  const errs: Record<string, Text> = {};
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(f.timeZone.trim()) && f.timeZone.trim() !== 'UTC') errs.timeZone = msg('errOhZone');
  for (const d of DAYS) {
    const list = f.weekly[d] ?? [];
    list.forEach((iv, i) => {
      const fromOk = HHMM.test(iv.from);
      const toOk = HHMM.test(iv.to) || iv.to === '24:00';
      if (!fromOk) errs[keyOf.from(d, i)] = msg('errOhTime');
      if (!toOk) errs[keyOf.to(d, i)] = msg('errOhTime');
      if (fromOk && toOk && minutes(iv.from) >= minutes(iv.to)) errs[keyOf.to(d, i)] = msg('errOhOrder');
    });
    const valid = list.map((iv, i) => ({ ...iv, i })).filter((iv) => !errs[keyOf.from(d, iv.i)] && !errs[keyOf.to(d, iv.i)]);
    valid.sort((a, b) => minutes(a.from) - minutes(b.from));
    valid.forEach((iv, k) => {
      const prev = valid[k - 1];
      if (prev && minutes(iv.from) < minutes(prev.to)) errs[keyOf.from(d, iv.i)] = msg('errOhOverlap');
    });
  }
  const seen = new Set<string>();
  f.closedDays.forEach((c, i) => {
    if (!isRealDate(c.date)) errs[keyOf.date(i)] = msg('errOhDate');
    else if (seen.has(c.date)) errs[keyOf.date(i)] = msg('errOhDuplicate');
    seen.add(c.date);
  });
  return errs;
}

/** The order fields appear on the page, for focusing the first error. */
function fieldOrder(f: Form): string[] {
  const keys = ['timeZone'];
  for (const d of DAYS) (f.weekly[d] ?? []).forEach((_iv, i) => keys.push(keyOf.from(d, i), keyOf.to(d, i), keyOf.interval(d, i)));
  for (const d of DAYS) keys.push(keyOf.day(d));
  f.closedDays.forEach((_c, i) => keys.push(keyOf.date(i), keyOf.label(i)));
  return keys;
}

/** Server paths may point at an interval or a whole day; show those on the first input of it. */
function inputKey(key: string): string {
  const interval = /^weekly\.(\d)\.(\d+)$/.exec(key);
  if (interval) return keyOf.to(Number(interval[1]), Number(interval[2]));
  return key;
}

function Status({ hours }: { hours: ServiceHours }) {
  const { t } = useI18n();
  return (
    <dl class="facts facts-inline opening-status">
      <div>
        <dt class="visually-hidden">{t.ohHeading}</dt>
        <dd>
          <strong>{hours.openNow ? t.ohOpenNow : t.ohClosedNow}</strong>
        </dd>
      </div>
      {hours.openNow && hours.closesAt && (
        <div>
          <dt>{t.ohClosesAt}</dt>
          <dd>
            <DateTime iso={hours.closesAt} />
          </dd>
        </div>
      )}
      {!hours.openNow && (
        <div>
          <dt>{t.ohNextOpening}</dt>
          <dd>{hours.nextOpening ? <DateTime iso={hours.nextOpening} /> : t.ohNever}</dd>
        </div>
      )}
      {hours.updatedBy && hours.updatedAt && (
        <div>
          <dt>{t.ohLastChanged(hours.updatedBy)}</dt>
          <dd>
            <DateTime iso={hours.updatedAt} />
          </dd>
        </div>
      )}
    </dl>
  );
}

/**
 * Opening hours and extra closed days of the follow-up service (nurse, coordinator,
 * administrator). What is saved here decides the notice patients get after a report: outside
 * these hours a red reading sends them to legevakt 116 117 / 113.
 */
export function OpeningHoursPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.navOpeningHours));
  const state = useAsync(() => call('GET /api/opening-hours'), []);
  return (
    <>
      <h1>{t.ohHeading}</h1>
      <p class="intro">{t.ohIntro}</p>
      <Async state={state}>{(hours) => <HoursEditor key={`${hours.version}`} hours={hours} onReload={state.reload} />}</Async>
      <InactiveSettings />
    </>
  );
}

function HoursEditor({ hours, onReload }: { hours: ServiceHours; onReload: () => void }) {
  const { t, lang } = useI18n();
  const [saved, setSaved] = useState<ServiceHours>(hours);
  const [form, setForm] = useState<Form>(() => formOf(hours));
  const [errors, setErrors] = useState<Record<string, Text>>({});
  const [status, setStatus] = useState<string | null>(null);
  const [formError, setFormError] = useState<Text | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [range, setRange] = useState({ from: '', to: '', label: '' });
  const [rangeError, setRangeError] = useState<Text | undefined>(undefined);
  const base = useId();
  const rid = { from: `${base}-rf`, to: `${base}-rt`, label: `${base}-rl`, error: `${base}-re`, zone: `${base}-tz`, zoneHint: `${base}-tzh` };
  const edit = saved.canEdit;

  useEffect(() => setSaved(hours), [hours]);

  const focus = (key: string): void => {
    document.getElementById(idOf(inputKey(key)))?.focus();
  };
  const update = (f: (draft: Form) => void): void => {
    setForm((prev) => {
      const next = structuredClone(prev);
      f(next);
      return next;
    });
  };

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setStatus(null);
    setFormError(null);
    setConflict(false);
    const errs = validate(form);
    setErrors(errs);
    const first = fieldOrder(form).find((k) => errs[k]);
    if (first) {
      setFormError(msg('errOhSummary'));
      focus(first);
      return;
    }
    setBusy(true);
    try {
      const weekly: Record<string, [string, string][]> = {};
      for (const d of DAYS) {
        const list = (form.weekly[d] ?? []).map((iv): [string, string] => [iv.from, iv.to]).sort((a, b) => minutes(a[0]) - minutes(b[0]));
        if (list.length > 0) weekly[String(d)] = list;
      }
      const body = { version: saved.version, timeZone: form.timeZone.trim(), weekly, publicHolidays: form.publicHolidays, closedDays: form.closedDays.map((c) => ({ date: c.date, label: c.label.trim() })) };
      const next = await call('PUT /api/opening-hours', { body });
      setSaved(next);
      setForm(formOf(next));
      setErrors({});
      setStatus(t.ohSaved);
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.status === 409) {
        setConflict(true);
        setFormError(msg('ohConflict'));
      } else {
        const byKey: Record<string, Text> = {};
        for (const [k, m] of Object.entries(apiError.fields)) byKey[inputKey(k)] = k === 'timeZone' ? msg('errOhZone') : raw(m);
        setErrors(byKey);
        setFormError(Object.keys(byKey).length > 0 ? msg('errOhSummary') : msg(errorKey(apiError)));
        const firstKey = fieldOrder(form).find((k) => byKey[k]);
        if (firstKey) focus(firstKey);
      }
    } finally {
      setBusy(false);
    }
  };

  const addRange = (): void => {
    setStatus(null);
    const { from, to } = range;
    const days = isRealDate(from) && isRealDate(to) ? Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1 : 0;
    if (days < 1 || days > MAX_RANGE_DAYS) {
      setRangeError(msg(isRealDate(from) && isRealDate(to) ? 'errOhRange' : 'errOhDate'));
      document.getElementById(isRealDate(from) ? rid.to : rid.from)?.focus();
      return;
    }
    setRangeError(undefined);
    const existing = new Set(form.closedDays.map((c) => c.date));
    const added = Array.from({ length: days }, (_x, i) => addDay(from, i)).filter((d) => !existing.has(d));
    update((f) => {
      f.closedDays = [...f.closedDays, ...added.map((date) => ({ date, label: range.label.trim() }))].sort((a, b) => (a.date < b.date ? -1 : 1));
    });
    setRange({ from: '', to: '', label: '' });
    setStatus(t.ohRangeAdded(added.length));
  };

  const err = (key: string): string | undefined => (errors[key] ? textOf(errors[key], t) : undefined);
  const inputProps = (key: string) => ({
    id: idOf(key),
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': `${idOf(key)}-error`,
    disabled: !edit,
  });

  /** A text input of the form with its label and error line; `set` writes the typed value into the draft. */
  const inputField = (
    key: string,
    cls: string,
    label: ComponentChildren,
    value: string,
    set: (f: Form, v: string) => void,
    attrs: { type: 'date' } | { type: 'text'; inputMode?: 'numeric'; autoComplete?: 'off'; placeholder?: string; size?: number; maxLength?: number },
  ) => (
    <div key={key} class={`field${cls}${errors[key] ? ' has-error' : ''}`}>
      <label for={idOf(key)}>{label}</label>
      <input
        {...inputProps(key)}
        {...attrs}
        value={value}
        onInput={(e) => {
          const v = e.currentTarget.value;
          update((f) => set(f, v));
        }}
      />
      <FieldError id={`${idOf(key)}-error`} message={err(key)} />
    </div>
  );

  /** The small ✕ that removes an interval or a closed day, named for screen readers; only for those who may edit. */
  const removeButton = (name: string, remove: (f: Form) => void) =>
    edit && (
      <button type="button" class="button button-secondary button-small" onClick={() => update(remove)}>
        <span aria-hidden="true">✕</span>
        <span class="visually-hidden">{name}</span>
      </button>
    );

  return (
    <>
      <Status hours={saved} />
      {saved.isDefault && <p class="notice notice-info">{t.ohDefaultNotice}</p>}
      {!edit && <p class="notice notice-info">{t.ohReadOnly}</p>}
      <form class="stack opening-hours-form" onSubmit={(e) => void save(e)} noValidate>
        <div class={`field${errors.timeZone ? ' has-error' : ''}`}>
          <label for={idOf('timeZone')}>{t.ohTimeZone}</label>
          <p class="hint" id={rid.zoneHint}>
            {t.ohTimeZoneHint}
          </p>
          <input
            {...inputProps('timeZone')}
            aria-describedby={`${rid.zoneHint} ${idOf('timeZone')}-error`}
            type="text"
            autoComplete="off"
            spellcheck={false}
            value={form.timeZone}
            onInput={(e) => {
              const v = e.currentTarget.value;
              update((f) => {
                f.timeZone = v;
              });
            }}
          />
          <FieldError id={`${idOf('timeZone')}-error`} message={err('timeZone')} />
        </div>

        <fieldset class="stack">
          <legend>{t.ohWeekHeading}</legend>
          <p class="hint">{t.ohWeekHint}</p>
          <div class="week-grid">
            {DAYS.map((d) => {
              const dayName = t.weekdayShort[d - 1] ?? String(d);
              const list = form.weekly[d] ?? [];
              return (
                <fieldset key={d} class="day-hours" id={idOf(keyOf.day(d))} tabIndex={-1} aria-describedby={`${idOf(keyOf.day(d))}-error`}>
                  <legend>{capitalise(dayName)}</legend>
                  {list.length === 0 && <p class="muted">{t.ohClosedAllDay}</p>}
                  {list.map((iv, i) => (
                    <div key={i} class="interval-row">
                      {(['from', 'to'] as const).map((part) =>
                        inputField(
                          part === 'from' ? keyOf.from(d, i) : keyOf.to(d, i),
                          ' time-field',
                          <>
                            {part === 'from' ? t.ohFrom : t.ohTo}
                            <span class="visually-hidden"> ({dayName})</span>
                          </>,
                          iv[part],
                          (f, v) => {
                            const row = f.weekly[d]?.[i];
                            if (row) row[part] = v;
                          },
                          { type: 'text', inputMode: 'numeric', autoComplete: 'off', placeholder: '08:00', size: 5, maxLength: 5 },
                        ),
                      )}
                      {removeButton(t.ohRemoveInterval(dayName, iv.from, iv.to), (f) => {
                        f.weekly[d] = (f.weekly[d] ?? []).filter((_x, k) => k !== i);
                      })}
                    </div>
                  ))}
                  <FieldError id={`${idOf(keyOf.day(d))}-error`} message={err(keyOf.day(d))} />
                  {edit && (
                    <button
                      type="button"
                      class="button button-secondary button-small"
                      onClick={() => {
                        const last = list[list.length - 1];
                        update((f) => {
                          f.weekly[d] = [...(f.weekly[d] ?? []), last ? { from: '', to: '' } : { from: '08:00', to: '15:30' }];
                        });
                      }}
                    >
                      {t.ohAddInterval(dayName)}
                    </button>
                  )}
                </fieldset>
              );
            })}
          </div>
        </fieldset>

        <fieldset class="stack">
          <legend>{t.ohHolidaysLegend}</legend>
          <label class="choice" for={`${base}-ph`}>
            <input
              type="checkbox"
              id={`${base}-ph`}
              checked={form.publicHolidays}
              disabled={!edit}
              aria-describedby={`${base}-phh`}
              onChange={(e) => {
                const v = e.currentTarget.checked;
                update((f) => {
                  f.publicHolidays = v;
                });
              }}
            />
            <span>{t.ohHolidays}</span>
          </label>
          <p class="hint" id={`${base}-phh`}>
            {t.ohHolidaysHint}
          </p>
          {form.publicHolidays && saved.upcomingHolidays.length > 0 && (
            <details class="holiday-list">
              <summary>{t.ohUpcomingHolidays}</summary>
              <ul>
                {saved.upcomingHolidays.map((h) => (
                  <li key={h.date}>
                    <time dateTime={h.date}>{formatDate(h.date, lang)}</time> – {localized(h.name, lang)}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </fieldset>

        <fieldset class="stack">
          <legend>{t.ohClosedDaysHeading}</legend>
          <p class="hint">{t.ohClosedDaysHint}</p>
          {form.closedDays.length === 0 && <p>{t.ohClosedDaysEmpty}</p>}
          {form.closedDays.length > 0 && (
            <ul class="closed-days">
              {form.closedDays.map((c, i) => (
                <li key={i} class="closed-day-row">
                  {(['date', 'label'] as const).map((part) =>
                    inputField(
                      keyOf[part](i),
                      '',
                      part === 'date' ? t.ohDate : <>{t.ohLabel} <span class="optional">({t.optional})</span></>,
                      c[part],
                      (f, v) => {
                        const row = f.closedDays[i];
                        if (row) row[part] = v;
                      },
                      part === 'date' ? { type: 'date' } : { type: 'text', maxLength: 100 },
                    ),
                  )}
                  {removeButton(t.ohRemoveClosedDay(c.date ? formatDate(c.date, lang) : ''), (f) => {
                    f.closedDays = f.closedDays.filter((_x, k) => k !== i);
                  })}
                </li>
              ))}
            </ul>
          )}
          {edit && (
            <button
              type="button"
              class="button button-secondary"
              onClick={() => {
                update((f) => {
                  f.closedDays = [...f.closedDays, { date: '', label: '' }];
                });
                // Focus the new row's date so keyboard users land where they type.
                setTimeout(() => document.getElementById(idOf(keyOf.date(form.closedDays.length)))?.focus(), 0);
              }}
            >
              {t.ohAddClosedDay}
            </button>
          )}
          {edit && (
            <fieldset class="stack range-form" aria-describedby={rid.error}>
              <legend>{t.ohRangeHeading}</legend>
              <div class="inline-fields">
                <div class={`field${rangeError ? ' has-error' : ''}`}>
                  <label for={rid.from}>{t.ohRangeFrom}</label>
                  <input id={rid.from} type="date" value={range.from} aria-describedby={rid.error} onInput={(e) => setRange({ ...range, from: e.currentTarget.value })} />
                </div>
                <div class={`field${rangeError ? ' has-error' : ''}`}>
                  <label for={rid.to}>{t.ohRangeTo}</label>
                  <input id={rid.to} type="date" value={range.to} aria-describedby={rid.error} onInput={(e) => setRange({ ...range, to: e.currentTarget.value })} />
                </div>
                <div class="field">
                  <label for={rid.label}>
                    {t.ohRangeLabel} <span class="optional">({t.optional})</span>
                  </label>
                  <input id={rid.label} type="text" maxLength={100} value={range.label} onInput={(e) => setRange({ ...range, label: e.currentTarget.value })} />
                </div>
              </div>
              <FieldError id={rid.error} message={rangeError && textOf(rangeError, t)} />
              <div class="actions">
                <button type="button" class="button button-secondary" onClick={addRange}>
                  {t.ohRangeAdd}
                </button>
              </div>
            </fieldset>
          )}
        </fieldset>

        <ActionFeedback status={status} error={formError} />
        {edit && (
          <div class="actions">
            <button type="submit" class="button button-primary button-large" aria-busy={busy}>
              {busy ? t.saving : t.ohSave}
            </button>
            {conflict && (
              <button type="button" class="button button-secondary" onClick={onReload}>
                {t.ohReload}
              </button>
            )}
          </div>
        )}
      </form>
    </>
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

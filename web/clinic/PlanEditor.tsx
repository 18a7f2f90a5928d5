import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { api, call } from '../shared/api.js';
import { Async, errorKey, FieldError } from '../shared/components.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { LANGS, LANGUAGE_NAMES, localized, msg, raw, textOf, useI18n, type Lang, type Text } from '../shared/i18n.js';
import { measureName } from '../shared/measures.js';
import type { PlanVersion } from '../../src/api/plans.js';
import type { QuestionnaireDef } from '../../src/api/questionnaires.js';
import type { Template } from '../../src/api/templates.js';
import {
  type AlertZone,
  type CombinedForm,
  type EntryForm,
  emptyAdvice,
  fieldId,
  fromForm,
  key,
  LIMIT_KEYS,
  limitLabelOf,
  MEASURE_CODES,
  newEntry,
  type PlanDefinition,
  type PlanForm,
  QUESTIONNAIRE_CODES,
  type RuleAdviceForm,
  toForm,
  type TrendForm,
  type Zone,
  ZONES,
} from './planModel.js';
import { PlanDiff, PlanPreview, useItemNames, useQuestionnaires } from './PlanReview.js';

export { fieldId };

type Group = 'measures' | 'questionnaires';
type Errors = Record<string, Text>;

/**
 * The GP's plan editor. Start from the plan in force or from diagnosis templates, then edit
 * everything a plan can hold (src/domain/plan.ts): per measure the schedule (times, weekdays,
 * as needed), limits, re-measure before yellow and the advice per zone in bokmål, nynorsk and
 * English; per questionnaire also rules on single answers; trend rules over local days;
 * combined rules; NEWS2 settings; medicines and contacts. "Preview" shows the plan as the
 * patient and the nurse will read it and what changes against the plan in force; saving makes
 * a draft that the GP approves in the version list.
 */
export function PlanEditor({
  patientId,
  current,
  onCancel,
  onSaved,
}: {
  patientId: string;
  current: PlanVersion | null;
  onCancel: () => void;
  onSaved: (plan: PlanVersion) => void;
}) {
  const { t, lang } = useI18n();
  const currentDef = current ? (current.definition as unknown as PlanDefinition) : null;
  const templates = useAsync(() => call('GET /api/templates'), []);
  const questionnaires = useQuestionnaires();
  const itemNames = useItemNames(questionnaires.data);
  const [source, setSource] = useState<'current' | 'templates'>(current ? 'current' : 'templates');
  const [chosen, setChosen] = useState<string[]>([]);
  const [form, setForm] = useState<PlanForm | null>(currentDef ? toForm(currentDef, lang) : null);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState<string | null>(null);
  const [preview, setPreview] = useState<PlanDefinition | null>(null);
  const [addMeasure, setAddMeasure] = useState('');
  const [addQuestionnaire, setAddQuestionnaire] = useState('');
  const ids = { source: useId(), templates: useId(), templateError: useId(), addMeasure: useId(), addQ: useId() };
  const limitLabel = (k: (typeof LIMIT_KEYS)[number]) => limitLabelOf(k, t);

  const load = (def: PlanDefinition): void => {
    setForm(toForm(def, lang));
    setErrors({});
    setFormError([]);
    setPreview(null);
  };

  const update = (f: (draft: PlanForm) => void): void => {
    setPreview(null);
    setForm((prev) => {
      if (!prev) return prev;
      const next = structuredClone(prev);
      f(next);
      return next;
    });
  };

  const focus = (k: string): void => {
    const el = document.getElementById(fieldId(k));
    if (!el) return;
    // Advice in nynorsk/English lives in a closed <details>; open it first.
    let details = el.closest('details');
    while (details) {
      if (!details.open) details.open = true;
      details = details.parentElement?.closest('details') ?? null;
    }
    el.focus();
  };

  const fetchTemplates = async (): Promise<void> => {
    if (chosen.length === 0) {
      setErrors({ templates: msg('errChooseTemplate') });
      document.getElementById(`${ids.templates}-0`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await call('GET /api/templates/plan', { query: { codes: chosen.join(',') } });
      load(r.definition);
      setLoaded(t.planTemplatesLoaded);
    } catch (err) {
      setFormError([msg(errorKey(toApiError(err)))]);
    } finally {
      setBusy(false);
    }
  };

  /** Validates; on errors shows them and focuses the first, in page order. */
  const check = (): PlanDefinition | null => {
    if (!form) return null;
    const { plan, errs } = fromForm(form, t, limitLabel);
    setErrors(errs);
    setFormError([]);
    if (!plan) {
      setFormError([msg('errFormSummaryPlan')]);
      const first = firstInPage(Object.keys(errs));
      if (first) focus(first);
      return null;
    }
    return plan;
  };

  const showPreview = (): void => {
    const plan = check();
    setPreview(plan);
    if (plan) setTimeout(() => document.getElementById('plan-preview-heading')?.focus(), 0);
  };

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const plan = check();
    if (!plan) return;
    setBusy(true);
    try {
      const saved = await api.post<PlanVersion>(`/api/patients/${encodeURIComponent(patientId)}/plans`, { definition: plan });
      onSaved(saved);
    } catch (err) {
      const apiError = toApiError(err);
      const byKey: Errors = {};
      for (const [k, m] of Object.entries(apiError.fields)) byKey[k] = raw(m);
      setErrors(byKey);
      setFormError([apiError.message ? raw(apiError.message) : msg(errorKey(apiError))]);
      const first = firstInPage(Object.keys(byKey));
      if (first) focus(first);
    } finally {
      setBusy(false);
    }
  };

  const fieldProps = (k: string) => ({
    id: fieldId(k),
    'aria-invalid': errors[k] ? true : undefined,
    'aria-describedby': `${fieldId(k)}-error`,
  });
  const err = (k: string) => <FieldError id={`${fieldId(k)}-error`} message={errors[k] && textOf(errors[k], t)} />;
  const fieldClass = (k: string, extra = '') => `field${extra ? ` ${extra}` : ''}${errors[k] ? ' has-error' : ''}`;

  const textInput = (k: string, label: ComponentChildren, value: string, onInput: (v: string) => void, opts: { inputMode?: 'decimal' | 'numeric'; cls?: string; size?: number } = {}) => (
    <div class={fieldClass(k, opts.cls)} key={k}>
      <label for={fieldId(k)}>{label}</label>
      <input {...fieldProps(k)} type="text" autoComplete="off" inputMode={opts.inputMode} size={opts.size} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
      {err(k)}
    </div>
  );

  const zoneSelect = (k: string, value: AlertZone, onChange: (z: AlertZone) => void) => (
    <div class={fieldClass(k)} key={k}>
      <label for={fieldId(k)}>{t.peZone}</label>
      <select {...fieldProps(k)} value={value} onChange={(e) => onChange(e.currentTarget.value as AlertZone)}>
        <option value="yellow">{t.zoneYellow}</option>
        <option value="red">{t.zoneRed}</option>
      </select>
      {err(k)}
    </div>
  );

  const adviceFields = (k: string, name: string, a: RuleAdviceForm, set: (f: (a: RuleAdviceForm) => void) => void) => (
    <div class="rule-advice">
      <label class="choice" for={fieldId(`${k}-on`)}>
        <input type="checkbox" id={fieldId(`${k}-on`)} checked={a.on} onChange={(e) => { const on = e.currentTarget.checked; set((x) => { x.on = on; }); }} />
        <span>{t.peRuleAdviceOn(name)}</span>
      </label>
      {a.on && (
        <div class="advice-grid">
          {LANGS.map((l) => (
            <div key={l} class={fieldClass(`${k}.${l}`)}>
              <label for={fieldId(`${k}.${l}`)}>
                {t.peRuleAdvice} ({LANGUAGE_NAMES[l]})
              </label>
              <textarea {...fieldProps(`${k}.${l}`)} rows={2} lang={l} value={a.text[l]} onInput={(e) => { const v = e.currentTarget.value; set((x) => { x.text[l] = v; }); }} />
              {err(`${k}.${l}`)}
            </div>
          ))}
        </div>
      )}
    </div>
  );

  const scheduleEditor = (g: Group, i: number, e: EntryForm, name: string) => {
    const k = key.entry(g, i, 'schedule');
    const s = e.schedule;
    const set = (f: (s: EntryForm['schedule']) => void) => update((d) => f(d[g][i]!.schedule));
    return (
      <fieldset class="stack schedule-editor">
        <legend>{t.peScheduleLegend(name)}</legend>
        <div class="inline-fields">
          <div class="field">
            <label for={fieldId(`${k}.kind`)}>{t.peScheduleKind}</label>
            <select id={fieldId(`${k}.kind`)} value={s.kind} onChange={(ev) => { const v = ev.currentTarget.value as EntryForm['schedule']['kind']; set((x) => { x.kind = v; }); }}>
              <option value="daily">{t.peDaily}</option>
              <option value="weekly">{t.peWeekly}</option>
              <option value="as_needed">{t.scheduleAsNeeded}</option>
            </select>
          </div>
          {s.kind !== 'as_needed' && textInput(`${k}.dueBy`, t.peDueBy, s.dueBy, (v) => set((x) => { x.dueBy = v; }), { size: 6, inputMode: 'numeric' })}
          {s.kind !== 'as_needed' && textInput(`${k}.graceMinutes`, t.peGrace, s.grace, (v) => set((x) => { x.grace = v; }), { size: 6, inputMode: 'numeric' })}
        </div>
        {s.kind === 'weekly' && (
          <fieldset class={`weekday-choice${errors[`${k}.weekdays`] ? ' has-error' : ''}`} aria-describedby={`${fieldId(`${k}.weekdays`)}-error`}>
            <legend>{t.peWeekdays}</legend>
            <div class="choice-list choice-row">
              {t.weekdayShort.map((dayName, d0) => {
                const d = d0 + 1;
                const id = d0 === 0 ? fieldId(`${k}.weekdays`) : fieldId(`${k}.weekdays.${d}`);
                return (
                  <label key={d} class="choice" for={id}>
                    <input type="checkbox" id={id} checked={s.weekdays.includes(d)} onChange={(ev) => { const on = ev.currentTarget.checked; set((x) => { x.weekdays = on ? [...x.weekdays, d] : x.weekdays.filter((w) => w !== d); }); }} />
                    <span>{dayName}</span>
                  </label>
                );
              })}
            </div>
            {err(`${k}.weekdays`)}
          </fieldset>
        )}
      </fieldset>
    );
  };

  const entryEditor = (g: Group, e: EntryForm, i: number) => {
    const name = measureName(e.code, lang);
    const qdef = g === 'questionnaires' ? questionnaires.data?.[e.code] : undefined;
    return (
      <fieldset key={`${g}-${e.code}`} class="plan-entry">
        <legend>{name}</legend>
        {scheduleEditor(g, i, e, name)}
        <p class="hint">{g === 'questionnaires' ? t.peTotalLimitsHint : t.planLimitsHint}</p>
        <div class="limit-grid">
          {LIMIT_KEYS.map((lk) => {
            const k = key.entry(g, i, 'thresholds', lk);
            return textInput(k, limitLabel(lk), e.limits[lk], (v) => update((d) => { d[g][i]!.limits[lk] = v; }), { inputMode: 'decimal', cls: `limit-field limit-${lk}` });
          })}
        </div>
        {g === 'measures' && (
          <div class="remeasure">
            <label class="choice" for={fieldId(key.entry(g, i, 'remeasure'))}>
              <input type="checkbox" id={fieldId(key.entry(g, i, 'remeasure'))} checked={e.remeasure.on} onChange={(ev) => { const on = ev.currentTarget.checked; update((d) => { d[g][i]!.remeasure.on = on; }); }} />
              <span>{t.peRemeasureOn}</span>
            </label>
            <p class="hint">{t.peRemeasureHint}</p>
            {e.remeasure.on && (
              <div class="inline-fields">
                {textInput(key.entry(g, i, 'remeasure', 'restMinutes'), t.peRestMinutes, e.remeasure.rest, (v) => update((d) => { d[g][i]!.remeasure.rest = v; }), { inputMode: 'numeric', size: 5 })}
                {textInput(key.entry(g, i, 'remeasure', 'withinMinutes'), t.peWithinMinutes, e.remeasure.within, (v) => update((d) => { d[g][i]!.remeasure.within = v; }), { inputMode: 'numeric', size: 5 })}
              </div>
            )}
          </div>
        )}
        <p class="hint">{t.peAdviceHint}</p>
        <div class="advice-grid">{ZONES.map((z) => adviceField(g, i, e, z, 'nb'))}</div>
        <details class="other-languages">
          <summary>{t.planOtherLanguages(name)}</summary>
          <div class="advice-grid">{(['nn', 'en'] as Lang[]).flatMap((l) => ZONES.map((z) => adviceField(g, i, e, z, l)))}</div>
        </details>
        {g === 'questionnaires' && itemRulesEditor(i, e, qdef)}
        <div class="actions">
          <button type="button" class="button button-secondary" onClick={() => update((d) => { d[g] = d[g].filter((_x, k) => k !== i); })}>
            {t.peRemoveEntry(name)}
          </button>
        </div>
      </fieldset>
    );
  };

  const adviceField = (g: Group, i: number, e: EntryForm, z: Zone, l: Lang) => {
    const k = key.entry(g, i, 'actions', z, l);
    const label = { green: t.adviceGreen, yellow: t.adviceYellow, red: t.adviceRed }[z];
    return (
      <div key={k} class={fieldClass(k)}>
        <label for={fieldId(k)}>
          {label} ({LANGUAGE_NAMES[l]})
        </label>
        <textarea {...fieldProps(k)} rows={3} lang={l} value={e.actions[z][l]} onInput={(ev) => { const v = ev.currentTarget.value; update((d) => { d[g][i]!.actions[z][l] = v; }); }} />
        {err(k)}
      </div>
    );
  };

  const itemRulesEditor = (i: number, e: EntryForm, qdef: QuestionnaireDef | undefined) => {
    const name = measureName(e.code, lang);
    const setRule = (j: number, f: (r: EntryForm['itemRules'][number]) => void) => update((d) => f(d.questionnaires[i]!.itemRules[j]!));
    return (
      <fieldset class="stack rule-list">
        <legend>{t.peItemRulesLegend(name)}</legend>
        <p class="hint">{t.peItemRulesHint}</p>
        {e.itemRules.map((r, j) => {
          const k = (...rest: string[]) => key.entry('questionnaires', i, 'itemRules', j, ...rest);
          return (
            <fieldset key={j} class="rule">
              <legend>{t.peRuleN(j + 1, r.id || '–')}</legend>
              <div class="inline-fields">
                <div class="field">
                  <label for={fieldId(k('kind'))}>{t.peRuleKind}</label>
                  <select id={fieldId(k('kind'))} value={r.kind} onChange={(ev) => { const v = ev.currentTarget.value as 'answer' | 'count'; setRule(j, (x) => { x.kind = v; }); }}>
                    <option value="answer">{t.peItemAnswer}</option>
                    <option value="count">{t.peItemCount}</option>
                  </select>
                </div>
                {textInput(k('id'), t.peRuleId, r.id, (v) => setRule(j, (x) => { x.id = v.trim(); }), { size: 16 })}
                {r.kind === 'answer' && (
                  <div class={fieldClass(k('item'))}>
                    <label for={fieldId(k('item'))}>{t.peItem}</label>
                    <select {...fieldProps(k('item'))} value={r.item} onChange={(ev) => { const v = ev.currentTarget.value; setRule(j, (x) => { x.item = v; }); }}>
                      <option value="">{t.peChooseItem}</option>
                      {(qdef?.items ?? []).map((it, n) => (
                        <option key={it.id} value={it.id}>
                          {n + 1}. {localized(it.text, lang)}
                        </option>
                      ))}
                      {r.item && !qdef?.items.some((it) => it.id === r.item) && <option value={r.item}>{r.item}</option>}
                    </select>
                    {err(k('item'))}
                  </div>
                )}
                {textInput(k('atLeast'), t.peAtLeast, r.atLeast, (v) => setRule(j, (x) => { x.atLeast = v; }), { inputMode: 'numeric', size: 4 })}
                {r.kind === 'count' && textInput(k('count'), t.peCount, r.count, (v) => setRule(j, (x) => { x.count = v; }), { inputMode: 'numeric', size: 4 })}
                {zoneSelect(k('zone'), r.zone, (z) => setRule(j, (x) => { x.zone = z; }))}
              </div>
              {r.kind === 'count' && (
                <fieldset class={fieldClass(k('items'))}>
                  <legend>{t.peItemsAmong}</legend>
                  <div class="choice-list item-choice">
                    {(qdef?.items ?? []).map((it, n) => {
                      const id = n === 0 ? fieldId(k('items')) : fieldId(k('items', String(n)));
                      return (
                        <label key={it.id} class="choice" for={id}>
                          <input type="checkbox" id={id} checked={r.items.includes(it.id)} onChange={(ev) => { const on = ev.currentTarget.checked; setRule(j, (x) => { x.items = on ? [...x.items, it.id] : x.items.filter((y) => y !== it.id); }); }} />
                          <span>
                            {n + 1}. {localized(it.text, lang)}
                          </span>
                        </label>
                      );
                    })}
                  </div>
                  {err(k('items'))}
                </fieldset>
              )}
              {adviceFields(k('actions'), r.id || String(j + 1), r.advice, (f) => setRule(j, (x) => f(x.advice)))}
              <button type="button" class="button button-secondary" onClick={() => update((d) => { const q = d.questionnaires[i]!; q.itemRules = q.itemRules.filter((_x, n) => n !== j); })}>
                {t.peRemoveRule(r.id || String(j + 1))}
              </button>
            </fieldset>
          );
        })}
        <button
          type="button"
          class="button button-secondary"
          onClick={() => update((d) => { d.questionnaires[i]!.itemRules.push({ kind: 'answer', id: `${e.code}-item-${e.itemRules.length + 1}`, item: '', items: [], atLeast: '1', count: '2', zone: 'yellow', advice: emptyAdvice() }); })}
        >
          {t.peAddItemRule(name)}
        </button>
      </fieldset>
    );
  };

  const trendEditor = (f: PlanForm) => {
    const codes = [...f.measures, ...f.questionnaires].map((e) => e.code);
    const setRule = (i: number, fn: (r: TrendForm) => void) => update((d) => fn(d.trendRules[i]!));
    return (
      <fieldset class="stack rule-list">
        <legend>{t.peTrendRules}</legend>
        <p class="hint">{t.peTrendHint}</p>
        {f.trendRules.length === 0 && <p>{t.peNoRules}</p>}
        {f.trendRules.map((r, i) => {
          const k = (...rest: string[]) => key.trend(i, ...rest);
          return (
            <fieldset key={i} class="rule">
              <legend>{t.peRuleN(i + 1, r.id || '–')}</legend>
              <div class="inline-fields">
                {textInput(k('id'), t.peRuleId, r.id, (v) => setRule(i, (x) => { x.id = v.trim(); }), { size: 16 })}
                <div class={fieldClass(k('code'))}>
                  <label for={fieldId(k('code'))}>{t.peMeasure}</label>
                  <select {...fieldProps(k('code'))} value={r.code} onChange={(ev) => { const v = ev.currentTarget.value; setRule(i, (x) => { x.code = v; }); }}>
                    {!codes.includes(r.code) && <option value={r.code}>{measureName(r.code, lang)}</option>}
                    {codes.map((c) => (
                      <option key={c} value={c}>
                        {measureName(c, lang)}
                      </option>
                    ))}
                  </select>
                  {err(k('code'))}
                </div>
                <div class="field">
                  <label for={fieldId(k('kind'))}>{t.peDirection}</label>
                  <select id={fieldId(k('kind'))} value={r.kind} onChange={(ev) => { const v = ev.currentTarget.value as 'rise' | 'fall'; setRule(i, (x) => { x.kind = v; }); }}>
                    <option value="rise">{t.peRise}</option>
                    <option value="fall">{t.peFall}</option>
                  </select>
                </div>
                {textInput(k('amount'), t.peAmount, r.amount, (v) => setRule(i, (x) => { x.amount = v; }), { inputMode: 'decimal', size: 6 })}
                {textInput(k('windowDays'), t.peWindowDays, r.windowDays, (v) => setRule(i, (x) => { x.windowDays = v; }), { inputMode: 'numeric', size: 4 })}
                {textInput(k('baseline'), <>{t.peBaseline} <span class="optional">({t.optional})</span></>, r.baseline, (v) => setRule(i, (x) => { x.baseline = v; }), { inputMode: 'decimal', size: 6 })}
                <div class="field">
                  <label for={fieldId(k('reference'))}>{t.peReference}</label>
                  <select id={fieldId(k('reference'))} value={r.reference} onChange={(ev) => { const v = ev.currentTarget.value as 'extreme' | 'median'; setRule(i, (x) => { x.reference = v; }); }}>
                    <option value="extreme">{t.peReferenceExtreme}</option>
                    <option value="median">{t.peReferenceMedian}</option>
                  </select>
                </div>
                {zoneSelect(k('zone'), r.zone, (z) => setRule(i, (x) => { x.zone = z; }))}
              </div>
              <label class="choice" for={fieldId(k('inclusive'))}>
                <input type="checkbox" id={fieldId(k('inclusive'))} checked={r.inclusive} onChange={(ev) => { const on = ev.currentTarget.checked; setRule(i, (x) => { x.inclusive = on; }); }} />
                <span>{t.peInclusive}</span>
              </label>
              {adviceFields(k('actions'), r.id || String(i + 1), r.advice, (fn) => setRule(i, (x) => fn(x.advice)))}
              <button type="button" class="button button-secondary" onClick={() => update((d) => { d.trendRules = d.trendRules.filter((_x, n) => n !== i); })}>
                {t.peRemoveRule(r.id || String(i + 1))}
              </button>
            </fieldset>
          );
        })}
        <button
          type="button"
          class="button button-secondary"
          disabled={codes.length === 0}
          onClick={() => update((d) => { d.trendRules.push({ id: `trend-${d.trendRules.length + 1}`, code: codes[0] ?? 'weight', kind: 'rise', amount: '', inclusive: false, windowDays: '3', baseline: '', reference: 'extreme', zone: 'yellow', advice: emptyAdvice() }); })}
        >
          {t.peAddTrend}
        </button>
      </fieldset>
    );
  };

  const combinedEditor = (f: PlanForm) => {
    const measureCodes = f.measures.map((e) => e.code);
    const setRule = (i: number, fn: (r: CombinedForm) => void) => update((d) => fn(d.combinedRules[i]!));
    return (
      <fieldset class="stack rule-list">
        <legend>{t.peCombinedRules}</legend>
        <p class="hint">{t.peCombinedHint}</p>
        {f.combinedRules.length === 0 && <p>{t.peNoRules}</p>}
        {f.combinedRules.map((r, i) => {
          const k = (...rest: string[]) => key.combined(i, ...rest);
          return (
            <fieldset key={i} class="rule">
              <legend>{t.peRuleN(i + 1, r.id || '–')}</legend>
              <div class="inline-fields">
                <div class="field">
                  <label for={fieldId(k('kind'))}>{t.peRuleKind}</label>
                  <select id={fieldId(k('kind'))} value={r.kind} onChange={(ev) => { const v = ev.currentTarget.value as CombinedForm['kind']; setRule(i, (x) => { x.kind = v; }); }}>
                    <option value="sitting">{t.peSitting}</option>
                    <option value="consecutive_days">{t.peConsecutive}</option>
                  </select>
                </div>
                {textInput(k('id'), t.peRuleId, r.id, (v) => setRule(i, (x) => { x.id = v.trim(); }), { size: 16 })}
                {r.kind === 'sitting'
                  ? textInput(k('minYellow'), t.peMinYellow, r.minYellow, (v) => setRule(i, (x) => { x.minYellow = v; }), { inputMode: 'numeric', size: 4 })
                  : textInput(k('days'), t.peDays, r.days, (v) => setRule(i, (x) => { x.days = v; }), { inputMode: 'numeric', size: 4 })}
                {zoneSelect(k('zone'), r.zone, (z) => setRule(i, (x) => { x.zone = z; }))}
              </div>
              <fieldset class={fieldClass(k('codes'))} aria-describedby={`${fieldId(k('codes'))}-error`}>
                <legend>{t.peCodesAmong}</legend>
                <div class="choice-list choice-row">
                  {measureCodes.map((c, n) => {
                    const id = n === 0 ? fieldId(k('codes')) : fieldId(k('codes', String(n)));
                    return (
                      <label key={c} class="choice" for={id}>
                        <input type="checkbox" id={id} checked={r.codes.includes(c)} onChange={(ev) => { const on = ev.currentTarget.checked; setRule(i, (x) => { x.codes = on ? [...x.codes, c] : x.codes.filter((y) => y !== c); }); }} />
                        <span>{measureName(c, lang)}</span>
                      </label>
                    );
                  })}
                </div>
                {err(k('codes'))}
              </fieldset>
              {adviceFields(k('actions'), r.id || String(i + 1), r.advice, (fn) => setRule(i, (x) => fn(x.advice)))}
              <button type="button" class="button button-secondary" onClick={() => update((d) => { d.combinedRules = d.combinedRules.filter((_x, n) => n !== i); })}>
                {t.peRemoveRule(r.id || String(i + 1))}
              </button>
            </fieldset>
          );
        })}
        <button
          type="button"
          class="button button-secondary"
          onClick={() => update((d) => { d.combinedRules.push({ kind: 'sitting', id: `combined-${d.combinedRules.length + 1}`, minYellow: '2', days: '3', codes: [], zone: 'red', advice: emptyAdvice() }); })}
        >
          {t.peAddCombined}
        </button>
      </fieldset>
    );
  };

  const news2Editor = (f: PlanForm) => {
    const n = f.news2;
    const k = 'definition.news2.scale';
    const set = (fn: (x: PlanForm['news2']) => void) => update((d) => fn(d.news2));
    return (
      <fieldset class="stack news2-settings">
        <legend>NEWS2</legend>
        <label class="choice" for={fieldId('definition.news2.enabled')}>
          <input type="checkbox" id={fieldId('definition.news2.enabled')} checked={n.enabled} onChange={(e) => { const on = e.currentTarget.checked; set((x) => { x.enabled = on; }); }} />
          <span>{t.peNews2Enabled}</span>
        </label>
        <label class="choice" for={fieldId('definition.news2.hypercapnicFailureConfirmed')}>
          <input
            type="checkbox"
            id={fieldId('definition.news2.hypercapnicFailureConfirmed')}
            checked={n.hypercapnic}
            onChange={(e) => { const on = e.currentTarget.checked; set((x) => { x.hypercapnic = on; if (!on) x.scale = 1; }); }}
          />
          <span>{t.peHypercapnic}</span>
        </label>
        <fieldset class={fieldClass(k)} aria-describedby={`${fieldId(k)}-hint ${fieldId(k)}-error`}>
          <legend>{t.peNews2Scale}</legend>
          <p class="hint" id={`${fieldId(k)}-hint`}>
            {t.peScaleHint}
          </p>
          <div class="choice-list choice-row">
            <label class="choice" for={fieldId(k)}>
              <input type="radio" id={fieldId(k)} name="news2-scale" checked={n.scale === 1} onChange={() => set((x) => { x.scale = 1; })} />
              <span>{t.peScale1}</span>
            </label>
            <label class="choice" for={fieldId(`${k}-2`)}>
              <input type="radio" id={fieldId(`${k}-2`)} name="news2-scale" checked={n.scale === 2} disabled={!n.hypercapnic} onChange={() => set((x) => { x.scale = 2; })} />
              <span>{t.peScale2}</span>
            </label>
          </div>
          {err(k)}
        </fieldset>
        <label class="choice" for={fieldId('definition.news2.longTermOxygen')}>
          <input type="checkbox" id={fieldId('definition.news2.longTermOxygen')} checked={n.ltot} onChange={(e) => { const on = e.currentTarget.checked; set((x) => { x.ltot = on; }); }} />
          <span>{t.peLtot}</span>
        </label>
        <p class="hint">{t.peLtotHint}</p>
      </fieldset>
    );
  };

  const unusedMeasures = form ? MEASURE_CODES.filter((c) => !form.measures.some((m) => m.code === c)) : [];
  const unusedQuestionnaires = form ? QUESTIONNAIRE_CODES.filter((c) => !form.questionnaires.some((m) => m.code === c)) : [];

  return (
    <section class="plan-editor" aria-labelledby="plan-editor-heading">
      <h3 id="plan-editor-heading" tabIndex={-1}>
        {t.planEditorHeading}
      </h3>
      <fieldset class="stack">
        <legend>{t.planStartFrom}</legend>
        <div class="choice-list">
          <label class="choice" for={`${ids.source}-current`}>
            <input
              type="radio"
              id={`${ids.source}-current`}
              name={ids.source}
              checked={source === 'current'}
              disabled={!current}
              onChange={() => {
                setSource('current');
                if (currentDef) load(currentDef);
              }}
            />
            <span>{current ? t.planStartCurrent(current.version) : t.planNone}</span>
          </label>
          <label class="choice" for={`${ids.source}-templates`}>
            <input type="radio" id={`${ids.source}-templates`} name={ids.source} checked={source === 'templates'} onChange={() => setSource('templates')} />
            <span>{t.planStartTemplates}</span>
          </label>
        </div>
      </fieldset>
      {source === 'templates' && (
        <Async state={templates}>
          {(data) => (
            <fieldset class={`stack template-choice${errors.templates ? ' has-error' : ''}`} aria-describedby={ids.templateError}>
              <legend>{t.planChooseTemplates}</legend>
              <div class="choice-list">
                {data.templates.map((tpl, i) => (
                  <label key={tpl.code} class="choice" for={`${ids.templates}-${i}`}>
                    <input
                      type="checkbox"
                      id={`${ids.templates}-${i}`}
                      checked={chosen.includes(tpl.code)}
                      onChange={(ev) => {
                        const on = ev.currentTarget.checked;
                        setChosen((c) => (on ? [...c, tpl.code] : c.filter((x) => x !== tpl.code)));
                      }}
                    />
                    <span>
                      {localized(tpl.title, lang)} <span class="muted">({tpl.diagnoses.map((d) => d.code).join(', ')})</span>
                    </span>
                  </label>
                ))}
              </div>
              <FieldError id={ids.templateError} message={errors.templates && textOf(errors.templates, t)} />
              <button type="button" class="button button-secondary" aria-busy={busy} onClick={() => void fetchTemplates()}>
                {t.planUseTemplates}
              </button>
              <p role="status" class="status-text">
                {loaded}
              </p>
            </fieldset>
          )}
        </Async>
      )}
      {form && (
        <form class="stack" onSubmit={(e) => void save(e)} noValidate>
          <h4>{t.peMeasuresHeading}</h4>
          {form.measures.map((m, i) => entryEditor('measures', m, i))}
          {unusedMeasures.length > 0 && (
            <div class="inline-fields add-entry">
              <div class="field">
                <label for={ids.addMeasure}>{t.peAddMeasure}</label>
                <select id={ids.addMeasure} value={addMeasure} onChange={(e) => setAddMeasure(e.currentTarget.value)}>
                  <option value="">{t.peChoose}</option>
                  {unusedMeasures.map((c) => (
                    <option key={c} value={c}>
                      {measureName(c, lang)}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" class="button button-secondary" disabled={!addMeasure} onClick={() => { update((d) => { d.measures.push(newEntry(addMeasure)); }); setAddMeasure(''); }}>
                {t.peAdd}
              </button>
            </div>
          )}
          <h4>{t.peQuestionnairesHeading}</h4>
          {form.questionnaires.map((q, i) => entryEditor('questionnaires', q, i))}
          {unusedQuestionnaires.length > 0 && (
            <div class="inline-fields add-entry">
              <div class="field">
                <label for={ids.addQ}>{t.peAddQuestionnaire}</label>
                <select id={ids.addQ} value={addQuestionnaire} onChange={(e) => setAddQuestionnaire(e.currentTarget.value)}>
                  <option value="">{t.peChoose}</option>
                  {unusedQuestionnaires.map((c) => (
                    <option key={c} value={c}>
                      {measureName(c, lang)}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" class="button button-secondary" disabled={!addQuestionnaire} onClick={() => { update((d) => { d.questionnaires.push(newEntry(addQuestionnaire)); }); setAddQuestionnaire(''); }}>
                {t.peAdd}
              </button>
            </div>
          )}
          <h4>{t.peRulesHeading}</h4>
          {trendEditor(form)}
          {combinedEditor(form)}
          {news2Editor(form)}
          <div class="field">
            <label for="plan-medicines">{t.planMedicines}</label>
            <textarea id="plan-medicines" rows={3} value={form.medicines} onInput={(ev) => { const v = ev.currentTarget.value; update((d) => { d.medicines = v; }); }} />
          </div>
          <div class="field">
            <label for="plan-contacts">{t.planContacts}</label>
            <textarea id="plan-contacts" rows={3} value={form.contacts} onInput={(ev) => { const v = ev.currentTarget.value; update((d) => { d.contacts = v; }); }} />
          </div>
          <div role="alert" class="form-alert">
            {formError.map((m) => (
              <p key={textOf(m, t)} class="notice notice-error">
                {textOf(m, t)}
              </p>
            ))}
          </div>
          <div class="actions">
            <button type="button" class="button button-secondary" onClick={showPreview}>
              {t.pePreviewButton}
            </button>
          </div>
          {preview && (
            <section class="plan-review" aria-labelledby="plan-preview-heading">
              <h4 id="plan-preview-heading" tabIndex={-1}>
                {t.pePreviewHeading}
              </h4>
              <PlanDiff current={currentDef} currentVersion={current?.version ?? null} next={preview} itemNames={itemNames} />
              <PlanPreview plan={preview} itemNames={itemNames} />
            </section>
          )}
          <div class="actions">
            <button type="submit" class="button button-primary" aria-busy={busy}>
              {busy ? t.saving : t.planSaveDraft}
            </button>
            <button type="button" class="button button-secondary" onClick={onCancel}>
              {t.cancel}
            </button>
          </div>
        </form>
      )}
      {!form && (
        <div class="actions">
          <button type="button" class="button button-secondary" onClick={onCancel}>
            {t.cancel}
          </button>
        </div>
      )}
    </section>
  );
}

/** Error keys in the order their fields appear on the page (DOM order), so focus goes to the first. */
function firstInPage(keys: string[]): string | undefined {
  let best: { k: string; el: Element } | null = null;
  for (const k of keys) {
    const el = document.getElementById(fieldId(k));
    if (!el) continue;
    if (!best || best.el.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING) best = { k, el };
  }
  return best?.k ?? keys[0];
}

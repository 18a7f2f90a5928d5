import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
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
      const saved = await call('POST /api/patients/:id/plans', { params: { id: patientId }, body: { definition: plan } });
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

  const textArea = (k: string, label: ComponentChildren, l: Lang, rows: number, value: string, onInput: (v: string) => void) => (
    <div key={k} class={fieldClass(k)}>
      <label for={fieldId(k)}>
        {label} ({LANGUAGE_NAMES[l]})
      </label>
      <textarea {...fieldProps(k)} rows={rows} lang={l} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
      {err(k)}
    </div>
  );

  /** A select that cannot be wrong (every option is valid), so it has no error line. */
  const selectField = <V extends string>(k: string, label: string, value: V, options: readonly (readonly [V, string])[], onChange: (v: V) => void) => (
    <div class="field">
      <label for={fieldId(k)}>{label}</label>
      <select id={fieldId(k)} value={value} onChange={(e) => onChange(e.currentTarget.value as V)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );

  const checkbox = (id: string, label: ComponentChildren, checked: boolean, onChange: (on: boolean) => void, opts: { key?: string | number; disabled?: boolean } = {}) => (
    <label key={opts.key} class="choice" for={id}>
      <input type="checkbox" id={id} checked={checked} disabled={opts.disabled} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span>{label}</span>
    </label>
  );

  /**
   * Checkboxes choosing some of `options` (weekdays, questionnaire items, measures). The first box
   * has the group's field id, so an error on the group focuses it; the others `${k}.${idAt(n)}`.
   * `set` gets a change to apply to the draft's list, not a new list, so quick clicks add up.
   */
  const checkGroup = <V extends string | number>(
    k: string,
    cls: { group: string; list: string },
    legend: string,
    options: readonly { value: V; label: ComponentChildren }[],
    chosen: readonly V[],
    idAt: (n: number) => string,
    set: (change: (list: V[]) => V[]) => void,
  ) => (
    <fieldset class={cls.group} aria-describedby={`${fieldId(k)}-error`}>
      <legend>{legend}</legend>
      <div class={cls.list}>
        {options.map((o, n) =>
          checkbox(n === 0 ? fieldId(k) : fieldId(`${k}.${idAt(n)}`), o.label, chosen.includes(o.value), (on) => set((list) => (on ? [...list, o.value] : list.filter((y) => y !== o.value))), { key: o.value }),
        )}
      </div>
      {err(k)}
    </fieldset>
  );

  /** A list of rules (single answers, trends, combined) with its hint and the button that adds one. */
  const ruleList = (legend: string, hint: string, showEmpty: boolean, rules: ComponentChildren, add: { label: string; onClick: () => void; disabled?: boolean }) => (
    <fieldset class="stack rule-list">
      <legend>{legend}</legend>
      <p class="hint">{hint}</p>
      {showEmpty && <p>{t.peNoRules}</p>}
      {rules}
      <button type="button" class="button button-secondary" disabled={add.disabled} onClick={add.onClick}>
        {add.label}
      </button>
    </fieldset>
  );

  /** One rule of a list: its own fields, then its advice and the button that removes it. */
  const ruleBox = (n: number, r: { id: string; advice: RuleAdviceForm }, k: string, setAdvice: (f: (a: RuleAdviceForm) => void) => void, remove: () => void, fields: ComponentChildren) => (
    <fieldset key={n} class="rule">
      <legend>{t.peRuleN(n + 1, r.id || '–')}</legend>
      {fields}
      {adviceFields(`${k}.actions`, r.id || String(n + 1), r.advice, setAdvice)}
      <button type="button" class="button button-secondary" onClick={remove}>
        {t.peRemoveRule(r.id || String(n + 1))}
      </button>
    </fieldset>
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
      {checkbox(fieldId(`${k}-on`), t.peRuleAdviceOn(name), a.on, (on) => set((x) => { x.on = on; }))}
      {a.on && <div class="advice-grid">{LANGS.map((l) => textArea(`${k}.${l}`, t.peRuleAdvice, l, 2, a.text[l], (v) => set((x) => { x.text[l] = v; })))}</div>}
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
          {selectField(`${k}.kind`, t.peScheduleKind, s.kind, [['daily', t.peDaily], ['weekly', t.peWeekly], ['as_needed', t.scheduleAsNeeded]], (v) => set((x) => { x.kind = v; }))}
          {s.kind !== 'as_needed' && textInput(`${k}.dueBy`, t.peDueBy, s.dueBy, (v) => set((x) => { x.dueBy = v; }), { size: 6, inputMode: 'numeric' })}
          {s.kind !== 'as_needed' && textInput(`${k}.graceMinutes`, t.peGrace, s.grace, (v) => set((x) => { x.grace = v; }), { size: 6, inputMode: 'numeric' })}
        </div>
        {s.kind === 'weekly' &&
          checkGroup(
            `${k}.weekdays`,
            { group: `weekday-choice${errors[`${k}.weekdays`] ? ' has-error' : ''}`, list: 'choice-list choice-row' },
            t.peWeekdays,
            t.weekdayShort.map((dayName, d0) => ({ value: d0 + 1, label: dayName })),
            s.weekdays,
            (n) => String(n + 1),
            (change) => set((x) => { x.weekdays = change(x.weekdays); }),
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
            {checkbox(fieldId(key.entry(g, i, 'remeasure')), t.peRemeasureOn, e.remeasure.on, (on) => update((d) => { d[g][i]!.remeasure.on = on; }))}
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
    return textArea(k, label, l, 3, e.actions[z][l], (v) => update((d) => { d[g][i]!.actions[z][l] = v; }));
  };

  const itemRulesEditor = (i: number, e: EntryForm, qdef: QuestionnaireDef | undefined) => {
    const name = measureName(e.code, lang);
    const setRule = (j: number, f: (r: EntryForm['itemRules'][number]) => void) => update((d) => f(d.questionnaires[i]!.itemRules[j]!));
    const rules = e.itemRules.map((r, j) => {
      const k = (...rest: string[]) => key.entry('questionnaires', i, 'itemRules', j, ...rest);
      return ruleBox(j, r, k(), (f) => setRule(j, (x) => f(x.advice)), () => update((d) => { const q = d.questionnaires[i]!; q.itemRules = q.itemRules.filter((_x, n) => n !== j); }), (
        <>
          <div class="inline-fields">
            {selectField(k('kind'), t.peRuleKind, r.kind, [['answer', t.peItemAnswer], ['count', t.peItemCount]], (v) => setRule(j, (x) => { x.kind = v; }))}
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
          {r.kind === 'count' &&
            checkGroup(
              k('items'),
              { group: fieldClass(k('items')), list: 'choice-list item-choice' },
              t.peItemsAmong,
              (qdef?.items ?? []).map((it, n) => ({ value: it.id, label: <>{n + 1}. {localized(it.text, lang)}</> })),
              r.items,
              String,
              (change) => setRule(j, (x) => { x.items = change(x.items); }),
            )}
        </>
      ));
    });
    return ruleList(t.peItemRulesLegend(name), t.peItemRulesHint, false, rules, {
      label: t.peAddItemRule(name),
      onClick: () => update((d) => { d.questionnaires[i]!.itemRules.push({ kind: 'answer', id: `${e.code}-item-${e.itemRules.length + 1}`, item: '', items: [], atLeast: '1', count: '2', zone: 'yellow', advice: emptyAdvice() }); }),
    });
  };

  const trendEditor = (f: PlanForm) => {
    const codes = [...f.measures, ...f.questionnaires].map((e) => e.code);
    const setRule = (i: number, fn: (r: TrendForm) => void) => update((d) => fn(d.trendRules[i]!));
    const rules = f.trendRules.map((r, i) => {
      const k = (...rest: string[]) => key.trend(i, ...rest);
      return ruleBox(i, r, k(), (fn) => setRule(i, (x) => fn(x.advice)), () => update((d) => { d.trendRules = d.trendRules.filter((_x, n) => n !== i); }), (
        <>
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
            {selectField(k('kind'), t.peDirection, r.kind, [['rise', t.peRise], ['fall', t.peFall]], (v) => setRule(i, (x) => { x.kind = v; }))}
            {textInput(k('amount'), t.peAmount, r.amount, (v) => setRule(i, (x) => { x.amount = v; }), { inputMode: 'decimal', size: 6 })}
            {textInput(k('windowDays'), t.peWindowDays, r.windowDays, (v) => setRule(i, (x) => { x.windowDays = v; }), { inputMode: 'numeric', size: 4 })}
            {textInput(k('baseline'), <>{t.peBaseline} <span class="optional">({t.optional})</span></>, r.baseline, (v) => setRule(i, (x) => { x.baseline = v; }), { inputMode: 'decimal', size: 6 })}
            {selectField(k('reference'), t.peReference, r.reference, [['extreme', t.peReferenceExtreme], ['median', t.peReferenceMedian]], (v) => setRule(i, (x) => { x.reference = v; }))}
            {zoneSelect(k('zone'), r.zone, (z) => setRule(i, (x) => { x.zone = z; }))}
          </div>
          {checkbox(fieldId(k('inclusive')), t.peInclusive, r.inclusive, (on) => setRule(i, (x) => { x.inclusive = on; }))}
        </>
      ));
    });
    return ruleList(t.peTrendRules, t.peTrendHint, f.trendRules.length === 0, rules, {
      label: t.peAddTrend,
      disabled: codes.length === 0,
      onClick: () => update((d) => { d.trendRules.push({ id: `trend-${d.trendRules.length + 1}`, code: codes[0] ?? 'weight', kind: 'rise', amount: '', inclusive: false, windowDays: '3', baseline: '', reference: 'extreme', zone: 'yellow', advice: emptyAdvice() }); }),
    });
  };

  const combinedEditor = (f: PlanForm) => {
    const measureCodes = f.measures.map((e) => e.code);
    const setRule = (i: number, fn: (r: CombinedForm) => void) => update((d) => fn(d.combinedRules[i]!));
    const rules = f.combinedRules.map((r, i) => {
      const k = (...rest: string[]) => key.combined(i, ...rest);
      return ruleBox(i, r, k(), (fn) => setRule(i, (x) => fn(x.advice)), () => update((d) => { d.combinedRules = d.combinedRules.filter((_x, n) => n !== i); }), (
        <>
          <div class="inline-fields">
            {selectField(k('kind'), t.peRuleKind, r.kind, [['sitting', t.peSitting], ['consecutive_days', t.peConsecutive]], (v) => setRule(i, (x) => { x.kind = v; }))}
            {textInput(k('id'), t.peRuleId, r.id, (v) => setRule(i, (x) => { x.id = v.trim(); }), { size: 16 })}
            {r.kind === 'sitting'
              ? textInput(k('minYellow'), t.peMinYellow, r.minYellow, (v) => setRule(i, (x) => { x.minYellow = v; }), { inputMode: 'numeric', size: 4 })
              : textInput(k('days'), t.peDays, r.days, (v) => setRule(i, (x) => { x.days = v; }), { inputMode: 'numeric', size: 4 })}
            {zoneSelect(k('zone'), r.zone, (z) => setRule(i, (x) => { x.zone = z; }))}
          </div>
          {checkGroup(
            k('codes'),
            { group: fieldClass(k('codes')), list: 'choice-list choice-row' },
            t.peCodesAmong,
            measureCodes.map((c) => ({ value: c, label: measureName(c, lang) })),
            r.codes,
            String,
            (change) => setRule(i, (x) => { x.codes = change(x.codes); }),
          )}
        </>
      ));
    });
    return ruleList(t.peCombinedRules, t.peCombinedHint, f.combinedRules.length === 0, rules, {
      label: t.peAddCombined,
      onClick: () => update((d) => { d.combinedRules.push({ kind: 'sitting', id: `combined-${d.combinedRules.length + 1}`, minYellow: '2', days: '3', codes: [], zone: 'red', advice: emptyAdvice() }); }),
    });
  };

  const news2Editor = (f: PlanForm) => {
    const n = f.news2;
    const k = 'definition.news2.scale';
    const set = (fn: (x: PlanForm['news2']) => void) => update((d) => fn(d.news2));
    return (
      <fieldset class="stack news2-settings">
        <legend>NEWS2</legend>
        {checkbox(fieldId('definition.news2.enabled'), t.peNews2Enabled, n.enabled, (on) => set((x) => { x.enabled = on; }))}
        {checkbox(fieldId('definition.news2.hypercapnicFailureConfirmed'), t.peHypercapnic, n.hypercapnic, (on) => set((x) => { x.hypercapnic = on; if (!on) x.scale = 1; }))}
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
        {checkbox(fieldId('definition.news2.longTermOxygen'), t.peLtot, n.ltot, (on) => set((x) => { x.ltot = on; }))}
        <p class="hint">{t.peLtotHint}</p>
      </fieldset>
    );
  };

  /** Choose a measure or questionnaire the plan does not have yet, and add it with empty fields. */
  const addEntry = (g: Group, id: string, label: string, unused: readonly string[], chosen: string, setChosen: (code: string) => void) =>
    unused.length > 0 && (
      <div class="inline-fields add-entry">
        <div class="field">
          <label for={id}>{label}</label>
          <select id={id} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
            <option value="">{t.peChoose}</option>
            {unused.map((c) => (
              <option key={c} value={c}>
                {measureName(c, lang)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="button button-secondary" disabled={!chosen} onClick={() => { update((d) => { d[g].push(newEntry(chosen)); }); setChosen(''); }}>
          {t.peAdd}
        </button>
      </div>
    );

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
          {addEntry('measures', ids.addMeasure, t.peAddMeasure, unusedMeasures, addMeasure, setAddMeasure)}
          <h4>{t.peQuestionnairesHeading}</h4>
          {form.questionnaires.map((q, i) => entryEditor('questionnaires', q, i))}
          {addEntry('questionnaires', ids.addQ, t.peAddQuestionnaire, unusedQuestionnaires, addQuestionnaire, setAddQuestionnaire)}
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

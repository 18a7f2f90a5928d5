import { useId, useState } from 'preact/hooks';
import { api } from '../shared/api.js';
import { Async, errorKey, FieldError } from '../shared/components.js';
import { parseDecimal } from '../shared/format.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { LANGS, LANGUAGE_NAMES, localized, msg, raw, textOf, useI18n, type Lang, type Text } from '../shared/i18n.js';
import { measureName } from '../shared/measures.js';
import { scheduleText } from '../shared/plan.js';
import type { PlanDefinition, PlanEntry, PlanVersion, Template, Thresholds, Zone } from '../shared/types.js';

type Group = 'measures' | 'questionnaires';
const GROUPS: readonly Group[] = ['measures', 'questionnaires'];
const LIMIT_KEYS = ['redBelow', 'yellowBelow', 'yellowAbove', 'redAbove'] as const;
type LimitKey = (typeof LIMIT_KEYS)[number];
const ZONES: readonly Zone[] = ['green', 'yellow', 'red'];

/** Field keys follow the server's error paths ("definition.measures.0.thresholds.redBelow"). */
const limitKey = (g: Group, i: number, k: LimitKey) => `definition.${g}.${i}.thresholds.${k}`;
const actionKey = (g: Group, i: number, z: Zone, l: Lang) => `definition.${g}.${i}.actions.${z}.${l}`;
export const fieldId = (key: string) => `plan-${key.replace(/[^a-zA-Z0-9]+/g, '-')}`;

function limitStrings(def: PlanDefinition, lang: Lang): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of GROUPS) {
    def[g].forEach((e, i) => {
      for (const k of LIMIT_KEYS) {
        const v = e.thresholds[k];
        out[limitKey(g, i, k)] = v === undefined ? '' : lang === 'en' ? String(v) : String(v).replace('.', ',');
      }
    });
  }
  return out;
}

/**
 * The GP's plan editor: start from the plan in force or from diagnosis templates, adjust each
 * measure's limits and the advice the patient sees in each zone, and save a new draft version.
 * The draft is put in force with "Godkjenn" (GP only) in the version list.
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
  const templates = useAsync(() => api.get<{ templates: Template[] }>('/api/templates'), []);
  const [source, setSource] = useState<'current' | 'templates'>(current ? 'current' : 'templates');
  const [chosen, setChosen] = useState<string[]>([]);
  const [draft, setDraft] = useState<PlanDefinition | null>(current ? structuredClone(current.definition) : null);
  const [limits, setLimits] = useState<Record<string, string>>(() => (current ? limitStrings(current.definition, lang) : {}));
  const [errors, setErrors] = useState<Record<string, Text>>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState<string | null>(null);
  const ids = { source: useId(), templates: useId(), templateError: useId() };

  const load = (def: PlanDefinition): void => {
    setDraft(structuredClone(def));
    setLimits(limitStrings(def, lang));
    setErrors({});
    setFormError([]);
  };

  const focus = (key: string): void => {
    const el = document.getElementById(fieldId(key));
    if (!el) return;
    // Action texts in nynorsk/English live in a closed <details>; open it first.
    const details = el.closest('details');
    if (details && !details.open) details.open = true;
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
      const r = await api.get<{ definition: PlanDefinition }>(`/api/templates/plan?codes=${chosen.map(encodeURIComponent).join(',')}`);
      load(r.definition);
      setLoaded(t.planTemplatesLoaded);
    } catch (err) {
      setFormError([msg(errorKey(toApiError(err)))]);
    } finally {
      setBusy(false);
    }
  };

  const setAction = (g: Group, i: number, z: Zone, l: Lang, value: string): void => {
    setDraft((d) => {
      if (!d) return d;
      const next = structuredClone(d);
      const entry = next[g][i];
      if (entry) entry.actions[z] = { ...entry.actions[z], [l]: value };
      return next;
    });
  };

  /** Parses and checks the form; returns the plan or the errors by field key. */
  const build = (d: PlanDefinition): { plan: PlanDefinition | null; errs: Record<string, Text> } => {
    const errs: Record<string, Text> = {};
    const plan = structuredClone(d);
    for (const g of GROUPS) {
      plan[g].forEach((entry, i) => {
        const th: Thresholds = {};
        let prev: { key: LimitKey; value: number } | null = null;
        for (const k of LIMIT_KEYS) {
          const rawValue = (limits[limitKey(g, i, k)] ?? '').trim();
          if (rawValue === '') continue;
          const v = parseDecimal(rawValue);
          if (v === null) {
            errs[limitKey(g, i, k)] = msg('errNotNumber');
            continue;
          }
          if (prev && !(prev.value < v)) errs[limitKey(g, i, k)] = raw(t.errLimitOrder(limitLabel(k), limitLabel(prev.key)));
          th[k] = v;
          prev = { key: k, value: v };
        }
        entry.thresholds = th;
        for (const z of ZONES) for (const l of LANGS) if (!entry.actions[z][l]?.trim()) errs[actionKey(g, i, z, l)] = msg('errAdviceRequired');
      });
    }
    return { plan: Object.keys(errs).length === 0 ? plan : null, errs };
  };

  const limitLabel = (k: LimitKey): string =>
    ({ redBelow: t.limitRedBelowLabel, yellowBelow: t.limitYellowBelowLabel, yellowAbove: t.limitYellowAboveLabel, redAbove: t.limitRedAboveLabel })[k];

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!draft || busy) return;
    const { plan, errs } = build(draft);
    setErrors(errs);
    setFormError([]);
    if (!plan) {
      setFormError([msg('errFormSummaryPlan')]);
      const first = Object.keys(errs)[0];
      if (first) focus(first);
      return;
    }
    setBusy(true);
    try {
      const saved = await api.post<PlanVersion>(`/api/patients/${encodeURIComponent(patientId)}/plans`, { definition: plan });
      onSaved(saved);
    } catch (err) {
      const apiError = toApiError(err);
      const byKey: Record<string, Text> = {};
      for (const [k, m] of Object.entries(apiError.fields)) byKey[k] = raw(m);
      setErrors(byKey);
      setFormError([apiError.message ? raw(apiError.message) : msg(errorKey(apiError))]);
      const first = Object.keys(byKey)[0];
      if (first) focus(first);
    } finally {
      setBusy(false);
    }
  };

  const entryEditor = (g: Group, entry: PlanEntry, i: number) => {
    const name = measureName(entry.code, lang);
    return (
      <fieldset key={`${g}-${entry.code}`} class="plan-entry">
        <legend>{name}</legend>
        <p class="hint">{scheduleText(entry.schedule, t)}</p>
        <div class="limit-grid">
          {LIMIT_KEYS.map((k) => {
            const key = limitKey(g, i, k);
            const id = fieldId(key);
            return (
              <div key={k} class={`field limit-field limit-${k}${errors[key] ? ' has-error' : ''}`}>
                <label for={id}>{limitLabel(k)}</label>
                <input
                  id={id}
                  type="text"
                  inputMode="decimal"
                  autoComplete="off"
                  value={limits[key] ?? ''}
                  aria-invalid={errors[key] ? true : undefined}
                  aria-describedby={`${id}-error`}
                  onInput={(ev) => {
                    const value = ev.currentTarget.value;
                    setLimits((m) => ({ ...m, [key]: value }));
                  }}
                />
                <FieldError id={`${id}-error`} message={errors[key] && textOf(errors[key], t)} />
              </div>
            );
          })}
        </div>
        <div class="advice-grid">{ZONES.map((z) => adviceField(g, i, entry, z, 'nb'))}</div>
        <details class="other-languages">
          <summary>{t.planOtherLanguages(name)}</summary>
          <div class="advice-grid">
            {(['nn', 'en'] as Lang[]).flatMap((l) => ZONES.map((z) => adviceField(g, i, entry, z, l)))}
          </div>
        </details>
      </fieldset>
    );
  };

  const adviceField = (g: Group, i: number, entry: PlanEntry, z: Zone, l: Lang) => {
    const key = actionKey(g, i, z, l);
    const id = fieldId(key);
    const label = { green: t.adviceGreen, yellow: t.adviceYellow, red: t.adviceRed }[z];
    return (
      <div key={key} class={`field${errors[key] ? ' has-error' : ''}`}>
        <label for={id}>
          {label} ({LANGUAGE_NAMES[l]})
        </label>
        <textarea
          id={id}
          rows={3}
          lang={l}
          value={entry.actions[z][l] ?? ''}
          aria-invalid={errors[key] ? true : undefined}
          aria-describedby={`${id}-error`}
          onInput={(ev) => setAction(g, i, z, l, ev.currentTarget.value)}
        />
        <FieldError id={`${id}-error`} message={errors[key] && textOf(errors[key], t)} />
      </div>
    );
  };

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
                if (current) load(current.definition);
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
      {draft && (
        <form class="stack" onSubmit={(e) => void save(e)} noValidate>
          <p class="hint">{t.planLimitsHint}</p>
          {draft.measures.map((m, i) => entryEditor('measures', m, i))}
          {draft.questionnaires.map((q, i) => entryEditor('questionnaires', q, i))}
          <div class="field">
            <label for="plan-medicines">{t.planMedicines}</label>
            <textarea id="plan-medicines" rows={3} value={draft.medicines} onInput={(ev) => setDraft({ ...draft, medicines: ev.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="plan-contacts">{t.planContacts}</label>
            <textarea id="plan-contacts" rows={3} value={draft.contacts} onInput={(ev) => setDraft({ ...draft, contacts: ev.currentTarget.value })} />
          </div>
          <div role="alert" class="form-alert">
            {formError.map((m) => (
              <p key={textOf(m, t)} class="notice notice-error">
                {textOf(m, t)}
              </p>
            ))}
          </div>
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
      {!draft && (
        <div class="actions">
          <button type="button" class="button button-secondary" onClick={onCancel}>
            {t.cancel}
          </button>
        </div>
      )}
    </section>
  );
}

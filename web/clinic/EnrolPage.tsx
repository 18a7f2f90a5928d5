import { useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async, errorKey, FieldError } from '../shared/components.js';
import { toApiError, useAsync, useDocumentTitle } from '../shared/hooks.js';
import { LANGS, LANGUAGE_NAMES, localized, msg, raw, textOf, useI18n, type Lang, type Text } from '../shared/i18n.js';
import type { EnrolBody } from '../../src/api/patients.js';

interface Diagnosis {
  system: 'ICPC-2' | 'ICD-10';
  code: string;
  display: string;
  template: string;
}

interface Form {
  identifier: string;
  name: string;
  phone: string;
  lang: Lang;
  diagnoses: string[];
  riskLevel: '' | 'medium' | 'high';
  followUp: string;
  hospital: string;
  // Codes as GET /api/templates lists them (a plain string there, an enum in EnrolBody).
  templates: string[];
  consent: boolean;
}

const EMPTY: Form = { identifier: '', name: '', phone: '', lang: 'nb', diagnoses: [], riskLevel: '', followUp: '', hospital: '', templates: [], consent: false };
const FIELD_ORDER = ['identifier', 'name', 'phone', 'diagnoses', 'riskLevel', 'followUpOrganisationId', 'templates', 'consent'] as const;

/** The GP enrols a patient: identity, diagnoses, consent, follow-up service, and a first plan draft from templates. */
export function EnrolPage() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.enrolHeading));
  const data = useAsync(
    async () => {
      const [orgs, templates] = await Promise.all([
        call('GET /api/organisations'),
        call('GET /api/templates'),
      ]);
      return { organisations: orgs.organisations, templates: templates.templates };
    },
    [],
  );
  const [form, setForm] = useState<Form>(EMPTY);
  const [errors, setErrors] = useState<Record<string, Text>>({});
  const [formError, setFormError] = useState<Text | null>(null);
  const [busy, setBusy] = useState(false);
  const base = useId();
  const id = (f: string) => `${base}-${f}`;

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const focus = (field: string): void => {
    const el = document.getElementById(id(field)) ?? document.querySelector<HTMLElement>(`[data-field="${field}"] input`);
    el?.focus();
  };

  const submit = async (e: Event, diagnoses: Diagnosis[]): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const errs: Record<string, Text> = {};
    if (!/^\d{11}$/.test(form.identifier.replace(/\s/g, ''))) errs.identifier = msg('errIdentifier');
    if (form.name.trim().length < 2) errs.name = msg('errNameRequired');
    if (form.phone.trim() && !/^\+?[0-9 ]{8,15}$/.test(form.phone.trim())) errs.phone = msg('errPhone');
    if (form.diagnoses.length === 0) errs.diagnoses = msg('errDiagnosisRequired');
    if (!form.riskLevel) errs.riskLevel = msg('errRiskRequired');
    if (!form.followUp) errs.followUpOrganisationId = msg('errFollowUpRequired');
    if (!form.consent) errs.consent = msg('errConsentRequired');
    setErrors(errs);
    setFormError(null);
    const first = FIELD_ORDER.find((f) => errs[f]);
    const riskLevel = form.riskLevel;
    if (first || !riskLevel) {
      if (first) focus(first);
      return;
    }
    setBusy(true);
    try {
      const chosen = diagnoses.filter((d) => form.diagnoses.includes(d.code)).map(({ system, code, display }) => ({ system, code, display }));
      const r = await call('POST /api/patients', { body: {
        identifier: form.identifier.replace(/\s/g, ''), name: form.name.trim(), ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
        lang: form.lang, diagnoses: chosen, riskLevel, consent: true, followUpOrganisationId: form.followUp,
        ...(form.hospital ? { hospitalOrganisationId: form.hospital } : {}), ...(form.templates.length > 0 ? { templates: form.templates as NonNullable<EnrolBody['templates']> } : {}),
      } });
      window.location.hash = `#/pasient/${encodeURIComponent(r.patientId)}`;
    } catch (err) {
      const apiError = toApiError(err);
      const byField: Record<string, Text> = {};
      for (const [k, m] of Object.entries(apiError.fields)) byField[k.split('.')[0]!] ??= raw(m);
      setErrors(byField);
      setFormError(apiError.status === 409 ? raw(apiError.message) : Object.keys(byField).length > 0 ? msg('errFormSummaryEnrol') : msg(errorKey(apiError)));
      const f = FIELD_ORDER.find((x) => byField[x]);
      if (f) focus(f);
    } finally {
      setBusy(false);
    }
  };

  const text = (field: 'identifier' | 'name' | 'phone', label: string, hint?: string, inputMode?: 'numeric' | 'tel') => (
    <div class={`field${errors[field] ? ' has-error' : ''}`}>
      <label for={id(field)}>{label}</label>
      {hint && (
        <p class="hint" id={id(`${field}-hint`)}>
          {hint}
        </p>
      )}
      <input
        id={id(field)}
        type="text"
        inputMode={inputMode}
        autoComplete="off"
        value={form[field]}
        aria-invalid={errors[field] ? true : undefined}
        aria-describedby={`${hint ? `${id(`${field}-hint`)} ` : ''}${id(`${field}-error`)}`}
        onInput={(e) => set(field, e.currentTarget.value)}
      />
      <FieldError id={id(`${field}-error`)} message={errors[field] && textOf(errors[field], t)} />
    </div>
  );

  return (
    <>
      <h1>{t.enrolHeading}</h1>
      <p class="intro">{t.enrolIntro}</p>
      <Async state={data}>
        {({ organisations, templates }) => {
          const diagnoses: Diagnosis[] = templates.flatMap((tpl) => tpl.diagnoses.filter((d) => d.system === 'ICPC-2').map((d) => ({ ...d, template: tpl.code })));
          const municipalities = organisations.filter((o) => o.kind === 'municipality');
          const hospitals = organisations.filter((o) => o.kind === 'hospital');
          return (
            <form class="stack enrol-form" onSubmit={(e) => void submit(e, diagnoses)} noValidate>
              {text('identifier', t.enrolIdentifier, t.enrolIdentifierHint, 'numeric')}
              {text('name', t.enrolName)}
              {text('phone', `${t.enrolPhone} (${t.optional})`, undefined, 'tel')}
              <div class="field">
                <label for={id('lang')}>{t.enrolLanguage}</label>
                <select id={id('lang')} value={form.lang} onChange={(e) => set('lang', e.currentTarget.value as Lang)}>
                  {LANGS.map((l) => (
                    <option key={l} value={l}>
                      {LANGUAGE_NAMES[l]}
                    </option>
                  ))}
                </select>
              </div>
              <fieldset class={`stack${errors.diagnoses ? ' has-error' : ''}`} data-field="diagnoses" aria-describedby={id('diagnoses-error')}>
                <legend>{t.enrolDiagnoses}</legend>
                <div class="choice-list">
                  {diagnoses.map((d) => (
                    <label key={d.code} class="choice" for={id(`dx-${d.code}`)}>
                      <input
                        type="checkbox"
                        id={id(`dx-${d.code}`)}
                        checked={form.diagnoses.includes(d.code)}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setForm((f) => ({
                            ...f,
                            diagnoses: on ? [...f.diagnoses, d.code] : f.diagnoses.filter((x) => x !== d.code),
                            // A chosen diagnosis suggests its template for the first plan.
                            templates: on && !f.templates.includes(d.template) ? [...f.templates, d.template] : f.templates,
                          }));
                        }}
                      />
                      <span>
                        {d.code} {d.display}
                      </span>
                    </label>
                  ))}
                </div>
                <FieldError id={id('diagnoses-error')} message={errors.diagnoses && textOf(errors.diagnoses, t)} />
              </fieldset>
              <fieldset class={`stack${errors.riskLevel ? ' has-error' : ''}`} data-field="riskLevel" aria-describedby={id('riskLevel-error')}>
                <legend>{t.episodeRisk}</legend>
                <div class="choice-list choice-row">
                  {(['medium', 'high'] as const).map((r) => (
                    <label key={r} class="choice" for={id(`risk-${r}`)}>
                      <input type="radio" id={id(`risk-${r}`)} name={id('risk')} checked={form.riskLevel === r} onChange={() => set('riskLevel', r)} />
                      <span>{r === 'medium' ? t.riskMedium : t.riskHigh}</span>
                    </label>
                  ))}
                </div>
                <FieldError id={id('riskLevel-error')} message={errors.riskLevel && textOf(errors.riskLevel, t)} />
              </fieldset>
              <div class={`field${errors.followUpOrganisationId ? ' has-error' : ''}`}>
                <label for={id('followUpOrganisationId')}>{t.enrolFollowUp}</label>
                <select
                  id={id('followUpOrganisationId')}
                  value={form.followUp}
                  aria-invalid={errors.followUpOrganisationId ? true : undefined}
                  aria-describedby={id('followUpOrganisationId-error')}
                  onChange={(e) => set('followUp', e.currentTarget.value)}
                >
                  <option value="">{t.enrolChooseMunicipality}</option>
                  {municipalities.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
                <FieldError id={id('followUpOrganisationId-error')} message={errors.followUpOrganisationId && textOf(errors.followUpOrganisationId, t)} />
              </div>
              <div class="field">
                <label for={id('hospital')}>
                  {t.enrolHospital} ({t.optional})
                </label>
                <select id={id('hospital')} value={form.hospital} onChange={(e) => set('hospital', e.currentTarget.value)}>
                  <option value="">{t.enrolNoHospital}</option>
                  {hospitals.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </div>
              <fieldset class="stack" data-field="templates">
                <legend>{t.enrolTemplates}</legend>
                <p class="hint">{t.enrolTemplatesHint}</p>
                <div class="choice-list">
                  {templates.map((tpl) => (
                    <label key={tpl.code} class="choice" for={id(`tpl-${tpl.code}`)}>
                      <input
                        type="checkbox"
                        id={id(`tpl-${tpl.code}`)}
                        checked={form.templates.includes(tpl.code)}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setForm((f) => ({ ...f, templates: on ? [...f.templates, tpl.code] : f.templates.filter((x) => x !== tpl.code) }));
                        }}
                      />
                      <span>{localized(tpl.title, lang)}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <div class={`field${errors.consent ? ' has-error' : ''}`}>
                <label class="choice" for={id('consent')}>
                  <input
                    type="checkbox"
                    id={id('consent')}
                    checked={form.consent}
                    aria-invalid={errors.consent ? true : undefined}
                    aria-describedby={id('consent-error')}
                    onChange={(e) => set('consent', e.currentTarget.checked)}
                  />
                  <span>{t.enrolConsent}</span>
                </label>
                <FieldError id={id('consent-error')} message={errors.consent && textOf(errors.consent, t)} />
              </div>
              <div role="alert" class="form-alert">
                {formError && <p class="notice notice-error">{textOf(formError, t)}</p>}
              </div>
              <button type="submit" class="button button-primary button-large" aria-busy={busy}>
                {busy ? t.saving : t.enrolSubmit}
              </button>
            </form>
          );
        }}
      </Async>
    </>
  );
}

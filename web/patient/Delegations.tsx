import { useId, useState } from 'preact/hooks';
import type { Delegation } from '../../src/api/delegation.js';
import { call } from '../shared/api.js';
import { Async, DateTime, errorKey, FieldError } from '../shared/components.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { msg, raw, textOf, useI18n, type Text } from '../shared/i18n.js';
import { measureName } from '../shared/measures.js';

/**
 * "Who may register for me" (issue 12): the patient lets a named relative enter readings on their
 * behalf, identified by the relative's own fødselsnummer (their own BankID login), and takes it
 * back at any time. Grants and revocations are in the access log like everything else.
 */
export function Delegations() {
  const { t } = useI18n();
  const id = useId();
  const list = useAsync(() => call('GET /api/me/delegations'), []);
  const [form, setForm] = useState({ name: '', identifier: '', relation: '' });
  const [errors, setErrors] = useState<{ name?: Text; identifier?: Text }>({});
  const [formError, setFormError] = useState<Text | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const grant = async (e: Event) => {
    e.preventDefault();
    if (saving) return;
    const errs: { name?: Text; identifier?: Text } = {};
    if (form.name.trim().length < 2) errs.name = msg('delegNameRequired');
    if (!/^\d{11}$/.test(form.identifier.replace(/\s/g, ''))) errs.identifier = msg('delegIdentifierInvalid');
    setErrors(errs);
    setFormError(null);
    setStatus(null);
    if (errs.name || errs.identifier) {
      document.getElementById(`${id}-${errs.name ? 'name' : 'identifier'}`)?.focus();
      return;
    }
    setSaving(true);
    try {
      await call('POST /api/me/delegations', { body: { name: form.name.trim(), identifier: form.identifier.replace(/\s/g, ''), ...(form.relation.trim() ? { relation: form.relation.trim() } : {}) } });
      setStatus(t.delegGranted(form.name.trim()));
      setForm({ name: '', identifier: '', relation: '' });
      list.reload();
    } catch (err) {
      const apiError = toApiError(err);
      const fields = apiError.fields;
      const next: { name?: Text; identifier?: Text } = {};
      if (fields['name']) next.name = raw(fields['name']);
      if (fields['identifier']) next.identifier = apiError.status === 400 && /own/i.test(fields['identifier']) ? msg('delegOwnNumber') : msg('delegIdentifierInvalid');
      setErrors(next);
      if (!next.name && !next.identifier) setFormError(apiError.status === 409 ? msg('delegAlready') : msg(errorKey(apiError)));
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (d: Delegation) => {
    if (!window.confirm(t.delegRevokeConfirm(d.name))) return;
    setStatus(null);
    try {
      await call('POST /api/me/delegations/revoke', { body: { id: d.id } });
      setStatus(t.delegRevoked(d.name));
      list.reload();
    } catch (err) {
      setFormError(msg(errorKey(toApiError(err))));
    }
  };

  return (
    <section class="card delegations" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t.delegHeading}</h2>
      <p>{t.delegIntro}</p>
      <p role="status" class="status-text">
        {status}
      </p>
      <Async state={list}>
        {(data) => {
          const running = data.delegations.filter((d) => !d.revokedAt);
          return running.length === 0 ? (
            <p>{t.delegNone}</p>
          ) : (
            <ul class="delegation-list">
              {running.map((d) => (
                <li key={d.id}>
                  <strong>{d.name}</strong>
                  {d.relation && <> ({d.relation})</>} · {t.delegSince} <DateTime iso={d.grantedAt} />{' '}
                  <button type="button" class="button button-secondary" onClick={() => void revoke(d)}>
                    {t.delegRevoke}
                    <span class="visually-hidden"> {d.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          );
        }}
      </Async>
      <form class="stack" onSubmit={(e) => void grant(e)} noValidate>
        <h3>{t.delegAddHeading}</h3>
        <div class="field">
          <label for={`${id}-name`}>{t.delegName}</label>
          <input id={`${id}-name`} type="text" autocomplete="off" value={form.name} aria-invalid={errors.name ? true : undefined} aria-describedby={`${id}-name-error`} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
          <FieldError id={`${id}-name-error`} message={errors.name && textOf(errors.name, t)} />
        </div>
        <div class="field">
          <label for={`${id}-identifier`}>{t.delegIdentifier}</label>
          <p class="hint" id={`${id}-identifier-hint`}>{t.delegIdentifierHint}</p>
          <input id={`${id}-identifier`} type="text" inputMode="numeric" autocomplete="off" value={form.identifier} aria-invalid={errors.identifier ? true : undefined} aria-describedby={`${id}-identifier-hint ${id}-identifier-error`} onInput={(e) => setForm({ ...form, identifier: e.currentTarget.value })} />
          <FieldError id={`${id}-identifier-error`} message={errors.identifier && textOf(errors.identifier, t)} />
        </div>
        <div class="field">
          <label for={`${id}-relation`}>{t.delegRelation}</label>
          <input id={`${id}-relation`} type="text" autocomplete="off" value={form.relation} onInput={(e) => setForm({ ...form, relation: e.currentTarget.value })} />
        </div>
        <div role="alert" class="form-alert">
          {formError && <p class="notice notice-error">{textOf(formError, t)}</p>}
        </div>
        <div class="actions">
          <button type="submit" class="button button-primary" aria-busy={saving}>
            {saving ? t.saving : t.delegGrant}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Measures a relative can type for the patient: one number each (blood pressure needs a cuff reading of two; the patient's app does that). */
const ON_BEHALF_CODES = ['spo2', 'heart_rate', 'weight', 'temperature', 'glucose'] as const;

/**
 * For a relative: the patients who let them register, each with a short form. The reading goes
 * through the same checks and triage as the patient's own and shows who entered it.
 */
export function DelegatedToMe() {
  const { t, lang } = useI18n();
  const list = useAsync(() => call('GET /api/me/delegated-to-me'), []);
  const patients = list.data?.patients ?? [];
  if (patients.length === 0) return null;
  return (
    <section class="card delegated" aria-labelledby="delegated-heading">
      <h2 id="delegated-heading">{t.delegForOthersHeading}</h2>
      {patients.map((p) => (
        <OnBehalfForm key={p.patientId} patientId={p.patientId} name={p.patientName} lang={lang} />
      ))}
    </section>
  );
}

/**
 * The whole app for a relative session (someone who is not a patient, logged in only because
 * patients delegated to them; auth/relative.ts): the delegating patients, each with the form.
 * Nothing of the patients' records is shown — the session cannot read it.
 */
export function RelativeHome({ name }: { name: string }) {
  const { t, lang } = useI18n();
  const list = useAsync(() => call('GET /api/me/delegated-to-me'), []);
  return (
    <section class="delegated" aria-labelledby="relative-heading">
      <h1 id="relative-heading">{t.delegRelativeHeading}</h1>
      <p>{t.delegRelativeIntro(name)}</p>
      <Async state={list}>
        {(data) =>
          data.patients.length === 0 ? (
            <p>{t.delegRelativeNone}</p>
          ) : (
            <>
              {data.patients.map((p) => (
                <div class="card" key={p.patientId}>
                  <OnBehalfForm patientId={p.patientId} name={p.patientName} lang={lang} heading="h2" />
                </div>
              ))}
            </>
          )
        }
      </Async>
    </section>
  );
}

function OnBehalfForm({ patientId, name, lang, heading = 'h3' }: { patientId: string; name: string; lang: 'nb' | 'nn' | 'en'; heading?: 'h2' | 'h3' }) {
  const Heading = heading;
  const { t } = useI18n();
  const id = useId();
  const [code, setCode] = useState<(typeof ON_BEHALF_CODES)[number]>('spo2');
  const [value, setValue] = useState('');
  const [error, setError] = useState<Text | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (saving) return;
    const n = Number(value.replace(',', '.'));
    setStatus(null);
    if (!value.trim() || !Number.isFinite(n)) {
      setError(msg('delegValueRequired'));
      document.getElementById(`${id}-value`)?.focus();
      return;
    }
    setError(null);
    setSaving(true);
    try {
      const key = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
      await call('POST /api/patients/:id/observations/on-behalf', { params: { id: patientId }, body: { idempotencyKey: `behalf-${key}`, measurements: [{ code, value: n }] } });
      setStatus(t.delegSaved(name));
      setValue('');
    } catch (err) {
      const apiError = toApiError(err);
      const first = Object.values(apiError.fields)[0];
      setError(first ? raw(first) : msg(errorKey(apiError)));
    } finally {
      setSaving(false);
    }
  };
  return (
    <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
      <Heading>{t.delegForPatient(name)}</Heading>
      <div class="field">
        <label for={`${id}-code`}>{t.delegMeasure}</label>
        <select id={`${id}-code`} value={code} onChange={(e) => setCode(ON_BEHALF_CODES.find((c) => c === e.currentTarget.value) ?? 'spo2')}>
          {ON_BEHALF_CODES.map((c) => (
            <option key={c} value={c}>
              {measureName(c, lang)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-value`}>{t.delegValue}</label>
        <input id={`${id}-value`} type="text" inputMode="decimal" autocomplete="off" value={value} aria-invalid={error ? true : undefined} aria-describedby={`${id}-error`} onInput={(e) => setValue(e.currentTarget.value)} />
        <FieldError id={`${id}-error`} message={error ? textOf(error, t) : undefined} />
      </div>
      <p role="status" class="status-text">
        {status}
      </p>
      <div class="actions">
        <button type="submit" class="button button-primary" aria-busy={saving}>
          {saving ? t.saving : t.delegSend(name)}
        </button>
      </div>
    </form>
  );
}

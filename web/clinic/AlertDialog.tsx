import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, isRecord } from '../shared/api.js';
import { errorKey } from '../shared/components.js';
import { toApiError } from '../shared/hooks.js';
import { localized, msg, raw, textOf, useI18n, type Lang, type Text } from '../shared/i18n.js';
import type { Alert } from '../../src/api/alerts.js';
import type { ContactType } from '../../src/api/notes.js';
import { ZoneBadge } from '../shared/zone.js';
import {
  ContactFields,
  EMPTY_DRAFT,
  mapServerErrors,
  validateDraft,
  type ContactNoteDraft,
  type ContactNoteErrors,
} from './ContactFields.js';

export type AlertAction = 'acknowledge' | 'resolve';

/** The contract says "→ alert"; accept both a bare alert and an { alert } envelope. */
function unwrapAlert(value: unknown): Alert | null {
  if (isRecord(value) && isRecord(value.alert)) return value.alert as unknown as Alert;
  if (isRecord(value) && typeof value.id === 'string' && typeof value.status === 'string') return value as unknown as Alert;
  return null;
}

/**
 * Native <dialog> opened with showModal(): the browser makes the rest of the page inert, traps
 * focus, closes on Escape and puts focus back on the button that opened it.
 */
export function AlertActionDialog({
  alert,
  action,
  onClose,
  onDone,
}: {
  alert: Alert;
  action: AlertAction;
  onClose: () => void;
  onDone: (updated: Alert | null) => void;
}) {
  const { t, lang } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const fieldsId = useId();
  const [draft, setDraft] = useState<ContactNoteDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<ContactNoteErrors>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [saving, setSaving] = useState(false);
  // The nurse's judgement (alert burden): ticked = the alert asked for nothing; unticked = something was done.
  const [noAction, setNoAction] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const title = action === 'acknowledge' ? t.ackDialogTitle : t.resolveDialogTitle;
  const confirm = action === 'acknowledge' ? t.ackConfirm : t.resolveConfirm;

  const focusFirstError = (errs: ContactNoteErrors): void => {
    const id = errs.contactType ? `${fieldsId}-type` : errs.text ? `${fieldsId}-text` : null;
    if (id) document.getElementById(id)?.focus();
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (saving) return;
    const clientErrors = validateDraft(draft);
    setErrors(clientErrors);
    setFormError([]);
    if (clientErrors.contactType || clientErrors.text) {
      focusFirstError(clientErrors);
      return;
    }
    setSaving(true);
    try {
      const note = { contactType: draft.contactType as ContactType, text: draft.text.trim() };
      const response = await api.post<unknown>(`/api/alerts/${encodeURIComponent(alert.id)}/${action}`, { note, noActionNeeded: noAction });
      dialogRef.current?.close();
      onDone(unwrapAlert(response));
    } catch (err) {
      const apiError = toApiError(err);
      const { errors: fieldErrors, other } = mapServerErrors(apiError.fields);
      setErrors(fieldErrors);
      const hasFieldErrors = Boolean(fieldErrors.contactType || fieldErrors.text);
      setFormError(
        other.length > 0 ? other : hasFieldErrors ? [] : [apiError.status === 409 ? raw(apiError.message) : msg(errorKey(apiError))],
      );
      focusFirstError(fieldErrors);
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog ref={dialogRef} class="dialog" aria-labelledby={titleId} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={titleId}>{title}</h2>
        <div class="dialog-context">
          <ZoneBadge zone={alert.zone} size="sm" />
          <p>{localized(alert.summary, lang)}</p>
        </div>
        <ContactFields draft={draft} errors={errors} onChange={setDraft} idPrefix={fieldsId} />
        <div class="field">
          <label class="choice" for={`${fieldsId}-noaction`}>
            <input id={`${fieldsId}-noaction`} type="checkbox" checked={noAction} aria-describedby={`${fieldsId}-noaction-hint`} onChange={(e) => setNoAction(e.currentTarget.checked)} />
            <span>{t.ackNoActionNeeded}</span>
          </label>
          <p class="hint" id={`${fieldsId}-noaction-hint`}>{t.ackNoActionHint}</p>
        </div>
        <div role="alert" class="form-alert">
          {formError.map((m) => (
            <p key={textOf(m, t)} class="notice notice-error">
              {textOf(m, t)}
            </p>
          ))}
        </div>
        <div class="actions">
          <button type="submit" class="button button-primary" aria-busy={saving}>
            {saving ? t.saving : confirm}
          </button>
          <button type="button" class="button button-secondary" onClick={() => dialogRef.current?.close()}>
            {t.cancel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

const BULK_TEXT: Record<Lang, { changed: string; covers: string }> = {
  nb: { changed: 'Noen av varslene er håndtert av en annen i mellomtiden. Se over listen og prøv igjen.', covers: 'Notatet gjelder alle disse varslene:' },
  nn: { changed: 'Nokre av varsla er handterte av ein annan i mellomtida. Sjå over lista og prøv igjen.', covers: 'Notatet gjeld alle desse varsla:' },
  en: { changed: 'Someone else handled some of these alerts meanwhile. Look at the list and try again.', covers: 'The note covers all of these alerts:' },
};

/**
 * One contact note acknowledging every open alert the nurse sees (one phone call about all of
 * them). The alerts are named to the server, so one that arrives meanwhile is not swept along.
 */
export function BulkAcknowledgeDialog({
  patientId,
  alerts,
  title,
  onClose,
  onDone,
}: {
  patientId: string;
  alerts: Alert[];
  title: string;
  onClose: () => void;
  onDone: (updated: Alert[]) => void;
}) {
  const { t, lang } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const fieldsId = useId();
  const [draft, setDraft] = useState<ContactNoteDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<ContactNoteErrors>({});
  const [formError, setFormError] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  // The same judgement as for one alert, for all of them (alert burden).
  const [noAction, setNoAction] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (saving) return;
    const clientErrors = validateDraft(draft);
    setErrors(clientErrors);
    setFormError([]);
    if (clientErrors.contactType || clientErrors.text) {
      document.getElementById(clientErrors.contactType ? `${fieldsId}-type` : `${fieldsId}-text`)?.focus();
      return;
    }
    setSaving(true);
    try {
      const note = { contactType: draft.contactType as ContactType, text: draft.text.trim() };
      const response = await api.post<{ alerts: Alert[] }>(`/api/patients/${encodeURIComponent(patientId)}/alerts/acknowledge`, { alertIds: alerts.map((a) => a.id), note, noActionNeeded: noAction });
      dialogRef.current?.close();
      onDone(response.alerts);
    } catch (err) {
      const apiError = toApiError(err);
      const fields = Object.fromEntries(Object.entries(apiError.fields).map(([k, v]) => [k.replace(/^note\./, ''), v]));
      const { errors: fieldErrors, other } = mapServerErrors(fields);
      setErrors(fieldErrors);
      const hasFieldErrors = Boolean(fieldErrors.contactType || fieldErrors.text);
      setFormError(
        apiError.code === 'alerts_changed' ? [BULK_TEXT[lang].changed] : other.length > 0 ? other.map((m) => textOf(m, t)) : hasFieldErrors ? [] : [t[errorKey(apiError)]],
      );
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog ref={dialogRef} class="dialog" aria-labelledby={titleId} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={titleId}>{title}</h2>
        <div class="dialog-context">
          <p>{BULK_TEXT[lang].covers}</p>
          <ul class="bulk-list">
            {alerts.map((a) => (
              <li key={a.id}>
                <ZoneBadge zone={a.zone} size="sm" /> {localized(a.summary, lang)}
              </li>
            ))}
          </ul>
        </div>
        <ContactFields draft={draft} errors={errors} onChange={setDraft} idPrefix={fieldsId} />
        <div class="field">
          <label class="choice" for={`${fieldsId}-noaction`}>
            <input id={`${fieldsId}-noaction`} type="checkbox" checked={noAction} aria-describedby={`${fieldsId}-noaction-hint`} onChange={(e) => setNoAction(e.currentTarget.checked)} />
            <span>{t.ackNoActionNeeded}</span>
          </label>
          <p class="hint" id={`${fieldsId}-noaction-hint`}>{t.ackNoActionHint}</p>
        </div>
        <div role="alert" class="form-alert">
          {formError.map((m) => (
            <p key={m} class="notice notice-error">
              {m}
            </p>
          ))}
        </div>
        <div class="actions">
          <button type="submit" class="button button-primary" aria-busy={saving}>
            {saving ? t.saving : title}
          </button>
          <button type="button" class="button button-secondary" onClick={() => dialogRef.current?.close()}>
            {t.cancel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, isRecord } from '../shared/api.js';
import { errorKey } from '../shared/components.js';
import { toApiError } from '../shared/hooks.js';
import { localized, msg, raw, textOf, useI18n, type Text } from '../shared/i18n.js';
import type { Alert, ContactType } from '../shared/types.js';
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
      const response = await api.post<unknown>(`/api/alerts/${encodeURIComponent(alert.id)}/${action}`, { note });
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

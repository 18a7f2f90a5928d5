import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api } from '../shared/api.js';
import { errorKey } from '../shared/components.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { msg, textOf, useI18n, type Text } from '../shared/i18n.js';
import './burden.css';
import { ContactFields, mapServerErrors, validateDraft, type ContactNoteDraft, type ContactNoteErrors } from './ContactFields.js';

/*
 * Contact by video (issue 12). Varde has no video of its own: the link goes to the municipality's
 * video service (server config VIDEO_LINK_TEMPLATE / VIDEO_LINK_TEMPLATES, notes/video.ts) and
 * opens in a new tab; afterwards the nurse documents the consultation as a contact of type video.
 * Nothing is shown when the service has no video service configured.
 */
export function VideoContact({ patientId, onDocumented }: { patientId: string; onDocumented: () => void }) {
  const { t } = useI18n();
  const path = `/api/patients/${encodeURIComponent(patientId)}`;
  const link = useAsync(() => api.get<{ url: string | null }>(`${path}/video-link`), [path]);
  const [started, setStarted] = useState(false);
  const [documenting, setDocumenting] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const url = link.data?.url;
  if (!url) return null;
  return (
    <div class="actions video-contact">
      <a
        class="button button-secondary"
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        onClick={() => {
          setStarted(true);
          setStatus(null);
        }}
      >
        {t.videoStart} <span class="visually-hidden">{t.videoNewTab}</span>
      </a>
      {started && (
        <button type="button" class="button button-primary" onClick={() => setDocumenting(true)}>
          {t.videoDocument}
        </button>
      )}
      <p role="status" class="status-text">
        {status}
      </p>
      {documenting && (
        <VideoNoteDialog
          path={path}
          onClose={() => setDocumenting(false)}
          onDone={() => {
            setStarted(false);
            setStatus(t.videoDocumented);
            onDocumented();
          }}
        />
      )}
    </div>
  );
}

/** The contact note for the consultation: type video chosen, the text the nurse's own. */
function VideoNoteDialog({ path, onClose, onDone }: { path: string; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const fieldsId = useId();
  const [draft, setDraft] = useState<ContactNoteDraft>({ contactType: 'video', text: '' });
  const [errors, setErrors] = useState<ContactNoteErrors>({});
  const [formError, setFormError] = useState<Text | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (saving) return;
    const clientErrors = validateDraft(draft);
    setErrors(clientErrors);
    setFormError(null);
    if (clientErrors.contactType || clientErrors.text) {
      document.getElementById(clientErrors.contactType ? `${fieldsId}-type` : `${fieldsId}-text`)?.focus();
      return;
    }
    setSaving(true);
    try {
      await api.post(`${path}/notes`, { contactType: draft.contactType, text: draft.text.trim() });
      dialogRef.current?.close();
      onDone();
    } catch (err) {
      const apiError = toApiError(err);
      const { errors: fieldErrors, other } = mapServerErrors(apiError.fields);
      setErrors(fieldErrors);
      setFormError(other[0] ?? (fieldErrors.contactType || fieldErrors.text ? null : msg(errorKey(apiError))));
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog ref={dialogRef} class="dialog" aria-labelledby={titleId} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={titleId}>{t.videoDocumentTitle}</h2>
        <p class="hint">{t.videoNoteHint}</p>
        <ContactFields draft={draft} errors={errors} onChange={setDraft} idPrefix={fieldsId} />
        <div role="alert" class="form-alert">
          {formError && <p class="notice notice-error">{textOf(formError, t)}</p>}
        </div>
        <div class="actions">
          <button type="submit" class="button button-primary" aria-busy={saving}>
            {saving ? t.saving : t.videoDocument}
          </button>
          <button type="button" class="button button-secondary" onClick={() => dialogRef.current?.close()}>
            {t.cancel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

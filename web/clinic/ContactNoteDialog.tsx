import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../shared/api.js';
import { errorKey } from '../shared/components.js';
import { toApiError } from '../shared/hooks.js';
import { msg, type Text } from '../shared/i18n.js';
import type { ContactType } from '../../src/api/notes.js';
import { ContactFields, EMPTY_DRAFT, mapServerErrors, validateDraft, type ContactNoteDraft, type ContactNoteErrors } from './ContactFields.js';
import { DialogFooter } from './DialogFooter.js';

/** A contact note as the server takes it: the type chosen, the text trimmed. */
export interface ContactNote {
  contactType: ContactType;
  text: string;
}

/**
 * The one dialog in which a nurse documents a contact (acknowledging or resolving alerts, a video
 * consultation): type and text checked before sending, the server's refusal put on the field it
 * names, focus on the first field in error. Native <dialog> opened with showModal(): the browser
 * makes the rest of the page inert, traps focus, closes on Escape and puts focus back on the
 * button that opened it. `send` does the request; `knownError` words a refusal that names no
 * field better than the generic message (a 409, say).
 */
export function ContactNoteDialog<T>({
  title,
  confirm,
  initialDraft = EMPTY_DRAFT,
  context,
  extra,
  send,
  knownError,
  onClose,
  onDone,
}: {
  title: string;
  confirm: string;
  initialDraft?: ContactNoteDraft;
  /** Shown between the title and the fields: what the note is about. */
  context?: ComponentChildren;
  /** Shown below the fields: anything the caller sends with the note. */
  extra?: ComponentChildren;
  send: (note: ContactNote) => Promise<T>;
  knownError?: (error: ApiError) => Text | null;
  onClose: () => void;
  onDone: (result: T) => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const fieldsId = useId();
  const [draft, setDraft] = useState<ContactNoteDraft>(initialDraft);
  const [errors, setErrors] = useState<ContactNoteErrors>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

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
      const result = await send({ contactType: draft.contactType as ContactType, text: draft.text.trim() });
      dialogRef.current?.close();
      onDone(result);
    } catch (err) {
      const apiError = toApiError(err);
      const { errors: fieldErrors, other } = mapServerErrors(apiError.fields);
      setErrors(fieldErrors);
      const hasFieldErrors = Boolean(fieldErrors.contactType || fieldErrors.text);
      setFormError(other.length > 0 ? other : hasFieldErrors ? [] : [knownError?.(apiError) ?? msg(errorKey(apiError))]);
      focusFirstError(fieldErrors);
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog ref={dialogRef} class="dialog" aria-labelledby={titleId} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={titleId}>{title}</h2>
        {context}
        <ContactFields draft={draft} errors={errors} onChange={setDraft} idPrefix={fieldsId} />
        {extra}
        <DialogFooter errors={formError} saving={saving} confirm={confirm} onCancel={() => dialogRef.current?.close()} />
      </form>
    </dialog>
  );
}

import { useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async, contactTypeLabel, DateTime, errorKey } from '../shared/components.js';
import { byTimeDesc } from '../shared/format.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { msg, useI18n, type Text } from '../shared/i18n.js';
import type { ContactNote, ContactType } from '../../src/api/notes.js';
import {
  ContactFields,
  EMPTY_DRAFT,
  mapServerErrors,
  validateDraft,
  type ContactNoteDraft,
  type ContactNoteErrors,
} from './ContactFields.js';
import { DialogFooter } from './DialogFooter.js';

function noteTime(note: ContactNote): string {
  return note.createdAt;
}

function noteAuthor(note: ContactNote): string {
  return note.author ?? '';
}

export function Notes({ patientId, refreshKey }: { patientId: string; refreshKey: number }) {
  const { t } = useI18n();
  // refreshKey changes when an alert action wrote a note, so the list shows it straight away.
  const state = useAsync(() => call('GET /api/patients/:id/notes', { params: { id: patientId } }).then((r) => r.notes), [patientId, refreshKey]);
  const [draft, setDraft] = useState<ContactNoteDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<ContactNoteErrors>({});
  const [formError, setFormError] = useState<Text[]>([]);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const idPrefix = `note-${patientId}`;

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (saving) return;
    setSaved(false);
    setFormError([]);
    const clientErrors = validateDraft(draft);
    setErrors(clientErrors);
    if (clientErrors.contactType || clientErrors.text) {
      document.getElementById(clientErrors.contactType ? `${idPrefix}-type` : `${idPrefix}-text`)?.focus();
      return;
    }
    setSaving(true);
    try {
      await call('POST /api/patients/:id/notes', { params: { id: patientId }, body: { contactType: draft.contactType as ContactType, text: draft.text.trim() } });
      setDraft(EMPTY_DRAFT);
      setSaved(true);
      state.reload();
    } catch (err) {
      const apiError = toApiError(err);
      const { errors: fieldErrors, other } = mapServerErrors(apiError.fields);
      setErrors(fieldErrors);
      const hasFieldErrors = Boolean(fieldErrors.contactType || fieldErrors.text);
      setFormError(other.length > 0 ? other : hasFieldErrors ? [] : [msg(errorKey(apiError))]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Async state={state}>
        {(notes) =>
          notes.length === 0 ? (
            <p>{t.notesEmpty}</p>
          ) : (
            <ol class="note-list">
              {[...notes].sort(byTimeDesc(noteTime)).map((note, i) => {
                const time = noteTime(note);
                return (
                  <li key={note.id ?? i} class="note">
                    <p class="note-meta">
                      <strong>{contactTypeLabel(note.contactType, t)}</strong>
                      {noteAuthor(note) && <> · {noteAuthor(note)}</>}
                      {time && (
                        <>
                          {' '}
                          · <DateTime iso={time} />
                        </>
                      )}
                      {note.alertId && <> · {t.noteAboutAlert}</>}
                    </p>
                    <p class="note-text">{note.text}</p>
                  </li>
                );
              })}
            </ol>
          )
        }
      </Async>
      <form class="stack note-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${idPrefix}-heading`}>
        <h3 id={`${idPrefix}-heading`}>{t.newNote}</h3>
        <ContactFields draft={draft} errors={errors} onChange={setDraft} idPrefix={idPrefix} />
        <DialogFooter errors={formError} saving={saving} confirm={t.saveNote} />
        <p role="status" class="status-text">
          {saved && t.noteSaved}
        </p>
      </form>
    </>
  );
}

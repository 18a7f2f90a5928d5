import { useId } from 'preact/hooks';
import { contactTypeLabel, FieldError } from '../shared/components.js';
import { msg, raw, textOf, useI18n, type Text } from '../shared/i18n.js';
import type { ContactType } from '../../src/api/notes.js';
import { CONTACT_TYPES } from '../shared/api.js';

export interface ContactNoteDraft {
  contactType: ContactType | '';
  text: string;
}

export interface ContactNoteErrors {
  contactType?: Text;
  text?: Text;
}

export const EMPTY_DRAFT: ContactNoteDraft = { contactType: '', text: '' };

export function validateDraft(draft: ContactNoteDraft): ContactNoteErrors {
  const errors: ContactNoteErrors = {};
  if (!draft.contactType) errors.contactType = msg('errContactTypeRequired');
  if (!draft.text.trim()) errors.text = msg('errNoteRequired');
  return errors;
}

/** Sorts server field errors ("note.contactType", "text", …) onto the two fields. */
export function mapServerErrors(fields: Readonly<Record<string, string>>): { errors: ContactNoteErrors; other: Text[] } {
  const errors: ContactNoteErrors = {};
  const other: Text[] = [];
  for (const [key, message] of Object.entries(fields)) {
    if (/(^|\.)contactType$/.test(key)) errors.contactType = raw(message);
    else if (/(^|\.)text$/.test(key) || key === 'note') errors.text = raw(message);
    else other.push(raw(message));
  }
  return { errors, other };
}

/** Contact type and note text: the documentation every alert action and contact note needs. */
export function ContactFields({
  draft,
  errors,
  onChange,
  idPrefix,
}: {
  draft: ContactNoteDraft;
  errors: ContactNoteErrors;
  onChange: (draft: ContactNoteDraft) => void;
  idPrefix?: string;
}) {
  const { t } = useI18n();
  const generated = useId();
  const base = idPrefix ?? generated;
  const ids = {
    type: `${base}-type`,
    typeError: `${base}-type-error`,
    text: `${base}-text`,
    textHint: `${base}-text-hint`,
    textError: `${base}-text-error`,
  };
  return (
    <>
      <div class="field">
        <label for={ids.type}>{t.contactType}</label>
        <select
          id={ids.type}
          required
          value={draft.contactType}
          aria-invalid={errors.contactType ? true : undefined}
          aria-describedby={ids.typeError}
          onChange={(e) => {
            const value = e.currentTarget.value;
            const contactType = CONTACT_TYPES.find((c) => c === value) ?? '';
            onChange({ ...draft, contactType });
          }}
        >
          <option value="">{t.contactTypeChoose}</option>
          {CONTACT_TYPES.map((c) => (
            <option key={c} value={c}>
              {contactTypeLabel(c, t)}
            </option>
          ))}
        </select>
        <FieldError id={ids.typeError} message={errors.contactType && textOf(errors.contactType, t)} />
      </div>
      <div class="field">
        <label for={ids.text}>{t.note}</label>
        <p class="hint" id={ids.textHint}>
          {t.noteHint}
        </p>
        <textarea
          id={ids.text}
          rows={5}
          required
          value={draft.text}
          aria-invalid={errors.text ? true : undefined}
          aria-describedby={`${ids.textHint} ${ids.textError}`}
          onInput={(e) => onChange({ ...draft, text: e.currentTarget.value })}
        />
        <FieldError id={ids.textError} message={errors.text && textOf(errors.text, t)} />
      </div>
    </>
  );
}

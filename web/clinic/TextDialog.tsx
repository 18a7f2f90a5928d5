import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorKey, FieldError } from '../shared/components.js';
import { toApiError } from '../shared/hooks.js';
import { msg, raw, textOf, useI18n, type Text } from '../shared/i18n.js';
import { DialogFooter } from './DialogFooter.js';

/**
 * A modal with one text field and a confirm button (escalate, mark handled, end the episode).
 * Native <dialog> with showModal(): focus is trapped, Escape closes, and focus returns to the
 * button that opened it.
 */
export function TextDialog({
  title,
  context,
  label,
  hint,
  minLength = 0,
  confirm,
  onSubmit,
  onClose,
}: {
  title: string;
  context?: ComponentChildren;
  label: string;
  hint?: string;
  /** 0 = optional. */
  minLength?: number;
  confirm: string;
  onSubmit: (text: string) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const ids = { title: useId(), field: useId(), hint: useId(), error: useId() };
  const [text, setText] = useState('');
  const [error, setError] = useState<Text | undefined>(undefined);
  const [formError, setFormError] = useState<Text | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (saving) return;
    setFormError(null);
    if (minLength > 0 && text.trim().length < minLength) {
      setError(raw(t.errTextTooShort(minLength)));
      document.getElementById(ids.field)?.focus();
      return;
    }
    setError(undefined);
    setSaving(true);
    try {
      await onSubmit(text.trim());
      ref.current?.close();
    } catch (err) {
      const apiError = toApiError(err);
      const fieldMessage = Object.values(apiError.fields)[0];
      if (fieldMessage) {
        setError(raw(fieldMessage));
        document.getElementById(ids.field)?.focus();
      } else setFormError(apiError.status === 409 ? raw(apiError.message) : msg(errorKey(apiError)));
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog ref={ref} class="dialog" aria-labelledby={ids.title} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={ids.title}>{title}</h2>
        {context && <div class="dialog-context">{context}</div>}
        <div class="field">
          <label for={ids.field}>
            {label}
            {minLength === 0 && <span class="optional"> ({t.optional})</span>}
          </label>
          {hint && (
            <p class="hint" id={ids.hint}>
              {hint}
            </p>
          )}
          <textarea
            id={ids.field}
            rows={5}
            value={text}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${hint ? `${ids.hint} ` : ''}${ids.error}`}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <FieldError id={ids.error} message={error && textOf(error, t)} />
        </div>
        <DialogFooter errors={formError ? [formError] : []} saving={saving} confirm={confirm} onCancel={() => ref.current?.close()} />
      </form>
    </dialog>
  );
}

import { textOf, useI18n, type Text } from '../shared/i18n.js';

/**
 * The foot of every clinic form dialog: the refusals that name no field (read out as they
 * appear), the confirm button (busy while saving) and cancel, which closes the dialog. A form
 * that stays on the page (the note form) has nothing to close, so it passes no `onCancel` and
 * gets no cancel button.
 */
export function DialogFooter({ errors, saving, confirm, onCancel }: { errors: readonly Text[]; saving: boolean; confirm: string; onCancel?: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <div role="alert" class="form-alert">
        {errors.map((m) => (
          <p key={textOf(m, t)} class="notice notice-error">
            {textOf(m, t)}
          </p>
        ))}
      </div>
      <div class="actions">
        <button type="submit" class="button button-primary" aria-busy={saving}>
          {saving ? t.saving : confirm}
        </button>
        {onCancel && (
          <button type="button" class="button button-secondary" onClick={onCancel}>
            {t.cancel}
          </button>
        )}
      </div>
    </>
  );
}

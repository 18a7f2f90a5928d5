import { useId, useState } from 'preact/hooks';
import type { ServiceSettings } from '../../src/api/service-settings.js';
import { call } from '../shared/api.js';
import { ActionFeedback, Async, FieldError } from '../shared/components.js';
import { errorMessage, fieldErrors } from '../shared/errorCodes.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { msg, textOf, useI18n, type Text } from '../shared/i18n.js';

/**
 * After how many silent days the service's patients are flagged inactive (VKP 5.3), under the
 * opening hours: the same people keep both.
 */
export function InactiveSettings() {
  const state = useAsync(() => call('GET /api/service-settings'), []);
  return <Async state={state}>{(s) => <InactiveForm key={String(s.inactiveAfterDays)} settings={s} />}</Async>;
}

function InactiveForm({ settings }: { settings: ServiceSettings }) {
  const { t } = useI18n();
  const [useDefault, setUseDefault] = useState(settings.inactiveAfterDays === null);
  const [days, setDays] = useState(String(settings.inactiveAfterDays ?? settings.defaultInactiveAfterDays));
  const [fieldError, setFieldError] = useState<Text | undefined>(undefined);
  const [status, setStatus] = useState<string | null>(null);
  const [formError, setFormError] = useState<Text | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const edit = settings.canEdit;

  async function save(e: Event) {
    e.preventDefault();
    setStatus(null);
    setFormError(null);
    const n = Number(days.trim());
    if (!useDefault && !(Number.isInteger(n) && n >= 1 && n <= 60)) {
      setFieldError(msg('ssRange'));
      return;
    }
    setFieldError(undefined);
    setBusy(true);
    try {
      await call('PUT /api/service-settings', { body: { inactiveAfterDays: useDefault ? null : n } });
      setStatus(t.ssSaved);
    } catch (err) {
      const apiError = toApiError(err);
      const fields = fieldErrors(apiError);
      if (fields.inactiveAfterDays) setFieldError(fields.inactiveAfterDays);
      else setFormError(errorMessage(apiError));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-h`} class="stack">
      <h2 id={`${id}-h`}>{t.ssHeading}</h2>
      <p>{t.ssIntro(settings.defaultInactiveAfterDays)}</p>
      {!edit && <p class="notice notice-info">{t.ssReadOnly}</p>}
      <form class="stack" onSubmit={(e) => void save(e)} noValidate>
        <label class="choice" for={`${id}-default`}>
          <input id={`${id}-default`} type="checkbox" checked={useDefault} disabled={!edit} onChange={(e) => setUseDefault(e.currentTarget.checked)} />
          <span>{t.ssUseDefault(settings.defaultInactiveAfterDays)}</span>
        </label>
        <div class={`field${fieldError ? ' has-error' : ''}`}>
          <label for={`${id}-days`}>{t.ssInactiveLabel}</label>
          <input
            id={`${id}-days`}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            size={4}
            value={days}
            disabled={!edit || useDefault}
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={`${id}-days-error`}
            onInput={(e) => setDays((e.target as HTMLInputElement).value)}
          />
          <FieldError id={`${id}-days-error`} message={fieldError && textOf(fieldError, t)} />
        </div>
        {edit && (
          <button type="submit" class="button" disabled={busy}>
            {t.ssSave}
          </button>
        )}
        <ActionFeedback status={status} error={formError} />
      </form>
    </section>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { api, type ApiError } from './api.js';
import { byTimeDesc, formatDateTime, formatNumber } from './format.js';
import { errorMessage } from './errorCodes.js';
import { toApiError, useAsync } from './hooks.js';
import { LANGS, LANGUAGE_NAMES, msg, raw, textOf, useI18n, type Catalogue, type Lang, type Text, type TextKey } from './i18n.js';
import { measureName, unitLabel } from './measures.js';
import type { PatientMessage as Message, OwnMessagesResponse as MessagesResponse } from '../../src/api/messages.js';
import type { ContactType } from '../../src/api/notes.js';
import type { Observation } from '../../src/api/observations.js';
import { ReadingSource, type ReadingSourceFields } from './ReadingSource.js';
import { ZoneBadge } from './zone.js';

// The error code decides the sentence (web/shared/errorCodes.ts); re-exported for the pages that import it from here.
export { errorKey, errorMessage } from './errorCodes.js';

/** The sentence for a failed request in the page's language (the server's own message only when the apps translate it). */
export function errorText(error: ApiError, t: Catalogue): string {
  return textOf(errorMessage(error), t);
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="loading" role="status">
      {t.loading}
    </p>
  );
}

export function LoadError({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="notice notice-error" role="alert">
      <p>{errorText(error, t)}</p>
      {onRetry && (
        <button type="button" class="button button-secondary" onClick={onRetry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

/** Renders loading / error / content for one request without hiding stale data during reloads. */
export function Async<T>({
  state,
  children,
}: {
  state: { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => void };
  children: (data: T) => ComponentChildren;
}) {
  if (state.data !== undefined) {
    return (
      <>
        {state.error && <LoadError error={state.error} onRetry={state.reload} />}
        {children(state.data)}
      </>
    );
  }
  if (state.error) return <LoadError error={state.error} onRetry={state.reload} />;
  return <Loading />;
}

export function DateTime({ iso }: { iso: string }) {
  const { lang } = useI18n();
  return <time dateTime={iso}>{formatDateTime(iso, lang)}</time>;
}

export function LanguageSwitcher({
  lang,
  onChange,
  busy = false,
}: {
  lang: Lang;
  onChange: (lang: Lang) => void;
  busy?: boolean;
}) {
  const { t } = useI18n();
  const labelId = useId();
  return (
    <div class="lang-switcher" role="group" aria-labelledby={labelId}>
      <span id={labelId} class="lang-label">
        {t.language}
      </span>
      {LANGS.map((l) => (
        <button
          key={l}
          type="button"
          class="lang-button"
          lang={l}
          aria-pressed={l === lang}
          disabled={busy}
          onClick={() => l !== lang && onChange(l)}
        >
          {LANGUAGE_NAMES[l]}
        </button>
      ))}
    </div>
  );
}

export function roleLabel(role: string | null | undefined, t: Catalogue): string {
  switch ((role ?? '').toLowerCase()) {
    case 'nurse':
      return t.roleNurse;
    case 'gp':
      return t.roleGp;
    case 'specialist':
      return t.roleSpecialist;
    case 'coordinator':
      return t.roleCoordinator;
    case 'admin':
      return t.roleAdmin;
    case 'patient':
      return t.rolePatient;
    case 'system':
      return t.roleSystem;
    default:
      return role ?? '';
  }
}

export function contactTypeLabel(type: ContactType | string, t: Catalogue): string {
  switch (type) {
    case 'phone':
      return t.contactPhone;
    case 'video':
      return t.contactVideo;
    case 'visit':
      return t.contactVisit;
    case 'message':
      return t.contactMessage;
    case 'none':
      return t.contactNone;
    default:
      return type;
  }
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  // Always rendered so aria-describedby never points at a missing element.
  return (
    <p id={id} class="field-error">
      {message && (
        <>
          <span class="field-error-icon" aria-hidden="true">
            !
          </span>{' '}
          {message}
        </>
      )}
    </p>
  );
}

/** Scrollable tables need a focusable, named region so keyboard users can scroll them. */
/**
 * The outcome of an action on a page: a polite status line (what succeeded) and an assertive
 * region (what failed). Both regions are always in the DOM so screen readers announce changes.
 */
export function ActionFeedback({ status, error }: { status: string | null; error: Text | null }) {
  const { t } = useI18n();
  return (
    <>
      <p role="status" class="status-text">
        {status}
      </p>
      <div role="alert" class="form-alert">
        {error && <p class="notice notice-error">{textOf(error, t)}</p>}
      </div>
    </>
  );
}

export function TableRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** `withMeasure` false: a table of one measure (its caption names it), one column narrower for phones. */
export function ObservationsTable({ observations, caption, withMeasure = true }: { observations: Observation[]; caption: string; withMeasure?: boolean }) {
  const { t, lang } = useI18n();
  // Typed or from a lent device (issue 13): shown when the API says which.
  const withSource = observations.some((o) => (o as Observation & ReadingSourceFields).source !== undefined);
  return (
    <TableRegion label={caption}>
      <table class="data-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.colTime}</th>
            {withMeasure && <th scope="col">{t.colMeasure}</th>}
            <th scope="col" class="num">
              {t.colValue}
            </th>
            <th scope="col">{t.colZone}</th>
            {withSource && <th scope="col">{t.colSource}</th>}
          </tr>
        </thead>
        <tbody>
          {observations.map((o) => (
            <tr key={o.id}>
              <th scope="row" class="cell-time">
                <DateTime iso={o.effectiveAt} />
              </th>
              {withMeasure && <td>{measureName(o.code, lang)}</td>}
              <td class="num">
                {formatNumber(o.value, lang)} {unitLabel(o.code, o.unit, lang)}
              </td>
              <td>
                <ZoneBadge zone={o.zone} size="sm" />
              </td>
              {withSource && (
                <td>
                  <ReadingSource reading={o as Observation & ReadingSourceFields} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

const byNewest = byTimeDesc<Message>((m) => m.createdAt);

/** A message being written: its text, its error, whether it is on its way, and the ids of its field. */
export interface MessageDraft<T> {
  body: string;
  setBody: (body: string) => void;
  error: Text | undefined;
  setError: (error: Text | undefined) => void;
  sending: boolean;
  ids: { field: string; error: string };
  /** Posts the trimmed text (an empty one is refused on the field, which gets focus); `null` when nothing was sent. */
  send: () => Promise<{ sent: T } | null>;
}

/**
 * Writing a message, for the patient's thread and the clinic's reply: refused when empty, cleared
 * when sent, and the server's refusal shown on the field.
 * @param post sends the trimmed text
 */
export function useMessageDraft<T>(post: (body: string) => Promise<T>): MessageDraft<T> {
  const [body, setBody] = useState('');
  const [error, setError] = useState<Text | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const ids = { field: useId(), error: useId() };
  const send = async (): Promise<{ sent: T } | null> => {
    if (!body.trim()) {
      setError(msg('messageRequired'));
      document.getElementById(ids.field)?.focus();
      return null;
    }
    setSending(true);
    try {
      const sent = await post(body.trim());
      setBody('');
      setError(undefined);
      return { sent };
    } catch (err) {
      const apiError = toApiError(err);
      const fieldMessage = apiError.fields.body;
      setError(fieldMessage ? raw(fieldMessage) : errorMessage(apiError));
      return null;
    } finally {
      setSending(false);
    }
  };
  return { body, setBody, error, setError, sending, ids, send };
}

/** The text area of a message draft with its error line; `describedBy` adds a hint's id to the error's. */
export function MessageField({ draft, label, describedBy }: { draft: MessageDraft<unknown>; label: string; describedBy?: string | undefined }) {
  const { t } = useI18n();
  return (
    <div class="field">
      <label for={draft.ids.field}>{label}</label>
      <textarea
        id={draft.ids.field}
        rows={4}
        value={draft.body}
        aria-invalid={draft.error ? true : undefined}
        aria-describedby={describedBy ? `${draft.ids.error} ${describedBy}` : draft.ids.error}
        onInput={(e) => draft.setBody(e.currentTarget.value)}
      />
      <FieldError id={draft.ids.error} message={draft.error && textOf(draft.error, t)} />
    </div>
  );
}

/** A thread's messages (`MessageItem`s), or the sentence for an empty thread; `class` is added to the list's. */
export function MessageList({ count, class: extra, focusable = false, children }: { count: number; class?: string; focusable?: boolean; children: ComponentChildren }) {
  const { t } = useI18n();
  if (count === 0) return <p>{t.messagesEmpty}</p>;
  return (
    <ol class={extra ? `message-list ${extra}` : 'message-list'} aria-label={t.messageListLabel} tabIndex={focusable ? 0 : undefined}>
      {children}
    </ol>
  );
}

/** One message of a thread: who wrote it and when (with a tag if given), the text, and what the page adds below. */
export function MessageItem({ message, mine, who, tag, children }: {
  message: { body: string; createdAt: string };
  mine: boolean;
  who: ComponentChildren;
  tag?: string | false | null | undefined;
  children?: ComponentChildren;
}) {
  return (
    <li class={`message ${mine ? 'message-mine' : 'message-theirs'}`}>
      <p class="message-meta">
        <strong>{who}</strong> · <DateTime iso={message.createdAt} />
        {tag && <span class="tag tag-strong">{tag}</span>}
      </p>
      <p class="message-body">{message.body}</p>
      {children}
    </li>
  );
}

/**
 * Shared by patient and clinic: the compose form comes first and the thread is newest-first, so
 * on a tablet nobody has to scroll past old messages to write a new one.
 */
export function MessageThread({
  path,
  self,
  intro,
  notice,
  noticeId,
  onLoaded,
  onSent,
  tagUnread = false,
}: {
  path: string;
  self: Message['from'];
  intro?: string;
  /** Shown between the intro and the form (the patient's "when to expect an answer"); `noticeId` is its id, which describes the field. */
  notice?: ComponentChildren;
  noticeId?: string;
  onLoaded?: (data: MessagesResponse) => void;
  onSent?: (sent: Message & Pick<MessagesResponse, 'replyExpectation'>) => void;
  /** Tag the other side's messages that were unread when the thread loaded "Nytt". */
  tagUnread?: boolean;
}) {
  const { t } = useI18n();
  const state = useAsync(() => api.get<MessagesResponse>(path), [path]);
  useEffect(() => {
    if (state.data) onLoaded?.(state.data);
    // onLoaded is the caller's reaction to a new answer, not a reason to load again.
  }, [state.data]);
  const [status, setStatus] = useState<TextKey | null>(null);
  const draft = useMessageDraft((body) => api.post<Message & Pick<MessagesResponse, 'replyExpectation'>>(path, { body }));

  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    setStatus(null);
    const r = await draft.send();
    if (!r) return;
    setStatus('messageSent');
    onSent?.(r.sent);
    state.reload();
  };

  return (
    <div class="messages">
      {intro && <p class="intro">{intro}</p>}
      {notice}
      <form class="stack" onSubmit={send} noValidate>
        <MessageField draft={draft} label={t.messageLabel} describedBy={notice ? noticeId : undefined} />
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={draft.sending}>
            {draft.sending ? t.messageSending : t.messageSend}
          </button>
        </div>
        <p role="status" class="status-text">
          {status && t[status]}
        </p>
      </form>
      <Async state={state}>
        {(data) => (
          <MessageList count={data.messages.length}>
            {[...data.messages].sort(byNewest).map((m) => (
              <MessageItem
                key={m.id}
                message={m}
                mine={m.from === self}
                who={m.from === self ? t.messageFromYou : m.senderName}
                tag={tagUnread && m.from !== self && m.readAt === null && t.messagesNewTag}
              />
            ))}
          </MessageList>
        )}
      </Async>
    </div>
  );
}

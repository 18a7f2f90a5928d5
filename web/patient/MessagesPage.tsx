import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../shared/api.js';
import { Async, DateTime, errorKey, FieldError } from '../shared/components.js';
import { byTimeDesc } from '../shared/format.js';
import { toApiError, useAsync, useDocumentTitle, useHashPath } from '../shared/hooks.js';
import { msg, raw, textOf, useI18n, type Text, type TextKey } from '../shared/i18n.js';
import './messages.css';

/** Tells the navigation badge that replies were just read, so it does not wait for its next poll. */
const MESSAGES_READ = 'varde:messages-read';
/** How often the badge asks for new replies while the app is open (besides navigation and focus). */
const BADGE_POLL_MS = 120_000;

interface PatientMessage {
  id: string;
  from: 'patient' | 'personnel';
  senderName: string | null;
  body: string;
  createdAt: string;
  readAt: string | null;
  handledAt: string | null;
}
interface ReplyExpectation {
  serviceOpen: boolean;
  closesAt: string | null;
  nextOpening: string | null;
  text: string;
}
interface MessagesResponse {
  messages: PatientMessage[];
  replyExpectation: ReplyExpectation | null;
}

const byNewest = byTimeDesc<PatientMessage>((m) => m.createdAt);

/** Replies from the follow-up service the patient has not opened: a count next to "Meldinger". */
export function MessagesNavBadge() {
  const { t } = useI18n();
  const path = useHashPath();
  const state = useAsync(() => api.get<{ unread: number }>('/api/me/messages/unread'), [path]);
  const { reload } = state;
  useEffect(() => {
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener(MESSAGES_READ, reload);
    const id = window.setInterval(reload, BADGE_POLL_MS);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener(MESSAGES_READ, reload);
      window.clearInterval(id);
    };
  }, [reload]);
  const n = state.data?.unread ?? 0;
  if (n === 0) return null;
  return (
    <span class="nav-badge">
      <span aria-hidden="true">{n}</span>
      <span class="visually-hidden">{t.messagesUnreadBadge(n)}</span>
    </span>
  );
}

/**
 * The patient's conversation with the follow-up service: when to expect an answer (from the
 * service's opening hours), the compose form, then the thread newest first. Opening the page
 * marks the service's replies read; the ones that were new are tagged "Nytt" this time.
 */
export function MessagesPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.messagesHeading));
  const state = useAsync(() => api.get<MessagesResponse>('/api/me/messages'), []);
  const [expectation, setExpectation] = useState<ReplyExpectation | null>(null);
  const [body, setBody] = useState('');
  const [error, setError] = useState<Text | undefined>(undefined);
  const [status, setStatus] = useState<TextKey | null>(null);
  const [sending, setSending] = useState(false);
  const ids = { field: useId(), error: useId(), expect: useId() };

  useEffect(() => {
    if (!state.data) return;
    setExpectation(state.data.replyExpectation);
    window.dispatchEvent(new Event(MESSAGES_READ));
  }, [state.data]);

  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    setStatus(null);
    if (!body.trim()) {
      setError(msg('messageRequired'));
      document.getElementById(ids.field)?.focus();
      return;
    }
    setSending(true);
    try {
      const r = await api.post<PatientMessage & { replyExpectation: ReplyExpectation | null }>('/api/me/messages', { body: body.trim() });
      setBody('');
      setError(undefined);
      setStatus('messageSent');
      setExpectation(r.replyExpectation);
      state.reload();
    } catch (err) {
      const apiError = toApiError(err);
      const fieldMessage = apiError.fields.body;
      setError(fieldMessage ? raw(fieldMessage) : msg(errorKey(apiError)));
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      <h1>{t.messagesHeading}</h1>
      <div class="messages">
        <p class="intro">{t.messagesIntro}</p>
        {expectation && (
          <p class="notice notice-info reply-expectation" id={ids.expect}>
            <strong>{t.messagesExpectLabel}</strong> {expectation.text}
          </p>
        )}
        <form class="stack" onSubmit={send} noValidate>
          <div class="field">
            <label for={ids.field}>{t.messageLabel}</label>
            <textarea
              id={ids.field}
              rows={4}
              value={body}
              aria-invalid={error ? true : undefined}
              aria-describedby={expectation ? `${ids.error} ${ids.expect}` : ids.error}
              onInput={(e) => setBody(e.currentTarget.value)}
            />
            <FieldError id={ids.error} message={error && textOf(error, t)} />
          </div>
          <div class="actions">
            <button type="submit" class="button button-primary" disabled={sending}>
              {sending ? t.messageSending : t.messageSend}
            </button>
          </div>
          <p role="status" class="status-text">
            {status && t[status]}
          </p>
        </form>
        <Async state={state}>
          {(data) =>
            data.messages.length === 0 ? (
              <p>{t.messagesEmpty}</p>
            ) : (
              <ol class="message-list" aria-label={t.messageListLabel}>
                {[...data.messages].sort(byNewest).map((m) => (
                  <li key={m.id} class={`message ${m.from === 'patient' ? 'message-mine' : 'message-theirs'}`}>
                    <p class="message-meta">
                      <strong>{m.from === 'patient' ? t.messageFromYou : m.senderName}</strong> · <DateTime iso={m.createdAt} />
                      {m.from === 'personnel' && m.readAt === null && <span class="tag tag-strong">{t.messagesNewTag}</span>}
                    </p>
                    <p class="message-body">{m.body}</p>
                  </li>
                ))}
              </ol>
            )
          }
        </Async>
      </div>
    </>
  );
}

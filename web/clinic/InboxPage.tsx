import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import type { InboxResponse, UnreadSummary } from '../../src/api/messages.js';
import { Async, DateTime, errorKey, MessageField, MessageItem, MessageList, TableRegion, useMessageDraft } from '../shared/components.js';
import { formatDate, formatTime, relativeTime } from '../shared/format.js';
import { toApiError, useAnnouncer, useAsync, useDocumentTitle, useNow } from '../shared/hooks.js';
import { msg, useI18n } from '../shared/i18n.js';
import { useStreamRefresh, useStreamStatus } from './stream.js';
import './inbox.css';

/** Pages that change the inbox tell the navigation badge at once, before the stream event arrives. */
const INBOX_CHANGED = 'varde:inbox-changed';

type HandledItem = InboxResponse['handled'][number];

/** Unhandled patient messages of the service, for the navigation and the worklist. */
export function useUnreadSummary(): UnreadSummary | undefined {
  const state = useAsync(() => call('GET /api/messages/unread-count'), []);
  useStreamRefresh(() => state.reload());
  useEffect(() => {
    const onChange = (): void => state.reload();
    window.addEventListener(INBOX_CHANGED, onChange);
    return () => window.removeEventListener(INBOX_CHANGED, onChange);
  }, [state.reload]);
  return state.data;
}

/** The count next to "Meldinger" in the clinic navigation; nothing when no message waits. */
export function InboxNavBadge() {
  const { t } = useI18n();
  const n = useUnreadSummary()?.messages ?? 0;
  if (n === 0) return null;
  return (
    <span class="nav-badge">
      <span aria-hidden="true">{n}</span>
      <span class="visually-hidden">{t.inboxBadge(n)}</span>
    </span>
  );
}

function excerpt(s: string, max = 140): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * The follow-up service's inbox: patients whose messages nobody has answered, longest wait first,
 * updated live. Opening a patient shows the conversation; replying or "mark as handled" closes it.
 */
export function InboxPage() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.inboxHeading));
  const state = useAsync(() => call('GET /api/messages/inbox'), []);
  const now = useNow(30_000);
  const streamStatus = useStreamStatus();
  const [message, announce] = useAnnouncer();
  const [selected, setSelected] = useState<{ id: string; name: string } | null>(null);
  const [convNonce, setConvNonce] = useState(0);
  const known = useRef<number | null>(null);

  useStreamRefresh((event) => {
    state.reload();
    if (selected && (event === null || event.patientId === selected.id)) setConvNonce((n) => n + 1);
  });

  useEffect(() => {
    if (!state.data) return;
    const total = state.data.threads.reduce((s, x) => s + x.unhandled, 0);
    // The first load is not news; a later rise in waiting messages is announced once.
    if (known.current !== null && total > known.current) announce(t.inboxNewMessage);
    known.current = total;
  }, [state.data]);

  const changed = (): void => {
    state.reload();
    window.dispatchEvent(new Event(INBOX_CHANGED));
  };

  return (
    <>
      <h1>{t.inboxHeading}</h1>
      <p class="intro">{t.inboxIntro}</p>
      <p class={`live-status live-${streamStatus === 'error' ? 'off' : 'on'}`}>
        <span class="live-dot" aria-hidden="true" />
        {streamStatus === 'error' ? t.liveOff : t.liveOn}
      </p>
      <p class="live-announcement" aria-live="polite" aria-atomic="true">
        {message}
      </p>
      <div class="inbox-layout">
        <section aria-labelledby="inbox-list-heading">
          <h2 id="inbox-list-heading" class="visually-hidden">
            {t.inboxCaption}
          </h2>
          <Async state={state}>
            {(data) =>
              data.threads.length === 0 ? (
                <p class="notice notice-info">{t.inboxEmpty}</p>
              ) : (
                <TableRegion label={t.inboxCaption}>
                  <table class="data-table inbox-table">
                    <caption>{t.inboxCaption}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t.inboxColPatient}</th>
                        <th scope="col">{t.inboxColWaiting}</th>
                        <th scope="col" class="num">
                          {t.inboxColCount}
                        </th>
                        <th scope="col">{t.inboxColLatest}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.threads.map((x) => (
                        <tr key={x.patient.id} class={selected?.id === x.patient.id ? 'inbox-row-selected' : undefined}>
                          <th scope="row">
                            <button
                              type="button"
                              class="link-button"
                              aria-expanded={selected?.id === x.patient.id}
                              aria-controls="inbox-conversation"
                              onClick={() => setSelected({ id: x.patient.id, name: x.patient.name })}
                            >
                              {x.patient.name}
                            </button>
                            <span class="inbox-sub">
                              {formatDate(x.patient.birthDate, lang)} · {x.patient.identifier}
                            </span>
                          </th>
                          <td class="nowrap">
                            <time dateTime={x.oldestAt} title={formatTime(x.oldestAt, lang)}>
                              {relativeTime(x.oldestAt, now, t)}
                            </time>
                          </td>
                          <td class="num">
                            {x.unhandled}
                            {x.unread > 0 && <span class="tag tag-strong">{t.inboxUnreadTag}</span>}
                          </td>
                          <td class="inbox-latest">{excerpt(x.latestBody)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableRegion>
              )
            }
          </Async>
        </section>
        <section id="inbox-conversation" class="card inbox-conversation" aria-live="off">
          {selected ? (
            <Conversation
              key={selected.id}
              patient={selected}
              nonce={convNonce}
              onChanged={changed}
              onClose={() => setSelected(null)}
            />
          ) : (
            <p class="inbox-hint">{t.inboxSelectHint}</p>
          )}
        </section>
      </div>
      <HandledList data={state.data?.handled} />
    </>
  );
}

function HandledList({ data }: { data: HandledItem[] | undefined }) {
  const { t } = useI18n();
  if (!data) return null;
  return (
    <section aria-labelledby="inbox-handled-heading">
      <h2 id="inbox-handled-heading">{t.inboxHandledHeading}</h2>
      {data.length === 0 ? (
        <p>{t.inboxHandledEmpty}</p>
      ) : (
        <TableRegion label={t.inboxHandledCaption}>
          <table class="data-table">
            <caption class="visually-hidden">{t.inboxHandledCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.inboxColHandledAt}</th>
                <th scope="col">{t.inboxColPatient}</th>
                <th scope="col">{t.inboxColMessage}</th>
                <th scope="col">{t.inboxColHandledBy}</th>
                <th scope="col">{t.inboxColNote}</th>
              </tr>
            </thead>
            <tbody>
              {data.map((h) => (
                <tr key={h.messageId}>
                  <td class="nowrap">
                    <DateTime iso={h.handledAt} />
                  </td>
                  <th scope="row">
                    <a href={`#/pasient/${encodeURIComponent(h.patient.id)}`}>{h.patient.name}</a>
                  </th>
                  <td class="inbox-latest">{excerpt(h.body, 100)}</td>
                  <td>{h.handledHow === 'reply' ? t.inboxHandledByReply(h.handledBy ?? '') : t.inboxHandledByNoReply(h.handledBy ?? '')}</td>
                  <td>{h.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

function Conversation({
  patient,
  nonce,
  onChanged,
  onClose,
}: {
  patient: { id: string; name: string };
  nonce: number;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const params = { id: patient.id };
  const state = useAsync(() => call('GET /api/patients/:id/messages', { params }), [patient.id, nonce]);
  const draft = useMessageDraft((body) => call('POST /api/patients/:id/messages', { params, body: { body } }));
  const [note, setNote] = useState('');
  const [handling, setHandling] = useState(false);
  const busy = handling || draft.sending;
  const [status, setStatus] = useState<string | null>(null);
  const ids = { heading: useId(), note: useId() };
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => heading.current?.focus(), []);
  // Opening the thread marks it read on the server; the list's "Ulest" and the badge follow.
  useEffect(() => {
    if (state.data) onChanged();
  }, [state.data]);

  const waiting = state.data?.messages.some((m) => m.from === 'patient' && !m.handledAt) ?? false;

  const reply = async (e: Event): Promise<void> => {
    e.preventDefault();
    setStatus(null);
    if (!(await draft.send())) return;
    setStatus(t.inboxReplySent);
    state.reload();
    onChanged();
  };

  const markHandled = async (e: Event): Promise<void> => {
    e.preventDefault();
    setStatus(null);
    setHandling(true);
    try {
      const r = await call('POST /api/patients/:id/messages/handled', { params, body: { note: note.trim() || undefined } });
      setNote('');
      draft.setError(undefined);
      setStatus(r.handled > 0 ? t.inboxHandledDone : t.inboxHandledNone);
      state.reload();
      onChanged();
    } catch (err) {
      draft.setError(msg(errorKey(toApiError(err))));
    } finally {
      setHandling(false);
    }
  };

  return (
    <div class="stack">
      <div class="inbox-conversation-head">
        <h2 id={ids.heading} ref={heading} tabIndex={-1}>
          {t.inboxConversation(patient.name)}
        </h2>
        <a href={`#/pasient/${encodeURIComponent(patient.id)}`}>{t.inboxOpenPatient}</a>
        <button type="button" class="button button-secondary" onClick={onClose}>
          {t.inboxClose}
        </button>
      </div>
      <Async state={state}>
        {(data) => (
          <MessageList count={data.messages.length} class="inbox-thread" focusable>
            {data.messages.map((m) => (
              <MessageItem key={m.id} message={m} mine={m.from === 'personnel'} who={m.senderName} tag={m.from === 'patient' && !m.handledAt && t.inboxWaitingReply}>
                {m.from === 'patient' && m.handledAt && m.handledBy && (
                  <p class="message-handled">
                    {m.handledHow === 'reply' ? t.inboxHandledByReply(m.handledBy) : t.inboxHandledByNoReply(m.handledBy)} ·{' '}
                    <DateTime iso={m.handledAt} />
                    {m.handledNote && <> · {m.handledNote}</>}
                  </p>
                )}
              </MessageItem>
            ))}
          </MessageList>
        )}
      </Async>
      <form class="stack" onSubmit={reply} noValidate>
        <MessageField draft={draft} label={t.inboxReplyLabel} />
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t.messageSending : t.inboxReplySend}
          </button>
        </div>
      </form>
      {waiting && (
        <form class="inbox-handle" onSubmit={markHandled} noValidate>
          <fieldset>
            <legend>{t.inboxHandleLegend}</legend>
            <div class="field">
              <label for={ids.note}>{t.inboxHandleNote}</label>
              <input id={ids.note} type="text" maxLength={1000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            </div>
            <div class="actions">
              <button type="submit" class="button button-secondary" disabled={busy}>
                {t.inboxHandleButton}
              </button>
            </div>
          </fieldset>
        </form>
      )}
      <p role="status" class="status-text">
        {status}
      </p>
    </div>
  );
}

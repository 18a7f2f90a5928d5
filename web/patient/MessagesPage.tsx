import { useEffect, useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { MessageThread } from '../shared/components.js';
import { useAsync, useDocumentTitle, useHashPath } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import type { ReplyExpectation } from '../../src/api/messages.js';
import './messages.css';

/** Tells the navigation badge that replies were just read, so it does not wait for its next poll. */
const MESSAGES_READ = 'varde:messages-read';
/** How often the badge asks for new replies while the app is open (besides navigation and focus). */
const BADGE_POLL_MS = 120_000;

/** Replies from the follow-up service the patient has not opened: a count next to "Meldinger". */
export function MessagesNavBadge() {
  const { t } = useI18n();
  const path = useHashPath();
  const state = useAsync(() => call('GET /api/me/messages/unread'), [path]);
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
  const [expectation, setExpectation] = useState<ReplyExpectation | null>(null);
  const expectId = useId();

  return (
    <>
      <h1>{t.messagesHeading}</h1>
      <MessageThread
        path="/api/me/messages"
        self="patient"
        intro={t.messagesIntro}
        tagUnread
        noticeId={expectId}
        notice={
          expectation && (
            <p class="notice notice-info reply-expectation" id={expectId}>
              <strong>{t.messagesExpectLabel}</strong> {expectation.text}
            </p>
          )
        }
        onLoaded={(data) => {
          setExpectation(data.replyExpectation ?? null);
          window.dispatchEvent(new Event(MESSAGES_READ));
        }}
        onSent={(sent) => setExpectation(sent.replyExpectation ?? null)}
      />
    </>
  );
}

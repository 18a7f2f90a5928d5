import { MessageThread } from '../shared/components.js';
import { useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';

export function MessagesPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.messagesHeading));
  return (
    <>
      <h1>{t.messagesHeading}</h1>
      <MessageThread path="/api/me/messages" self="patient" intro={t.messagesIntro} />
    </>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { DateTime } from '../shared/components.js';
import { formatNumber } from '../shared/format.js';
import { raw, textOf, useI18n } from '../shared/i18n.js';
import { measureName, unitLabel } from '../shared/measures.js';
import type { Feedback } from '../../src/api/observations.js';
import { ZoneBadge } from '../shared/zone.js';
import { useOnline } from '../shared/hooks.js';
import { useOutbox, useOutboxItems, type OutboxItem } from './outbox.js';

export function ItemLabel({ item }: { item: OutboxItem }) {
  const { lang } = useI18n();
  return (
    <>
      {item.label
        .map((l) =>
          l.value === undefined ? measureName(l.code, lang) : `${measureName(l.code, lang)} ${formatNumber(l.value, lang)} ${unitLabel(l.code, l.unit ?? '', lang)}`.trim(),
        )
        .join(', ')}
    </>
  );
}

interface Delivered {
  item: OutboxItem;
  feedback: Feedback | null;
}

function feedbackOf(response: unknown): Feedback | null {
  if (typeof response === 'object' && response !== null && 'feedback' in response) {
    const fb = (response as { feedback: unknown }).feedback;
    if (typeof fb === 'object' && fb !== null) return fb as Feedback;
  }
  return null;
}

/**
 * Always-visible state of the offline queue: whether the device is offline, what is waiting to be
 * sent (with the time it was measured), what the server refused, and — once sent — the server's
 * answer, so a red reading measured offline still gets its advice.
 */
export function OutboxPanel() {
  const { t } = useI18n();
  const outbox = useOutbox();
  const items = useOutboxItems();
  const online = useOnline();
  const [delivered, setDelivered] = useState<Delivered[]>([]);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    if (!outbox) return;
    return outbox.subscribe((e) => {
      if (e.type === 'delivered') setDelivered((d) => [...d, { item: e.item, feedback: feedbackOf(e.response) }]);
    });
  }, [outbox]);

  const waiting = items.filter((i) => !i.failed);
  const failed = items.filter((i) => i.failed);

  const sendNow = async (): Promise<void> => {
    if (!outbox) return;
    setSending(true);
    try {
      await outbox.flush();
    } finally {
      setSending(false);
    }
  };

  return (
    <div class="outbox-area">
      {/* Being offline is said once, in the app shell's header (AppShell live status). */}
      <div role="status" class="outbox-status">
        {waiting.length > 0 && (
          <section class="notice notice-warning outbox" aria-labelledby="outbox-heading">
            <h2 id="outbox-heading" class="outbox-heading">
              {t.outboxHeading(waiting.length)}
            </h2>
            <p>{online ? t.outboxOnline : t.outboxOffline}</p>
            <ul class="outbox-list">
              {waiting.map((i) => (
                <li key={i.key}>
                  <span class="outbox-time">
                    {t.measuredAt} <DateTime iso={i.body.effectiveAt} />:
                  </span>{' '}
                  <ItemLabel item={i} />
                </li>
              ))}
            </ul>
            <button type="button" class="button button-secondary" aria-busy={sending} onClick={() => void sendNow()}>
              {sending ? t.outboxSending : t.outboxSendNow}
            </button>
          </section>
        )}
        {delivered.length > 0 && (
          <section class="notice notice-info outbox-delivered" aria-labelledby="delivered-heading">
            <h2 id="delivered-heading" class="outbox-heading">
              {t.deliveredHeading}
            </h2>
            <ul class="outbox-list">
              {delivered.map((d) => (
                <li key={d.item.key}>
                  <p>
                    <span class="outbox-time">
                      {t.measuredAt} <DateTime iso={d.item.body.effectiveAt} />:
                    </span>{' '}
                    <ItemLabel item={d.item} /> {d.feedback?.zone && <ZoneBadge zone={d.feedback.zone} size="sm" />}
                  </p>
                  {d.feedback?.action && d.feedback.zone !== 'green' && <p class="delivered-action">{d.feedback.action}</p>}
                  {d.feedback?.notice && d.feedback.zone !== 'green' && <p>{d.feedback.notice}</p>}
                </li>
              ))}
            </ul>
            <button type="button" class="button button-secondary" onClick={() => setDelivered([])}>
              {t.deliveredOk}
            </button>
          </section>
        )}
      </div>
      {failed.length > 0 && (
        <section class="notice notice-error outbox" aria-labelledby="failed-heading">
          <h2 id="failed-heading" class="outbox-heading">
            {t.outboxFailedHeading}
          </h2>
          <ul class="outbox-list">
            {failed.map((i) => (
              <li key={i.key}>
                <p>
                  <span class="outbox-time">
                    {t.measuredAt} <DateTime iso={i.body.effectiveAt} />:
                  </span>{' '}
                  <ItemLabel item={i} />
                </p>
                <p>{i.failed ? textOf(raw(i.failed.message), t) : null}</p>
                <button type="button" class="button button-secondary" onClick={() => outbox?.remove(i.key)}>
                  {t.outboxRemove}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

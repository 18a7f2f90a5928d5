import { useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { localized, raw, useI18n, type Lang } from '../shared/i18n.js';
import type { Alert } from '../../src/api/alerts.js';
import { ZoneBadge } from '../shared/zone.js';
import { ContactNoteDialog } from './ContactNoteDialog.js';

export type AlertAction = 'acknowledge' | 'resolve';

/** The nurse's judgement (alert burden): ticked = the alert asked for nothing; unticked = something was done. */
function NoActionChoice({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div class="field">
      <label class="choice" for={`${id}-noaction`}>
        <input id={`${id}-noaction`} type="checkbox" checked={checked} aria-describedby={`${id}-noaction-hint`} onChange={(e) => onChange(e.currentTarget.checked)} />
        <span>{t.ackNoActionNeeded}</span>
      </label>
      <p class="hint" id={`${id}-noaction-hint`}>{t.ackNoActionHint}</p>
    </div>
  );
}

/** Acknowledge or resolve one alert, with the contact note that documents it. */
export function AlertActionDialog({
  alert,
  action,
  onClose,
  onDone,
}: {
  alert: Alert;
  action: AlertAction;
  onClose: () => void;
  onDone: (updated: Alert | null) => void;
}) {
  const { t, lang } = useI18n();
  const [noAction, setNoAction] = useState(false);
  return (
    <ContactNoteDialog
      title={action === 'acknowledge' ? t.ackDialogTitle : t.resolveDialogTitle}
      confirm={action === 'acknowledge' ? t.ackConfirm : t.resolveConfirm}
      context={
        <div class="dialog-context">
          <ZoneBadge zone={alert.zone} size="sm" />
          <p>{localized(alert.summary, lang)}</p>
        </div>
      }
      extra={<NoActionChoice checked={noAction} onChange={setNoAction} />}
      send={(note) => call(`POST /api/alerts/:id/${action}`, { params: { id: alert.id }, body: { note, noActionNeeded: noAction } })}
      knownError={(e) => (e.status === 409 ? raw(e.message) : null)}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

const BULK_TEXT: Record<Lang, { changed: string; covers: string }> = {
  nb: { changed: 'Noen av varslene er håndtert av en annen i mellomtiden. Se over listen og prøv igjen.', covers: 'Notatet gjelder alle disse varslene:' },
  nn: { changed: 'Nokre av varsla er handterte av ein annan i mellomtida. Sjå over lista og prøv igjen.', covers: 'Notatet gjeld alle desse varsla:' },
  en: { changed: 'Someone else handled some of these alerts meanwhile. Look at the list and try again.', covers: 'The note covers all of these alerts:' },
};

/**
 * One contact note acknowledging every open alert the nurse sees (one phone call about all of
 * them). The alerts are named to the server, so one that arrives meanwhile is not swept along.
 */
export function BulkAcknowledgeDialog({
  patientId,
  alerts,
  title,
  onClose,
  onDone,
}: {
  patientId: string;
  alerts: Alert[];
  title: string;
  onClose: () => void;
  onDone: (updated: Alert[]) => void;
}) {
  const { lang } = useI18n();
  // The same judgement as for one alert, for all of them (alert burden).
  const [noAction, setNoAction] = useState(false);
  return (
    <ContactNoteDialog
      title={title}
      confirm={title}
      context={
        <div class="dialog-context">
          <p>{BULK_TEXT[lang].covers}</p>
          <ul class="bulk-list">
            {alerts.map((a) => (
              <li key={a.id}>
                <ZoneBadge zone={a.zone} size="sm" /> {localized(a.summary, lang)}
              </li>
            ))}
          </ul>
        </div>
      }
      extra={<NoActionChoice checked={noAction} onChange={setNoAction} />}
      send={async (note) =>
        (await call('POST /api/patients/:id/alerts/acknowledge', { params: { id: patientId }, body: { alertIds: alerts.map((a) => a.id), note, noActionNeeded: noAction } })).alerts
      }
      knownError={(e) => (e.code === 'alerts_changed' ? raw(BULK_TEXT[lang].changed) : null)}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

import { useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async, DateTime } from '../shared/components.js';
import { formatDate } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { localized, useI18n } from '../shared/i18n.js';
import type { Escalation } from '../../src/api/escalations.js';
import { ZoneBadge } from '../shared/zone.js';
import { useMe } from './me.js';
import { useStreamRefresh } from './stream.js';
import { TextDialog } from './TextDialog.js';

function EscalationCard({ e, showPatient, onHandle }: { e: Escalation; showPatient: boolean; onHandle?: ((e: Escalation) => void) | undefined }) {
  const { t, lang } = useI18n();
  const titleId = `escalation-${e.id}`;
  return (
    <article class={`card escalation escalation-${e.status}`} aria-labelledby={titleId}>
      <h3 id={titleId} class="alert-title" tabIndex={-1}>
        {showPatient ? (
          <a href={`#/pasient/${encodeURIComponent(e.patient.id)}`}>{e.patient.name}</a>
        ) : (
          <span>{t.escalationTo(e.toOrganisation)}</span>
        )}
        <span class={`tag${e.status === 'open' ? ' tag-strong' : ''}`}>{e.status === 'open' ? t.escalationOpen : t.escalationHandled}</span>
      </h3>
      {showPatient && e.patient.birthDate && (
        <p class="muted">
          {t.birthDate}: {formatDate(e.patient.birthDate, lang)}
        </p>
      )}
      {e.alert.summary && (
        <p class="alert-summary">
          {e.alert.zone && <ZoneBadge zone={e.alert.zone} size="sm" />} {localized(e.alert.summary, lang)}
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>{t.escalationFrom}</dt>
          <dd>
            {e.createdBy}, {e.fromOrganisation} · <DateTime iso={e.createdAt} />
          </dd>
        </div>
        <div>
          <dt>{t.escalationNote}</dt>
          <dd class="note-text">{e.note}</dd>
        </div>
        {e.handledAt && e.answer && (
          <div>
            <dt>{t.escalationGpAnswer}</dt>
            <dd>
              {t.escalationGpAnswerFrom(e.answer.from, e.answer.hpr)} · <DateTime iso={e.handledAt} />
              {e.handledNote && <p class="note-text">{e.handledNote}</p>}
            </dd>
          </div>
        )}
        {e.handledAt && !e.answer && (
          <div>
            <dt>{t.escalationHandledBy}</dt>
            <dd>
              {e.handledBy} · <DateTime iso={e.handledAt} />
              {e.handledNote && <p class="note-text">{e.handledNote}</p>}
            </dd>
          </div>
        )}
      </dl>
      {onHandle && e.status === 'open' && (
        <div class="actions">
          <button type="button" class="button button-primary" aria-describedby={titleId} onClick={() => onHandle(e)}>
            {t.escalationMarkHandled}
          </button>
        </div>
      )}
    </article>
  );
}

/** Handling an escalation: optional note about what the GP did. */
function HandleDialog({ escalation, onClose, onDone }: { escalation: Escalation; onClose: () => void; onDone: () => void }) {
  const { t, lang } = useI18n();
  return (
    <TextDialog
      title={t.escalationHandleTitle}
      context={
        <>
          <p>
            <strong>{escalation.patient.name}</strong>
          </p>
          {escalation.alert.summary && <p>{localized(escalation.alert.summary, lang)}</p>}
          <p class="note-text">{escalation.note}</p>
        </>
      }
      label={t.escalationHandleNote}
      hint={t.escalationHandleHint}
      confirm={t.escalationMarkHandled}
      onSubmit={async (note) => {
        await call('POST /api/escalations/:id/handle', { params: { id: escalation.id }, body: note ? { note } : {} });
        onDone();
      }}
      onClose={onClose}
    />
  );
}

/**
 * Marking an escalation handled, as both lists offer it: the escalation being handled, its dialog,
 * and the status line that says it was done (then the list is fetched again).
 */
function useHandling(reload: () => void) {
  const { t } = useI18n();
  const [handling, setHandling] = useState<Escalation | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const statusLine = (
    <p role="status" class="status-text">
      {status}
    </p>
  );
  const handleDialog = handling && (
    <HandleDialog
      escalation={handling}
      onClose={() => setHandling(null)}
      onDone={() => {
        setStatus(t.escalationHandledDone);
        reload();
      }}
    />
  );
  return { startHandling: setHandling, statusLine, handleDialog };
}

/** Escalations for one patient (patient view); the receiving GP office can mark them handled here too. */
export function PatientEscalations({ patientId, refreshKey }: { patientId: string; refreshKey: number }) {
  const { t } = useI18n();
  const me = useMe();
  const state = useAsync(() => call('GET /api/patients/:id/escalations', { params: { id: patientId } }), [patientId, refreshKey]);
  const { startHandling, statusLine, handleDialog } = useHandling(() => state.reload());
  return (
    <>
      {statusLine}
      <Async state={state}>
        {(data) =>
          data.escalations.length === 0 ? (
            <p>{t.escalationsNoneForPatient}</p>
          ) : (
            <div class="alert-list">
              {data.escalations.map((e) => (
                <EscalationCard key={e.id} e={e} showPatient={false} onHandle={me?.organisation.id === e.toOrganisationId ? startHandling : undefined} />
              ))}
            </div>
          )
        }
      </Async>
      {handleDialog}
    </>
  );
}

/** The GP office's inbox of escalations from the follow-up services; live through the SSE stream. */
export function EscalationsPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.escalationsHeading));
  const state = useAsync(() => call('GET /api/escalations'), []);
  const { startHandling, statusLine, handleDialog } = useHandling(() => state.reload());
  useStreamRefresh(() => state.reload());
  return (
    <>
      <h1>{t.escalationsHeading}</h1>
      <p class="intro">{t.escalationsIntro}</p>
      {statusLine}
      <Async state={state}>
        {(data) => {
          const open = data.escalations.filter((e) => e.status === 'open');
          const handled = data.escalations.filter((e) => e.status === 'handled');
          return (
            <>
              <h2>{t.escalationsOpenHeading(open.length)}</h2>
              {open.length === 0 ? (
                <p>{t.escalationsNoneOpen}</p>
              ) : (
                <div class="alert-list">
                  {open.map((e) => (
                    <EscalationCard key={e.id} e={e} showPatient onHandle={startHandling} />
                  ))}
                </div>
              )}
              {handled.length > 0 && (
                <details class="resolved-alerts">
                  <summary>{t.escalationsHandledHeading(handled.length)}</summary>
                  <div class="alert-list">
                    {handled.map((e) => (
                      <EscalationCard key={e.id} e={e} showPatient />
                    ))}
                  </div>
                </details>
              )}
            </>
          );
        }}
      </Async>
      {handleDialog}
    </>
  );
}

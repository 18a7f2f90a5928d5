import { useState } from 'preact/hooks';
import type { EmergencyGrant } from '../../src/api/admin.js';
import { call } from '../shared/api.js';
import { Async, DateTime } from '../shared/components.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import { TextDialog } from './TextDialog.js';


function GrantCard({ g, onReview }: { g: EmergencyGrant; onReview: (g: EmergencyGrant) => void }) {
  const { t } = useI18n();
  const titleId = `emergency-${g.id}`;
  const reviews: [string, string | null, string | null][] = [
    [t.emergencyRequesterReview, g.reviewedAt, g.reviewNote],
    [t.emergencyFollowUpReview, g.followUpReviewedAt, g.followUpReviewNote],
  ];
  return (
    <article class="card" aria-labelledby={titleId}>
      <h3 id={titleId} class="alert-title" tabIndex={-1}>
        {g.personnel}, {g.organisation}
      </h3>
      <dl class="facts">
        <div>
          <dt>{t.emergencyReason}</dt>
          <dd class="note-text">{g.reason}</dd>
        </div>
        <div>
          <dt>{t.emergencyPeriod}</dt>
          <dd>
            <DateTime iso={g.grantedAt} /> – <DateTime iso={g.expiresAt} />
          </dd>
        </div>
        <div>
          <dt>{t.emergencyPatient}</dt>
          <dd>{g.patientId}</dd>
        </div>
        <div>
          <dt>{t.emergencyYourPart}</dt>
          <dd>{g.reviewAs.map((r) => (r === 'requester' ? t.emergencyAsRequester : t.emergencyAsFollowUp)).join(', ')}</dd>
        </div>
        {reviews.map(([label, at, note]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>
              {at ? <DateTime iso={at} /> : t.emergencyNotReviewed}
              {note && <p class="note-text">{note}</p>}
            </dd>
          </div>
        ))}
      </dl>
      {g.canReview ? (
        <div class="actions">
          <button type="button" class="button button-primary" aria-describedby={titleId} onClick={() => onReview(g)}>
            {t.emergencyReview}
          </button>
        </div>
      ) : (
        !isDone(g) && <p class="muted">{t.emergencyOwnGrant}</p>
      )}
    </article>
  );
}

/** Done for this organisation: every part it has in the grant is reviewed. */
function isDone(g: EmergencyGrant): boolean {
  return g.reviewAs.every((r) => (r === 'requester' ? g.reviewedAt !== null : g.followUpReviewedAt !== null));
}

/**
 * Review of emergency access for coordinators and administrators: grants taken by their own
 * people, and grants taken on patients their follow-up service follows. The person who took an
 * access cannot review it (the server refuses it too).
 */
export function EmergencyReviewPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.emergencyHeading));
  const state = useAsync(() => call('GET /api/admin/emergency-access'), []);
  const [reviewing, setReviewing] = useState<EmergencyGrant | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  return (
    <>
      <h1>{t.emergencyHeading}</h1>
      <p class="intro">{t.emergencyIntro}</p>
      <p role="status" class="status-text">
        {status}
      </p>
      <Async state={state}>
        {(data) => {
          const pending = data.grants.filter((g) => !isDone(g));
          const done = data.grants.filter(isDone);
          return (
            <>
              <h2>{t.emergencyPendingHeading(pending.length)}</h2>
              {pending.length === 0 ? (
                <p>{t.emergencyNonePending}</p>
              ) : (
                <div class="alert-list">
                  {pending.map((g) => (
                    <GrantCard key={g.id} g={g} onReview={setReviewing} />
                  ))}
                </div>
              )}
              {done.length > 0 && (
                <details class="resolved-alerts">
                  <summary>{t.emergencyDoneHeading(done.length)}</summary>
                  <div class="alert-list">
                    {done.map((g) => (
                      <GrantCard key={g.id} g={g} onReview={setReviewing} />
                    ))}
                  </div>
                </details>
              )}
            </>
          );
        }}
      </Async>
      {reviewing && (
        <TextDialog
          title={t.emergencyReviewTitle}
          context={
            <>
              <p>
                <strong>
                  {reviewing.personnel}, {reviewing.organisation}
                </strong>
              </p>
              <p class="note-text">{reviewing.reason}</p>
            </>
          }
          label={t.emergencyReviewNote}
          hint={t.emergencyReviewHint}
          minLength={3}
          confirm={t.emergencyReview}
          onSubmit={async (note) => {
            await call('POST /api/admin/emergency-access/:id/review', { params: { id: reviewing.id }, body: { note } });
            setStatus(t.emergencyReviewDone);
            state.reload();
          }}
          onClose={() => setReviewing(null)}
        />
      )}
    </>
  );
}

import { useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import type { OutboxMessage, Receiver } from '../../src/api/outbox.js';
import { ActionFeedback, Async, DateTime, FieldError, TableRegion, errorKey } from '../shared/components.js';
import { toApiError, useAsync, useDocumentTitle } from '../shared/hooks.js';
import { msg, raw, textOf, useI18n, type Catalogue, type Text } from '../shared/i18n.js';

const KINDS = ['vkp', 'pasientens_maledata', 'dialogmelding'] as const;
type Kind = (typeof KINDS)[number];

function kindLabel(kind: string, t: Catalogue): string {
  return kind === 'vkp' ? t.receiverKindVkp : kind === 'pasientens_maledata' ? t.receiverKindPmd : kind === 'dialogmelding' ? t.receiverKindDialog : kind;
}

function failure(err: unknown): Text {
  const e = toApiError(err);
  return e.status === 409 || e.status === 400 ? raw(e.message) : msg(errorKey(e));
}

/** One receiver's settings: address, HelseID client and on/off. */
function ReceiverForm({ kind, current, onSaved }: { kind: Kind; current: Receiver | undefined; onSaved: (text: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [url, setUrl] = useState(current?.url ?? '');
  const [clientId, setClientId] = useState(current?.helseIdClientId ?? '');
  const [enabled, setEnabled] = useState(current?.enabled ?? false);
  const [error, setError] = useState<Text | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    try {
      await call('PUT /api/admin/receivers/:kind', { params: { kind }, body: { url: url.trim(), helseIdClientId: clientId.trim() || null, enabled } });
      onSaved(t.receiverSaved(kindLabel(kind, t)));
    } catch (err) {
      const e2 = toApiError(err);
      setFields(e2.fields);
      setError(failure(err));
    }
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{kindLabel(kind, t)}</h3>
      <div class={`field${fields.url ? ' has-error' : ''}`}>
        <label for={`${id}-url`}>{t.receiverUrl}</label>
        <input id={`${id}-url`} type="text" inputMode="url" value={url} autoComplete="off" spellcheck={false} aria-invalid={fields.url ? true : undefined}
          aria-describedby={`${id}-url-error`} onInput={(e) => setUrl(e.currentTarget.value)} />
        <FieldError id={`${id}-url-error`} message={fields.url} />
      </div>
      <div class={`field${fields.helseIdClientId ? ' has-error' : ''}`}>
        <label for={`${id}-client`}>{t.receiverClientId}</label>
        <p class="hint" id={`${id}-client-hint`}>{t.receiverClientIdHint}</p>
        <input id={`${id}-client`} type="text" value={clientId} autoComplete="off" spellcheck={false}
          aria-describedby={`${id}-client-hint ${id}-client-error`} onInput={(e) => setClientId(e.currentTarget.value)} />
        <FieldError id={`${id}-client-error`} message={fields.helseIdClientId} />
      </div>
      <div class="field">
        <label>
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> {t.receiverEnabled}
        </label>
      </div>
      <div role="alert" class="form-alert">{error && <p class="notice notice-error">{textOf(error, t)}</p>}</div>
      <div class="actions">
        <button type="submit" class="button button-primary">{t.receiverSave}</button>
      </div>
    </form>
  );
}

/**
 * Outbound integrations for administrators: where the organisation's documents go (receivers
 * with HelseID client), the documents that gave up (dead letters) with resend, and the latest
 * deliveries. No patient data is shown; a resend is audited against the patient.
 */
export function IntegrationsPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.integrationsHeading));
  const receivers = useAsync(() => call('GET /api/admin/receivers'), []);
  const messages = useAsync(() => call('GET /api/admin/outbox'), []);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<Text | null>(null);
  const resend = async (m: OutboxMessage) => {
    setError(null);
    try {
      await call('POST /api/admin/outbox/:id/resend', { params: { id: m.id } });
      setStatus(t.outboxResent(kindLabel(m.receiverKind, t)));
      messages.reload();
    } catch (err) {
      setError(failure(err));
    }
  };
  return (
    <>
      <h1>{t.integrationsHeading}</h1>
      <p class="intro">{t.integrationsIntro}</p>
      <ActionFeedback status={status} error={error} />
      <h2>{t.deadLettersHeading}</h2>
      <Async state={messages}>
        {(data) => {
          const dead = data.messages.filter((m) => m.status === 'dead');
          const recent = data.messages.filter((m) => m.status !== 'dead').slice(0, 20);
          return (
            <>
              {dead.length === 0 ? (
                <p>{t.deadLettersNone}</p>
              ) : (
                <div class="alert-list">
                  {dead.map((m) => (
                    <article class="card" key={m.id} aria-labelledby={`dead-${m.id}`}>
                      <h3 id={`dead-${m.id}`}>{kindLabel(m.receiverKind, t)} · {m.documentKind}</h3>
                      <dl class="facts">
                        <div><dt>{t.outboxCreatedAt}</dt><dd><DateTime iso={m.createdAt} /></dd></div>
                        {m.deadAt && <div><dt>{t.outboxDeadAt}</dt><dd><DateTime iso={m.deadAt} /></dd></div>}
                        <div><dt>{t.outboxAttempts}</dt><dd>{m.attempts}</dd></div>
                        <div><dt>{t.outboxLastError}</dt><dd class="note-text">{m.lastError}</dd></div>
                        <div><dt>{t.receiverUrl}</dt><dd>{m.url}</dd></div>
                      </dl>
                      <div class="actions">
                        <button type="button" class="button button-primary" aria-describedby={`dead-${m.id}`} onClick={() => void resend(m)}>{t.outboxResend}</button>
                      </div>
                    </article>
                  ))}
                </div>
              )}
              <h2>{t.outboxRecentHeading}</h2>
              {recent.length === 0 ? (
                <p>{t.outboxRecentNone}</p>
              ) : (
                <TableRegion label={t.outboxRecentHeading}>
                  <table class="data-table">
                    <caption>{t.outboxRecentHeading}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t.outboxDocument}</th>
                        <th scope="col">{t.outboxCreatedAt}</th>
                        <th scope="col">{t.outboxStatusCol}</th>
                        <th scope="col">{t.outboxAttempts}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {recent.map((m) => (
                        <tr key={m.id}>
                          <th scope="row">{kindLabel(m.receiverKind, t)} <span class="muted">({m.documentKind})</span></th>
                          <td><DateTime iso={m.createdAt} /></td>
                          <td>
                            {m.status === 'delivered' ? t.outboxDelivered : t.outboxPending}
                            {m.status === 'delivered' && m.deliveredAt && <> (<DateTime iso={m.deliveredAt} />)</>}
                          </td>
                          <td>{m.attempts}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableRegion>
              )}
            </>
          );
        }}
      </Async>
      <h2>{t.receiversHeading}</h2>
      <p>{t.receiversIntro}</p>
      <Async state={receivers}>
        {(data) => (
          <div class="alert-list">
            {KINDS.map((k) => (
              <ReceiverForm key={`${k}-${data.receivers.find((r) => r.kind === k)?.updatedAt ?? ''}`} kind={k} current={data.receivers.find((r) => r.kind === k)}
                onSaved={(text) => { setStatus(text); receivers.reload(); }} />
            ))}
          </div>
        )}
      </Async>
    </>
  );
}

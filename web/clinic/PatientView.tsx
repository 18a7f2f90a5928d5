import { useEffect, useState } from 'preact/hooks';
import { api, isRecord, withQuery } from '../shared/api.js';
import { Async, DateTime, MessageThread, ObservationsTable, roleLabel } from '../shared/components.js';
import { formatDate, isoDaysAgo } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n, type Catalogue } from '../shared/i18n.js';
import type {
  Alert,
  AlertsResponse,
  Identifier,
  ObservationsResponse,
  PatientDetailResponse,
  PatientSummary,
} from '../shared/types.js';
import { AlertActionDialog, type AlertAction } from './AlertDialog.js';
import { AlertList, alertTitleId } from './AlertList.js';
import { Notes } from './Notes.js';
import { useStreamRefresh } from './stream.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function patientOf(detail: PatientDetailResponse): PatientSummary | null {
  if (isRecord(detail.patient)) return detail.patient;
  // Tolerate a flat response where the patient fields sit at the top level.
  const flat: unknown = detail;
  return isRecord(flat) && typeof flat.name === 'string' ? (flat as unknown as PatientSummary) : null;
}

function identifierInfo(identifier: PatientSummary['identifier'] | undefined, t: Catalogue): { label: string; value: string } | null {
  const list: Identifier[] = Array.isArray(identifier) ? identifier : identifier ? [identifier] : [];
  const first = list[0];
  if (!first) return null;
  const raw = typeof first === 'string' ? first : first.value;
  const isDNumber = typeof first !== 'string' && (first.system ?? '').endsWith('.4.2');
  // 11 digits are conventionally read as birth date + personal number.
  const value = /^\d{11}$/.test(raw) ? `${raw.slice(0, 6)} ${raw.slice(6)}` : raw;
  return { label: isDNumber ? t.dNumber : t.identifier, value };
}

function episodeStatusLabel(status: string | undefined, t: Catalogue): string | undefined {
  if (status === 'active') return t.episodeActive;
  if (status === 'paused') return t.episodePaused;
  if (status === 'ended') return t.episodeEnded;
  return status;
}

function riskLabel(risk: string | undefined, t: Catalogue): string | undefined {
  if (risk === 'medium') return t.riskMedium;
  if (risk === 'high') return t.riskHigh;
  return risk;
}

function memberText(member: unknown, t: Catalogue): string | undefined {
  if (typeof member === 'string') return member;
  if (!isRecord(member)) return undefined;
  const name = str(member.name) ?? (isRecord(member.personnel) ? str(member.personnel.name) : undefined);
  const org = str(member.organisation) ?? (isRecord(member.organisation) ? str(member.organisation.name) : undefined) ?? str(member.organisationName);
  const role = str(member.role);
  const details = [role ? roleLabel(role, t) : undefined, org].filter(Boolean).join(', ');
  if (!name && !details) return undefined;
  return details ? `${name ?? ''} (${details})`.trim() : name;
}

/** The contract does not fix the episode shape, so only recognisable fields are shown. */
function Episodes({ episodes }: { episodes: unknown }) {
  const { t } = useI18n();
  if (!Array.isArray(episodes) || episodes.length === 0) return null;
  return (
    <section class="card" aria-labelledby="episodes-heading">
      <h2 id="episodes-heading">{t.episodesHeading}</h2>
      {episodes.filter(isRecord).map((ep, i) => {
        const team = Array.isArray(ep.careTeam) ? ep.careTeam.map((m) => memberText(m, t)).filter(Boolean) : [];
        const status = episodeStatusLabel(str(ep.status), t);
        const risk = riskLabel(str(ep.riskLevel) ?? str(ep.risk), t);
        return (
          <dl key={str(ep.id) ?? i} class="facts">
            {status && (
              <div>
                <dt>{t.episodeStatus}</dt>
                <dd>{status}</dd>
              </div>
            )}
            {risk && (
              <div>
                <dt>{t.episodeRisk}</dt>
                <dd>{risk}</dd>
              </div>
            )}
            {team.length > 0 && (
              <div>
                <dt>{t.careTeam}</dt>
                <dd>{team.join('; ')}</dd>
              </div>
            )}
          </dl>
        );
      })}
    </section>
  );
}

function PatientFacts({ detail }: { detail: PatientDetailResponse }) {
  const { t, lang } = useI18n();
  const patient = patientOf(detail);
  const identifier = identifierInfo(patient?.identifier, t);
  const plan = isRecord(detail.plan) ? detail.plan : null;
  const planVersion = plan && (typeof plan.version === 'number' || typeof plan.version === 'string') ? String(plan.version) : undefined;
  const approvedAt = plan ? str(plan.approvedAt) : undefined;
  return (
    <dl class="facts facts-inline patient-facts">
      {patient?.birthDate && (
        <div>
          <dt>{t.birthDate}</dt>
          <dd>{formatDate(patient.birthDate, lang)}</dd>
        </div>
      )}
      {identifier && (
        <div>
          <dt>{identifier.label}</dt>
          <dd>{identifier.value}</dd>
        </div>
      )}
      {planVersion && (
        <div>
          <dt>{t.planVersion}</dt>
          <dd>{planVersion}</dd>
        </div>
      )}
      {approvedAt && (
        <div>
          <dt>{t.planApproved}</dt>
          <dd>
            <DateTime iso={approvedAt} />
          </dd>
        </div>
      )}
    </dl>
  );
}

export function PatientView({ id }: { id: string }) {
  const { t } = useI18n();
  const base = `/api/patients/${encodeURIComponent(id)}`;
  const detail = useAsync(() => api.get<PatientDetailResponse>(base), [base]);
  const alerts = useAsync(() => api.get<AlertsResponse>(`${base}/alerts`), [base]);
  const observations = useAsync(
    () => api.get<ObservationsResponse>(withQuery(`${base}/observations`, { from: isoDaysAgo(14) })),
    [base],
  );
  const [pending, setPending] = useState<{ alert: Alert; action: AlertAction } | null>(null);
  // Server answers to acknowledge/resolve, shown until the refetched list arrives.
  const [patched, setPatched] = useState<ReadonlyMap<string, Alert>>(new Map());
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const [status, setStatus] = useState<'ackDone' | 'resolveDone' | null>(null);
  const [notesKey, setNotesKey] = useState(0);

  const patient = detail.data ? patientOf(detail.data) : null;
  useDocumentTitle(t.pageTitle(patient?.name ?? t.loading));

  useStreamRefresh((event) => {
    if (event && event.patientId !== id) return;
    alerts.reload();
    observations.reload();
  });

  useEffect(() => setPatched(new Map()), [alerts.data]);

  useEffect(() => {
    if (!focusTarget) return;
    const el = document.getElementById(focusTarget);
    if (el) {
      el.focus();
      setFocusTarget(null);
    }
  }, [focusTarget, alerts.data, patched]);

  const onDone = (alert: Alert, action: AlertAction, updated: Alert | null): void => {
    setPending(null);
    if (updated) setPatched((m) => new Map(m).set(updated.id, updated));
    setStatus(action === 'acknowledge' ? 'ackDone' : 'resolveDone');
    // The pressed button may no longer exist (acknowledged/resolved), so focus a stable heading.
    setFocusTarget(action === 'acknowledge' ? alertTitleId(alert) : 'alerts-heading');
    setNotesKey((k) => k + 1);
    alerts.reload();
  };

  return (
    <>
      <p class="back-link">
        <a href="#/">
          <span aria-hidden="true">←</span>
          {t.backToWorklist}
        </a>
      </p>
      <h1>{patient?.name ?? t.loading}</h1>
      <Async state={detail}>{(data) => <PatientFacts detail={data} />}</Async>

      <section class="card" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading" tabIndex={-1}>
          {t.alertsHeading}
        </h2>
        <p role="status" class="status-text">
          {status && t[status]}
        </p>
        <Async state={alerts}>
          {(data) => (
            <AlertList
              alerts={data.alerts.map((a) => patched.get(a.id) ?? a)}
              onAction={(alert, action) => {
                setStatus(null);
                setPending({ alert, action });
              }}
            />
          )}
        </Async>
      </section>

      <section class="card" aria-labelledby="observations-heading">
        <h2 id="observations-heading">{t.clinicObservationsHeading}</h2>
        <Async state={observations}>
          {(data) =>
            data.observations.length === 0 ? (
              <p>{t.clinicObservationsEmpty}</p>
            ) : (
              <ObservationsTable observations={data.observations} caption={t.clinicObservationsCaption} />
            )
          }
        </Async>
      </section>

      <section class="card" aria-labelledby="notes-heading">
        <h2 id="notes-heading">{t.notesHeading}</h2>
        <Notes patientId={id} refreshKey={notesKey} />
      </section>

      <section class="card" aria-labelledby="messages-heading">
        <h2 id="messages-heading">{t.clinicMessagesHeading}</h2>
        <MessageThread path={`${base}/messages`} self="personnel" />
      </section>

      {detail.data && <Episodes episodes={detail.data.episodes} />}

      {pending && (
        <AlertActionDialog
          key={`${pending.alert.id}-${pending.action}`}
          alert={pending.alert}
          action={pending.action}
          onClose={() => setPending(null)}
          onDone={(updated) => onDone(pending.alert, pending.action, updated)}
        />
      )}
    </>
  );
}

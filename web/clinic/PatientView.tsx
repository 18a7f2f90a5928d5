import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { call, isRecord } from '../shared/api.js';
import { TrendChart } from '../shared/chart.js';
import { Async, DateTime, MessageThread, roleLabel } from '../shared/components.js';
import { formatDate, formatNumber, isoDaysAgo } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { localized, useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import { asPlan, chartCodes, thresholdsFor } from '../shared/plan.js';
import type { Alert } from '../../src/api/alerts.js';
import type { Episode, Identifier, PatientOverview as PatientDetailResponse, PatientHeader as PatientSummary } from '../../src/api/patients.js';
import { ZoneBadge } from '../shared/zone.js';
import { AlertActionDialog, type AlertAction } from './AlertDialog.js';
import { AlertList, alertTitleId } from './AlertList.js';
import { BulkAcknowledgeDialog } from './AlertDialog.js';
import { PatientDevices } from './Devices.js';
import { AlertBurden } from './AlertBurden.js';
import { VideoContact } from './VideoContact.js';
import { PatientEscalations } from './Escalations.js';
import { Notes } from './Notes.js';
import { PlanPanel } from './PlanPanel.js';
import { PathwayPanel, PlanGoals } from './PathwayPanel.js';
import { useStreamRefresh } from './stream.js';
import { useMe } from './me.js';
import { TextDialog } from './TextDialog.js';
import './clinic.css';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Texts of the phone-call header, the section bar and the bulk acknowledgement. */
const PV: Record<Lang, {
  age: (n: number) => string; phone: string; noPhone: string; careTeam: string; diagnoses: string; more: string;
  sections: string; tabs: Record<SectionKey, string>; ackAll: (n: number) => string; ackAllTitle: (n: number) => string; ackAllDone: (n: number) => string;
  responsibility: Record<string, string>;
}> = {
  nb: {
    age: (n) => `${n} år`, phone: 'Telefon', noPhone: 'Ingen telefon registrert', careTeam: 'Behandlingsteam', diagnoses: 'Diagnoser', more: 'Mer …',
    sections: 'Deler av pasientbildet',
    tabs: { overview: 'Oversikt', measurements: 'Målinger', plan: 'Plan', notes: 'Notater', messages: 'Meldinger', devices: 'Utstyr' },
    ackAll: (n) => `Kvitter alle ${n} med ett notat`, ackAllTitle: (n) => `Kvitter ${n} varsler med ett notat`, ackAllDone: (n) => `${n} varsler er kvittert.`,
    responsibility: { follow_up: 'oppfølging', gp: 'fastlege', hospital: 'sykehus' },
  },
  nn: {
    age: (n) => `${n} år`, phone: 'Telefon', noPhone: 'Ingen telefon registrert', careTeam: 'Behandlingsteam', diagnoses: 'Diagnosar', more: 'Meir …',
    sections: 'Delar av pasientbiletet',
    tabs: { overview: 'Oversikt', measurements: 'Målingar', plan: 'Plan', notes: 'Notat', messages: 'Meldingar', devices: 'Utstyr' },
    ackAll: (n) => `Kvitter alle ${n} med eitt notat`, ackAllTitle: (n) => `Kvitter ${n} varsel med eitt notat`, ackAllDone: (n) => `${n} varsel er kvitterte.`,
    responsibility: { follow_up: 'oppfølging', gp: 'fastlege', hospital: 'sjukehus' },
  },
  en: {
    age: (n) => `${n} years`, phone: 'Phone', noPhone: 'No phone number registered', careTeam: 'Care team', diagnoses: 'Diagnoses', more: 'More …',
    sections: 'Parts of the patient view',
    tabs: { overview: 'Overview', measurements: 'Measurements', plan: 'Plan', notes: 'Notes', messages: 'Messages', devices: 'Devices' },
    ackAll: (n) => `Acknowledge all ${n} with one note`, ackAllTitle: (n) => `Acknowledge ${n} alerts with one note`, ackAllDone: (n) => `${n} alerts acknowledged.`,
    responsibility: { follow_up: 'follow-up', gp: 'GP', hospital: 'hospital' },
  },
};

type SectionKey = 'overview' | 'measurements' | 'plan' | 'notes' | 'messages' | 'devices';
const SECTIONS: readonly { key: SectionKey; heading: string }[] = [
  { key: 'overview', heading: 'alerts-heading' },
  { key: 'measurements', heading: 'observations-heading' },
  { key: 'plan', heading: 'plan-heading' },
  { key: 'notes', heading: 'notes-heading' },
  { key: 'messages', heading: 'messages-heading' },
  { key: 'devices', heading: 'devices-heading' },
];

/** Whole years between the birth date and today (the patient's age as the nurse says it on the phone). */
export function ageOn(birthDate: string, today: Date = new Date()): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < mo || (today.getMonth() + 1 === mo && today.getDate() < d)) age--;
  return age;
}

/**
 * The header that stays on screen during a phone call: who, how old, what for, the number to call
 * and who else is involved; the rare, final "end the follow-up" sits in a menu, not as a button.
 */
function CallHeader({ patient, episode, active, onEnd }: { patient: PatientSummary | null; episode: Episode | null; active: boolean; onEnd: () => void }) {
  const { t, lang } = useI18n();
  const p = PV[lang];
  const phone = patient && isRecord(patient) ? str((patient as unknown as Record<string, unknown>).phone) : undefined;
  const age = patient?.birthDate ? ageOn(patient.birthDate) : null;
  const diagnoses = (episode?.diagnoses ?? []).map((d) => d.display || d.code);
  const team = (episode?.careTeam ?? []).map((m) => `${m.name} (${p.responsibility[m.responsibility] ?? m.responsibility})`);
  const menuRef = useRef<HTMLDetailsElement>(null);
  return (
    <header class="pv-header">
      <div class="pv-header-main">
        <h1 class="pv-name">
          {patient?.name ?? t.loading}
          {age !== null && <span class="pv-age">, {p.age(age)}</span>}
        </h1>
        {phone ? (
          <a class="pv-phone" href={`tel:${phone.replace(/\s+/g, '')}`}>
            <span class="visually-hidden">{p.phone}: </span>
            {phone}
          </a>
        ) : (
          <span class="pv-phone muted">{p.noPhone}</span>
        )}
        {active && (
          <details class="pv-menu" ref={menuRef}>
            <summary class="button button-secondary">{p.more}</summary>
            <div class="pv-menu-list">
              <button
                type="button"
                class="button button-secondary"
                onClick={() => {
                  if (menuRef.current) menuRef.current.open = false;
                  onEnd();
                }}
              >
                {t.pvEndMenuItem}
              </button>
            </div>
          </details>
        )}
      </div>
      <dl class="pv-facts">
        {diagnoses.length > 0 && (
          <div>
            <dt>{p.diagnoses}</dt>
            <dd>{diagnoses.join(', ')}</dd>
          </div>
        )}
        {team.length > 0 && (
          <div>
            <dt>{p.careTeam}</dt>
            <dd>{team.join('; ')}</dd>
          </div>
        )}
      </dl>
    </header>
  );
}

const tabId = (key: SectionKey) => `pv-tab-${key}`;
const panelId = (key: SectionKey) => `pv-panel-${key}`;

/**
 * The parts of the patient view as tabs (WAI-ARIA tabs pattern, automatic activation): one tab
 * stop, arrow keys move between tabs and show their panel, Home and End go to the first and last.
 */
function Tabs({ current, onSelect }: { current: SectionKey; onSelect: (key: SectionKey) => void }) {
  const { t, lang } = useI18n();
  const move = (e: KeyboardEvent, i: number) => {
    const last = SECTIONS.length - 1;
    const to = e.key === 'ArrowRight' ? (i === last ? 0 : i + 1) : e.key === 'ArrowLeft' ? (i === 0 ? last : i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
    if (to === null) return;
    e.preventDefault();
    const key = SECTIONS[to]!.key;
    onSelect(key);
    document.getElementById(tabId(key))?.focus();
  };
  return (
    <div class="pv-tablist" role="tablist" aria-label={t.pvTabsLabel}>
      {SECTIONS.map((sec, i) => (
        <button
          key={sec.key}
          type="button"
          role="tab"
          id={tabId(sec.key)}
          aria-selected={current === sec.key}
          aria-controls={panelId(sec.key)}
          tabIndex={current === sec.key ? 0 : -1}
          onClick={() => onSelect(sec.key)}
          onKeyDown={(e) => move(e, i)}
        >
          {PV[lang].tabs[sec.key]}
        </button>
      ))}
    </div>
  );
}

/** A tab's panel; the others stay mounted but hidden, so their data is ready when the nurse switches. */
function TabPanel({ tab, current, children }: { tab: SectionKey; current: SectionKey; children: ComponentChildren }) {
  return (
    <div class="pv-tabpanel" role="tabpanel" id={panelId(tab)} aria-labelledby={tabId(tab)} tabIndex={0} hidden={current !== tab}>
      {children}
    </div>
  );
}

function patientOf(detail: PatientDetailResponse): PatientSummary | null {
  if (isRecord(detail.patient)) return detail.patient;
  // Tolerate a flat response where the patient fields sit at the top level.
  const flat: unknown = detail;
  return isRecord(flat) && typeof flat.name === 'string' ? (flat as unknown as PatientSummary) : null;
}

function identifierInfo(patient: PatientSummary | null, t: Catalogue): { label: string; value: string } | null {
  const raw = patient?.identifier;
  if (!raw) return null;
  const isDNumber = patient.identifierSystem === 'dnr';
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
        const diagnoses = Array.isArray(ep.diagnoses)
          ? ep.diagnoses.filter(isRecord).map((d) => `${str(d.code) ?? ''} ${str(d.display) ?? ''}`.trim())
          : [];
        const risk = riskLabel(str(ep.riskLevel) ?? str(ep.risk), t);
        return (
          <dl key={str(ep.id) ?? i} class="facts">
            {status && (
              <div>
                <dt>{t.episodeStatus}</dt>
                <dd>{status}</dd>
              </div>
            )}
            {diagnoses.length > 0 && (
              <div>
                <dt>{t.episodeDiagnoses}</dt>
                <dd>{diagnoses.join('; ')}</dd>
              </div>
            )}
            {str(ep.startedAt) && (
              <div>
                <dt>{t.episodeStarted}</dt>
                <dd>
                  <DateTime iso={str(ep.startedAt)!} />
                </dd>
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
  const identifier = identifierInfo(patient, t);
  const plan = (currentEpisode(detail)?.plan as unknown as Record<string, unknown> | null) ?? null;
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

const PERIODS = [7, 30, 90] as const;

function currentEpisode(detail: PatientDetailResponse | undefined): Episode | null {
  const eps = Array.isArray(detail?.episodes) ? (detail.episodes as Episode[]) : [];
  return eps.find((e) => e.status !== 'ended') ?? eps[0] ?? null;
}

/** Every measure of the plan as a chart with the plan's zone bands, each with its table. */
function Trends({ patientId, episode, refreshKey }: { patientId: string; episode: Episode | null; refreshKey: number }) {
  const { t } = useI18n();
  const [days, setDays] = useState<number>(7);
  const periodId = useId();
  const observations = useAsync(
    () => call('GET /api/patients/:id/observations', { params: { id: patientId }, query: { from: isoDaysAgo(days), limit: 5000 } }),
    [patientId, days, refreshKey],
  );
  const plan = asPlan(episode?.plan?.definition);
  return (
    <>
      <div class="field period-field">
        <label for={periodId}>{t.periodLabel}</label>
        <select id={periodId} value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {PERIODS.map((d) => (
            <option key={d} value={String(d)}>
              {t.lastDays(d)}
            </option>
          ))}
        </select>
      </div>
      <Async state={observations}>
        {(data) =>
          data.observations.length === 0 && !plan ? (
            <p>{t.clinicObservationsEmptyDays(days)}</p>
          ) : (
            <div class="trend-list trend-grid">
              {chartCodes(plan, data.observations).map((code) => (
                <TrendChart key={code} code={code} observations={data.observations.filter((o) => o.code === code)} thresholds={thresholdsFor(plan, code)} days={days} />
              ))}
            </div>
          )
        }
      </Async>
    </>
  );
}

/** The latest questionnaire answers, item by item (PHQ-9 item 9 matters on its own). */
function Questionnaires({ patientId, refreshKey }: { patientId: string; refreshKey: number }) {
  const { t, lang } = useI18n();
  const state = useAsync(() => call('GET /api/patients/:id/questionnaire-responses', { params: { id: patientId }, query: { limit: 10 } }), [patientId, refreshKey]);
  return (
    <Async state={state}>
      {(data) =>
        data.responses.length === 0 ? (
          <p>{t.responsesEmpty}</p>
        ) : (
          <ul class="response-list">
            {data.responses.map((r) => (
              <li key={r.id} class="response">
                <p class="response-title">
                  <strong>{r.title ? localized(r.title, lang) : r.code}</strong> · <DateTime iso={r.effectiveAt} /> · {t.scoreLine(r.score, r.maxScore ?? 0)}
                  {r.severity && <> – {localized(r.severity, lang)}</>} {r.zone && <ZoneBadge zone={r.zone} size="sm" />}
                </p>
                <details>
                  <summary>{t.responseShowAnswers}</summary>
                  <ol class="answer-list">
                    {r.answers.map((a) => (
                      <li key={a.itemId}>
                        {localized(a.text, lang)}: <strong>{a.answerText ? localized(a.answerText, lang) : '–'}</strong>
                        {a.value !== null && <span class="muted"> ({formatNumber(a.value, lang)})</span>}
                      </li>
                    ))}
                  </ol>
                </details>
              </li>
            ))}
          </ul>
        )
      }
    </Async>
  );
}

export function PatientView({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const base = `/api/patients/${encodeURIComponent(id)}`;
  const detail = useAsync(() => call('GET /api/patients/:id', { params: { id } }), [id]);
  const alerts = useAsync(() => call('GET /api/patients/:id/alerts', { params: { id } }), [id]);
  const escalations = useAsync(() => call('GET /api/patients/:id/escalations', { params: { id } }), [id]);
  const [pending, setPending] = useState<{ alert: Alert; action: AlertAction } | null>(null);
  const [escalating, setEscalating] = useState<Alert | null>(null);
  const [tab, setTab] = useState<SectionKey>('overview');
  // Bumped by the header menu's "end the follow-up": the pathway panel opens its end form.
  const [endRequest, setEndRequest] = useState(0);
  const [bulk, setBulk] = useState<Alert[] | null>(null);
  // Server answers to acknowledge/resolve, shown until the refetched list arrives.
  const [patched, setPatched] = useState<ReadonlyMap<string, Alert>>(new Map());
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [headerStatus, setHeaderStatus] = useState<string | null>(null);
  const [notesKey, setNotesKey] = useState(0);
  const [dataKey, setDataKey] = useState(0);

  const patient = detail.data ? patientOf(detail.data) : null;
  const episode = currentEpisode(detail.data);
  const active = episode !== null && episode.status !== 'ended';
  useDocumentTitle(t.pageTitle(patient?.name ?? t.loading));

  useStreamRefresh((event) => {
    if (event && event.patientId !== id) return;
    alerts.reload();
    escalations.reload();
    setDataKey((k) => k + 1);
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
    setStatus(action === 'acknowledge' ? t.ackDone : t.resolveDone);
    // The pressed button may no longer exist (acknowledged/resolved), so focus a stable heading.
    setFocusTarget(action === 'acknowledge' ? alertTitleId(alert) : 'alerts-heading');
    setNotesKey((k) => k + 1);
    alerts.reload();
  };

  const escalated = new Set((escalations.data?.escalations ?? []).filter((e) => e.status === 'open').map((e) => e.alertId));
  const gpOffice = episode?.careTeam.find((m) => m.responsibility === 'gp');
  const canEscalate = active && gpOffice !== undefined && gpOffice.organisationId !== undefined;

  return (
    <>
      <p class="back-link" hidden={!!useMe()?.launchPatient}>
        <a href="#/">
          <span aria-hidden="true">←</span>
          {t.backToWorklist}
        </a>
      </p>
      <CallHeader
        patient={patient}
        episode={episode}
        active={active}
        onEnd={() => {
          // The pathway's own end form (reason from the fixed list, equipment, summary to the GP), on the overview.
          setTab('overview');
          setEndRequest((n) => n + 1);
        }}
      />
      {active && <VideoContact patientId={id} onDocumented={() => setNotesKey((k) => k + 1)} />}
      <Async state={detail}>{(data) => <PatientFacts detail={data} />}</Async>
      {episode && !active && (
        <p class="notice notice-info">
          {t.episodeEndedNotice} {episode.endReason && <>({episode.endReason})</>}
        </p>
      )}
      <p role="status" class="status-text">
        {headerStatus}
      </p>
      <Tabs current={tab} onSelect={setTab} />

      <TabPanel tab="overview" current={tab}>
      <section class="card" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading" tabIndex={-1}>
          {t.alertsHeading}
        </h2>
        <p role="status" class="status-text">
          {status}
        </p>
        <Async state={alerts}>
          {(data) => {
            const rank = (a: Alert): number => ({ red: 0, yellow: 1 } as Record<string, number>)[a.zone ?? ''] ?? 2;
            const open = data.alerts.map((a) => patched.get(a.id) ?? a).filter((a) => a.status === 'open').sort((a, b) => rank(a) - rank(b));
            return (
            <>
            {open.length > 1 && (
              <div class="actions bulk-ack">
                <button type="button" class="button button-primary" onClick={() => {
                  setStatus(null);
                  setBulk(open);
                }}>
                  {PV[lang].ackAll(open.length)}
                </button>
              </div>
            )}
            <AlertList
              alerts={data.alerts.map((a) => patched.get(a.id) ?? a)}
              onAction={(alert, action) => {
                setStatus(null);
                setPending({ alert, action });
              }}
              onEscalate={canEscalate ? (alert) => {
                setStatus(null);
                setEscalating(alert);
              } : undefined}
              escalated={escalated}
            />
            </>
            );
          }}
        </Async>
        <AlertBurden patientId={id} refreshKey={notesKey} />
      </section>

      {/* The follow-up pathway comes after the alerts: on the phone the open alerts are what matters first. */}
      <PathwayPanel patientId={id} onChanged={detail.reload} endRequest={endRequest} />

      <section class="card" aria-labelledby="escalations-heading">
        <h2 id="escalations-heading" tabIndex={-1}>{t.escalationsHeading}</h2>
        <PatientEscalations patientId={id} refreshKey={dataKey} />
      </section>
      {detail.data && <Episodes episodes={detail.data.episodes} />}
      </TabPanel>

      <TabPanel tab="measurements" current={tab}>
      <section class="card" aria-labelledby="observations-heading">
        <h2 id="observations-heading" tabIndex={-1}>{t.clinicTrendsHeading}</h2>
        <Trends patientId={id} episode={episode} refreshKey={dataKey} />
      </section>

      <section class="card" aria-labelledby="responses-heading">
        <h2 id="responses-heading" tabIndex={-1}>{t.responsesHeading}</h2>
        <Questionnaires patientId={id} refreshKey={dataKey} />
      </section>
      </TabPanel>

      <TabPanel tab="plan" current={tab}>
      <section class="card" aria-labelledby="plan-heading">
        <h2 id="plan-heading" tabIndex={-1}>{t.planHeading}</h2>
        <PlanGoals patientId={id} />
        <PlanPanel patientId={id} active={active} onChanged={detail.reload} />
      </section>
      </TabPanel>

      <TabPanel tab="notes" current={tab}>
      <section class="card" aria-labelledby="notes-heading">
        <h2 id="notes-heading" tabIndex={-1}>{t.notesHeading}</h2>
        <Notes patientId={id} refreshKey={notesKey} />
      </section>
      </TabPanel>

      <TabPanel tab="messages" current={tab}>
      <section class="card" aria-labelledby="messages-heading">
        <h2 id="messages-heading" tabIndex={-1}>{t.clinicMessagesHeading}</h2>
        <MessageThread path={`${base}/messages`} self="personnel" />
      </section>
      </TabPanel>

      <TabPanel tab="devices" current={tab}>
      <section class="card" aria-labelledby="devices-heading">
        <h2 id="devices-heading" tabIndex={-1}>{t.loansHeading}</h2>
        <PatientDevices patientId={id} active={active} />
      </section>
      </TabPanel>

      {pending && (
        <AlertActionDialog
          key={`${pending.alert.id}-${pending.action}`}
          alert={pending.alert}
          action={pending.action}
          onClose={() => setPending(null)}
          onDone={(updated) => onDone(pending.alert, pending.action, updated)}
        />
      )}
      {bulk && (
        <BulkAcknowledgeDialog
          patientId={id}
          alerts={bulk}
          title={PV[lang].ackAllTitle(bulk.length)}
          onClose={() => setBulk(null)}
          onDone={(updated) => {
            setBulk(null);
            setPatched((m) => {
              const next = new Map(m);
              for (const a of updated) next.set(a.id, a);
              return next;
            });
            setStatus(PV[lang].ackAllDone(updated.length));
            setFocusTarget('alerts-heading');
            setNotesKey((k) => k + 1);
            alerts.reload();
          }}
        />
      )}
      {escalating && (
        <TextDialog
          key={escalating.id}
          title={t.escalateTitle}
          context={
            <>
              <ZoneBadge zone={escalating.zone} size="sm" />
              <p>{localized(escalating.summary, lang)}</p>
              {gpOffice && <p>{t.escalateTo(gpOffice.name)}</p>}
            </>
          }
          label={t.escalateNote}
          hint={t.escalateHint}
          minLength={3}
          confirm={t.escalateConfirm}
          onSubmit={async (note) => {
            await call('POST /api/alerts/:id/escalate', { params: { id: escalating.id }, body: { note } });
            setStatus(t.escalateDone(gpOffice?.name ?? ''));
            setFocusTarget(alertTitleId(escalating));
            escalations.reload();
            setDataKey((k) => k + 1);
          }}
          onClose={() => setEscalating(null)}
        />
      )}
    </>
  );
}

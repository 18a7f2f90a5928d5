import { call } from '../shared/api.js';
import { Async, DateTime, roleLabel } from '../shared/components.js';
import { formatDay, formatTime } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import type { AccessEvent } from '../../src/api/me.js';
import { DelegatedToMe, Delegations } from './Delegations.js';

function actionLabel(action: string, t: Catalogue): string {
  switch (action.toLowerCase()) {
    case 'read':
    case 'view':
    case 'search':
      return t.actionRead;
    case 'create':
      return t.actionCreate;
    case 'update':
    case 'write':
      return t.actionUpdate;
    case 'delete':
      return t.actionDelete;
    case 'emergency':
    case 'emergency-access':
    case 'break-glass':
      return t.actionEmergency;
    default:
      return action;
  }
}

function resourceLabel(type: string, t: Catalogue): string {
  switch (type.toLowerCase().replace(/[\s_-]/g, '')) {
    case 'observation':
      return t.resourceObservation;
    case 'patient':
      return t.resourcePatient;
    case 'alert':
    case 'flag':
      return t.resourceAlert;
    case 'message':
    case 'communication':
      return t.resourceMessage;
    case 'plan':
    case 'careplan':
      return t.resourcePlan;
    case 'note':
    case 'contactnote':
      return t.resourceNote;
    case 'episode':
    case 'episodeofcare':
      return t.resourceEpisode;
    case 'questionnaireresponse':
    case 'questionnaire':
      return t.resourceQuestionnaire;
    case 'device':
    case 'deviceloan':
      return t.resourceDevice;
    case 'auditevent':
    case 'accesslog':
      return t.resourceAudit;
    case 'emergencyaccess':
      return t.actionEmergency;
    case 'devicemetric':
      return t.resourceDevice;
    case 'escalation':
      return t.accessResEscalation;
    case 'escalationanswer':
      return t.accessResEscalationAnswer;
    case 'encounter':
      return t.accessResEncounter;
    case 'bundle':
      return t.accessResBundle;
    case 'composition':
    case 'detectedissue':
      return t.accessResRecordDocument;
    case 'referral':
    case 'servicerequest':
      return t.accessResReferral;
    default:
      // Never a technical type name in a patient's page.
      return t.accessResOther;
  }
}

function organisationName(org: AccessEvent['organisation']): string {
  return org ?? '';
}

/** Events of one person closer together than this are one visit (one row). */
const VISIT_GAP_MS = 30 * 60_000;

interface Visit {
  key: string;
  start: string;
  end: string;
  who: string;
  role: string | null;
  organisation: string;
  actions: Set<string>;
  resources: string[];
  emergency: boolean;
  reasons: string[];
}

/** Groups the log into visits: one person, one organisation and role, without a long pause. Newest first. */
export function groupVisits(events: AccessEvent[]): Visit[] {
  const asc = [...events].sort((a, b) => a.at.localeCompare(b.at));
  const open = new Map<string, Visit>();
  const visits: Visit[] = [];
  for (const ev of asc) {
    const who = `${ev.actorName}|${organisationName(ev.organisation)}|${ev.role ?? ''}`;
    const cur = open.get(who);
    if (cur && Date.parse(ev.at) - Date.parse(cur.end) <= VISIT_GAP_MS) {
      cur.end = ev.at;
      cur.actions.add(ev.action.toLowerCase());
      if (!cur.resources.includes(ev.resourceType)) cur.resources.push(ev.resourceType);
      cur.emergency ||= Boolean(ev.emergency);
      if (ev.reason && !cur.reasons.includes(ev.reason)) cur.reasons.push(ev.reason);
      continue;
    }
    const v: Visit = {
      key: `${who}-${ev.at}`, start: ev.at, end: ev.at, who: ev.actorName ?? '', role: ev.role, organisation: organisationName(ev.organisation),
      actions: new Set([ev.action.toLowerCase()]), resources: [ev.resourceType], emergency: Boolean(ev.emergency), reasons: ev.reason ? [ev.reason] : [],
    };
    open.set(who, v);
    visits.push(v);
  }
  return visits.reverse();
}

const VISIT_TEXT: Record<Lang, { opened: string; changed: string; looked: string; you: string; system: string; at: (time: string) => string }> = {
  nb: { opened: 'åpnet journalen din', changed: 'la inn eller endret opplysninger', looked: 'Så på eller endret', you: 'Du selv', system: 'Varde (automatisk)', at: (t) => `kl. ${t}` },
  nn: { opened: 'opna journalen din', changed: 'la inn eller endra opplysningar', looked: 'Såg på eller endra', you: 'Du sjølv', system: 'Varde (automatisk)', at: (t) => `kl. ${t}` },
  en: { opened: 'opened your record', changed: 'added or changed information', looked: 'Looked at or changed', you: 'You', system: 'Varde (automatic)', at: (t) => `at ${t}` },
};

/** "Nora Berg, sykepleier, Bergvik kommune, åpnet journalen din kl. 09:07". */
function visitLine(v: Visit, t: Catalogue, lang: Lang): string {
  const x = VISIT_TEXT[lang];
  const person = v.role === 'patient' ? x.you : v.who || x.system;
  const parts = [person, v.role && v.role !== 'patient' ? roleLabel(v.role, t).toLowerCase() : '', v.organisation].filter(Boolean);
  const verb = v.actions.has('read') || v.actions.has('view') || v.actions.has('search') ? x.opened : x.changed;
  return `${parts.join(', ')}, ${verb} ${x.at(formatTime(v.start, lang))}`;
}

export function AccessLogPage() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.accessHeading));
  const state = useAsync(() => call('GET /api/me/access-log'), []);
  return (
    <>
      <h1>{t.accessHeading}</h1>
      <p class="intro">{t.accessIntro}</p>
      <Async state={state}>
        {(data) => {
          if (data.events.length === 0) return <p>{t.accessEmpty}</p>;
          // One row per visit, under a heading per day: readable on an iPad without sideways scrolling.
          const visits = groupVisits(data.events);
          const days: { day: string; visits: Visit[] }[] = [];
          for (const v of visits) {
            const day = formatDay(v.start, lang);
            const last = days[days.length - 1];
            if (last && last.day === day) last.visits.push(v);
            else days.push({ day, visits: [v] });
          }
          return (
            <div class="access-log">
              {days.map((d) => (
                <section key={d.day} aria-label={d.day}>
                  <h2 class="access-day">{d.day}</h2>
                  <ul class="visit-list">
                    {d.visits.map((v) => (
                      <li key={v.key} class={`visit${v.emergency ? ' visit-emergency' : ''}`}>
                        <p class="visit-line">
                          {v.emergency && <strong class="tag-emergency">{t.actionEmergency}: </strong>}
                          {visitLine(v, t, lang)}
                        </p>
                        <p class="visit-what">
                          {VISIT_TEXT[lang].looked}: {v.resources.map((r) => resourceLabel(r, t).toLowerCase()).join(', ')}
                          {v.reasons.length > 0 && <span class="hint"> («{v.reasons.join('», «')}»)</span>}
                        </p>
                        <p class="visit-time">
                          <DateTime iso={v.start} />
                          {/* A range only when the visit spans minutes ("14:00 – 14:00" says nothing). */}
                          {formatTime(v.end, lang) !== formatTime(v.start, lang) && <> – {formatTime(v.end, lang)}</>}
                        </p>
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
            </div>
          );
        }}
      </Async>
      <Delegations />
      <DelegatedToMe />
    </>
  );
}

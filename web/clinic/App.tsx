import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { call, logout } from '../shared/api.js';
import { AppShell, shellNav, type ShellRoute } from '../shared/AppShell.js';
import { LoadError, Loading, roleLabel } from '../shared/components.js';
import { useAsync, useHashPath } from '../shared/hooks.js';
import { i18nFor, isLang, type Lang } from '../shared/i18n.js';
import type { PersonnelMe } from '../../src/api/session.js';
import { DevicesPage } from './Devices.js';
import { EnrolPage } from './EnrolPage.js';
import { EscalationsPage } from './Escalations.js';
import { OpeningHoursPage } from './OpeningHoursPage.js';
import { InboxNavBadge, InboxPage } from './InboxPage.js';
import { canManageDevices, canSeeReports, isClinical, isGp, MeContext } from './me.js';
import { PatientView } from './PatientView.js';
import { ReportsPage } from './ReportsPage.js';
import { ReferralsPage } from './ReferralsPage.js';
import { StreamContext, useWorklistStreamSource } from './stream.js';
import { Worklist } from './Worklist.js';
import { EmergencyReviewPage } from './EmergencyReview.js';
import { IntegrationsPage } from './IntegrationsPage.js';

const LANG_KEY = 'varde.clinic.lang';

function storedLang(): Lang {
  try {
    const value = window.localStorage.getItem(LANG_KEY);
    return isLang(value) ? value : 'nb';
  } catch {
    // Storage can be blocked by browser policy; bokmål is the default anyway.
    return 'nb';
  }
}

function storeLang(lang: Lang): void {
  try {
    window.localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Not remembering the choice is acceptable.
  }
}

function patientIdFrom(path: string): string | null {
  const m = /^\/pasient\/([^/]+)$/.exec(path);
  if (!m?.[1]) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

interface Page extends ShellRoute {
  allowed: (me: PersonnelMe) => boolean;
}

/** Pages by role: the follow-up nurse's worklist, the GP's escalations and enrolment, reports for coordinators. */
const PAGES: readonly Page[] = [
  { path: '/', label: (t) => t.navWorklist, allowed: isClinical, render: () => <Worklist /> },
  // The follow-up service answers patients' messages; a GP office has its escalations instead.
  { path: '/meldinger', label: (t) => t.navInbox, allowed: (me) => isClinical(me) && me.organisation.kind !== 'gp_office', render: () => <InboxPage />, badge: () => <InboxNavBadge /> },
  { path: '/eskaleringer', label: (t) => t.navEscalations, allowed: (me) => isClinical(me) && me.organisation.kind === 'gp_office', render: () => <EscalationsPage /> },
  { path: '/innmelding', label: (t) => t.navEnrol, allowed: isGp, render: () => <EnrolPage /> },
  // Referrals and pathway tasks: every clinical role refers; the follow-up service decides.
  { path: '/henvisninger', label: (t) => t.navReferrals, allowed: isClinical, render: () => <ReferralsPage /> },
  { path: '/rapporter', label: (t) => t.navReports, allowed: canSeeReports, render: () => <ReportsPage /> },
  { path: '/utstyr', label: (t) => t.navDevices, allowed: canManageDevices, render: () => <DevicesPage /> },
  // Those who run the follow-up service keep its opening hours (what patients are told after hours).
  { path: '/apningstider', label: (t) => t.navOpeningHours, allowed: (me) => ['nurse', 'coordinator', 'admin'].includes(me.role), render: () => <OpeningHoursPage /> },
  { path: '/nodtilgang', label: (t) => t.navEmergency, allowed: (me) => ['coordinator', 'admin'].includes(me.role), render: () => <EmergencyReviewPage /> },
  { path: '/utsending', label: (t) => t.navIntegrations, allowed: (me) => me.role === 'admin', render: () => <IntegrationsPage /> },
];

export function App() {
  const me = useAsync(() => call('GET /api/me'), []);
  const path = useHashPath();
  const [lang, setLang] = useState<Lang>(storedLang);
  const i18n = useMemo(() => i18nFor(lang), [lang]);
  const { t } = i18n;
  const personnel = me.data?.kind === 'personnel' ? me.data : null;
  // Only clinical roles may open the live stream (coordinators and administrators see no patient data).
  const stream = useWorklistStreamSource(personnel !== null && isClinical(personnel), lang);

  const changeLang = (next: Lang): void => {
    setLang(next);
    storeLang(next);
  };

  // Opened from the EPJ by a SMART launch: this patient only, no way to the worklist or other patients (the server refuses them too).
  const launched = personnel?.launchPatient ?? null;
  const patientId = launched ? launched.id : patientIdFrom(path);
  const pages = personnel && !launched ? PAGES.filter((p) => p.allowed(personnel)) : [];
  // A coordinator has no worklist: their start page is the first page they may see.
  const page = patientId ? undefined : (pages.find((p) => p.path === path) ?? pages[0]);

  let content: ComponentChildren;
  if (me.error && !me.data) content = <LoadError error={me.error} onRetry={me.reload} />;
  else if (!me.data) content = <Loading />;
  else if (!personnel)
    content = (
      <div class="notice notice-info">
        <p>{t.wrongAppPatient}</p>
        <p>
          <a href="/patient/">{t.goToPatient}</a>
        </p>
      </div>
    );
  else if (launched)
    content = (
      <>
        <p class="notice notice-info launch-banner" role="status">
          <strong>{t.smartLaunchBanner(launched.name)}</strong> {t.smartLaunchOnly}
        </p>
        <PatientView key={launched.id} id={launched.id} />
      </>
    );
  else if (patientId) content = <PatientView key={patientId} id={patientId} />;
  else if (page) content = page.render();
  else content = <p class="notice notice-info">{t.noPagesForRole}</p>;

  const nav = personnel && !launched ? shellNav(pages, page, t) : null;
  // Only clinical roles have the live stream; its state is shown in the header on every page.
  const live = personnel && isClinical(personnel) ? { on: stream.status !== 'error', label: stream.status === 'error' ? t.shellLiveOff : t.shellLiveOn } : null;

  return (
    <MeContext.Provider value={personnel}>
      <StreamContext.Provider value={stream}>
        <AppShell
          i18n={i18n}
          path={path}
          brand={t.clinicName}
          user={
            personnel && (
              <p class="user-info">
                <strong>{personnel.personnel.name}</strong>
                <span>
                  {roleLabel(personnel.role, t)}, {personnel.organisation.name}
                </span>
              </p>
            )
          }
          live={live}
          onLang={changeLang}
          onLogout={() => void logout()}
          nav={nav}
          navLabel={t.clinicNav}
          mainClass="page page-wide"
        >
          {content}
        </AppShell>
      </StreamContext.Provider>
    </MeContext.Provider>
  );
}

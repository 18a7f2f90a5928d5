import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, logout } from '../shared/api.js';
import { AppShell, shellNav, type ShellRoute } from '../shared/AppShell.js';
import { LoadError, Loading } from '../shared/components.js';
import { useAsync, useHashPath, useOnline } from '../shared/hooks.js';
import { i18nFor, isLang, type Lang } from '../shared/i18n.js';
import { AccessLogPage } from './AccessLogPage.js';
import { Home } from './Home.js';
import { MessagesNavBadge, MessagesPage } from './MessagesPage.js';
import { ObservationsPage } from './ObservationsPage.js';
import { Outbox, OutboxContext } from './outbox.js';
import { OutboxPanel } from './OutboxPanel.js';
import { QuestionnairePage } from './QuestionnairePage.js';
import { LoginAgainNotice, SessionWarning, StatusContext, useStatusLoader } from './status.js';
import { EmergencyNumbers } from './Emergency.js';
import { MyPlanPage } from './MyPlanPage.js';
import { RelativeHome } from './Delegations.js';

const ROUTES: readonly ShellRoute[] = [
  { path: '/', label: (t) => t.navToday, render: () => <Home /> },
  { path: '/maal', label: (t) => t.navObservations, render: () => <ObservationsPage /> },
  { path: '/plan', label: (t) => t.myPlanNav, render: () => <MyPlanPage /> },
  { path: '/meldinger', label: (t) => t.navMessages, render: () => <MessagesPage />, badge: () => <MessagesNavBadge /> },
  { path: '/tilgang', label: (t) => t.navAccess, render: () => <AccessLogPage /> },
];

/** How often waiting submissions are retried while the app is open (besides the 'online' event). */
const RETRY_MS = 15_000;

/** Logging out removes the app's cached copies of the patient's data from this device. */
async function logoutAndForget(): Promise<void> {
  try {
    if (typeof caches !== 'undefined') for (const k of await caches.keys()) if (k.startsWith('varde-patient')) await caches.delete(k);
  } catch {
    // Cache Storage may be unavailable (private mode); nothing is cached then.
  }
  await logout();
}

function questionnaireCode(path: string): string | null {
  const m = /^\/skjema\/([a-z0-9_-]+)$/.exec(path);
  return m?.[1] ?? null;
}

/** Retries the queue when the network comes back, when the app is shown again, and periodically. */
function useOutboxRetry(outbox: Outbox | null): void {
  useEffect(() => {
    if (!outbox) return;
    const flush = () => {
      if (outbox.pending().length > 0) void outbox.flush();
    };
    flush();
    const onVisible = () => document.visibilityState === 'visible' && flush();
    const onStorage = () => outbox.notifyExternalChange();
    window.addEventListener('online', flush);
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('storage', onStorage);
    const id = window.setInterval(flush, RETRY_MS);
    return () => {
      window.removeEventListener('online', flush);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('storage', onStorage);
      window.clearInterval(id);
    };
  }, [outbox]);
}

export function App() {
  const me = useAsync(() => call('GET /api/me'), []);
  const path = useHashPath();
  const [chosenLang, setChosenLang] = useState<Lang | null>(null);
  const [langBusy, setLangBusy] = useState(false);
  const [langFailed, setLangFailed] = useState(false);

  const serverLang = me.data?.kind === 'patient' && isLang(me.data.patient.lang) ? me.data.patient.lang : 'nb';
  const lang = chosenLang ?? serverLang;
  const i18n = useMemo(() => i18nFor(lang), [lang]);
  const { t } = i18n;
  const patient = me.data?.kind === 'patient' ? me.data.patient : null;
  // A relative (not a patient) logged in to record for the patients who delegated to them: only that view.
  const relative = me.data?.kind === 'relative' ? me.data.relative : null;
  // One queue per patient, so a shared tablet never sends one person's readings as another's.
  const outbox = useMemo(() => (patient ? new Outbox(`varde.outbox.v1.${patient.id}`) : null), [patient?.id]);
  useOutboxRetry(outbox);
  const status = useStatusLoader(path, patient !== null, outbox);
  const online = useOnline();

  const changeLang = async (next: Lang): Promise<void> => {
    const previous = lang;
    setChosenLang(next);
    // A relative has no language setting on the server (their session reaches only the relative routes).
    if (relative) return;
    setLangBusy(true);
    setLangFailed(false);
    try {
      await call('PUT /api/me/language', { body: { lang: next } });
    } catch {
      // The server decides the language of feedback texts, so the UI must not drift from it.
      setChosenLang(previous);
      setLangFailed(true);
    } finally {
      setLangBusy(false);
    }
  };

  const code = questionnaireCode(path);
  const route = code ? undefined : (ROUTES.find((r) => r.path === path) ?? ROUTES[0]);

  let content: ComponentChildren;
  if (me.error && !me.data) content = <LoadError error={me.error} onRetry={me.reload} />;
  else if (!me.data) content = <Loading />;
  else if (relative) content = <RelativeHome name={relative.name} />;
  else if (!patient)
    content = (
      <div class="notice notice-info">
        <p>{t.wrongAppPersonnel}</p>
        <p>
          <a href="/clinic/">{t.goToClinic}</a>
        </p>
      </div>
    );
  else if (code) content = <QuestionnairePage key={code} code={code} />;
  else content = route?.render();

  const nav = patient ? shellNav(ROUTES, route, t) : null;

  return (
    <OutboxContext.Provider value={outbox}>
      <StatusContext.Provider value={status}>
        <AppShell
          i18n={i18n}
          path={path}
          brand={t.appName}
          user={(patient ?? relative) && <p class="user-name">{(patient ?? relative)?.name}</p>}
          // Only worth a line on a small screen when something is wrong: readings then wait on the device.
          live={patient && !online ? { on: false, label: t.shellOffline } : null}
          onLang={(l) => void changeLang(l)}
          langBusy={langBusy}
          langFailed={langFailed}
          onLogout={() => void logoutAndForget()}
          nav={nav}
          navLabel={t.patientNav}
          headerClass="patient-header"
          beforeContent={
            patient && (
              <>
                <SessionWarning />
                <LoginAgainNotice />
                <OutboxPanel />
              </>
            )
          }
          footer={patient && <EmergencyNumbers />}
        >
          {content}
        </AppShell>
      </StatusContext.Provider>
    </OutboxContext.Provider>
  );
}

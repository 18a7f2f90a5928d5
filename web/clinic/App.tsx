import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, logout } from '../shared/api.js';
import { LanguageSwitcher, LoadError, Loading, roleLabel } from '../shared/components.js';
import { useAsync, useFocusHeadingOnNavigate, useHashPath } from '../shared/hooks.js';
import { applyDocumentLang, i18nFor, I18nContext, isLang, type Lang } from '../shared/i18n.js';
import type { Me } from '../shared/types.js';
import { PatientView } from './PatientView.js';
import { StreamContext, useWorklistStreamSource } from './stream.js';
import { Worklist } from './Worklist.js';

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

function skipToMain(e: Event): void {
  e.preventDefault();
  document.getElementById('main')?.focus();
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

export function App() {
  const me = useAsync(() => api.get<Me>('/api/me'), []);
  const path = useHashPath();
  const [lang, setLang] = useState<Lang>(storedLang);
  const i18n = useMemo(() => i18nFor(lang), [lang]);
  const { t } = i18n;
  const personnel = me.data?.kind === 'personnel' ? me.data : null;
  const stream = useWorklistStreamSource(personnel !== null);

  useEffect(() => applyDocumentLang(lang), [lang]);
  useFocusHeadingOnNavigate(path);

  const changeLang = (next: Lang): void => {
    setLang(next);
    storeLang(next);
  };

  const patientId = patientIdFrom(path);

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
  else if (patientId) content = <PatientView key={patientId} id={patientId} />;
  else content = <Worklist />;

  return (
    <I18nContext.Provider value={i18n}>
      <StreamContext.Provider value={stream}>
        <a class="skip-link" href="#main" onClick={skipToMain}>
          {t.skipToContent}
        </a>
        <header class="site-header">
          <div class="header-bar">
            <a class="brand" href="#/">
              <span class="brand-mark" aria-hidden="true" />
              {t.clinicName}
            </a>
            {personnel && (
              <p class="user-info">
                <strong>{personnel.personnel.name}</strong>
                <span>
                  {roleLabel(personnel.role, t)}, {personnel.organisation.name}
                </span>
              </p>
            )}
            <div class="header-tools">
              <LanguageSwitcher lang={lang} onChange={changeLang} />
              <button type="button" class="button button-secondary" onClick={() => void logout()}>
                {t.logout}
              </button>
            </div>
          </div>
          {personnel && (
            <nav class="main-nav" aria-label={t.clinicNav}>
              <ul>
                <li>
                  <a href="#/" aria-current={patientId ? undefined : 'page'}>
                    {t.navWorklist}
                  </a>
                </li>
              </ul>
            </nav>
          )}
        </header>
        <main id="main" tabIndex={-1} class="page page-wide">
          {content}
        </main>
      </StreamContext.Provider>
    </I18nContext.Provider>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LanguageSwitcher } from './components.js';
import { useFocusHeadingOnNavigate } from './hooks.js';
import { applyDocumentLang, I18nContext, type Catalogue, type I18nValue, type Lang } from './i18n.js';

/** One entry of the main navigation. */
export interface ShellNavItem {
  path: string;
  label: string;
  current: boolean;
  /** Shown after the label (a count). */
  badge?: ComponentChildren;
}

/** A page of an app's main navigation, as each app lists them. */
export interface ShellRoute {
  path: string;
  label: (t: Catalogue) => string;
  render: () => ComponentChildren;
  /** Shown after the label in the navigation (a count). */
  badge?: () => ComponentChildren;
}

/**
 * The navigation for the pages a user may open, in the user's language, marking the page shown.
 * @param current the page shown (undefined on a page outside the navigation, e.g. a patient)
 */
export function shellNav(routes: readonly ShellRoute[], current: ShellRoute | undefined, t: Catalogue): ShellNavItem[] {
  return routes.map((r) => ({ path: r.path, label: r.label(t), current: r === current, badge: r.badge?.() }));
}

/** The live connection: the clinic's event stream, or the patient's network. */
export interface ShellLive {
  on: boolean;
  label: string;
}

function skipToMain(e: Event): void {
  // The hash is the router's, so the skip link moves focus itself instead of changing it.
  e.preventDefault();
  document.getElementById('main')?.focus();
}

/**
 * The frame both apps share: skip link, header (brand, who is logged in, live connection status,
 * language, logout), the main navigation and the main area. On a narrow screen — in em, so 200 %
 * text counts as narrow — who is logged in, the language and logout sit behind one menu button;
 * the navigation and the live status stay visible.
 */
export function AppShell({
  i18n,
  path,
  brand,
  user,
  live,
  onLang,
  langBusy = false,
  langFailed = false,
  onLogout,
  nav,
  navLabel,
  headerClass = '',
  mainClass = 'page',
  beforeContent,
  footer,
  children,
}: {
  i18n: I18nValue;
  /** The router's path: a change closes the menu and moves focus to the new page's heading. */
  path: string;
  brand: string;
  /** Who is logged in (null before /api/me has answered). */
  user: ComponentChildren | null;
  live?: ShellLive | null;
  onLang: (lang: Lang) => void;
  langBusy?: boolean;
  langFailed?: boolean;
  onLogout: () => void;
  /** Null hides the navigation (not logged in, or the wrong app). */
  nav: readonly ShellNavItem[] | null;
  navLabel: string;
  headerClass?: string;
  mainClass?: string;
  /** Notices above the page (session, outbox). */
  beforeContent?: ComponentChildren;
  footer?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { t, lang } = i18n;
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => applyDocumentLang(lang), [lang]);
  useFocusHeadingOnNavigate(path);

  return (
    <I18nContext.Provider value={i18n}>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        {t.skipToContent}
      </a>
      <header class={`site-header app-shell ${headerClass}`.trim()}>
        <div class="header-bar">
          <a class="brand" href="#/">
            <span class="brand-mark" aria-hidden="true" />
            {brand}
          </a>
          {live && (
            <p class={`live-status shell-live live-${live.on ? 'on' : 'off'}`} role="status">
              <span class="live-dot" aria-hidden="true" />
              {live.label}
            </p>
          )}
          <button
            type="button"
            class="button button-secondary menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="header-menu"
            onClick={() => setMenuOpen((o) => !o)}
          >
            {menuOpen ? t.shellMenuClose : t.shellMenu}
          </button>
          <div id="header-menu" class={`header-menu${menuOpen ? ' is-open' : ''}`}>
            {user}
            <div class="header-tools">
              <LanguageSwitcher lang={lang} onChange={onLang} busy={langBusy} />
              <button type="button" class="button button-secondary" onClick={onLogout}>
                {t.logout}
              </button>
            </div>
          </div>
        </div>
        {langFailed && (
          <p class="notice notice-error header-notice" role="alert">
            {t.languageChangeFailed}
          </p>
        )}
        {nav && (
          <nav class="main-nav" aria-label={navLabel}>
            <ul>
              {nav.map((n) => (
                <li key={n.path}>
                  <a href={`#${n.path}`} aria-current={n.current ? 'page' : undefined}>
                    {n.label}
                    {n.badge}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1} class={mainClass}>
        {beforeContent}
        {children}
      </main>
      {footer}
    </I18nContext.Provider>
  );
}

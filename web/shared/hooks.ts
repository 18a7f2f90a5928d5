import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(-1, 'client_error', e instanceof Error ? e.message : String(e));
}

function currentHashPath(): string | null {
  const hash = window.location.hash;
  if (hash === '' || hash === '#') return '/';
  // Only "#/…" is a route; other fragments (the skip link's "#main") must not navigate.
  return hash.startsWith('#/') ? hash.slice(1) : null;
}

/** Minimal hash router: the path after "#", e.g. "/", "/maal", "/pasient/123". */
export function useHashPath(): string {
  const [path, setPath] = useState<string>(() => currentHashPath() ?? '/');
  useEffect(() => {
    const onChange = (): void => {
      const next = currentHashPath();
      if (next !== null) setPath(next);
    };
    window.addEventListener('hashchange', onChange);
    // A hash that changed between the first render and this effect fired its event with nobody
    // listening (a link followed while the app was still starting): read it once more.
    onChange();
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

export interface AsyncState<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data and keeps the previous result while reloading, so live refreshes do not make the
 * page flicker or lose the reader's place.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (alive) setState({ data, error: null, loading: false });
      },
      (e: unknown) => {
        if (alive) setState((s) => ({ data: s.data, error: toApiError(e), loading: false }));
      },
    );
    return () => {
      alive = false;
    };
    // Callers list what the loader depends on; the loader itself is a new closure every render.
  }, [...deps, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}

/** Re-renders periodically so relative times ("for 3 min siden") stay true. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [intervalMs]);
  return now;
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/**
 * After a client-side navigation, moves focus to the new page's heading so screen reader users
 * hear that the page changed (a full page load would do this for free).
 */
export function useFocusHeadingOnNavigate(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = document.querySelector<HTMLElement>('main h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus();
    }
    window.scrollTo(0, 0);
  }, [path]);
}

/** Polite announcements for changes the user did not trigger. Clearing first makes repeats audible. */
export function useAnnouncer(): [string, (message: string) => void] {
  const [message, setMessage] = useState('');
  const timer = useRef<number | undefined>(undefined);
  const announce = useCallback((next: string) => {
    setMessage('');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setMessage(next), 100);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return [message, announce];
}

/** Whether the browser believes it has a network (the patient app's live status). */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call, isRecord } from '../shared/api.js';
import type { Lang } from '../shared/i18n.js';
import type { WorklistEvent } from '../../src/api/stream.js';
import type { RowsEvent } from './worklistDiff.js';

export type StreamStatus = 'connecting' | 'open' | 'error';

/** null means "something may have changed, refetch everything" (e.g. after a reconnect). */
export type StreamListener = (event: WorklistEvent | null) => void;

/** The server's `rows` event: the changed worklist rows, or null for "refetch your page" (a burst, a reconnect). */
export type RowsListener = (rows: RowsEvent | null) => void;

export interface StreamApi {
  status: StreamStatus;
  subscribe: (listener: StreamListener) => () => void;
  subscribeRows: (listener: RowsListener) => () => void;
}

export const StreamContext = createContext<StreamApi>({ status: 'connecting', subscribe: () => () => undefined, subscribeRows: () => () => undefined });

function parseRows(data: unknown): RowsEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (isRecord(value) && Array.isArray(value.items) && Array.isArray(value.removed) && isRecord(value.counts)) return value as unknown as RowsEvent;
  } catch {
    // Unreadable: refetch.
  }
  return null;
}

function parseEvent(data: unknown): WorklistEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (isRecord(value) && typeof value.patientId === 'string') {
      const reason = value.reason === 'alert' || value.reason === 'alert-updated' ? value.reason : 'observation';
      return { patientId: value.patientId, reason };
    }
  } catch {
    // A malformed event still tells us something changed.
  }
  return null;
}

/**
 * One EventSource per clinic tab, shared by the worklist and the patient view. EventSource
 * reconnects by itself after network drops; when the browser gives up (HTTP error) we retry.
 * The changed rows come in `lang` only (as the page asks); a new language opens a new stream.
 */
export function useWorklistStreamSource(enabled: boolean, lang: Lang): StreamApi {
  const listeners = useRef(new Set<StreamListener>());
  const rowListeners = useRef(new Set<RowsListener>());
  const [status, setStatus] = useState<StreamStatus>('connecting');

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    let source: EventSource | null = null;
    let retryTimer: number | undefined;
    let hadError = false;
    const emit = (event: WorklistEvent | null): void => {
      for (const listener of listeners.current) listener(event);
      if (event === null) for (const listener of rowListeners.current) listener(null);
    };

    const connect = (): void => {
      source = new EventSource(`/api/worklist/stream?lang=${lang}`);
      setStatus('connecting');
      source.onopen = () => {
        setStatus('open');
        // Events sent while we were disconnected are lost, so catch up once.
        if (hadError) emit(null);
        hadError = false;
      };
      source.onerror = () => {
        hadError = true;
        setStatus('error');
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          retryTimer = window.setTimeout(connect, 5_000);
          // An expired session closes the stream; a normal request notices and redirects to login.
          call('GET /api/me').catch(() => undefined);
        }
      };
      source.addEventListener('worklist', (e: MessageEvent) => emit(parseEvent(e.data)));
      source.addEventListener('rows', (e: MessageEvent) => {
        const rows = parseRows(e.data);
        for (const listener of rowListeners.current) listener(rows);
      });
    };

    connect();
    return () => {
      window.clearTimeout(retryTimer);
      source?.close();
    };
  }, [enabled, lang]);

  const subscribe = useCallback((listener: StreamListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const subscribeRows = useCallback((listener: RowsListener) => {
    rowListeners.current.add(listener);
    return () => {
      rowListeners.current.delete(listener);
    };
  }, []);

  return useMemo(() => ({ status, subscribe, subscribeRows }), [status, subscribe, subscribeRows]);
}

/** Calls the handler with each `rows` event (changed worklist rows; null = refetch). */
export function useStreamRows(handler: RowsListener): void {
  const { subscribeRows } = useContext(StreamContext);
  const handlerRef = useRef(handler);
  handlerRef.current = handler;
  useEffect(() => subscribeRows((rows) => handlerRef.current(rows)), [subscribeRows]);
}

/** Calls the handler for stream events, debounced so a burst of uploads causes one refetch. */
export function useStreamRefresh(handler: (event: WorklistEvent | null) => void, delayMs = 250): void {
  const { subscribe } = useContext(StreamContext);
  const handlerRef = useRef(handler);
  handlerRef.current = handler;
  useEffect(() => {
    let timer: number | undefined;
    let pending: WorklistEvent | null = null;
    const unsubscribe = subscribe((event) => {
      // If several patients changed within the window, report "everything" rather than the last one.
      pending = timer === undefined ? event : null;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        timer = undefined;
        handlerRef.current(pending);
      }, delayMs);
    });
    return () => {
      window.clearTimeout(timer);
      unsubscribe();
    };
  }, [subscribe, delayMs]);
}

export function useStreamStatus(): StreamStatus {
  return useContext(StreamContext).status;
}

import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, isRecord } from '../shared/api.js';

/**
 * The patient app's offline queue. A submission that cannot reach the server (no network,
 * timeout, server error) is kept in localStorage with its idempotency key and the time it was
 * measured, and re-sent in order until the server has it. The key makes every retry safe: the
 * server stores a reading once however many times it arrives, and `effectiveAt` keeps the time of
 * measuring rather than the time of syncing.
 */
export interface OutboxItem {
  key: string;
  kind: 'observations' | 'questionnaire';
  path: string;
  body: { idempotencyKey: string; effectiveAt: string } & Record<string, unknown>;
  queuedAt: string;
  /** What the patient sees while it waits. */
  label: { code: string; value?: number; unit?: string }[];
  attempts: number;
  /** Set when the server refused it (4xx): it will not be retried and the patient is told. */
  failed?: { code: string; message: string };
}

export type OutboxEvent = { type: 'change' } | { type: 'delivered'; item: OutboxItem; response: unknown };

export type SubmitResult<T> = { queued: false; response: T } | { queued: true };

/**
 * Worth retrying: the request may never have arrived, or the server could not take it just now.
 * A 401 (the session expired while the patient was measuring) is kept too and sent after login:
 * a reading must never be lost to a session timeout.
 */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true;
  return e.status === 0 || e.status === 401 || e.status === 408 || e.status === 429 || e.status >= 500;
}

const isLoginNeeded = (e: unknown): boolean => e instanceof ApiError && e.status === 401;

export class Outbox {
  private readonly listeners = new Set<(e: OutboxEvent) => void>();
  private running: Promise<void> | null = null;
  private needsLogin = false;

  /** True after the server answered 401 to a queued reading: the patient must log in again to send it. */
  get loginNeeded(): boolean {
    return this.needsLogin && this.pending().length > 0;
  }

  private setLoginNeeded(v: boolean): void {
    if (this.needsLogin === v) return;
    this.needsLogin = v;
    this.emit({ type: 'change' });
  }

  constructor(
    private readonly storageKey: string,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null = safeStorage(),
  ) {}

  list(): OutboxItem[] {
    try {
      const raw = this.storage?.getItem(this.storageKey);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? (parsed as OutboxItem[]) : [];
    } catch {
      return [];
    }
  }

  pending(): OutboxItem[] {
    return this.list().filter((i) => !i.failed);
  }

  private save(items: OutboxItem[]): void {
    try {
      this.storage?.setItem(this.storageKey, JSON.stringify(items));
    } catch {
      // Storage full or blocked: the item stays in memory only for this call; nothing better to do.
    }
    this.emit({ type: 'change' });
  }

  private update(key: string, f: (i: OutboxItem) => OutboxItem | null): void {
    const next: OutboxItem[] = [];
    for (const i of this.list()) {
      if (i.key !== key) next.push(i);
      else {
        const u = f(i);
        if (u) next.push(u);
      }
    }
    this.save(next);
  }

  add(item: OutboxItem): void {
    const items = this.list().filter((i) => i.key !== item.key);
    items.push(item);
    items.sort((a, b) => a.body.effectiveAt.localeCompare(b.body.effectiveAt));
    this.save(items);
  }

  remove(key: string): void {
    this.update(key, () => null);
  }

  subscribe(fn: (e: OutboxEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tells this tab's listeners that another tab changed the queue. */
  notifyExternalChange(): void {
    this.emit({ type: 'change' });
  }

  private emit(e: OutboxEvent): void {
    for (const l of this.listeners) l(e);
  }

  /**
   * Sends now if possible, otherwise queues. Waiting items are sent first, so the server sees
   * readings in the order they were taken.
   */
  async submit<T>(item: Omit<OutboxItem, 'attempts' | 'queuedAt'>): Promise<SubmitResult<T>> {
    const full: OutboxItem = { ...item, attempts: 0, queuedAt: new Date().toISOString() };
    if (this.pending().length > 0) {
      await this.flush();
      if (this.pending().length > 0) {
        this.add(full);
        return { queued: true };
      }
    }
    try {
      const response = (await send(full)) as T;
      this.setLoginNeeded(false);
      return { queued: false, response };
    } catch (e) {
      if (!isRetryable(e)) throw e;
      this.add(full);
      if (isLoginNeeded(e)) this.setLoginNeeded(true);
      return { queued: true };
    }
  }

  /** Sends waiting items one by one, oldest measurement first; stops at the first network failure. */
  flush(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private async drain(): Promise<void> {
    for (const item of this.pending()) {
      try {
        const response = await send(item);
        this.needsLogin = false;
        this.remove(item.key);
        this.emit({ type: 'delivered', item, response });
      } catch (e) {
        if (isRetryable(e)) {
          if (isLoginNeeded(e)) this.needsLogin = true;
          this.update(item.key, (i) => ({ ...i, attempts: i.attempts + 1 }));
          return;
        }
        const err = e instanceof ApiError ? e : new ApiError(-1, 'client_error', String(e));
        this.update(item.key, (i) => ({ ...i, attempts: i.attempts + 1, failed: { code: err.code, message: err.message } }));
      }
    }
  }
}

/**
 * POST without the shared client's jump to the login page on 401: the reading must be stored in
 * the queue first, and the patient told, before anything navigates away.
 */
export async function postKeepingSession(path: string, body: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      ...(typeof AbortSignal.timeout === 'function' ? { signal: AbortSignal.timeout(30_000) } : {}),
    });
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : 'Network error');
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  if (res.ok) return parsed ?? undefined;
  const err = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
  const fields: Record<string, string> = {};
  if (isRecord(err.fields)) for (const [k, v] of Object.entries(err.fields)) if (typeof v === 'string') fields[k] = v;
  throw new ApiError(res.status, typeof err.code === 'string' ? err.code : `http_${res.status}`, typeof err.message === 'string' ? err.message : res.statusText, fields);
}

async function send(item: OutboxItem): Promise<unknown> {
  try {
    return await postKeepingSession(item.path, item.body);
  } catch (e) {
    // A tablet clock running fast makes the time look like the future: keep the reading, let the server time it.
    if (e instanceof ApiError && e.code === 'future_timestamp') {
      const { effectiveAt: _dropped, ...rest } = item.body;
      return postKeepingSession(item.path, rest);
    }
    throw e;
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export const OutboxContext = createContext<Outbox | null>(null);

export function useOutbox(): Outbox | null {
  return useContext(OutboxContext);
}

/** The queue's items, re-rendered on every change. */
export function useOutboxItems(): OutboxItem[] {
  const outbox = useOutbox();
  const [items, setItems] = useState<OutboxItem[]>(() => outbox?.list() ?? []);
  useEffect(() => {
    if (!outbox) return;
    setItems(outbox.list());
    return outbox.subscribe((e) => {
      if (e.type === 'change') setItems(outbox.list());
    });
  }, [outbox]);
  return items;
}

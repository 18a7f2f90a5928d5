import type { Endpoint, EndpointInput, EndpointResponse } from '../../src/api/client.js';
import type { ContactType } from '../../src/api/notes.js';

/**
 * How the nurse was in touch, in the order the form offers them. The contract's list
 * (src/api/notes.ts) is not imported as a value, so zod stays out of the bundle; the compiler
 * keeps the two equal (a missing or an extra kind does not compile).
 */
export const CONTACT_TYPES = ['phone', 'video', 'visit', 'message', 'none'] as const satisfies readonly ContactType[];
const _everyContactType: Exclude<ContactType, (typeof CONTACT_TYPES)[number]> extends never ? true : never = true;
void _everyContactType;

export type AppName = 'patient' | 'clinic';

let currentApp: AppName = 'patient';
let redirecting = false;

/** Each app tells the wrapper who it is so a lost session sends the user to the right login. */
export function configureApi(app: AppName): void {
  currentApp = app;
}

export function loginUrl(app: AppName = currentApp): string {
  return `/auth/login?app=${app}`;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, fields: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** True when the request may never have reached the server, so retrying is safe and sensible. */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFields(value: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!isRecord(value)) return fields;
  for (const [key, message] of Object.entries(value)) {
    if (typeof message === 'string') fields[key] = message;
    else if (Array.isArray(message) && typeof message[0] === 'string') fields[key] = message[0];
  }
  return fields;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Proxies and crashed servers answer with HTML; fall back to the status alone.
  }
  const err = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof err.code === 'string' ? err.code : `http_${res.status}`;
  const message = typeof err.message === 'string' ? err.message : res.statusText;
  return new ApiError(res.status, code, message, parseFields(err.fields));
}

function timeoutSignal(ms: number): AbortSignal | undefined {
  // AbortSignal.timeout is missing on older iPads; without it we simply wait for the browser.
  return typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(ms) : undefined;
}

function redirectToLogin(): void {
  if (redirecting) return;
  redirecting = true;
  window.location.assign(loginUrl());
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, credentials: 'same-origin', headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const signal = timeoutSignal(30_000);
  if (signal) init.signal = signal;

  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : 'Network error');
  }
  if (res.status === 401) {
    redirectToLogin();
    throw new ApiError(401, 'unauthenticated', 'Not logged in');
  }
  if (!res.ok) throw await toApiError(res);

  const text = await res.text();
  // A 204 or empty body is valid for commands; callers that expect data type it accordingly.
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string): Promise<T> => request<T>('GET', path),
  post: <T>(path: string, body: unknown): Promise<T> => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown): Promise<T> => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown): Promise<T> => request<T>('PATCH', path, body),
};

/**
 * The typed client: a route of the contract named `'METHOD /path'` (as in src/api and the API
 * reference), its path parameters, query and body checked by the compiler, its answer typed from
 * the contract. Only types come from src/api, so zod stays out of the bundle.
 * @example call('PATCH /api/devices/:id', { params: { id }, body: { systemId } })
 */
export function call<K extends Endpoint>(endpoint: K, ...[input]: EndpointInput<K>): Promise<EndpointResponse<K>> {
  const space = endpoint.indexOf(' ');
  const method = endpoint.slice(0, space);
  const given = (input ?? {}) as { params?: Record<string, string>; query?: Record<string, string | number | undefined>; body?: unknown };
  const path = endpoint.slice(space + 1).replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(given.params?.[name] ?? ''));
  const query = Object.fromEntries(Object.entries(given.query ?? {}).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
  // Commands without a body still send {} so the JSON-only rule holds for every write.
  const body = method === 'GET' ? undefined : (given.body ?? {});
  return request<EndpointResponse<K>>(method, withQuery(path, query), body);
}

/** Builds a query string, leaving out empty parameters. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * Ends the Varde session, then the identity provider's (RP-initiated logout): the server answers
 * with the provider's end-session URL. Without that second step a shared or lent tablet would log
 * the next person straight back in as the one who just logged out.
 */
export async function logout(): Promise<void> {
  let next = '/';
  try {
    const res = await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body: unknown = res.ok ? await res.json() : null;
    if (isRecord(body) && typeof body.redirect === 'string') {
      // Only our own origin (the local test IdP) or an https identity provider.
      const url = new URL(body.redirect, window.location.href);
      if (url.origin === window.location.origin || url.protocol === 'https:') next = url.href;
    }
  } catch {
    // Going to the landing page is still the right thing; the session cookie expires anyway.
  }
  window.location.assign(next);
}

export { isRecord };

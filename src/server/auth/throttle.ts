import type { FastifyRequest } from 'fastify';
import type { RateLimitOptions } from '@fastify/rate-limit';
import { insertAudit, type AuditInsert } from '../audit/repo.js';
import type { AppDeps } from '../http/app.js';
import { AppError } from '../http/errors.js';
import { page } from '../http/html.js';

const WINDOW_MS = 60_000;

/** Audits an authentication event of someone not (yet) logged in: failed logins, refused tokens, limits hit. */
export async function auditAuthEvent(
  deps: Pick<AppDeps, 'db' | 'log'>,
  req: FastifyRequest,
  e: {
    actorKind: AuditInsert['actorKind'];
    actorId: string;
    organisationId?: string | null;
    resourceType: string;
    outcome: AuditInsert['outcome'];
    details: Record<string, unknown>;
    action?: AuditInsert['action'];
    patientId?: string | null;
  },
): Promise<void> {
  try {
    await insertAudit(deps.db, {
      actorKind: e.actorKind,
      // Whatever a stranger typed as an id is kept short: the audit trail is not a free text store.
      actorId: e.actorId.slice(0, 100) || '(none)',
      actorName: null,
      organisationId: e.organisationId ?? null,
      role: null,
      action: e.action ?? 'login',
      resourceType: e.resourceType,
      resourceId: null,
      patientId: e.patientId ?? null,
      outcome: e.outcome,
      route: `${req.method} ${req.routeOptions.url ?? ''}`,
      details: { ...e.details, ip: req.ip },
    });
  } catch (err) {
    // A refusal must still be a refusal when the audit store is down; the log keeps the trace.
    deps.log.error({ err }, 'could not audit an authentication event');
  }
}

/**
 * Remembers which limiter keys were audited in the current window, so a flood of refused
 * requests leaves one audit row per caller and window, not one per request.
 */
class AuditOnce {
  private readonly seen = new Map<string, number>();
  first(key: string): boolean {
    const now = Date.now();
    const at = this.seen.get(key);
    if (at !== undefined && now - at < WINDOW_MS) return false;
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(key, now);
    return true;
  }
}

const TOO_MANY = 'Too many attempts. Wait a minute and try again.';
const tooManyPage = page('For mange forsøk', `<h1>For mange forsøk</h1>
  <p class="error" role="alert">Det har vært for mange innloggingsforsøk fra denne adressen. Vent ett minutt og prøv igjen.</p>
  <p><a href="/">Til forsiden</a></p>`);

/**
 * Route option: at most `max` requests a minute per client address on this route; exceeding it
 * is audited. `html`: the route is a page a browser navigates to, so the refusal is a page too.
 */
export function perAddressLimit(deps: Pick<AppDeps, 'db' | 'log'>, max: number, opts: { html?: boolean } = {}): RateLimitOptions {
  const tooMany = () => new AppError(429, 'rate_limited', TOO_MANY, undefined, opts.html ? tooManyPage : undefined);
  const once = new AuditOnce();
  return {
    max,
    timeWindow: WINDOW_MS,
    onExceeded: (req, key) => {
      if (!once.first(key)) return;
      void auditAuthEvent(deps, req, { actorKind: 'system', actorId: 'rate-limit', resourceType: 'RateLimit', outcome: 'denied', details: { limit: 'per-address', max } });
    },
    errorResponseBuilder: () => tooMany(),
  };
}

/**
 * A per-client-id limiter for the token endpoint: a guesser spreading over many addresses still
 * gets `max` tries a minute per client. Returns true when the request may go on.
 */
export function perClientLimit(app: import('fastify').FastifyInstance, deps: Pick<AppDeps, 'db' | 'log'>, max: number) {
  const once = new AuditOnce();
  const clientKey = Symbol('clientKey');
  type Keyed = FastifyRequest & { [clientKey]?: string };
  const check = app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (req) => (req as Keyed)[clientKey] ?? '' });
  return async (req: FastifyRequest, clientId: string): Promise<boolean> => {
    (req as Keyed)[clientKey] = `client:${clientId}`;
    const r = await check(req);
    if (r.isAllowed || !r.isExceeded) return true;
    if (once.first(clientId)) {
      await auditAuthEvent(deps, req, { actorKind: 'client', actorId: clientId, resourceType: 'RateLimit', outcome: 'denied', details: { limit: 'per-client', max } });
    }
    return false;
  };
}

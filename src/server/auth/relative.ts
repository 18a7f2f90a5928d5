import type { FastifyRequest } from 'fastify';
import { sessionRoutes } from '../../api/session.js';
import { delegationRoutes } from '../../api/delegation.js';
import { insertAudit } from '../audit/repo.js';
import type { Db } from '../db/port.js';
import { forbidden } from '../http/errors.js';
import { isUuid } from './access.js';

/**
 * Everything a relative's session may call (issue 12: least privilege): who they are, the patients
 * who delegated to them, and a reading for one of those patients (which checks that patient's
 * running delegation itself). Any other route that is not public is refused for them with 403
 * before its handler runs, so a route added later is closed to relatives until it is added here.
 */
export const RELATIVE_ROUTES: ReadonlySet<string> = new Set(
  [sessionRoutes.me, delegationRoutes.toMe, delegationRoutes.onBehalf].map((r) => `${r.method} ${r.path}`),
);

const STATIC_FILES: ReadonlySet<string> = new Set(['/', '/*']);

/**
 * The gate for relative sessions, run after the session is resolved: public routes (login,
 * logout, the apps' files) and RELATIVE_ROUTES pass; anything else is audited as refused (with
 * the patient when the path names one) and answered 403.
 */
export async function refuseOutsideRelativeRoutes(req: FastifyRequest, db: Db): Promise<void> {
  const a = req.actor;
  // Unknown paths (no route) answer 404 and carry no data; the built apps' files (served by
  // @fastify/static on '/' and '/*', without the public flag) are the same for everyone.
  if (a?.kind !== 'relative' || req.routeOptions.config?.public || req.routeOptions.url === undefined) return;
  if ((req.method === 'GET' || req.method === 'HEAD') && STATIC_FILES.has(req.routeOptions.url)) return;
  const route = `${req.method} ${req.routeOptions.url ?? ''}`;
  if (RELATIVE_ROUTES.has(route)) return;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const id = typeof params.id === 'string' && isUuid(params.id) ? params.id : null;
  const patientId = id && (await db.query('select 1 from patients where id = $1', [id])).rows.length > 0 ? id : null;
  await insertAudit(db, {
    actorKind: 'relative', actorId: a.identifier, actorName: a.name, organisationId: null, role: null,
    action: req.method === 'GET' ? 'read' : 'update', resourceType: 'Route', resourceId: null, patientId,
    outcome: 'denied', route, details: { reason: 'relative_session' },
  });
  throw forbidden('A relative may only enter readings for the patients who gave them permission.');
}

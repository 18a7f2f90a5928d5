import type { FastifyRequest } from 'fastify';
import { insertAudit } from '../audit/repo.js';
import type { Queryable } from '../db/port.js';
import { forbidden } from '../http/errors.js';
import { isUuid } from './access.js';

/*
 * A session opened from the EPJ by a SMART EHR launch (auth/smart.ts) is bound to the launch's
 * patient (issue 14: "the session is bound to that patient's care relation"). Two checks make it
 * so: patientAccess (auth/access.ts), where every read or write of one patient's data is decided,
 * refuses any other patient; and this gate refuses, before the handler, every route that lists
 * several patients (they query the organisation's caseload and never ask patientAccess).
 */

/**
 * Routes of a launch-bound session (SMART EHR launch) that name no patient in their path but carry
 * no other patient's data: who is logged in and reference data, and actions on one alert,
 * escalation or loan, whose services check the row's patient with patientAccess (auth/access.ts),
 * which refuses every patient but the launch's. The worklist stream is filtered to the patient
 * (worklist/routes.ts). Everything listing several patients (worklist, inbox, escalations,
 * referrals, pathway tasks, device register, reports, administration) is not here, and a route
 * added later is closed to these sessions until it is added.
 */
export const LAUNCH_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/me', 'GET /api/me/memberships', 'GET /api/questionnaires/:code', 'GET /api/organisations', 'GET /api/opening-hours',
  'GET /api/templates', 'GET /api/templates/plan', 'GET /api/worklist/stream',
  'POST /api/alerts/:id/acknowledge', 'POST /api/alerts/:id/resolve', 'POST /api/alerts/:id/escalate',
  'POST /api/escalations/:id/handle', 'POST /api/device-loans/:id/return',
]);

/** A FHIR search without a patient lists across patients except for Patient (filtered by patientAccess). */
const FHIR_LIST_WITHOUT_PATIENT = /^GET \/fhir\/Device$/;

/**
 * The gate for sessions opened by an EHR launch, run after the session is resolved: such a session
 * may reach its patient's routes (`/api/patients/:id/…` with that id), the FHIR API (where
 * patientAccess refuses any other patient), and LAUNCH_ROUTES. Anything else that is not public
 * is audited as refused (with the patient when the path names one) and answered 403.
 */
export async function refuseOutsideLaunchedPatient(req: FastifyRequest, db: Queryable): Promise<void> {
  const a = req.actor;
  if (a?.kind !== 'personnel' || !a.launchPatient || req.routeOptions.config?.public || req.routeOptions.url === undefined) return;
  const url = req.routeOptions.url;
  // The apps' files, login and logout carry no patient data; the APIs and the local receiver do.
  if (!/^\/(api|fhir|dev|smart)(\/|$)/.test(url)) return;
  const route = `${req.method} ${url}`;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const id = typeof params.id === 'string' ? params.id : null;
  if (url.startsWith('/api/patients/:id')) {
    if (id === a.launchPatient.id) return;
  } else if (url.startsWith('/fhir')) {
    const q = (req.query ?? {}) as Record<string, unknown>;
    if (!FHIR_LIST_WITHOUT_PATIENT.test(route) || q.patient !== undefined) return;
  } else if (LAUNCH_ROUTES.has(route)) return;
  const patientId = id && isUuid(id) && (await db.query('select 1 from patients where id = $1', [id])).rows.length > 0 ? id : null;
  await insertAudit(db, {
    actorKind: 'personnel', actorId: a.personnelId, actorName: a.name, organisationId: a.organisationId, role: a.role,
    action: req.method === 'GET' ? 'read' : 'update', resourceType: 'Route', resourceId: null, patientId,
    outcome: 'denied', route, details: { reason: 'launch_bound_session', launchPatientId: a.launchPatient.id },
  });
  throw forbidden(`This session was opened from the EPJ for one patient (${a.launchPatient.name}) and reaches that patient only.`);
}

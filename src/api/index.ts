/*
 * The JSON API contract: every route the server serves through it (server/http/contract.ts) and
 * documents at /api/openapi.json. Web apps import types only (`import type`), never values.
 */
import { adminRoutes } from './admin.js';
import { alertRoutes } from './alerts.js';
import { delegationRoutes } from './delegation.js';
import { deviceRoutes } from './devices.js';
import { escalationRoutes } from './escalations.js';
import { ingestRoutes } from './ingest.js';
import { meRoutes } from './me.js';
import { messageRoutes } from './messages.js';
import { noteRoutes } from './notes.js';
import { observationRoutes } from './observations.js';
import { openingHoursRoutes } from './opening-hours.js';
import { organisationRoutes } from './organisations.js';
import { outboxRoutes } from './outbox.js';
import { pathwayRoutes } from './pathway.js';
import { patientRoutes } from './patients.js';
import { planRoutes } from './plans.js';
import { questionnaireRoutes } from './questionnaires.js';
import { reportRoutes } from './reports.js';
import type { RouteContract } from './route.js';
import { serviceSettingsRoutes } from './service-settings.js';
import { sessionRoutes } from './session.js';
import { systemRoutes } from './system.js';
import { templateRoutes } from './templates.js';
import { worklistRoutes } from './worklist.js';

export const contract = {
  system: systemRoutes,
  session: sessionRoutes,
  admin: adminRoutes,
  alerts: alertRoutes,
  delegation: delegationRoutes,
  devices: deviceRoutes,
  escalations: escalationRoutes,
  ingest: ingestRoutes,
  me: meRoutes,
  messages: messageRoutes,
  notes: noteRoutes,
  observations: observationRoutes,
  openingHours: openingHoursRoutes,
  organisations: organisationRoutes,
  outbox: outboxRoutes,
  pathway: pathwayRoutes,
  patients: patientRoutes,
  plans: planRoutes,
  questionnaires: questionnaireRoutes,
  reports: reportRoutes,
  serviceSettings: serviceSettingsRoutes,
  templates: templateRoutes,
  worklist: worklistRoutes,
};
export type Contract = typeof contract;

/** Every route of the contract, for the OpenAPI document and the test that each is served. */
export function contractRoutes(): RouteContract[] {
  return Object.values(contract).flatMap((feature) => Object.values(feature) as RouteContract[]);
}

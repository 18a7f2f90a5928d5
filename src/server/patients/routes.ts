import { patientRoutes as api } from '../../api/patients.js';
import { requireRole } from '../auth/access.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { planDto } from '../plans/service.js';
import { endEpisode, enrolPatient, getPatientOverview } from './service.js';

/**
 * The clinic's patient-centred API; every route authorises against the care relation first. A
 * patient's plans, readings, alerts, notes and messages are served by their features (plans/,
 * observations/, alerts/, notes/, messages/routes.ts) through the API contract.
 */
export function patientRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.enrol, async ({ ctx, body }) => {
    const c = ctx();
    requireRole(c, ['gp']);
    const r = await enrolPatient(c, body());
    return { patientId: r.patient.id, episodeId: r.episode.id, draftPlan: r.draftPlan ? planDto(r.draftPlan) : null };
  });

  serve(app, deps, api.overview, async ({ ctx, params }) => {
    const { patient, episodes } = await getPatientOverview(ctx(), params().id);
    return {
      patient: {
        id: patient.id, name: patient.name, identifier: patient.identifier, identifierSystem: patient.identifier_system,
        birthDate: patient.birth_date, sex: patient.sex, phone: patient.phone, lang: patient.lang,
      },
      episodes: episodes.map((e) => ({
        id: e.id, status: e.status, state: e.state, endReason: e.end_reason, diagnoses: e.diagnoses, riskLevel: e.risk_level,
        consentAt: e.consent_at?.toISOString() ?? null, goals: e.goals,
        startedAt: e.started_at.toISOString(), endedAt: e.ended_at?.toISOString() ?? null, timeZone: e.time_zone,
        careTeam: e.careTeam.map((c) => ({ organisationId: c.organisation_id, name: c.name, kind: c.kind, responsibility: c.responsibility })),
        plan: e.plan ? planDto(e.plan) : null,
      })),
    };
  });

  serve(app, deps, api.endEpisode, async ({ ctx, params, body }) => {
    const e = await endEpisode(ctx(), params().id, body().reason);
    return { id: e?.id, status: e?.status, endedAt: e?.ended_at?.toISOString() ?? null };
  });
}

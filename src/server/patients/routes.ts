import { requireRole } from '../auth/access.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { MessageBody } from '../me/routes.js';
import { listMessages, messageDto, sendMessage } from '../messages/service.js';
import { planDto } from '../plans/service.js';
import { EndEpisodeBody, EnrolBody } from './schema.js';
import { endEpisode, enrolPatient, getPatientOverview } from './service.js';

type P = { Params: { id: string } };

/**
 * The clinic's patient-centred API; every route authorises against the care relation first. A
 * patient's plans, readings, alerts and notes are served by their features (plans/, observations/,
 * alerts/, notes/routes.ts) through the API contract.
 */
export function patientRoutes(app: App, deps: AppDeps): void {
  app.post('/api/patients', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    requireRole(ctx, ['gp']);
    const r = await enrolPatient(ctx, parse(EnrolBody, req.body));
    return reply.code(201).send({ patientId: r.patient.id, episodeId: r.episode.id, draftPlan: r.draftPlan ? planDto(r.draftPlan) : null });
  });

  app.get<P>('/api/patients/:id', async (req) => {
    const { patient, episodes } = await getPatientOverview(ctxOf(req, deps), req.params.id);
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

  app.post<P>('/api/patients/:id/end-episode', async (req) => {
    const { reason } = parse(EndEpisodeBody, req.body);
    const e = await endEpisode(ctxOf(req, deps), req.params.id, reason);
    return { id: e?.id, status: e?.status, endedAt: e?.ended_at?.toISOString() ?? null };
  });

  app.get<P>('/api/patients/:id/messages', async (req) => ({ messages: (await listMessages(ctxOf(req, deps), req.params.id)).map(messageDto) }));
  app.post<P>('/api/patients/:id/messages', async (req, reply) => {
    const { body } = parse(MessageBody, req.body);
    return reply.code(201).send(messageDto(await sendMessage(ctxOf(req, deps), req.params.id, body)));
  });
}

import { z } from 'zod';
import { NoteInput, AlertListQuery } from '../alerts/schema.js';
import { alertDto, listAlerts } from '../alerts/service.js';
import { requireRole } from '../auth/access.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { MessageBody } from '../me/routes.js';
import { listMessages, messageDto, sendMessage } from '../messages/service.js';
import { addNote, listNotes, noteDto } from '../notes/service.js';
import { ListQuery, RecordBody } from '../observations/schema.js';
import { listObservations, observationDto, recordObservations } from '../observations/service.js';
import { approvePlan, createDraft, listPlans } from '../plans/service.js';
import { EndEpisodeBody, EnrolBody } from './schema.js';
import { endEpisode, enrolPatient, getPatientOverview } from './service.js';

type P = { Params: { id: string } };
const NoteBody = NoteInput.extend({ alertId: z.uuid().optional() });
const PlanBody = z.object({ definition: z.unknown() });

function planDto(p: import('../plans/repo.js').PlanRow) {
  return {
    id: p.id, episodeId: p.episode_id, version: p.version, status: p.status, definition: p.definition, createdAt: p.created_at.toISOString(),
    approvedAt: p.approved_at?.toISOString() ?? null, approvedBy: p.approved_by_name ?? p.approved_by,
  };
}

/** The clinic's patient-centred API; every route authorises against the care relation first. */
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

  app.get<P>('/api/patients/:id/plans', async (req) => ({ plans: (await listPlans(ctxOf(req, deps), req.params.id)).map(planDto) }));
  app.post<P>('/api/patients/:id/plans', async (req, reply) => {
    const { definition } = parse(PlanBody, req.body);
    return reply.code(201).send(planDto(await createDraft(ctxOf(req, deps), req.params.id, definition)));
  });
  app.post<{ Params: { id: string; planId: string } }>('/api/patients/:id/plans/:planId/approve', async (req) =>
    planDto(await approvePlan(ctxOf(req, deps), req.params.id, req.params.planId)),
  );

  app.get<P>('/api/patients/:id/observations', async (req) => {
    const q = parse(ListQuery, req.query);
    const rows = await listObservations(ctxOf(req, deps), req.params.id, {
      ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined,
    });
    return { observations: rows.map(observationDto) };
  });
  // Personnel may record on the patient's behalf (e.g. during a home visit).
  app.post<P>('/api/patients/:id/observations', async (req, reply) => {
    const r = await recordObservations(ctxOf(req, deps), req.params.id, parse(RecordBody, req.body), { source: 'personnel' });
    return reply.code(r.replayed ? 200 : 201).send({ observations: r.observations.map(observationDto), replayed: r.replayed });
  });

  app.get<P>('/api/patients/:id/alerts', async (req) => {
    const { status } = parse(AlertListQuery, req.query);
    return { alerts: (await listAlerts(ctxOf(req, deps), req.params.id, status)).map(alertDto) };
  });

  app.get<P>('/api/patients/:id/notes', async (req) => ({ notes: (await listNotes(ctxOf(req, deps), req.params.id)).map(noteDto) }));
  app.post<P>('/api/patients/:id/notes', async (req, reply) =>
    reply.code(201).send(noteDto(await addNote(ctxOf(req, deps), req.params.id, parse(NoteBody, req.body)))),
  );

  app.get<P>('/api/patients/:id/messages', async (req) => ({ messages: (await listMessages(ctxOf(req, deps), req.params.id)).map(messageDto) }));
  app.post<P>('/api/patients/:id/messages', async (req, reply) => {
    const { body } = parse(MessageBody, req.body);
    return reply.code(201).send(messageDto(await sendMessage(ctxOf(req, deps), req.params.id, body)));
  });
}

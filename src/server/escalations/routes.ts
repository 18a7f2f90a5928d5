import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { EscalateBody, EscalationListQuery, HandleBody } from './schema.js';
import { escalateAlert, escalationDto, handleEscalation, listForOrganisation, listForPatient } from './service.js';

type P = { Params: { id: string } };

/** Escalation of an alert to the patient's GP office, and the GP office's inbox. */
export function escalationRoutes(app: App, deps: AppDeps): void {
  app.post<P>('/api/alerts/:id/escalate', async (req, reply) => {
    const { note } = parse(EscalateBody, req.body);
    return reply.code(201).send(escalationDto(await escalateAlert(ctxOf(req, deps), req.params.id, note)));
  });
  app.get('/api/escalations', async (req) => {
    const { status } = parse(EscalationListQuery, req.query);
    return { escalations: (await listForOrganisation(ctxOf(req, deps), status)).map(escalationDto) };
  });
  app.post<P>('/api/escalations/:id/handle', async (req) => {
    const { note } = parse(HandleBody, req.body);
    return escalationDto(await handleEscalation(ctxOf(req, deps), req.params.id, note));
  });
  app.get<P>('/api/patients/:id/escalations', async (req) => ({
    escalations: (await listForPatient(ctxOf(req, deps), req.params.id)).map(escalationDto),
  }));
}

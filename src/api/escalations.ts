import { z } from 'zod';
import { IdParams, Instant, LocalText } from './common.js';
import { route } from './route.js';

export const EscalateBody = z.object({
  note: z.string().trim().min(3, 'Write what the GP needs to know (at least 3 characters)').max(5000),
});
export const HandleBody = z.object({ note: z.string().trim().max(5000).optional() });
export const EscalationListQuery = z.object({ status: z.enum(['open', 'handled']).optional() });

/** An alert handed to the patient's GP office (escalations/service.ts#escalationDto). */
export const Escalation = z.object({
  id: z.string(),
  alertId: z.string(),
  status: z.enum(['open', 'handled']),
  note: z.string(),
  createdAt: Instant,
  patient: z.object({ id: z.string(), name: z.string().nullable(), birthDate: z.string().nullable() }),
  fromOrganisation: z.string(),
  toOrganisation: z.string(),
  toOrganisationId: z.string(),
  createdBy: z.string(),
  handledBy: z.string().nullable(),
  handledAt: Instant.nullable(),
  handledNote: z.string().nullable(),
  alert: z.object({ zone: z.string().nullable(), summary: LocalText.nullable(), status: z.string().nullable() }),
  /** The GP's answer when it came back as a dialogmelding (its text is handledNote). */
  answer: z.object({ from: z.string(), hpr: z.string().nullable(), via: z.literal('dialogmelding') }).nullable().optional(),
});
export type Escalation = z.infer<typeof Escalation>;
export const EscalationsResponse = z.object({ escalations: z.array(Escalation) });
export type EscalationsResponse = z.infer<typeof EscalationsResponse>;

export const escalationRoutes = {
  escalate: route({ method: 'POST', path: '/api/alerts/:id/escalate', tag: 'escalations', summary: "Hand an alert to the patient's GP office", description: 'To the GP office of the episode\'s care team; 409 if the alert is resolved or already escalated. Audited; the care team\'s screens get `event: worklist` with `reason: "escalation"`.', params: IdParams, body: EscalateBody, status: 201, response: Escalation }),
  inbox: route({ method: 'GET', path: '/api/escalations', tag: 'escalations', summary: "The caller's organisation's escalations (the GP office inbox)", description: 'Each patient shown is audited.', query: EscalationListQuery, response: EscalationsResponse }),
  handle: route({ method: 'POST', path: '/api/escalations/:id/handle', tag: 'escalations', summary: 'Mark an escalation handled', description: 'Only the receiving GP office.', params: IdParams, body: HandleBody, response: Escalation }),
  ofPatient: route({ method: 'GET', path: '/api/patients/:id/escalations', tag: 'escalations', summary: "A patient's escalations", params: IdParams, response: EscalationsResponse }),
};

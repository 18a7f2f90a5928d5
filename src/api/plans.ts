import { z } from 'zod';
import type { PlanDefinition } from '../domain/plan.js';
import { Instant } from './common.js';
import { route } from './route.js';

export const PlanStatus = z.enum(['draft', 'approved', 'superseded']);
export type PlanStatus = z.infer<typeof PlanStatus>;

/**
 * A version of a patient's self-management plan (plans/service.ts#planDto). The definition is a
 * stored clinical document: typed, but not re-validated on the way out, so a plan approved under
 * older rules is still shown rather than hidden behind a 500.
 */
export const PlanVersion = z.object({
  id: z.string(),
  episodeId: z.string(),
  version: z.number().int(),
  status: PlanStatus,
  definition: z.custom<PlanDefinition>(),
  createdAt: Instant,
  approvedAt: Instant.nullable(),
  /** The approving GP's name (their id when the name is unknown). */
  approvedBy: z.string().nullable(),
});
export type PlanVersion = z.infer<typeof PlanVersion>;
export const PlansResponse = z.object({ plans: z.array(PlanVersion) });
export type PlansResponse = z.infer<typeof PlansResponse>;

/** A draft: the definition is checked by the domain (domain/plan.ts), 400 `invalid_plan` naming each field. */
export const PlanBody = z.object({ definition: z.unknown() });

const PatientParams = z.object({ id: z.string() });

export const planRoutes = {
  list: route({ method: 'GET', path: '/api/patients/:id/plans', tag: 'plans', summary: "Every version of a patient's plan", params: PatientParams, response: PlansResponse }),
  draft: route({ method: 'POST', path: '/api/patients/:id/plans', tag: 'plans', summary: 'Save a draft plan', params: PatientParams, body: PlanBody, status: 201, response: PlanVersion }),
  approve: route({
    method: 'POST', path: '/api/patients/:id/plans/:planId/approve', tag: 'plans', summary: 'The GP puts a draft in force (the previous version becomes superseded)',
    params: z.object({ id: z.string(), planId: z.string() }), response: PlanVersion,
  }),
};

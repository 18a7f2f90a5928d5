import { CLINICAL_ROLES } from '../auth/actor.js';
import { requireRole } from '../auth/access.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { OnboardingBody, ReferralBody, TransitionBody } from './schema.js';
import { applyTransition, createReferral, getPathway, listReferrals, listTasks, ownPathway, recordOnboarding } from './service.js';

type P = { Params: { id: string } };

/** The care pathway: referrals, the pathway of one patient, its steps, onboarding records, tasks. */
export function pathwayRoutes(app: App, deps: AppDeps): void {
  app.post('/api/referrals', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    // Who may refer is decided before the body is read: a patient gets 403, not a list of field errors.
    requireRole(ctx, CLINICAL_ROLES);
    return reply.code(201).send(await createReferral(ctx, parse(ReferralBody, req.body)));
  });
  app.get('/api/referrals', async (req) => ({ referrals: await listReferrals(ctxOf(req, deps)) }));
  app.get('/api/pathway/tasks', async (req) => ({ tasks: await listTasks(ctxOf(req, deps)) }));
  app.get<P>('/api/patients/:id/pathway', async (req) => getPathway(ctxOf(req, deps), req.params.id));
  app.post<P>('/api/patients/:id/pathway', async (req) => applyTransition(ctxOf(req, deps), req.params.id, parse(TransitionBody, req.body)));
  app.put<P>('/api/patients/:id/pathway/onboarding', async (req) => {
    const e = await recordOnboarding(ctxOf(req, deps), req.params.id, parse(OnboardingBody, req.body));
    return { episodeId: e.id, state: e.state, consentAt: e.consent_at?.toISOString() ?? null, training: e.training, goals: e.goals };
  });
  app.get('/api/me/pathway', async (req) => ownPathway(ctxOf(req, deps)));
}

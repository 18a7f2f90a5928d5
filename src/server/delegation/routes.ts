import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { observationDto } from '../observations/service.js';
import { forbidden } from '../http/errors.js';
import { GrantBody, OnBehalfBody, RevokeBody } from './schema.js';
import { authoriseOnBehalf, delegatedToMe, delegationDto, grantDelegation, ownDelegations, recordOnBehalf, revokeDelegation } from './service.js';

type P = { Params: { id: string } };

/** Delegation (the patient lets a relative record for them) and recording on the patient's behalf. */
export function delegationRoutes(app: App, deps: AppDeps): void {
  app.get('/api/me/delegations', async (req) => ({ delegations: (await ownDelegations(ctxOf(req, deps))).map(delegationDto) }));
  app.post('/api/me/delegations', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'patient') throw forbidden('Only the patient manages who may record for them.');
    return reply.code(201).send(delegationDto(await grantDelegation(ctx, parse(GrantBody, req.body))));
  });
  app.post('/api/me/delegations/revoke', async (req) => {
    const ctx = ctxOf(req, deps);
    // Only the patient revokes; anyone else is refused before the body is read.
    if (ctx.actor.kind !== 'patient') throw forbidden('Only the patient manages who may record for them.');
    return delegationDto(await revokeDelegation(ctx, parse(RevokeBody, req.body)));
  });
  app.get('/api/me/delegated-to-me', async (req) => ({ patients: await delegatedToMe(ctxOf(req, deps)) }));
  app.post<P>('/api/patients/:id/observations/on-behalf', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    // Authorisation first: a relative without a delegation learns nothing from field errors.
    const who = await authoriseOnBehalf(ctx, req.params.id);
    const r = await recordOnBehalf(ctx, req.params.id, who, parse(OnBehalfBody, req.body));
    return reply.code(r.replayed ? 200 : 201).send({
      observations: r.observations.map((o) => ({ ...observationDto(o), enteredBy: r.enteredBy })), feedback: r.feedback, replayed: r.replayed,
    });
  });
}

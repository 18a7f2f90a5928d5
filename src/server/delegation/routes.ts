import { delegationRoutes as api } from '../../api/delegation.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { forbidden } from '../http/errors.js';
import type { Ctx } from '../context.js';
import { observationDto } from '../observations/service.js';
import { authoriseOnBehalf, delegatedToMe, delegationDto, grantDelegation, ownDelegations, recordOnBehalf, revokeDelegation } from './service.js';

/** Only the patient manages who may record for them; anyone else is refused before the body is read. */
function patientOnly(ctx: Ctx): Ctx {
  if (ctx.actor.kind !== 'patient') throw forbidden('Only the patient manages who may record for them.');
  return ctx;
}

/** Delegation (the patient lets a relative record for them) and recording on the patient's behalf. */
export function delegationRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.own, async ({ ctx }) => ({ delegations: (await ownDelegations(ctx())).map(delegationDto) }));
  serve(app, deps, api.grant, async ({ ctx, body }) => delegationDto(await grantDelegation(patientOnly(ctx()), body())));
  serve(app, deps, api.revoke, async ({ ctx, body }) => delegationDto(await revokeDelegation(patientOnly(ctx()), body())));
  serve(app, deps, api.toMe, async ({ ctx }) => ({ patients: await delegatedToMe(ctx()) }));
  serve(app, deps, api.onBehalf, async ({ ctx, params, body, reply }) => {
    const c = ctx();
    // Authorisation first: a relative without a delegation learns nothing from field errors.
    const who = await authoriseOnBehalf(c, params().id);
    const r = await recordOnBehalf(c, params().id, who, body());
    if (r.replayed) reply.code(200);
    return { observations: r.observations.map((o) => ({ ...observationDto(o), enteredBy: r.enteredBy })), feedback: r.feedback, replayed: r.replayed };
  });
}

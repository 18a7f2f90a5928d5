import { adminRoutes as api } from '../../api/admin.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { forbidden, notFound } from '../http/errors.js';
import { listClients, unlockClient } from './clients.js';

/** Only an administrator of the client's own organisation manages its device clients. */
function requireAdmin(ctx: Ctx): string {
  if (ctx.actor.kind !== 'personnel' || ctx.actor.role !== 'admin') throw forbidden('Only an administrator of the organisation can do this.');
  return ctx.actor.organisationId;
}

/**
 * Device clients of the administrator's organisation, and lifting a lockout after repeated wrong
 * secrets (brute force on the token endpoint). Both are audited.
 */
export function lockoutRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.apiClients, async ({ ctx }) => {
    const c = ctx();
    const organisationId = requireAdmin(c);
    const clients = await listClients(c.db, organisationId);
    await audit(c, { action: 'read', resourceType: 'ApiClient', details: { count: clients.length } });
    return { clients };
  });

  serve(app, deps, api.unlockClient, async ({ ctx, params }) => {
    const c = ctx();
    const organisationId = requireAdmin(c);
    const { clientId } = params();
    const unlocked = await c.db.tx(async (tx) => {
      if (!(await unlockClient(tx, clientId, organisationId))) return false;
      await audit(c, { action: 'update', resourceType: 'ApiClient', resourceId: clientId, details: { unlocked: true } }, tx);
      return true;
    });
    if (!unlocked) throw notFound('A locked client with that id in your organisation');
  });
}

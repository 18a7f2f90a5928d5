import { z } from 'zod';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { forbidden, notFound } from '../http/errors.js';
import { listClients, unlockClient } from './clients.js';

const ClientParams = z.object({ clientId: z.string().min(1).max(200) });

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
  app.get('/api/admin/api-clients', async (req) => {
    const ctx = ctxOf(req, deps);
    const organisationId = requireAdmin(ctx);
    const clients = await listClients(ctx.db, organisationId);
    await audit(ctx, { action: 'read', resourceType: 'ApiClient', details: { count: clients.length } });
    return { clients };
  });

  app.post<{ Params: { clientId: string } }>('/api/admin/api-clients/:clientId/unlock', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const organisationId = requireAdmin(ctx);
    const { clientId } = parse(ClientParams, req.params);
    const unlocked = await ctx.db.tx(async (tx) => {
      if (!(await unlockClient(tx, clientId, organisationId))) return false;
      await audit(ctx, { action: 'update', resourceType: 'ApiClient', resourceId: clientId, details: { unlocked: true } }, tx);
      return true;
    });
    if (!unlocked) throw notFound('A locked client with that id in your organisation');
    return reply.code(204).send();
  });
}

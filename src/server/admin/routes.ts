import { requireRole } from '../auth/access.js';
import { SESSION_COOKIE, membershipsFor, switchMembership } from '../auth/session.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { AppError, forbidden } from '../http/errors.js';
import { EmergencyBody, MemberBody, ReviewBody, SwitchBody } from './schema.js';
import { addMember, grantEmergencyAccess, listEmergencyAccess, listMembers, removeMember, reviewEmergencyAccess } from './service.js';

/** Users and roles, emergency access and its review, and switching the organisation one acts for. */
export function adminRoutes(app: App, deps: AppDeps): void {
  app.get('/api/me/memberships', async (req) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    const rows = await membershipsFor(ctx.db, ctx.actor.personnelId);
    return { memberships: rows.map((m) => ({ organisationId: m.organisation_id, organisation: m.org_name, role: m.role })) };
  });
  app.post('/api/me/organisation', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw forbidden();
    const body = parse(SwitchBody, req.body);
    const token = req.cookies[SESSION_COOKIE];
    if (!token || !(await switchMembership(ctx.db, token, ctx.actor.personnelId, body.organisationId, body.role))) {
      throw new AppError(403, 'forbidden', 'You have no such role in that organisation.');
    }
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/patients/:id/emergency-access', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    requireRole(ctx, ['nurse', 'gp', 'specialist']);
    const { reason, hours } = parse(EmergencyBody, req.body);
    return reply.code(201).send(await grantEmergencyAccess(ctx, req.params.id, reason, hours));
  });
  app.get('/api/admin/emergency-access', async (req) => ({ grants: await listEmergencyAccess(ctxOf(req, deps)) }));
  app.post<{ Params: { id: string } }>('/api/admin/emergency-access/:id/review', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    requireRole(ctx, ['coordinator', 'admin']);
    const { note } = parse(ReviewBody, req.body);
    await reviewEmergencyAccess(ctx, req.params.id, note);
    return reply.code(204).send();
  });

  app.get('/api/admin/members', async (req) => ({ members: await listMembers(ctxOf(req, deps)) }));
  app.post('/api/admin/members', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    requireRole(ctx, ['admin']);
    return reply.code(201).send(await addMember(ctx, parse(MemberBody, req.body)));
  });
  app.delete<{ Params: { id: string; role: string } }>('/api/admin/members/:id/roles/:role', async (req, reply) => {
    await removeMember(ctxOf(req, deps), req.params.id, req.params.role);
    return reply.code(204).send();
  });
}

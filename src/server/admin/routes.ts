import { adminRoutes as api } from '../../api/admin.js';
import { requireRole } from '../auth/access.js';
import { SESSION_COOKIE, membershipsFor, switchMembership } from '../auth/session.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { AppError, forbidden } from '../http/errors.js';
import { addMember, grantEmergencyAccess, listEmergencyAccess, listMembers, removeMember, reviewEmergencyAccess } from './service.js';

/** Users and roles, emergency access and its review, and switching the organisation one acts for. */
export function adminRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.memberships, async ({ ctx }) => {
    const c = ctx();
    if (c.actor.kind !== 'personnel') throw forbidden();
    const rows = await membershipsFor(c.db, c.actor.personnelId);
    return { memberships: rows.map((m) => ({ organisationId: m.organisation_id, organisation: m.org_name, role: m.role })) };
  });
  serve(app, deps, api.switchOrganisation, async ({ ctx, body, req }) => {
    const c = ctx();
    if (c.actor.kind !== 'personnel') throw forbidden();
    const b = body();
    const token = req.cookies[SESSION_COOKIE];
    if (!token || !(await switchMembership(c.db, token, c.actor.personnelId, b.organisationId, b.role))) {
      throw new AppError(403, 'forbidden', 'You have no such role in that organisation.');
    }
  });

  serve(app, deps, api.grantEmergency, async ({ ctx, params, body }) => {
    const c = ctx();
    requireRole(c, ['nurse', 'gp', 'specialist']);
    const { reason, hours } = body();
    return grantEmergencyAccess(c, params().id, reason, hours);
  });
  serve(app, deps, api.emergencyGrants, async ({ ctx }) => ({ grants: await listEmergencyAccess(ctx()) }));
  serve(app, deps, api.reviewEmergency, async ({ ctx, params, body }) => {
    const c = ctx();
    requireRole(c, ['coordinator', 'admin']);
    await reviewEmergencyAccess(c, params().id, body().note);
  });

  serve(app, deps, api.members, async ({ ctx }) => ({ members: await listMembers(ctx()) }));
  serve(app, deps, api.addMember, async ({ ctx, body }) => {
    const c = ctx();
    requireRole(c, ['admin']);
    return addMember(c, body());
  });
  serve(app, deps, api.removeRole, async ({ ctx, params }) => {
    const { id, role } = params();
    await removeMember(ctx(), id, role);
  });
}

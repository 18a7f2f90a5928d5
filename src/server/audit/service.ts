import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { actorRef } from '../auth/actor.js';
import { insertAudit, type AuditInsert } from './repo.js';

export interface AuditEvent {
  action: AuditInsert['action'];
  resourceType: string;
  resourceId?: string | null;
  patientId?: string | null;
  outcome?: 'success' | 'denied';
  details?: Record<string, unknown>;
}

/**
 * Records one audit event for the calling actor. Pass the open transaction when the event
 * belongs to a write, so the data and its audit trail commit (or roll back) together.
 */
export async function audit(ctx: Ctx, e: AuditEvent, q: Queryable = ctx.db): Promise<void> {
  await insertAudit(q, auditRow(ctx, e));
}

/** The audit row `audit` writes for this event of the calling actor (for writers that insert many at once: repo.ts#insertAudits). */
export function auditRow(ctx: Ctx, e: AuditEvent): AuditInsert {
  const ref = actorRef(ctx.actor);
  return {
    actorKind: ref.kind,
    actorId: ref.id,
    actorName: ref.name,
    organisationId: ctx.actor.kind === 'personnel' || ctx.actor.kind === 'client' ? ctx.actor.organisationId : null,
    role: ctx.actor.kind === 'personnel' ? ctx.actor.role : null,
    action: e.action,
    resourceType: e.resourceType,
    resourceId: e.resourceId ?? null,
    patientId: e.patientId ?? null,
    outcome: e.outcome ?? 'success',
    route: ctx.route ?? null,
    details: e.details ?? null,
  };
}

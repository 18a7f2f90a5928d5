import type { Ctx } from '../context.js';
import { audit } from '../audit/service.js';
import { forbidden } from '../http/errors.js';
import { CLINICAL_ROLES } from './actor.js';

export type Need = 'read' | 'write';

/**
 * Decides whether the actor may touch this patient's data (tjenstlig behov):
 * - a patient: only their own data;
 * - personnel: a clinical role, acting for an organisation that is in the care team of one of the
 *   patient's episodes (writes need an episode that has not ended), or — read only — a running
 *   emergency access (selvautorisering) of their own;
 * - a device/integration client: scope `observation.write` and its organisation in the care team
 *   of the patient's open episode.
 * A refusal is itself audited, so attempts to look at other people's data leave a trace.
 */
export async function requirePatientAccess(ctx: Ctx, patientId: string, need: Need, resourceType = 'Patient'): Promise<void> {
  if (await hasPatientAccess(ctx, patientId, need)) return;
  await audit(ctx, {
    action: need === 'read' ? 'read' : 'update',
    resourceType,
    patientId: isUuid(patientId) && (await patientExists(ctx, patientId)) ? patientId : null,
    outcome: 'denied',
    details: isUuid(patientId) ? undefined : { requestedId: patientId.slice(0, 64) },
  });
  throw forbidden('You have no care relation to this patient.');
}

export async function hasPatientAccess(ctx: Ctx, patientId: string, need: Need): Promise<boolean> {
  const a = ctx.actor;
  if (!isUuid(patientId)) return false;
  switch (a.kind) {
    case 'patient':
      return a.patientId === patientId;
    case 'personnel': {
      if (!CLINICAL_ROLES.includes(a.role)) return false;
      if (await careTeamIncludes(ctx, patientId, a.organisationId, need === 'write')) return true;
      return need === 'read' && hasEmergencyAccess(ctx, patientId, a.personnelId, a.organisationId);
    }
    case 'client':
      return need === 'write' && a.scopes.includes('observation.write') && careTeamIncludes(ctx, patientId, a.organisationId, true);
    case 'system':
      return true;
  }
}

async function careTeamIncludes(ctx: Ctx, patientId: string, orgId: string, openOnly: boolean): Promise<boolean> {
  const r = await ctx.db.query(
    `select 1 from episodes e join care_team ct on ct.episode_id = e.id
      where e.patient_id = $1 and ct.organisation_id = $2 ${openOnly ? "and e.status <> 'ended'" : ''} limit 1`,
    [patientId, orgId],
  );
  return r.rows.length > 0;
}

/** Emergency access gives reading only, to the one person who asked, until it expires. */
async function hasEmergencyAccess(ctx: Ctx, patientId: string, personnelId: string, organisationId: string): Promise<boolean> {
  const r = await ctx.db.query(
    `select 1 from emergency_access where patient_id = $1 and personnel_id = $2 and organisation_id = $3 and expires_at > $4 limit 1`,
    [patientId, personnelId, organisationId, ctx.now()],
  );
  return r.rows.length > 0;
}

async function patientExists(ctx: Ctx, patientId: string): Promise<boolean> {
  return (await ctx.db.query('select 1 from patients where id = $1', [patientId])).rows.length > 0;
}

/** Requires a personnel actor with one of `roles` (no patient data involved, e.g. administration). */
export function requireRole(ctx: Ctx, roles: readonly string[]): void {
  if (ctx.actor.kind !== 'personnel' || !roles.includes(ctx.actor.role)) throw forbidden();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

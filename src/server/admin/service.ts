import type { PersonnelRole } from '../auth/actor.js';
import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';

/**
 * Emergency access (selvautorisering): a clinician without a care relation reads a patient's
 * record for a few hours, giving a reason. Logged as its own audit event, shown to the patient in
 * their access log, and listed for review by the organisation's coordinator or administrator.
 */
export async function grantEmergencyAccess(ctx: Ctx, patientId: string, reason: string, hours: number) {
  requireRole(ctx, ['nurse', 'gp', 'specialist']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const exists = await ctx.db.query('select 1 from patients where id = $1', [patientId]);
  if (!exists.rows.length) throw notFound('Patient');
  return ctx.db.tx(async (tx) => {
    const r = await tx.query<{ id: string; expires_at: Date }>(
      `insert into emergency_access (patient_id, personnel_id, organisation_id, reason, granted_at, expires_at)
       values ($1,$2,$3,$4,$5, $5::timestamptz + make_interval(hours => $6)) returning id, expires_at`,
      [patientId, a.personnelId, a.organisationId, reason, ctx.now(), hours],
    );
    const grant = r.rows[0]!;
    await audit(ctx, { action: 'create', resourceType: 'EmergencyAccess', resourceId: grant.id, patientId, details: { reason, hours } }, tx);
    return { id: grant.id, expiresAt: grant.expires_at.toISOString() };
  });
}

/** Grants of the coordinator's / administrator's organisation, unreviewed first. */
export async function listEmergencyAccess(ctx: Ctx) {
  requireRole(ctx, ['coordinator', 'admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const r = await ctx.db.query<{ id: string; patient_id: string; personnel_name: string; reason: string; granted_at: Date; expires_at: Date; reviewed_at: Date | null; review_note: string | null }>(
    `select ea.id, ea.patient_id, pe.name as personnel_name, ea.reason, ea.granted_at, ea.expires_at, ea.reviewed_at, ea.review_note
       from emergency_access ea join personnel pe on pe.id = ea.personnel_id
      where ea.organisation_id = $1 order by (ea.reviewed_at is null) desc, ea.granted_at desc limit 500`,
    [a.organisationId],
  );
  await audit(ctx, { action: 'search', resourceType: 'EmergencyAccess', details: { count: r.rows.length } });
  return r.rows.map((x) => ({
    id: x.id, patientId: x.patient_id, personnel: x.personnel_name, reason: x.reason, grantedAt: x.granted_at.toISOString(),
    expiresAt: x.expires_at.toISOString(), reviewedAt: x.reviewed_at?.toISOString() ?? null, reviewNote: x.review_note,
  }));
}

export async function reviewEmergencyAccess(ctx: Ctx, id: string, note: string) {
  requireRole(ctx, ['coordinator', 'admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  return ctx.db.tx(async (tx) => {
    const r = await tx.query<{ patient_id: string; reviewed_at: Date | null }>(
      'select patient_id, reviewed_at from emergency_access where id = $1 and organisation_id = $2 for update', [id, a.organisationId]);
    const row = r.rows[0];
    if (!row) throw notFound('Emergency access');
    if (row.reviewed_at) throw conflict('Already reviewed.');
    await tx.query('update emergency_access set reviewed_by = $2, reviewed_at = $3, review_note = $4 where id = $1', [id, a.personnelId, ctx.now(), note]);
    await audit(ctx, { action: 'update', resourceType: 'EmergencyAccess', resourceId: id, details: { reviewed: true } }, tx);
  });
}

/** Members of the administrator's organisation (users and roles). */
export async function listMembers(ctx: Ctx) {
  requireRole(ctx, ['admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const r = await ctx.db.query<{ id: string; hpr_number: string; name: string; roles: PersonnelRole[] }>(
    `select pe.id, pe.hpr_number, pe.name, array_agg(m.role order by m.role) as roles from memberships m join personnel pe on pe.id = m.personnel_id
      where m.organisation_id = $1 group by pe.id order by pe.name`,
    [a.organisationId],
  );
  return r.rows.map((x) => ({ id: x.id, hpr: x.hpr_number, name: x.name, roles: x.roles }));
}

/** Adds a person (found or created by HPR number) with a role in the administrator's organisation. */
export async function addMember(ctx: Ctx, m: { hpr: string; name: string; role: PersonnelRole }) {
  requireRole(ctx, ['admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  return ctx.db.tx(async (tx) => {
    const p = await tx.query<{ id: string }>(
      `insert into personnel (hpr_number, name) values ($1,$2) on conflict (hpr_number) do update set hpr_number = excluded.hpr_number returning id`,
      [m.hpr, m.name],
    );
    const personnelId = p.rows[0]!.id;
    const ins = await tx.query('insert into memberships (personnel_id, organisation_id, role) values ($1,$2,$3) on conflict do nothing', [personnelId, a.organisationId, m.role]);
    if (ins.rowCount === 0) throw conflict(`${m.name} already has the role ${m.role} here.`);
    await audit(ctx, { action: 'create', resourceType: 'PractitionerRole', resourceId: personnelId, details: { role: m.role } }, tx);
    return { id: personnelId };
  });
}

export async function removeMember(ctx: Ctx, personnelId: string, role: string) {
  requireRole(ctx, ['admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  if (personnelId === a.personnelId && role === 'admin') throw new AppError(409, 'conflict', 'You cannot remove your own administrator role.');
  await ctx.db.tx(async (tx) => {
    const r = await tx.query('delete from memberships where personnel_id = $1 and organisation_id = $2 and role = $3', [personnelId, a.organisationId, role]);
    if (r.rowCount === 0) throw notFound('Membership');
    await audit(ctx, { action: 'delete', resourceType: 'PractitionerRole', resourceId: personnelId, details: { role } }, tx);
  });
}

import { CLINICAL_ROLES, type PersonnelRole } from '../auth/actor.js';
import { isUuid, requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import { EMERGENCY_MAX_HOURS, emergencyReasonProblem } from './schema.js';

/**
 * Emergency access (selvautorisering): a clinician without a care relation reads a patient's
 * record for a few hours, giving a reason. One running grant per person and patient, at most
 * EMERGENCY_MAX_HOURS. Logged as its own audit event, shown to the patient in their access log,
 * and reviewed afterwards both by the requester's organisation and by the patient's own
 * follow-up service (the one following the patient when access was taken).
 */
export async function grantEmergencyAccess(ctx: Ctx, patientId: string, reason: string, hours: number) {
  requireRole(ctx, CLINICAL_ROLES);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  // The route's schema checks these too; the service holds the rule for every caller.
  const problem = emergencyReasonProblem(reason);
  if (problem) throw new AppError(400, 'validation_failed', problem, { reason: problem });
  if (!Number.isInteger(hours) || hours < 1 || hours > EMERGENCY_MAX_HOURS) {
    throw new AppError(400, 'validation_failed', `At most ${EMERGENCY_MAX_HOURS} hours.`, { hours: `1–${EMERGENCY_MAX_HOURS} hours` });
  }
  if (!isUuid(patientId)) throw notFound('Patient');
  const now = ctx.now();
  const result = await ctx.db.tx(async (tx) => {
    // The patient row lock serialises grants for this patient, so two requests cannot both pass
    // the "already running" check.
    const exists = await tx.query('select 1 from patients where id = $1 for update', [patientId]);
    if (!exists.rows.length) throw notFound('Patient');
    const running = await tx.query<{ id: string; expires_at: Date }>(
      'select id, expires_at from emergency_access where patient_id = $1 and personnel_id = $2 and expires_at > $3 limit 1',
      [patientId, a.personnelId, now],
    );
    if (running.rows[0]) return { running: running.rows[0], grant: null };
    const followUp = await tx.query<{ follow_up_org: string }>(
      `select follow_up_org from episodes where patient_id = $1 order by (status <> 'ended') desc, started_at desc limit 1`,
      [patientId],
    );
    const r = await tx.query<{ id: string; expires_at: Date }>(
      `insert into emergency_access (patient_id, personnel_id, organisation_id, reason, granted_at, expires_at, follow_up_org)
       values ($1,$2,$3,$4,$5, $5::timestamptz + make_interval(hours => $6), $7) returning id, expires_at`,
      [patientId, a.personnelId, a.organisationId, reason.trim(), now, hours, followUp.rows[0]?.follow_up_org ?? null],
    );
    const grant = r.rows[0]!;
    await audit(ctx, { action: 'create', resourceType: 'EmergencyAccess', resourceId: grant.id, patientId, details: { reason: reason.trim(), hours } }, tx);
    return { running: null, grant };
  });
  if (result.running) {
    await audit(ctx, { action: 'create', resourceType: 'EmergencyAccess', resourceId: result.running.id, patientId, outcome: 'denied', details: { already: true } });
    throw new AppError(409, 'emergency_access_running', `You already have emergency access to this patient until ${result.running.expires_at.toISOString()}.`);
  }
  return { id: result.grant!.id, expiresAt: result.grant!.expires_at.toISOString() };
}

interface GrantRow {
  id: string;
  patient_id: string;
  personnel_id: string;
  personnel_name: string;
  organisation_id: string;
  organisation_name: string;
  follow_up_org: string | null;
  reason: string;
  granted_at: Date;
  expires_at: Date;
  reviewed_at: Date | null;
  review_note: string | null;
  follow_up_reviewed_at: Date | null;
  follow_up_review_note: string | null;
}

/**
 * Grants to review for the coordinator's / administrator's organisation: those its own people
 * took, and those taken on patients it follows up. Unreviewed (by this organisation) first.
 */
export async function listEmergencyAccess(ctx: Ctx) {
  requireRole(ctx, ['coordinator', 'admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const r = await ctx.db.query<GrantRow>(
    `select ea.id, ea.patient_id, ea.personnel_id, pe.name as personnel_name, ea.organisation_id, o.name as organisation_name, ea.follow_up_org,
            ea.reason, ea.granted_at, ea.expires_at, ea.reviewed_at, ea.review_note, ea.follow_up_reviewed_at, ea.follow_up_review_note
       from emergency_access ea join personnel pe on pe.id = ea.personnel_id join organisations o on o.id = ea.organisation_id
      where ea.organisation_id = $1 or ea.follow_up_org = $1
      order by ((ea.organisation_id = $1 and ea.reviewed_at is null) or (ea.follow_up_org = $1 and ea.follow_up_reviewed_at is null)) desc,
               ea.granted_at desc limit 500`,
    [a.organisationId],
  );
  await audit(ctx, { action: 'search', resourceType: 'EmergencyAccess', details: { count: r.rows.length } });
  // The reasons are about the patient: each patient shown is audited, so their access log says who reviewed.
  for (const patientId of new Set(r.rows.map((x) => x.patient_id))) {
    await audit(ctx, { action: 'read', resourceType: 'EmergencyAccess', patientId, details: { view: 'review' } });
  }
  return r.rows.map((x) => {
    const asRequester = x.organisation_id === a.organisationId;
    const asFollowUp = x.follow_up_org === a.organisationId;
    const pending = (asRequester && !x.reviewed_at) || (asFollowUp && !x.follow_up_reviewed_at);
    return {
      id: x.id, patientId: x.patient_id, personnel: x.personnel_name, organisation: x.organisation_name, reason: x.reason,
      grantedAt: x.granted_at.toISOString(), expiresAt: x.expires_at.toISOString(),
      // This organisation's part: as the requester's employer, as the patient's follow-up service, or both.
      reviewAs: [...(asRequester ? ['requester' as const] : []), ...(asFollowUp ? ['follow_up' as const] : [])],
      reviewedAt: x.reviewed_at?.toISOString() ?? null, reviewNote: x.review_note,
      followUpReviewedAt: x.follow_up_reviewed_at?.toISOString() ?? null, followUpReviewNote: x.follow_up_review_note,
      // The person who took the access cannot review it.
      canReview: pending && x.personnel_id !== a.personnelId,
    };
  });
}

/**
 * Records this organisation's review of a grant: as the requester's organisation and/or as the
 * patient's follow-up service. Nobody reviews their own grant; each side reviews once.
 */
export async function reviewEmergencyAccess(ctx: Ctx, id: string, note: string) {
  requireRole(ctx, ['coordinator', 'admin']);
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  if (!isUuid(id)) throw notFound('Emergency access');
  const outcome = await ctx.db.tx(async (tx) => {
    const r = await tx.query<{ patient_id: string; personnel_id: string; organisation_id: string; follow_up_org: string | null; reviewed_at: Date | null; follow_up_reviewed_at: Date | null }>(
      `select patient_id, personnel_id, organisation_id, follow_up_org, reviewed_at, follow_up_reviewed_at from emergency_access
        where id = $1 and (organisation_id = $2 or follow_up_org = $2) for update`,
      [id, a.organisationId],
    );
    const row = r.rows[0];
    if (!row) throw notFound('Emergency access');
    if (row.personnel_id === a.personnelId) return { selfReview: row.patient_id };
    const asRequester = row.organisation_id === a.organisationId && !row.reviewed_at;
    const asFollowUp = row.follow_up_org === a.organisationId && !row.follow_up_reviewed_at;
    if (!asRequester && !asFollowUp) throw conflict('Already reviewed.');
    if (asRequester) await tx.query('update emergency_access set reviewed_by = $2, reviewed_at = $3, review_note = $4 where id = $1', [id, a.personnelId, ctx.now(), note]);
    if (asFollowUp) {
      await tx.query('update emergency_access set follow_up_reviewed_by = $2, follow_up_reviewed_at = $3, follow_up_review_note = $4 where id = $1', [id, a.personnelId, ctx.now(), note]);
    }
    await audit(ctx, { action: 'update', resourceType: 'EmergencyAccess', resourceId: id, patientId: row.patient_id, details: { reviewed: true, asRequester, asFollowUp } }, tx);
    return null;
  });
  if (outcome) {
    await audit(ctx, { action: 'update', resourceType: 'EmergencyAccess', resourceId: id, patientId: outcome.selfReview, outcome: 'denied', details: { selfReview: true } });
    throw forbidden('You cannot review your own emergency access.');
  }
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
  // An administrator cannot make themselves a clinician: a clinical role opens patient data, so it
  // is given by another administrator (and audited), never taken.
  if (m.hpr === a.hpr && CLINICAL_ROLES.includes(m.role)) {
    await audit(ctx, { action: 'create', resourceType: 'PractitionerRole', resourceId: a.personnelId, outcome: 'denied', details: { role: m.role, self: true } });
    throw forbidden('You cannot give yourself a clinical role. Ask another administrator.');
  }
  return ctx.db.tx(async (tx) => {
    const p = await tx.query<{ id: string }>(
      `insert into personnel (hpr_number, name) values ($1,$2) on conflict (hpr_number) do update set hpr_number = excluded.hpr_number returning id`,
      [m.hpr, m.name],
    );
    const personnelId = p.rows[0]!.id;
    if (personnelId === a.personnelId && CLINICAL_ROLES.includes(m.role)) throw forbidden('You cannot give yourself a clinical role. Ask another administrator.');
    const ins = await tx.query('insert into memberships (personnel_id, organisation_id, role) values ($1,$2,$3) on conflict do nothing', [personnelId, a.organisationId, m.role]);
    if (ins.rowCount === 0) throw conflict(`${m.name} already has the role ${m.role} here.`);
    await audit(ctx, { action: 'create', resourceType: 'PractitionerRole', resourceId: personnelId, details: { role: m.role, organisationId: a.organisationId } }, tx);
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
    await audit(ctx, { action: 'delete', resourceType: 'PractitionerRole', resourceId: personnelId, details: { role, organisationId: a.organisationId } }, tx);
  });
}

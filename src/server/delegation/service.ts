import { isUuid, requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { AppError, forbidden, notFound } from '../http/errors.js';
import { checkSitting, feedbackFor, recordObservations, storeSitting, type RecordResult } from '../observations/service.js';
import * as repo from './repo.js';
import type { GrantBody, OnBehalfBody, RevokeBody } from './schema.js';

/*
 * Someone else can record for the patient (issue 12). Home-care staff do it as health personnel
 * with a care relation (the care team, e.g. the home nursing service added at referral), through
 * the same triage path as every reading. A relative does it with the patient's delegation: the
 * patient grants a named person (by their fødselsnummer, which their own ID-porten login
 * carries), can revoke it at any time, and every grant, revocation, refusal and reading is
 * audited. The reading keeps who entered it in observations.recorded_by
 * (`relative:<delegation id>`), which the measurement lists show.
 *
 * Who a relative is: the fødselsnummer of their ID-porten login. A relative who is followed by
 * Varde themself acts with their patient session; anyone else with a running delegation gets a
 * relative session (auth/routes.ts, actor kind 'relative'), which reaches only the routes of
 * auth/relative.ts: the patients who delegated to them and a reading for one of them.
 */

function patientActor(ctx: Ctx) {
  const a = ctx.actor;
  if (a.kind !== 'patient') throw forbidden('Only the patient manages who may record for them.');
  return a;
}

export function delegationDto(d: repo.DelegationRow) {
  return {
    id: d.id, name: d.relative_name, relation: d.relation, grantedAt: d.granted_at.toISOString(), revokedAt: d.revoked_at?.toISOString() ?? null,
    // The relative's number is the patient's own entry; shown masked (birth date part only) so a glance at the screen does not give it away.
    identifier: `${d.relative_identifier.slice(0, 6)}*****`,
  };
}

/** The patient's own delegations (running and revoked). */
export async function ownDelegations(ctx: Ctx) {
  const a = patientActor(ctx);
  const rows = await repo.ofPatient(ctx.db, a.patientId);
  await audit(ctx, { action: 'read', resourceType: 'Consent', patientId: a.patientId, details: { delegations: rows.length } });
  return rows;
}

/** The patient lets a named relative enter readings for them. One running grant per relative. */
export async function grantDelegation(ctx: Ctx, body: GrantBody) {
  const a = patientActor(ctx);
  const own = await repo.identifierOf(ctx.db, a.patientId);
  if (own === body.identifier) throw new AppError(400, 'validation_failed', 'That is your own number.', { identifier: 'Your own number' });
  return ctx.db.tx(async (tx) => {
    if (await repo.running(tx, a.patientId, body.identifier)) throw new AppError(409, 'conflict', 'This person may already record for you.');
    const d = await repo.insert(tx, { patient_id: a.patientId, relative_name: body.name, relative_identifier: body.identifier, relation: body.relation || null, granted_at: ctx.now() });
    await audit(ctx, { action: 'create', resourceType: 'Consent', resourceId: d.id, patientId: a.patientId, details: { delegation: 'granted' } }, tx);
    return d;
  });
}

/** The patient takes a delegation back; from then on the relative is refused. */
export async function revokeDelegation(ctx: Ctx, by: RevokeBody) {
  const a = patientActor(ctx);
  return ctx.db.tx(async (tx) => {
    const d = await repo.revoke(tx, by, a.patientId, ctx.now());
    if (!d) throw notFound('Delegation');
    await audit(ctx, { action: 'update', resourceType: 'Consent', resourceId: d.id, patientId: a.patientId, details: { delegation: 'revoked' } }, tx);
    return d;
  });
}

/** The fødselsnummer the caller logged in with, if they can be someone's relative (a patient or a relative session). */
async function ownIdentifier(ctx: Ctx): Promise<string | undefined> {
  const a = ctx.actor;
  if (a.kind === 'relative') return a.identifier;
  if (a.kind === 'patient') return repo.identifierOf(ctx.db, a.patientId);
  return undefined;
}

/** For a relative: the patients who let them record, each audited as a read of that patient's grant. */
export async function delegatedToMe(ctx: Ctx) {
  const a = ctx.actor;
  if (a.kind !== 'patient' && a.kind !== 'relative') throw forbidden('Only a patient or a relative has delegations to them.');
  const me = await ownIdentifier(ctx);
  const rows = me ? await repo.toRelative(ctx.db, me) : [];
  for (const r of rows) await audit(ctx, { action: 'read', resourceType: 'Consent', resourceId: r.id, patientId: r.patient_id, details: { delegation: 'listed-to-relative' } });
  if (a.kind === 'patient') await audit(ctx, { action: 'read', resourceType: 'Consent', patientId: a.patientId, details: { delegatedToMe: rows.length } });
  return rows.map((r) => ({ delegationId: r.id, patientId: r.patient_id, patientName: r.patient_name, grantedAt: r.granted_at.toISOString() }));
}

/**
 * A sitting entered on the patient's behalf, through the normal validation, storage and triage
 * (alerts, audit, the care team's screens). Health personnel: their care relation decides
 * (observations/service.ts#recordObservations). Anyone else: only with the patient's running
 * delegation, checked first and again under lock in the writing transaction; without it 403,
 * audited as a refused write of the patient's data.
 */
export type OnBehalfOf = { kind: 'personnel'; name: string } | { kind: 'relative'; delegation: repo.DelegationRow; identifier: string };

/**
 * Who may enter for the patient, decided before the body is read: personnel by their care
 * relation (refusals audited there), anyone else only with a running delegation (refusal audited here).
 */
export async function authoriseOnBehalf(ctx: Ctx, patientId: string): Promise<OnBehalfOf> {
  const a = ctx.actor;
  if (a.kind === 'personnel') {
    await requirePatientAccess(ctx, patientId, 'write', 'Observation');
    return { kind: 'personnel', name: a.name };
  }
  const refuse = async () => {
    await audit(ctx, { action: 'create', resourceType: 'Observation', patientId: isUuid(patientId) ? patientId : null, outcome: 'denied', details: { onBehalf: 'relative', reason: 'no_delegation' } });
    return forbidden('You have no delegation from this patient to record for them.');
  };
  if ((a.kind !== 'patient' && a.kind !== 'relative') || !isUuid(patientId) || (a.kind === 'patient' && patientId === a.patientId)) throw await refuse();
  const me = await ownIdentifier(ctx);
  const d = me ? await repo.running(ctx.db, patientId, me) : undefined;
  if (!d || !me) throw await refuse();
  return { kind: 'relative', delegation: d, identifier: me };
}

export async function recordOnBehalf(ctx: Ctx, patientId: string, who: OnBehalfOf, body: OnBehalfBody): Promise<RecordResult & { enteredBy: { kind: 'personnel' | 'relative'; name: string; relation: string | null } }> {
  if (who.kind === 'personnel') {
    const r = await recordObservations(ctx, patientId, body, { source: 'personnel' });
    return { ...r, enteredBy: { kind: 'personnel', name: who.name, relation: null } };
  }
  const { delegation: d, identifier: me } = who;
  const checked = checkSitting(ctx, body);
  const stored = await ctx.db.tx(async (tx) => {
    // Revoked meanwhile: nothing is written.
    const still = await repo.running(tx, patientId, me, true);
    if (!still) throw forbidden('The delegation was revoked.');
    const s = await storeSitting(ctx, tx, patientId, body.idempotencyKey, checked, { source: 'patient', recordedBy: `relative:${still.id}` });
    await audit(ctx, { action: 'create', resourceType: 'Observation', patientId, details: { onBehalf: 'relative', delegationId: still.id, replayed: s.replayed } }, tx);
    return s;
  });
  const r = await feedbackFor(ctx, patientId, stored);
  return { ...r, enteredBy: { kind: 'relative', name: d.relative_name, relation: d.relation } };
}

import { validatePlan, type PlanDefinition } from '../../domain/plan.js';
import { requireEpisodeAccess, requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import { getPatientEpisode } from '../patients/service.js';
import * as repo from './repo.js';

/** Validates a plan definition from outside (API, templates edited by a GP). */
export function checkPlanDefinition(input: unknown): PlanDefinition {
  const r = validatePlan(input);
  if (!r.ok) throw new AppError(400, 'invalid_plan', r.error.message, { [`definition${r.error.field ? '.' + r.error.field : ''}`]: r.error.message });
  return r.value;
}

/** All versions of the plans of the patient's current episode, newest first. */
export async function listPlans(ctx: Ctx, patientId: string): Promise<repo.PlanRow[]> {
  await requirePatientAccess(ctx, patientId, 'read', 'CarePlan');
  const episode = await getPatientEpisode(ctx, patientId);
  // A former care team reads its own episodes only, not the plan another service runs now.
  await requireEpisodeAccess(ctx, patientId, episode.id, 'read', 'CarePlan');
  const plans = await repo.plansOf(ctx.db, episode.id);
  await audit(ctx, { action: 'read', resourceType: 'CarePlan', patientId, details: { count: plans.length } });
  return plans;
}

/** A GP, nurse or specialist drafts a new plan version; only a GP can put it in force. */
export async function createDraft(ctx: Ctx, patientId: string, definition: unknown): Promise<repo.PlanRow> {
  await requirePatientAccess(ctx, patientId, 'write', 'CarePlan');
  if (ctx.actor.kind !== 'personnel') throw forbidden('Only health personnel write plans.');
  const def = checkPlanDefinition(definition);
  const personnelId = ctx.actor.personnelId;
  return ctx.db.tx(async (tx) => {
    const episode = await getPatientEpisode(ctx, patientId, tx);
    const plan = await repo.insertDraft(tx, episode.id, def, personnelId);
    await audit(ctx, { action: 'create', resourceType: 'CarePlan', resourceId: plan.id, patientId, details: { version: plan.version } }, tx);
    return plan;
  });
}

export async function approvePlan(ctx: Ctx, patientId: string, planId: string): Promise<repo.PlanRow> {
  await requirePatientAccess(ctx, patientId, 'write', 'CarePlan');
  if (ctx.actor.kind !== 'personnel' || ctx.actor.role !== 'gp') throw forbidden('Only the GP can approve a self-management plan.');
  const personnelId = ctx.actor.personnelId;
  return ctx.db.tx(async (tx) => {
    const episode = await getPatientEpisode(ctx, patientId, tx);
    const plan = await repo.getPlan(tx, planId, true);
    if (!plan || plan.episode_id !== episode.id) throw notFound('Plan');
    if (plan.status !== 'draft') throw conflict(`Plan version ${plan.version} is ${plan.status}; only drafts can be approved.`);
    const approved = await repo.approve(tx, plan.id, episode.id, personnelId, ctx.now());
    await audit(ctx, { action: 'update', resourceType: 'CarePlan', resourceId: plan.id, patientId, details: { approved: plan.version } }, tx);
    return approved;
  });
}

/** API shape of a plan version (src/api/plans.ts#PlanVersion). */
export function planDto(p: repo.PlanRow) {
  return {
    id: p.id, episodeId: p.episode_id, version: p.version, status: p.status, definition: p.definition, createdAt: p.created_at.toISOString(),
    approvedAt: p.approved_at?.toISOString() ?? null, approvedBy: p.approved_by_name ?? p.approved_by,
  };
}

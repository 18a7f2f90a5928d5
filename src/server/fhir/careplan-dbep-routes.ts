import type { FastifyInstance } from 'fastify';
import { isUuid, requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { type AppDeps, ctxOf } from '../http/app.js';
import { createDraft } from '../plans/service.js';
import { DbepImportError, dbepBundle, readDbepBundle, type DbepPatient } from './careplan-dbep.js';
import { carePlanStatus } from './mappers.js';
import { fhirError } from './outcome.js';
import * as repo from './repo.js';
import { readCarePlan } from './service.js';

async function exportOf(ctx: Ctx, plan: repo.PlanWithEpisode, base: string) {
  const row = (await ctx.db.query<DbepPatient & { goals: string | null }>(
    'select p.id, p.identifier, p.identifier_system, p.name, e.goals from plans pl join episodes e on e.id = pl.episode_id join patients p on p.id = e.patient_id where pl.id = $1',
    [plan.id],
  )).rows[0]!;
  return dbepBundle(plan, row, base, row.goals);
}

/**
 * DBEP (the national plan-sharing shape, careplan-dbep.ts) on the FHIR face:
 * - GET /fhir/CarePlan/$dbep?patient=<id>: the patient's one plan in force as a DBEP Bundle;
 * - GET /fhir/CarePlan/<id>/$dbep: any version the caller may read;
 * - POST /fhir/CarePlan/$dbep: a plan from the hospital in that shape becomes a DRAFT for the GP to
 *   review (plans/service.ts#createDraft: care relation, audited); only the GP's approval puts it in force.
 */
export function dbepRoutes(f: FastifyInstance, deps: AppDeps, base: () => string): void {
  f.get<{ Querystring: { patient?: string } }>('/CarePlan/$dbep', async (req) => {
    const ctx = ctxOf(req, deps);
    const patientId = String(req.query.patient ?? '').replace(/^Patient\//, '');
    if (!isUuid(patientId)) throw fhirError(400, 'required', 'Give the patient: ?patient=<id>.', 'patient');
    await requirePatientAccess(ctx, patientId, 'read', 'CarePlan');
    const active = (await repo.plansForPatient(ctx.db, patientId)).find((p) => carePlanStatus(p) === 'active');
    await audit(ctx, { action: 'read', resourceType: 'CarePlan', resourceId: active?.id ?? null, patientId, details: { dbep: true } });
    if (!active) throw fhirError(404, 'not-found', 'The patient has no plan in force.');
    return exportOf(ctx, active, base());
  });
  f.get<{ Params: { id: string } }>('/CarePlan/:id/$dbep', async (req) => {
    const ctx = ctxOf(req, deps);
    await readCarePlan(ctx, req.params.id);
    return exportOf(ctx, (await repo.planById(ctx.db, req.params.id))!, base());
  });
  f.post('/CarePlan/$dbep', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    if (ctx.actor.kind !== 'personnel') throw fhirError(403, 'forbidden', 'Plans are imported by health personnel.');
    let parsed;
    try {
      parsed = readDbepBundle(req.body);
    } catch (err) {
      if (err instanceof DbepImportError) throw Object.assign(fhirError(422, 'invalid', err.message), {});
      throw err;
    }
    const p = parsed.patient;
    const patientId = p.id && isUuid(p.id)
      ? p.id
      : (await ctx.db.query<{ id: string }>('select id from patients where identifier = $1', [p.identifier ?? ''])).rows[0]?.id;
    if (!patientId) throw fhirError(422, 'not-found', 'The plan\'s patient is not known here.', 'CarePlan.subject');
    const draft = await createDraft(ctx, patientId, parsed.definition);
    const plan = (await repo.planById(ctx.db, draft.id))!;
    reply.code(201).header('location', `${base()}/CarePlan/${draft.id}`);
    return exportOf(ctx, plan, base());
  });
}

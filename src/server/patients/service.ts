import { type NorwegianId, parseNorwegianId } from '../../domain/identifiers.js';
import { planFromTemplates } from '../../domain/templates.js';
import { inScope, requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import * as pathway from '../pathway/repo.js';
import * as plans from '../plans/repo.js';
import * as repo from './repo.js';
import type { EnrolBody } from './schema.js';

/** The patient's current (not ended) episode. Callers have authorised already. */
export async function getPatientEpisode(ctx: Ctx, patientId: string, q: Queryable = ctx.db, lock = false): Promise<repo.EpisodeRow> {
  const e = await repo.openEpisode(q, patientId, lock);
  if (!e) throw new AppError(409, 'no_active_episode', 'The patient has no active follow-up episode.');
  return e;
}

/** Patient header, episodes with care teams and the plan in force: the clinic's patient view. */
export async function getPatientOverview(ctx: Ctx, patientId: string) {
  const scope = await requirePatientAccess(ctx, patientId, 'read');
  const patient = await repo.getPatient(ctx.db, patientId);
  if (!patient) throw notFound('Patient');
  // Only the episodes the caller's organisation took part in: a former care team does not see
  // what another municipality does with the patient later.
  const episodes = (await repo.episodesOf(ctx.db, patientId)).filter((e) => inScope(scope, e.id));
  const withTeams = await Promise.all(
    episodes.map(async (e) => ({ ...e, careTeam: await repo.careTeam(ctx.db, e.id), plan: (await plans.approvedPlan(ctx.db, e.id)) ?? null })),
  );
  await audit(ctx, { action: 'read', resourceType: 'Patient', resourceId: patientId, patientId });
  return { patient, episodes: withTeams };
}

/**
 * The patient with this identifier, or a new one from the enrolment or referral form, audited as
 * created, inside the caller's transaction. `seen` gets the id of a patient who was there already,
 * so that a refusal after the rollback (an open episode) can still be audited against them.
 */
export async function findOrCreatePatient(
  ctx: Ctx,
  tx: Queryable,
  id: NorwegianId,
  person: { name: string; phone?: string | undefined; lang: repo.PatientRow['lang'] },
  seen: { patientId: string | null },
): Promise<repo.PatientRow> {
  const found = await repo.findPatientByIdentifier(tx, id.value);
  seen.patientId = found?.id ?? null;
  if (found) return found;
  const patient = await repo.insertPatient(tx, {
    identifier: id.value, identifier_system: id.kind, name: person.name, birth_date: id.birthDate,
    sex: id.sex, phone: person.phone ?? null, lang: person.lang,
  });
  await audit(ctx, { action: 'create', resourceType: 'Patient', resourceId: patient.id, patientId: patient.id }, tx);
  return patient;
}

/**
 * GP enrols a patient in digital home follow-up: patient (created or found by fødselsnummer),
 * episode with consent and diagnoses, care team (GP office, follow-up service, hospital) and,
 * from diagnosis templates, a first plan draft. All or nothing.
 */
export async function enrolPatient(ctx: Ctx, body: EnrolBody) {
  const a = ctx.actor;
  if (a.kind !== 'personnel' || a.role !== 'gp') throw forbidden('Only a GP can enrol a patient.');
  const id = parseNorwegianId(body.identifier);
  if (!id.ok) throw new AppError(400, 'validation_failed', id.error.message, { identifier: id.error.message });
  const orgs = await ctx.db.query<{ id: string; kind: string }>('select id, kind from organisations where id = any($1)', [
    [body.followUpOrganisationId, ...(body.hospitalOrganisationId ? [body.hospitalOrganisationId] : [])],
  ]);
  const kindOf = new Map(orgs.rows.map((o) => [o.id, o.kind]));
  if (kindOf.get(body.followUpOrganisationId) !== 'municipality') {
    throw new AppError(400, 'validation_failed', 'The follow-up service must be a municipality.', { followUpOrganisationId: 'Not a municipality' });
  }
  if (body.hospitalOrganisationId && kindOf.get(body.hospitalOrganisationId) !== 'hospital') {
    throw new AppError(400, 'validation_failed', 'Not a hospital.', { hospitalOrganisationId: 'Not a hospital' });
  }

  const seen: { patientId: string | null } = { patientId: null };
  try {
    return await ctx.db.tx(async (tx) => {
      const patient = await findOrCreatePatient(ctx, tx, id.value, body, seen);
      if (await repo.openEpisode(tx, patient.id)) throw conflict('The patient is already in an active follow-up episode.');
      const episode = await repo.insertEpisode(tx, {
        patient_id: patient.id, diagnoses: body.diagnoses, risk_level: body.riskLevel, consent_at: ctx.now(),
        enrolled_by: a.personnelId, follow_up_org: body.followUpOrganisationId, time_zone: body.timeZone,
      });
      await repo.addToCareTeam(tx, episode.id, a.organisationId, 'gp');
      await repo.addToCareTeam(tx, episode.id, body.followUpOrganisationId, 'follow_up');
      if (body.hospitalOrganisationId) await repo.addToCareTeam(tx, episode.id, body.hospitalOrganisationId, 'hospital');
      // Enrolment by the GP with consent given skips referral and baseline: follow-up starts now.
      await pathway.insertTransition(tx, {
        episodeId: episode.id, patientId: patient.id, from: null, to: 'active', action: 'enrol', at: ctx.now(), by: a.personnelId, organisationId: a.organisationId,
      });
      await audit(ctx, { action: 'create', resourceType: 'EpisodeOfCare', resourceId: episode.id, patientId: patient.id }, tx);
      let draft = null;
      if (body.templates) {
        draft = await plans.insertDraft(tx, episode.id, planFromTemplates(body.templates), a.personnelId);
        await audit(ctx, { action: 'create', resourceType: 'CarePlan', resourceId: draft.id, patientId: patient.id }, tx);
      }
      return { patient, episode, draftPlan: draft };
    });
  } catch (e) {
    // The refusal names a person the GP may have no relation to yet: it is audited like any other
    // refused access (the transaction rolled back, so this is written on its own).
    if (e instanceof AppError && e.status === 409 && seen.patientId) {
      await audit(ctx, { action: 'create', resourceType: 'EpisodeOfCare', patientId: seen.patientId, outcome: 'denied', details: { reason: 'already_in_active_episode' } });
    }
    throw e;
  }
}

/**
 * Ends the patient's episode. Only the organisations responsible for it may: the follow-up service
 * that runs it and the GP office; a hospital or another team member cannot end someone else's
 * follow-up. A refusal is audited.
 */
export async function endEpisode(ctx: Ctx, patientId: string, reason: string) {
  await requirePatientAccess(ctx, patientId, 'write', 'EpisodeOfCare');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden();
  const current = await getPatientEpisode(ctx, patientId);
  if (current.state === 'referred') throw new AppError(409, 'invalid_transition', 'A referral is declined with a reason, not ended.');
  const team = await repo.careTeam(ctx.db, current.id);
  const responsible = current.follow_up_org === a.organisationId
    || team.some((c) => c.organisation_id === a.organisationId && (c.responsibility === 'follow_up' || c.responsibility === 'gp'));
  if (!responsible) {
    await audit(ctx, { action: 'update', resourceType: 'EpisodeOfCare', resourceId: current.id, patientId, outcome: 'denied', details: { end: 'not_responsible' } });
    throw forbidden('Only the follow-up service or the GP office of the episode can end it.');
  }
  return ctx.db.tx(async (tx) => {
    const episode = await getPatientEpisode(ctx, patientId, tx, true);
    // Ended and re-enrolled between the check and the lock: not the episode that was checked.
    if (episode.id !== current.id) throw conflict('The episode changed while it was being ended; reload and try again.');
    const orgs = await careTeamOrgs(tx, patientId);
    const ended = await repo.endEpisode(tx, episode.id, reason);
    await pathway.insertTransition(tx, {
      episodeId: episode.id, patientId, from: episode.state, to: 'ended', action: 'end', at: ctx.now(), by: a.personnelId, organisationId: a.organisationId, details: { note: reason },
    });
    await audit(ctx, { action: 'update', resourceType: 'EpisodeOfCare', resourceId: episode.id, patientId, details: { ended: reason } }, tx);
    await publish(tx, { type: 'alert-updated', patientId, organisationIds: orgs });
    return ended;
  });
}

/** The patient chooses bokmål, nynorsk or English for the app and for plan texts. */
export async function setOwnLanguage(ctx: Ctx, lang: 'nb' | 'nn' | 'en'): Promise<void> {
  if (ctx.actor.kind !== 'patient') throw forbidden();
  const patientId = ctx.actor.patientId;
  await ctx.db.tx(async (tx) => {
    await repo.setLanguage(tx, patientId, lang);
    await audit(ctx, { action: 'update', resourceType: 'Patient', resourceId: patientId, patientId, details: { lang } }, tx);
  });
}

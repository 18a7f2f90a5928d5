import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { audit } from '../audit/service.js';
import { forbidden } from '../http/errors.js';
import { CLINICAL_ROLES } from './actor.js';
import { careRelationProbe } from './care-relation.js';

export type Need = 'read' | 'write';

/**
 * Which of a patient's episodes the actor may read. The care relation is per episode: an
 * organisation keeps read access to the episodes it was part of (its documentation duty), not to
 * earlier or later episodes run by others. `all` is the patient themself, the system and a running
 * emergency access (which is reviewed afterwards).
 */
export type EpisodeScope = { all: true } | { all: false; episodeIds: string[]; organisationId: string };

/**
 * Decides whether the actor may touch this patient's data (tjenstlig behov):
 * - a patient: only their own data;
 * - personnel: a clinical role, acting for an organisation that is in the care team of one of the
 *   patient's episodes (writes need an episode that has not ended), or — read only — a running
 *   emergency access (selvautorisering) of their own;
 * - a device/integration client: scope `observation.write` and its organisation in the care team
 *   of the patient's open episode.
 * - a session opened by a SMART EHR launch: as personnel, but only for the launch's patient.
 * A refusal is itself audited, so attempts to look at other people's data leave a trace.
 * @returns the episodes the actor may read; every list query of patient data must be limited to them
 */
export async function requirePatientAccess(ctx: Ctx, patientId: string, need: Need, resourceType = 'Patient'): Promise<EpisodeScope> {
  const scope = await patientAccess(ctx, patientId, need);
  if (scope) return scope;
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
  return (await patientAccess(ctx, patientId, need)) !== null;
}

/** The access decision and, when granted, the episode scope (null = no access). */
export async function patientAccess(ctx: Ctx, patientId: string, need: Need): Promise<EpisodeScope | null> {
  const a = ctx.actor;
  if (!isUuid(patientId)) return null;
  switch (a.kind) {
    case 'patient':
      return a.patientId === patientId ? { all: true } : null;
    case 'personnel': {
      if (!CLINICAL_ROLES.includes(a.role)) return null;
      // A session opened from the EPJ for one patient (SMART EHR launch) reaches that patient only.
      if (a.launchPatient && a.launchPatient.id !== patientId) return null;
      const episodes = await careTeamEpisodes(ctx, patientId, a.organisationId);
      if (need === 'write') return episodes.some((e) => e.open) ? scopeOf(episodes, a.organisationId) : null;
      // A running emergency access opens the whole record (read only), also for a former care team.
      if (await hasEmergencyAccess(ctx, patientId, a.personnelId, a.organisationId)) return { all: true };
      return episodes.length > 0 ? scopeOf(episodes, a.organisationId) : null;
    }
    case 'client': {
      if (need !== 'write' || !a.scopes.includes('observation.write')) return null;
      const episodes = await careTeamEpisodes(ctx, patientId, a.organisationId);
      return episodes.some((e) => e.open) ? scopeOf(episodes, a.organisationId) : null;
    }
    case 'relative':
      // A delegation lets a relative enter readings (delegation/service.ts), never read the record.
      return null;
    case 'system':
      return { all: true };
  }
}

function scopeOf(episodes: { id: string }[], organisationId: string): EpisodeScope {
  return { all: false, episodeIds: episodes.map((e) => e.id), organisationId };
}

/** For SQL: `$n::uuid[] is null or episode_id = any($n)`; null means every episode. */
export function scopeEpisodeIds(scope: EpisodeScope): string[] | null {
  return scope.all ? null : scope.episodeIds;
}

/** Whether a row of the given episode is inside the scope (rows without an episode: only with full access). */
export function inScope(scope: EpisodeScope, episodeId: string | null | undefined): boolean {
  return scope.all || (episodeId != null && scope.episodeIds.includes(episodeId));
}

/**
 * Whether a stored row is inside the scope: rows of an episode by its `episode_id`; rows written
 * outside any episode (a note or message with no episode) only for the organisation that wrote them.
 * Rows without an episode column (the patient's demographics, audit events) are not episode data.
 */
export function rowInScope(scope: EpisodeScope, row: unknown): boolean {
  if (scope.all || typeof row !== 'object' || row === null || !('episode_id' in row)) return true;
  const r = row as { episode_id: unknown; organisation_id?: unknown };
  if (typeof r.episode_id === 'string') return scope.episodeIds.includes(r.episode_id);
  return r.organisation_id === scope.organisationId;
}

/**
 * Requires access to one episode's data (an alert, a plan, an escalation): the patient-level
 * check, then the episode must be one the actor's organisation is in. A refusal is audited.
 */
export async function requireEpisodeAccess(ctx: Ctx, patientId: string, episodeId: string, need: Need, resourceType: string): Promise<EpisodeScope> {
  const scope = await requirePatientAccess(ctx, patientId, need, resourceType);
  if (inScope(scope, episodeId)) return scope;
  await audit(ctx, { action: need === 'read' ? 'read' : 'update', resourceType, patientId, outcome: 'denied', details: { episodeId } });
  throw forbidden('You have no care relation to this episode.');
}

/**
 * The write rule of this file for device clients and clinical staff (their organisation is in the
 * care team of the patient's open episode), decided for many patients in one statement, named by
 * id or by fødselsnummer. Every named patient that exists is returned with `allowed`; an unknown
 * one is absent. It only answers the rule: a caller refusing someone still audits the refusal
 * (requirePatientAccess), and one granting still audits the write itself.
 */
export async function careRelations(
  q: Queryable,
  organisationId: string,
  ids: readonly string[],
  identifiers: readonly string[] = [],
): Promise<{ id: string; identifier: string; identifier_system: string; allowed: boolean }[]> {
  const r = await q.query<{ id: string; identifier: string; identifier_system: string; allowed: boolean }>(
    // A probe per patient (LATERAL … LIMIT 1), never a hashed EXISTS: with the generic plan the
    // group commits use (db/port.ts#TxOptions), an EXISTS was planned as a hash of every episode
    // of the organisation, built again for every group.
    `select p.id::text as id, p.identifier, p.identifier_system, c.ok is not null as allowed
       from patients p
       left join lateral (${careRelationProbe('p.id', '$3')}) c on true
      where p.id = any($1::uuid[]) or p.identifier = any($2::text[])`,
    [ids, identifiers, organisationId],
  );
  return r.rows;
}

async function careTeamEpisodes(ctx: Ctx, patientId: string, orgId: string): Promise<{ id: string; open: boolean }[]> {
  const r = await ctx.db.query<{ id: string; open: boolean }>(
    `select e.id, e.status <> 'ended' as open from episodes e join care_team ct on ct.episode_id = e.id
      where e.patient_id = $1 and ct.organisation_id = $2`,
    [patientId, orgId],
  );
  return r.rows;
}

/** Emergency access gives reading only, to the one person who asked, until it expires. */
async function hasEmergencyAccess(ctx: Ctx, patientId: string, personnelId: string, organisationId: string): Promise<boolean> {
  const r = await ctx.db.query(
    `select 1 from emergency_access where patient_id = $1 and personnel_id = $2 and organisation_id = $3 and granted_at <= $4 and expires_at > $4 limit 1`,
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

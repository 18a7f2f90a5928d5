import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseNorwegianId } from '../../domain/identifiers.js';
import { insertAudit } from '../audit/repo.js';
import type { Queryable } from '../db/port.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { AppError, forbidden } from '../http/errors.js';
import { esc, page } from '../http/html.js';
import { CLINICAL_ROLES, type PersonnelRole } from './actor.js';
import type { OidcRp } from './oidc-rp.js';
import { hashToken } from './session.js';

/*
 * SMART on FHIR EHR launch (SMART App Launch 2.x, "EHR launch"): a GP's or hospital doctor's EPJ
 * opens the patient's Varde view without a separate login. Varde's FHIR base is the `iss`; the
 * EPJ, an API client with scope smart.launch, first registers the launch context (which patient)
 * and gets a single-use `launch` value; it then opens /launch?launch=…&iss=…. Varde sends the
 * browser through its ordinary OIDC login (HelseID; the local provider in tests), which shows no
 * login form when the person already has a HelseID session, and on the way back checks that this
 * clinician has a care relation to the launch's patient: none → refused and audited, no session.
 * With one, the session is created in the organisation that has the care relation, carries the
 * launch's patient, and the browser lands in the patient's view in the clinic app.
 */

/** Scope of the EPJ's API client that may register launch contexts. */
export const SMART_LAUNCH_SCOPE = 'smart.launch';
/** A launch must be used within this long (the EPJ opens the browser right after registering it). */
export const LAUNCH_TTL_MS = 5 * 60_000;

const hash = (launch: string) => createHash('sha256').update(launch).digest('hex');

const LaunchBody = z.object({
  patientIdentifier: z.string().trim().min(11).max(11).optional(),
  patientId: z.uuid().optional(),
}).refine((b) => !!b.patientIdentifier !== !!b.patientId, { message: 'Give the patient by patientIdentifier (fødselsnummer / D-nummer) or patientId, not both' });
const LaunchQuery = z.object({ launch: z.string().min(16).max(200), iss: z.string().url().max(500) });

/** The smart-configuration document (SMART App Launch §2.1) for Varde's FHIR base. */
export function smartConfiguration(publicUrl: string, issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
    scopes_supported: ['openid', 'profile', 'launch', 'launch/patient', 'patient/*.read', 'user/*.read'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: ['launch-ehr', 'context-ehr-patient', 'sso-openid-connect', 'client-confidential-symmetric', 'permission-user'],
    // Not in the SMART list: where an EPJ registers a launch context and which URL it opens.
    'varde:launch_registration_endpoint': `${publicUrl}/smart/launch`,
    'varde:launch_url': `${publicUrl}/launch`,
  };
}

/**
 * What the OIDC callback does with a pending launch, before any session exists: the launch must be
 * unused and unexpired, and the clinician must have a clinical role in an organisation in the care
 * team of the patient's open episode. Returns that membership (the session's organisation), or
 * the reason for refusing. Uses the launch up (single use) when it succeeds.
 */
export async function resolveLaunch(
  q: Queryable,
  launch: string,
  personnelId: string,
  memberships: { organisation_id: string; role: PersonnelRole }[],
  now: Date,
): Promise<{ ok: true; patientId: string; organisationId: string; role: PersonnelRole } | { ok: false; reason: 'unknown_launch' | 'no_care_relation'; patientId: string | null }> {
  const l = (await q.query<{ patient_id: string; expires_at: Date; used_at: Date | null }>('select patient_id, expires_at, used_at from smart_launches where launch_hash = $1', [hash(launch)])).rows[0];
  if (!l || l.used_at || l.expires_at <= now) return { ok: false, reason: 'unknown_launch', patientId: l?.patient_id ?? null };
  const clinical = memberships.filter((m) => CLINICAL_ROLES.includes(m.role));
  const r = await q.query<{ organisation_id: string }>(
    `select ct.organisation_id from care_team ct join episodes e on e.id = ct.episode_id
      where e.patient_id = $1 and e.status <> 'ended' and ct.organisation_id = any($2::uuid[]) limit 1`,
    [l.patient_id, clinical.map((m) => m.organisation_id)],
  );
  const org = r.rows[0]?.organisation_id;
  if (!org) return { ok: false, reason: 'no_care_relation', patientId: l.patient_id };
  const used = await q.query('update smart_launches set used_at = $2, used_by = $3 where launch_hash = $1 and used_at is null', [hash(launch), now, personnelId]);
  if (used.rowCount !== 1) return { ok: false, reason: 'unknown_launch', patientId: l.patient_id };
  return { ok: true, patientId: l.patient_id, organisationId: org, role: clinical.find((m) => m.organisation_id === org)!.role };
}

/** Marks the new session with the launch's patient. */
export async function bindSessionToLaunch(q: Queryable, sessionToken: string, patientId: string): Promise<void> {
  await q.query('update sessions set launch_patient_id = $2 where id_hash = $1', [hashToken(sessionToken), patientId]);
}

/** Where the clinic app shows the patient (its hash route). */
export const patientViewPath = (patientId: string) => `/clinic/#/pasient/${encodeURIComponent(patientId)}`;

function launchFailed(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).type('text/html').send(page('Åpning fra journalen mislyktes', `<h1>Åpning fra journalen mislyktes</h1><p class="error" role="alert">${esc(message)}</p>`));
}

/**
 * GET /launch (the EPJ opens it), POST /smart/launch (the EPJ registers the context) and the
 * smart-configuration documents. `start` begins the OIDC login with the launch kept in the login
 * cookie (auth/routes.ts).
 */
export function smartRoutes(app: App, deps: AppDeps, rp: OidcRp, start: (reply: FastifyReply, extra: { launch: string }) => Promise<FastifyReply>): void {
  const fhirBase = () => `${deps.publicUrl()}/fhir`;
  const issuer = () => (deps.config.LOCAL_IDP ? `${deps.publicUrl()}/idp` : deps.config.HELSEID_ISSUER ?? `${deps.publicUrl()}/idp`);
  const conf = async () => smartConfiguration(deps.publicUrl(), issuer());
  app.get('/.well-known/smart-configuration', { config: { public: true } }, conf);
  app.get('/fhir/.well-known/smart-configuration', { config: { public: true } }, conf);

  app.post('/smart/launch', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const a = ctx.actor;
    if (a.kind !== 'client' || !a.scopes.includes(SMART_LAUNCH_SCOPE)) throw forbidden(`Launch contexts are registered by EPJ clients with the ${SMART_LAUNCH_SCOPE} scope.`);
    const body = parse(LaunchBody, req.body);
    const id = body.patientIdentifier ? parseNorwegianId(body.patientIdentifier) : null;
    if (id && !id.ok) throw new AppError(400, 'validation_failed', 'Not a valid fødselsnummer or D-nummer.', { patientIdentifier: 'Not a valid fødselsnummer or D-nummer' });
    const patient = (await ctx.db.query<{ id: string }>('select id from patients where ' + (body.patientId ? 'id = $1' : 'identifier = $1'), [body.patientId ?? (id && id.ok ? id.value.value : '')])).rows[0];
    if (!patient) throw new AppError(404, 'not_found', 'No patient in Varde with that identifier.');
    const launch = randomBytes(24).toString('base64url');
    const now = ctx.now();
    // Launches live minutes; a day later nothing needs them (used ones are in the audit trail).
    await ctx.db.query(`delete from smart_launches where expires_at < $1::timestamptz - interval '1 day'`, [now]);
    await ctx.db.query(
      'insert into smart_launches (launch_hash, patient_id, client_id, organisation_id, created_at, expires_at) values ($1,$2,$3,$4,$5,$6)',
      [hash(launch), patient.id, a.clientId, a.organisationId, now, new Date(now.getTime() + LAUNCH_TTL_MS)],
    );
    // Naming a patient is not reading their data; the read happens (and is audited) when the clinician opens the view.
    await insertAudit(ctx.db, {
      actorKind: 'client', actorId: a.clientId, actorName: a.clientId, organisationId: a.organisationId, role: null, action: 'create', resourceType: 'SmartLaunch',
      resourceId: null, patientId: patient.id, outcome: 'success', route: 'POST /smart/launch', details: null,
    });
    return reply.code(201).send({ launch, iss: fhirBase(), launchUrl: `${deps.publicUrl()}/launch?launch=${encodeURIComponent(launch)}&iss=${encodeURIComponent(fhirBase())}`, expiresIn: LAUNCH_TTL_MS / 1000 });
  });

  app.get('/launch', { config: { public: true } }, async (req, reply) => {
    const q = LaunchQuery.safeParse(req.query);
    if (!q.success) return launchFailed(reply, 400, 'Lenken fra journalen mangler launch eller iss.');
    if (q.data.iss.replace(/\/$/, '') !== fhirBase()) return launchFailed(reply, 400, 'Lenken fra journalen gjelder en annen FHIR-tjeneste (iss).');
    const l = (await deps.db.query<{ expires_at: Date; used_at: Date | null }>('select expires_at, used_at from smart_launches where launch_hash = $1', [hash(q.data.launch)])).rows[0];
    if (!l || l.used_at || l.expires_at <= deps.now()) return launchFailed(reply, 400, 'Lenken fra journalen er brukt eller utløpt. Åpne pasienten fra journalen på nytt.');
    return start(reply, { launch: q.data.launch });
  });
  void rp;
}

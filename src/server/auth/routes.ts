import { z } from 'zod';
import { audit } from '../audit/service.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { serve } from '../http/contract.js';
import { sessionRoutes } from '../../api/session.js';
import { esc, page } from '../http/html.js';
import { issueClientToken } from './clients.js';
import type { LocalIdp } from './local-idp.js';
import { HELSEID_HPR_CLAIM, HELSEID_SECURITY_LEVEL_CLAIM, IDPORTEN_ACR_HIGH, IDPORTEN_ACR_SUBSTANTIAL } from './local-idp.js';
import type { LoginApp, OidcRp, PendingLogin } from './oidc-rp.js';
import { SESSION_COOKIE, createSession, deleteSession, membershipsFor } from './session.js';
import { auditAuthEvent, perAddressLimit, perClientLimit } from './throttle.js';
import { bindSessionToLaunch, patientViewPath, resolveLaunch, smartRoutes } from './smart.js';
import { toRelative } from '../delegation/repo.js';

const LOGIN_COOKIE = 'varde_login';
const LoginQuery = z.object({ app: z.enum(['patient', 'clinic']) });
// `launch`: a SMART EHR launch in progress (smart.ts), checked against the care relation in the callback.
const PendingSchema = z.object({ app: z.enum(['patient', 'clinic']), state: z.string(), nonce: z.string(), verifier: z.string(), launch: z.string().optional() });

/** Login through OIDC (HelseID / ID-porten), logout, device client credentials and `/api/me`. */
export function authRoutes(app: App, deps: AppDeps, rp: OidcRp): void {
  const secure = () => deps.publicUrl().startsWith('https://');
  const home = (a: LoginApp) => (a === 'patient' ? '/patient/' : '/clinic/');
  const limit = (html = false) => perAddressLimit(deps, deps.config.AUTH_RATE_LIMIT_PER_MINUTE, { html });
  const acceptedAcr = deps.config.IDPORTEN_ACR.split(',').map((a) => a.trim()).filter(Boolean);

  app.get('/auth/login', { config: { public: true, rateLimit: limit(true) } }, async (req, reply) => {
    const { app: which } = parse(LoginQuery, req.query);
    const { url, pending } = await rp.start(which);
    reply.setCookie(LOGIN_COOKIE, JSON.stringify(pending), {
      path: '/auth', httpOnly: true, sameSite: 'lax', secure: secure(), signed: true, maxAge: 600,
    });
    return reply.redirect(url);
  });

  smartRoutes(app, deps, rp, async (reply, extra) => {
    const { url, pending } = await rp.start('clinic');
    reply.setCookie(LOGIN_COOKIE, JSON.stringify({ ...pending, ...extra }), {
      path: '/auth', httpOnly: true, sameSite: 'lax', secure: secure(), signed: true, maxAge: 600,
    });
    return reply.redirect(url);
  });

  app.get<{ Params: { app: string } }>('/auth/callback/:app', { config: { public: true, rateLimit: limit(true) } }, async (req, reply) => {
    const which = parse(z.enum(['patient', 'clinic']), req.params.app, 'app');
    const raw = req.cookies[LOGIN_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : null;
    reply.clearCookie(LOGIN_COOKIE, { path: '/auth' });
    let pending: PendingLogin | null = null;
    let launch: string | undefined;
    try {
      const parsed = unsigned?.valid && unsigned.value ? PendingSchema.parse(JSON.parse(unsigned.value)) : null;
      launch = parsed?.launch;
      pending = parsed;
    } catch {
      pending = null;
    }
    if (!pending || pending.app !== which) return loginFailed(reply, which, 'Innloggingen tok for lang tid eller ble startet i en annen fane. Prøv igjen.');

    const callbackUrl = new URL(req.url, deps.publicUrl());
    let claims;
    let idToken: string;
    try {
      ({ claims, idToken } = await rp.finish(which, callbackUrl, pending));
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'OIDC callback rejected');
      return loginFailed(reply, which, 'Innloggingen ble avvist. Prøv igjen.');
    }

    if (which === 'patient') {
      const acr = String(claims.acr ?? '');
      // Health data needs ID-porten's high level (BankID, Buypass, Commfides) unless configured otherwise.
      if (!acceptedAcr.includes(acr)) {
        await auditAuthEvent(deps, req, { actorKind: 'system', actorId: 'login', resourceType: 'Session', outcome: 'denied', details: { app: which, reason: 'assurance_level', acr } });
        return loginFailed(reply, which, 'Du må logge inn med et høyt sikkerhetsnivå (for eksempel BankID).');
      }
      const pid = String(claims.pid ?? '');
      const r = await deps.db.query<{ id: string }>(
        `select p.id from patients p where p.identifier = $1
           and exists (select 1 from episodes e where e.patient_id = p.id and e.status <> 'ended')`,
        [pid],
      );
      const patient = r.rows[0];
      if (!patient) {
        // Not followed themself: a relative session when some patient lets them enter readings (issue 12).
        const delegations = await toRelative(deps.db, pid);
        if (delegations.length === 0) {
          await auditAuthEvent(deps, req, { actorKind: 'system', actorId: 'login', resourceType: 'Session', outcome: 'denied', details: { app: which, reason: 'no_patient_or_delegation' } });
          return noAccess(reply);
        }
        const token = await createSession(deps.db, { subjectKind: 'relative', subjectId: null, subjectIdentifier: pid, acr, idToken, ttlHours: deps.config.SESSION_TTL_HOURS });
        const relative = { kind: 'relative' as const, identifier: pid, name: delegations[0]!.relative_name };
        // In each delegating patient's access log: their relative logged in with the permission they gave.
        for (const d of delegations) {
          await audit({ ...ctxBase(deps), actor: relative }, { action: 'login', resourceType: 'Session', patientId: d.patient_id, details: { acr, relative: true, delegationId: d.id } });
        }
        setSession(reply, token, secure(), deps.config.SESSION_TTL_HOURS);
        return reply.redirect(home(which));
      }
      const token = await createSession(deps.db, { subjectKind: 'patient', subjectId: patient.id, acr, idToken, ttlHours: deps.config.SESSION_TTL_HOURS });
      await audit({ ...ctxBase(deps), actor: { kind: 'patient', patientId: patient.id, name: String(claims.name ?? ''), lang: 'nb' } }, {
        action: 'login', resourceType: 'Session', patientId: patient.id, details: { acr },
      });
      setSession(reply, token, secure(), deps.config.SESSION_TTL_HOURS);
      return reply.redirect(home(which));
    }

    const hpr = String(claims[HELSEID_HPR_CLAIM] ?? '');
    // HelseID's security level of the login: 4 (high) by default, as for the patient's ID-porten level.
    const level = Number(claims[HELSEID_SECURITY_LEVEL_CLAIM] ?? 0);
    if (!(level >= deps.config.HELSEID_SECURITY_LEVEL)) {
      await auditAuthEvent(deps, req, {
        actorKind: 'system', actorId: 'login', resourceType: 'Session', outcome: 'denied',
        details: { app: which, reason: 'security_level', hpr, level: claims[HELSEID_SECURITY_LEVEL_CLAIM] ?? null },
      });
      return loginFailed(reply, which, 'Du må logge inn med høyt sikkerhetsnivå (for eksempel BankID eller Buypass).');
    }
    const r = await deps.db.query<{ id: string; name: string }>('select id, name from personnel where hpr_number = $1', [hpr]);
    const person = r.rows[0];
    const membership = person ? (await membershipsFor(deps.db, person.id))[0] : undefined;
    if (!person || !membership) return loginFailed(reply, which, 'Du har ingen tilgang i Varde. Kontakt administrator i din virksomhet.');
    let launched: { patientId: string; organisationId: string; role: typeof membership.role } | null = null;
    if (launch) {
      const r = await resolveLaunch(deps.db, launch, person.id, await membershipsFor(deps.db, person.id), deps.now());
      if (!r.ok) {
        await auditAuthEvent(deps, req, { actorKind: 'system', actorId: 'login', resourceType: 'Session', outcome: 'denied', ...(r.patientId ? { patientId: r.patientId } : {}), details: { app: which, reason: r.reason, smartLaunch: true, hpr } });
        return loginFailed(reply, which, r.reason === 'no_care_relation'
          ? 'Du har ikke behandlingsrelasjon til denne pasienten i Varde, så journalen kan ikke åpne pasienten her.'
          : 'Lenken fra journalen er brukt eller utløpt. Åpne pasienten fra journalen på nytt.');
      }
      launched = r;
    }
    const token = await createSession(deps.db, {
      subjectKind: 'personnel', subjectId: person.id, organisationId: launched?.organisationId ?? membership.organisation_id, role: launched?.role ?? membership.role,
      idToken, ttlHours: deps.config.SESSION_TTL_HOURS,
    });
    await audit(
      { ...ctxBase(deps), actor: { kind: 'system', name: `personnel:${person.id}` } },
      { action: 'login', resourceType: 'Session', ...(launched ? { patientId: launched.patientId } : {}), details: { hpr, organisationId: launched?.organisationId ?? membership.organisation_id, role: launched?.role ?? membership.role, securityLevel: level, ...(launched ? { smartLaunch: true } : {}) } },
    );
    setSession(reply, token, secure(), deps.config.SESSION_TTL_HOURS);
    if (launched) {
      await bindSessionToLaunch(deps.db, token, launched.patientId);
      return reply.redirect(patientViewPath(launched.patientId));
    }
    return reply.redirect(home(which));
  });

  app.post('/auth/logout', { config: { public: true } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    const actor = req.actor;
    let logoutUrl: string | null = null;
    if (token) {
      const s = await deleteSession(deps.db, token);
      deps.sessions.ended(token);
      if (actor && (actor.kind === 'patient' || actor.kind === 'personnel' || actor.kind === 'relative')) {
        await audit({ ...ctxBase(deps), actor }, { action: 'logout', resourceType: 'Session', patientId: actor.kind === 'patient' ? actor.patientId : null });
        logoutUrl = await rp.logoutUrl(actor.kind === 'personnel' ? 'clinic' : 'patient', s?.id_token ?? null);
      }
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.send({ redirect: logoutUrl ?? '/' });
  });

  // OAuth 2.0 client credentials (RFC 6749 §4.4) for device gateways; errors per §5.2.
  const clientLimit = perClientLimit(app, deps, deps.config.CLIENT_RATE_LIMIT_PER_MINUTE);
  app.post('/auth/token', { config: { public: true, forms: true, rateLimit: limit() } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const body = (req.body ?? {}) as Record<string, unknown>;
    let clientId = typeof body.client_id === 'string' ? body.client_id : '';
    let secret = typeof body.client_secret === 'string' ? body.client_secret : '';
    const header = req.headers.authorization;
    if (header !== undefined) {
      const basic = parseBasic(header);
      if (!basic) {
        await auditAuthEvent(deps, req, { actorKind: 'client', actorId: clientId, resourceType: 'AccessToken', outcome: 'denied', details: { reason: 'malformed_authorization' } });
        return reply.code(401).header('www-authenticate', 'Basic realm="varde"')
          .send({ error: 'invalid_client', error_description: 'The Authorization header is not valid HTTP Basic client authentication.' });
      }
      ({ clientId, secret } = basic);
    }
    if (body.grant_type !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported.' });
    }
    if (!clientId || !secret) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication is required.' });
    }
    if (!(await clientLimit(req, clientId))) {
      return reply.code(429).header('retry-after', '60').send({ error: 'slow_down', error_description: 'Too many attempts for this client. Wait a minute.' });
    }
    const scopes = typeof body.scope === 'string' && body.scope.trim() ? body.scope.trim().split(/\s+/) : null;
    const t = await issueClientToken(deps.db, clientId, secret, scopes, deps.config.CLIENT_LOCKOUT_AFTER);
    if (!t.ok) {
      await auditAuthEvent(deps, req, {
        actorKind: 'client', actorId: clientId, organisationId: t.organisationId, resourceType: 'AccessToken', outcome: 'denied',
        details: { reason: t.reason, ...(t.lockedNow ? { lockedNow: true } : {}) },
      });
      if (t.lockedNow) req.log.warn({ clientId }, 'device client locked after repeated wrong secrets');
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Unknown client, wrong secret, locked client or scope not allowed.' });
    }
    await auditAuthEvent(deps, req, {
      actorKind: 'client', actorId: clientId, organisationId: t.organisationId, resourceType: 'AccessToken', outcome: 'success', details: { scopes: t.scopes },
    });
    return { access_token: t.accessToken, token_type: 'Bearer', expires_in: t.expiresIn, scope: t.scopes.join(' ') };
  });

  serve(app, deps, sessionRoutes.me, async ({ ctx }) => {
    const a = ctx().actor;
    if (a.kind === 'patient') return { kind: 'patient' as const, patient: { id: a.patientId, name: a.name, lang: a.lang } };
    if (a.kind === 'relative') return { kind: 'relative' as const, relative: { name: a.name } };
    if (a.kind === 'personnel') {
      return {
        kind: 'personnel' as const,
        personnel: { id: a.personnelId, name: a.name, hpr: a.hpr },
        organisation: { id: a.organisationId, name: a.organisationName, kind: a.organisationKind },
        role: a.role,
        launchPatient: a.launchPatient ?? null,
      };
    }
    return { kind: a.kind };
  });
}

/**
 * HTTP Basic client authentication (RFC 6749 §2.3.1: id and secret form-urlencoded, then base64).
 * Anything else in the header — another scheme, bad base64, no colon, bad %-escapes — is null.
 */
export function parseBasic(header: string): { clientId: string; secret: string } | null {
  const m = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 1) return null;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, i));
    const secret = decodeURIComponent(decoded.slice(i + 1));
    return clientId && secret ? { clientId, secret } : null;
  } catch {
    return null;
  }
}

function ctxBase(deps: AppDeps) {
  return { db: deps.db, now: deps.now, log: deps.log, config: deps.config, route: 'GET /auth/callback/:app' };
}

function setSession(reply: import('fastify').FastifyReply, token: string, secure: boolean, ttlHours: number) {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: ttlHours * 3600 });
}

function loginFailed(reply: import('fastify').FastifyReply, which: LoginApp, message: string) {
  return reply
    .code(403)
    .type('text/html')
    .send(page('Innlogging mislyktes', `<h1>Innlogging mislyktes</h1><p class="error" role="alert">${esc(message)}</p>
      <p><a href="/auth/login?app=${which}">Prøv igjen</a> · <a href="/">Til forsiden</a></p>`));
}

/**
 * ID-porten knows everyone; Varde knows only patients and the relatives patients named. Anyone
 * else gets this page (no session) in the three languages, since Varde does not know theirs.
 */
function noAccess(reply: import('fastify').FastifyReply) {
  return reply
    .code(403)
    .type('text/html')
    .send(page('Ingen tilgang – Varde', `<h1>Du har ikke tilgang til Varde</h1>
      <p role="alert">Du er ikke registrert i digital hjemmeoppfølging, og ingen pasient har gitt deg tillatelse til å registrere målinger for seg.
        Snakk med fastlegen din, eller be den du hjelper om å gi deg tillatelse i Varde-appen sin.</p>
      <section lang="nn"><h2>Du har ikkje tilgang til Varde</h2>
        <p>Du er ikkje registrert i digital heimeoppfølging, og ingen pasient har gitt deg løyve til å registrere målingar for seg.
        Snakk med fastlegen din, eller be den du hjelper om å gi deg løyve i Varde-appen sin.</p></section>
      <section lang="en"><h2>You do not have access to Varde</h2>
        <p>You are not registered for digital home follow-up, and no patient has given you permission to record measurements for them.
        Talk to your GP, or ask the person you help to give you permission in their Varde app.</p></section>
      <p><a href="/">Til forsiden / Til framsida / Home</a></p>`));
}

/** Login pages of the local OIDC provider: a test-person picker (HelseID) and TestID (ID-porten). */
export function localIdpRoutes(app: App, deps: AppDeps, getIdp: () => Promise<LocalIdp>): void {
  // Everything else under /idp is the provider itself; hijacked before Fastify reads the body.
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/idp/*',
    config: { public: true },
    onRequest: async (req, reply) => {
      reply.hijack();
      const idp = await getIdp();
      idp.handle(req.raw, reply.raw);
    },
    handler: async () => undefined,
  });

  app.get<{ Params: { uid: string } }>('/idp/interaction/:uid', { config: { public: true } }, async (req, reply) => {
    const idp = await getIdp();
    const details = await idp.provider.interactionDetails(req.raw, reply.raw);
    const isPatient = details.params.client_id === idp.clients.patient.clientId;
    const uid = esc(details.uid);
    reply.type('text/html');
    if (isPatient) {
      const demo = await deps.db.query<{ identifier: string; name: string }>(
        `select p.identifier, p.name from patients p where exists (select 1 from episodes e where e.patient_id = p.id and e.status <> 'ended')
          order by p.name limit 6`,
      );
      // Relatives who are not patients themselves, with a running delegation (issue 12): the demo's synthetic relative.
      const relatives = await deps.db.query<{ relative_identifier: string; relative_name: string }>(
        `select distinct on (d.relative_identifier) d.relative_identifier, d.relative_name from delegations d
          where d.revoked_at is null and not exists (select 1 from patients p where p.identifier = d.relative_identifier)
          order by d.relative_identifier, d.granted_at desc limit 3`,
      );
      const error = (req.query as Record<string, string>).error ? '<p class="error" role="alert">Fødselsnummeret er ikke gyldig. Skriv 11 siffer.</p>' : '';
      return page('ID-porten (lokal TestID)', `<h1>Logg inn med TestID</h1>
        <p class="note">Lokal test av ID-porten for demo og test. Bruk bare syntetiske fødselsnummer.</p>${error}
        <form method="post" action="/idp/interaction/${uid}/login">
          <label for="pid">Fødselsnummer (11 siffer)</label>
          <input id="pid" name="pid" type="text" inputmode="numeric" autocomplete="off" required pattern="[0-9]{11}">
          <button type="submit">Logg inn</button>
        </form>
        <h2>Testpasienter</h2><ul class="pick">${demo.rows
          .map((p) => `<li><form method="post" action="/idp/interaction/${uid}/login"><input type="hidden" name="pid" value="${esc(p.identifier)}">
            <button class="secondary" type="submit">${esc(p.name)} (${esc(p.identifier)})</button></form></li>`)
          .join('')}</ul>${relatives.rows.length ? `<h2>Testpårørende</h2><ul class="pick">${relatives.rows
          .map((p) => `<li><form method="post" action="/idp/interaction/${uid}/login"><input type="hidden" name="pid" value="${esc(p.relative_identifier)}">
            <button class="secondary" type="submit">${esc(p.relative_name)} (${esc(p.relative_identifier)}) — pårørende</button></form></li>`)
          .join('')}</ul>` : ''}`);
    }
    const people = await deps.db.query<{ hpr_number: string; name: string; orgs: string }>(
      `select pe.hpr_number, pe.name, string_agg(o.name || ' – ' || m.role, ', ' order by o.name) as orgs
         from personnel pe join memberships m on m.personnel_id = pe.id join organisations o on o.id = m.organisation_id
        group by pe.id order by pe.name`,
    );
    return page('HelseID (lokal test-IdP)', `<h1>HelseID – velg testperson</h1>
      <p class="note">Lokal test av HelseID for demo og test.</p>
      <ul class="pick">${people.rows
        .map((p) => `<li><form method="post" action="/idp/interaction/${uid}/login"><input type="hidden" name="hpr" value="${esc(p.hpr_number)}">
          <button class="secondary" type="submit">${esc(p.name)} (HPR ${esc(p.hpr_number)}) — ${esc(p.orgs)}</button></form></li>`)
        .join('')}</ul>`);
  });

  const limit = perAddressLimit(deps, deps.config.AUTH_RATE_LIMIT_PER_MINUTE, { html: true });
  app.post<{ Params: { uid: string } }>('/idp/interaction/:uid/login', { config: { public: true, forms: true, rateLimit: limit } }, async (req, reply) => {
    const idp = await getIdp();
    const body = (req.body ?? {}) as Record<string, string>;
    const details = await idp.provider.interactionDetails(req.raw, reply.raw);
    const isPatient = details.params.client_id === idp.clients.patient.clientId;
    let accountId: string;
    if (isPatient) {
      const pid = String(body.pid ?? '').replace(/\s/g, '');
      if (!/^\d{11}$/.test(pid)) return reply.redirect(`/idp/interaction/${encodeURIComponent(req.params.uid)}?error=1`);
      accountId = `patient:${pid}`;
    } else {
      // HelseID's test IdP lets the tester pick the security level; the account id carries it to the ID token.
      accountId = `personnel:${String(body.hpr ?? '')}${body.level === '3' ? ':3' : ''}`;
    }
    // Like TestID, a lower assurance level can be chosen (tests of the refusal); high by default.
    const acr = body.acr === IDPORTEN_ACR_SUBSTANTIAL ? IDPORTEN_ACR_SUBSTANTIAL : IDPORTEN_ACR_HIGH;
    const result = isPatient
      ? { login: { accountId, acr, amr: ['TestID'] } }
      : { login: { accountId, amr: ['pwd'] } };
    reply.hijack();
    await idp.provider.interactionFinished(req.raw, reply.raw, result, { mergeWithLastSubmission: false });
  });
}

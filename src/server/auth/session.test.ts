import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Server } from '../server.js';
import { CookieClient, loginThroughIdp } from '../testing/browserless.js';
import { personnelCookie, patientCookie } from '../testing/fixtures.js';
import { countRows, startTestServer, useTestServer } from '../testing/server.js';
import { actorForSession, createSession, hashToken, purgeExpiredSessions, SESSION_COOKIE } from './session.js';

const t = useTestServer();

const tokenOf = (cookie: string) => cookie.slice(`${SESSION_COOKIE}=`.length);
const hashOf = (cookie: string) => hashToken(tokenOf(cookie));
/** Pretends the session's last request was `minutes` ago. */
const ageSession = (cookie: string, minutes: number) =>
  t.db.query('update sessions set last_seen_at = now() - make_interval(mins => $2) where id_hash = $1', [hashOf(cookie), minutes]);

/** A login form of the local IdP on the page (the provider asks who you are). */
const asksForLogin = (html: string) => /action="[^"]+\/interaction\/[^"]+\/login"/.test(html);

describe('logout ends the login at the identity provider too (RP-initiated logout)', () => {
  test('after logout the next person on the tablet must log in again', async () => {
    const { client } = await loginThroughIdp(t.server.url, 'patient', { pid: t.f.patient.identifier });
    assert.equal((await client.request('GET', '/api/me')).status, 200);

    // Without logout the provider remembers the person: a new login goes straight through.
    const again = await client.follow('GET', '/auth/login?app=patient');
    assert.ok(again.hops.some((h) => h.includes('/auth/callback/patient?code=')), 'provider session kept while logged in');
    assert.equal((await client.request('GET', '/api/me')).status, 200);

    const out = await client.request('POST', '/auth/logout');
    assert.equal(out.status, 200);
    const { redirect } = (await out.json()) as { redirect: string };
    const end = new URL(redirect);
    assert.equal(end.pathname, '/idp/session/end');
    assert.ok(end.searchParams.get('id_token_hint'), 'id_token_hint sent');
    assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${t.server.url}/`);
    assert.equal((await client.request('GET', '/api/me')).status, 401, 'Varde session ended');

    // The browser follows the end-session URL; the page submits itself (script allowed by hash, not unsafe-inline).
    const page = await client.request('GET', redirect);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /unsafe-inline[^;]*;?\s*$|script-src[^;]*unsafe-inline/);
    const html = await page.text();
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(action && xsrf, html);
    assert.match(html, /name="logout" value="yes"/);
    const done = await client.follow('POST', action, new URLSearchParams({ xsrf, logout: 'yes' }));
    assert.equal(new URL(done.hops.at(-1)!).pathname, '/');

    // The next login asks who you are.
    const next = await client.follow('GET', '/auth/login?app=patient');
    assert.ok(!next.hops.some((h) => h.includes('/auth/callback/')), next.hops.join('\n'));
    assert.ok(asksForLogin(await next.res.text()), 'login form shown again');
  });

  test('logout is audited and the personnel logout also leads to the provider', async () => {
    const { client } = await loginThroughIdp(t.server.url, 'clinic', { hpr: '1000001' });
    const out = await client.request('POST', '/auth/logout');
    const { redirect } = (await out.json()) as { redirect: string };
    assert.match(redirect, /\/idp\/session\/end\?.*id_token_hint=/);
    assert.ok((await countRows(t.db, `audit_events where action = 'logout' and actor_id = $1`, [t.f.people.nurseA])) >= 1);
  });
});

describe('idle expiry', () => {
  test('personnel: 30 minutes without a request ends the session; activity slides it', async () => {
    const cookie = await personnelCookie(t.db, t.f.people.nurseA, t.f.orgs.muniA, 'nurse');
    await ageSession(cookie, 29);
    assert.equal((await t.call('GET', '/api/me', cookie)).status, 200);
    // The request moved last-seen forward: 29 more minutes are fine again.
    const seen = await t.db.query<{ fresh: boolean }>(`select last_seen_at > now() - interval '1 minute' as fresh from sessions where id_hash = $1`, [hashOf(cookie)]);
    assert.equal(seen.rows[0]!.fresh, true);
    await ageSession(cookie, 31);
    assert.equal((await t.call('GET', '/api/me', cookie)).status, 401);
  });

  test('patients: 60 minutes', async () => {
    const cookie = await patientCookie(t.db, t.f.patient.id);
    await ageSession(cookie, 45);
    assert.equal((await t.call('GET', '/api/me', cookie)).status, 200);
    await ageSession(cookie, 61);
    assert.equal((await t.call('GET', '/api/me', cookie)).status, 401);
  });

  test('the limits are configurable and the absolute lifetime still holds', async () => {
    const cookie = await personnelCookie(t.db, t.f.people.nurseA, t.f.orgs.muniA, 'nurse');
    await ageSession(cookie, 6);
    assert.ok(await actorForSession(t.db, tokenOf(cookie), { personnelMinutes: 30, patientMinutes: 60 }));
    await ageSession(cookie, 6);
    assert.equal(await actorForSession(t.db, tokenOf(cookie), { personnelMinutes: 5, patientMinutes: 60 }), null);

    const active = await personnelCookie(t.db, t.f.people.nurseA, t.f.orgs.muniA, 'nurse');
    await t.db.query(`update sessions set expires_at = now() - interval '1 second' where id_hash = $1`, [hashOf(active)]);
    assert.equal((await t.call('GET', '/api/me', active)).status, 401);
  });

  test('expired and idle sessions are purged with their ID tokens; live ones stay', async () => {
    const mk = (kind: 'patient' | 'personnel') =>
      kind === 'patient'
        ? createSession(t.db, { subjectKind: 'patient', subjectId: t.f.patient.id, idToken: 'eyJ.patient.token', ttlHours: 1 })
        : createSession(t.db, { subjectKind: 'personnel', subjectId: t.f.people.nurseA, organisationId: t.f.orgs.muniA, role: 'nurse', idToken: 'eyJ.nurse.token', ttlHours: 1 });
    const live = `${SESSION_COOKIE}=${await mk('personnel')}`;
    const idleNurse = `${SESSION_COOKIE}=${await mk('personnel')}`;
    const livePatient = `${SESSION_COOKIE}=${await mk('patient')}`;
    const expired = `${SESSION_COOKIE}=${await mk('patient')}`;
    await ageSession(idleNurse, 31);
    await ageSession(livePatient, 31);
    await t.db.query(`update sessions set expires_at = now() - interval '1 minute' where id_hash = $1`, [hashOf(expired)]);

    await purgeExpiredSessions(t.db, { personnelMinutes: 30, patientMinutes: 60 });
    const left = async (c: string) => countRows(t.db, 'sessions where id_hash = $1', [hashOf(c)]);
    assert.equal(await left(live), 1);
    assert.equal(await left(livePatient), 1);
    assert.equal(await left(idleNurse), 0);
    assert.equal(await left(expired), 0);
    assert.equal(await countRows(t.db, `sessions where last_seen_at <= now() - interval '60 minutes' or expires_at <= now()`), 0);
  });
});

describe('the worklist stream ends with its session', () => {
  // The timeouts only turn a stream that never closes (the bug) into a failure instead of a hang.
  async function openStream(server: Server, cookie: string) {
    const res = await fetch(`${server.url}/api/worklist/stream`, { headers: { cookie, accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /connected/);
    /** Reads until the server closes the stream. */
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    return { ended };
  }

  test('logout closes it at once', { timeout: 30_000 }, async () => {
    const cookie = await personnelCookie(t.db, t.f.people.nurseA, t.f.orgs.muniA, 'nurse');
    const { ended } = await openStream(t.server, cookie);
    const out = await fetch(`${t.server.url}/auth/logout`, { method: 'POST', headers: { cookie } });
    assert.equal(out.status, 200);
    assert.equal(await ended, true);
  });

  test('idle expiry closes it on the next session check', { timeout: 30_000 }, async () => {
    const cookie = await personnelCookie(t.db, t.f.people.nurseA, t.f.orgs.muniA, 'nurse');
    const other = await personnelCookie(t.db, t.f.people.nurseA, t.f.orgs.muniA, 'nurse');
    const { ended } = await openStream(t.server, cookie);
    const { ended: stillOpen } = await openStream(t.server, other);
    await ageSession(cookie, 31);
    assert.equal(await t.server.deps.sessions.sweep(), 1);
    assert.equal(await ended, true);
    // The other nurse's stream is untouched; close it by logging out.
    let otherDone = false;
    void stillOpen.then(() => (otherDone = true));
    assert.equal(await t.server.deps.sessions.sweep(), 0);
    assert.equal(otherDone, false);
    await fetch(`${t.server.url}/auth/logout`, { method: 'POST', headers: { cookie: other } });
    assert.equal(await stillOpen, true);
  });
});

describe('assurance levels', () => {
  /** Logs in through the local IdP with extra form fields (the test IdP's level choice). */
  async function loginWith(base: string, app: 'patient' | 'clinic', fields: Record<string, string>) {
    const client = new CookieClient(base);
    const { res } = await client.follow('GET', `/auth/login?app=${app}`);
    const action = /action="([^"]+\/login)"/.exec(await res.text())?.[1];
    assert.ok(action);
    return { client, ...(await client.follow('POST', action, new URLSearchParams(fields))) };
  }

  test('patients need ID-porten high by default: substantial is refused and audited', async () => {
    const { client, res } = await loginWith(t.server.url, 'patient', { pid: t.f.patient.identifier, acr: 'idporten-loa-substantial' });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /høyt sikkerhetsnivå/);
    assert.equal((await client.request('GET', '/api/me')).status, 401);
    assert.ok((await countRows(t.db, `audit_events where outcome = 'denied' and details->>'reason' = 'assurance_level' and details->>'acr' = 'idporten-loa-substantial'`)) >= 1);
  });

  test('personnel need HelseID security level 4: level 3 is refused and audited', async () => {
    const { client, res } = await loginWith(t.server.url, 'clinic', { hpr: '1000001', level: '3' });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /høyt sikkerhetsnivå/);
    assert.equal((await client.request('GET', '/api/me')).status, 401);
    assert.ok((await countRows(t.db, `audit_events where outcome = 'denied' and details->>'reason' = 'security_level' and details->>'hpr' = '1000001'`)) >= 1);
    const four = await loginWith(t.server.url, 'clinic', { hpr: '1000001', level: '4' });
    assert.equal((await four.client.request('GET', '/api/me')).status, 200);
  });

  describe('with substantial allowed by explicit configuration', () => {
    let server: Server;
    before(async () => {
      server = await startTestServer(t.db, { env: { IDPORTEN_ACR: 'idporten-loa-high,idporten-loa-substantial', HELSEID_SECURITY_LEVEL: '3' } });
    });
    after(async () => server?.close());

    test('a substantial patient login and a level 3 personnel login are accepted', async () => {
      const p = await loginWith(server.url, 'patient', { pid: t.f.patient.identifier, acr: 'idporten-loa-substantial' });
      assert.equal((await p.client.request('GET', '/api/me')).status, 200);
      const n = await loginWith(server.url, 'clinic', { hpr: '1000001', level: '3' });
      assert.equal((await n.client.request('GET', '/api/me')).status, 200);
    });
  });
});

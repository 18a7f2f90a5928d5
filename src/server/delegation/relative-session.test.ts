import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Observation } from '../../api/observations.js';
import { syntheticFnr } from '../../domain/identifiers.js';
import { RELATIVE_ROUTES } from '../auth/relative.js';
import { SESSION_COOKIE, createSession } from '../auth/session.js';
import { CookieClient, loginThroughIdp } from '../testing/browserless.js';
import { useTestServer } from '../testing/server.js';

/*
 * Issue 12, someone else records for the patient: a relative who is not followed by Varde logs in
 * with ID-porten and gets a relative session — only the patients who delegated to them and a
 * reading for them; every other route 403 (audited); a revocation ends it on the next request.
 * Someone with neither a patient record nor a delegation gets a page in nb/nn/en and no session.
 */
const env = useTestServer();
// Synthetic fødselsnummer (month + 80, never a real person's); not a patient in the fixture.
const RELATIVE = syntheticFnr('1978-06-12', 345);
const STRANGER = syntheticFnr('1981-09-03', 456);
const kari = () => env.f.patient.id;

const sessions = (kind: string) => env.count(`sessions where subject_kind = $1`, [kind]);

async function grant(identifier: string) {
  const r = await env.call('POST', '/api/me/delegations', env.c.patient, { name: 'Siri Pårørende', identifier, relation: 'datter' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return String(r.body!.id);
}

describe('relative session', () => {
  test('no patient record and no delegation: a page in nb, nn and en, no session, audited', async () => {
    const before = await sessions('relative');
    const { final, client } = await loginThroughIdp(env.server.url, 'patient', { pid: STRANGER });
    assert.equal(final.status, 403);
    const html = await final.text();
    assert.match(html, /Du har ikke tilgang til Varde/);
    assert.match(html, /<section lang="nn"><h2>Du har ikkje tilgang til Varde/);
    assert.match(html, /<section lang="en"><h2>You do not have access to Varde/);
    assert.equal(await sessions('relative'), before);
    assert.equal((await client.request('GET', '/api/me')).status, 401);
    assert.equal(await env.count(`audit_events where outcome = 'denied' and resource_type = 'Session' and details->>'reason' = 'no_patient_or_delegation'`), 1);
  });

  test('with a delegation: logs in as relative, sees only the delegating patients, records for them', async () => {
    const delegationId = await grant(RELATIVE);
    const { client, hops } = await loginThroughIdp(env.server.url, 'patient', { pid: RELATIVE });
    assert.ok(hops.at(-1)!.endsWith('/patient/'), hops.join('\n'));
    const me = await client.request('GET', '/api/me');
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { kind: 'relative', relative: { name: 'Siri Pårørende' } });
    assert.equal(await sessions('relative'), 1);
    // In Kari's access log: her relative logged in with the permission she gave.
    assert.equal(await env.count(`audit_events where action = 'login' and actor_kind = 'relative' and actor_id = $1 and patient_id = $2`, [RELATIVE, kari()]), 1);

    // The local TestID lists the relative (not a patient) for the demo, under "Testpårørende".
    const picker = await (await new CookieClient(env.server.url).follow('GET', '/auth/login?app=patient')).res.text();
    assert.match(picker, new RegExp(`<h2>Testpårørende</h2>[\\s\\S]*Siri Pårørende \\(${RELATIVE}\\) — pårørende`));

    const mine = await client.request('GET', '/api/me/delegated-to-me');
    assert.equal(mine.status, 200);
    const patients = ((await mine.json()) as { patients: { patientId: string; patientName: string }[] }).patients;
    assert.deepEqual(patients.map((p) => [p.patientId, p.patientName]), [[kari(), 'Kari Testesen']]);

    const cookie = `${SESSION_COOKIE}=${client.get(SESSION_COOKIE)}`;
    const r = await env.call('POST', `/api/patients/${kari()}/observations/on-behalf`, cookie, { idempotencyKey: 'rel-session-1', measurements: [{ code: 'spo2', value: 91 }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const obs = r.body!.observations as Observation[];
    assert.deepEqual(obs[0]!.enteredBy, { kind: 'relative', name: 'Siri Pårørende', relation: 'datter' });
    const row = (await env.db.query<{ recorded_by: string }>(`select recorded_by from observations where idempotency_key = 'rel-session-1'`)).rows[0]!;
    assert.equal(row.recorded_by, `relative:${delegationId}`);
    assert.equal(await env.count(`audit_events where actor_kind = 'relative' and resource_type = 'Observation' and patient_id = $1 and outcome = 'success' and details->>'onBehalf' = 'relative'`, [kari()]), 1);

    // Ola has not delegated: refused and audited.
    const denied = await env.count(`audit_events where outcome = 'denied' and actor_kind = 'relative' and patient_id = $1`, [env.f.otherPatient.id]);
    const ola = await env.call('POST', `/api/patients/${env.f.otherPatient.id}/observations/on-behalf`, cookie, { idempotencyKey: 'rel-session-2', measurements: [{ code: 'spo2', value: 95 }] });
    assert.equal(ola.status, 403);
    assert.equal(await env.count(`audit_events where outcome = 'denied' and actor_kind = 'relative' and patient_id = $1`, [env.f.otherPatient.id]), denied + 1);

    assert.equal((await client.request('POST', '/auth/logout')).status, 200);
    assert.equal((await client.request('GET', '/api/me')).status, 401);
  });

  test('every other route refuses a relative session (403, audited), including the delegating patient\'s data', async () => {
    if (!(await env.count(`delegations where relative_identifier = $1 and revoked_at is null`, [RELATIVE]))) await grant(RELATIVE);
    const token = await createSession(env.db, { subjectKind: 'relative', subjectId: null, subjectIdentifier: RELATIVE, acr: 'idporten-loa-high', ttlHours: 1 });
    const cookie = `${SESSION_COOKIE}=${token}`;
    const nil = '00000000-0000-4000-8000-000000000000';
    const seen = new Set<string>();
    let checked = 0;
    for (const r of env.server.app.vardeRoutes) {
      const key = `${r.method} ${r.url}`;
      if (r.method === 'HEAD' || seen.has(key) || RELATIVE_ROUTES.has(key)) continue;
      seen.add(key);
      const url = r.url.replace(/:id\b/, kari()).replace(/:[a-zA-Z]+/g, nil).replace('*', 'x');
      const body = r.method === 'GET' ? {} : { payload: '{}' };
      const json = r.method === 'GET' ? {} : { 'content-type': 'application/json' };
      const anonymous = await env.server.app.inject({ method: r.method as 'GET', url, headers: json, ...body });
      // Public routes (login, the apps' files): the relative gets what anyone gets.
      if (anonymous.statusCode !== 401) continue;
      const deniedBefore = await env.count(`audit_events where outcome = 'denied' and actor_kind = 'relative'`);
      const res = await env.server.app.inject({ method: r.method as 'GET', url, headers: { cookie, ...json }, ...body });
      assert.equal(res.statusCode, 403, `${key} → ${res.statusCode} ${res.body}`);
      assert.equal(await env.count(`audit_events where outcome = 'denied' and actor_kind = 'relative'`), deniedBefore + 1, `refusal audited: ${key}`);
      checked++;
    }
    assert.ok(checked > 50, `swept ${checked} routes`);
    // Those naming Kari are in her access log as refused.
    assert.ok((await env.count(`audit_events where outcome = 'denied' and actor_kind = 'relative' and patient_id = $1`, [kari()])) > 10);
  });

  test('the patient revokes: the relative session ends on the next request', async () => {
    const token = await createSession(env.db, { subjectKind: 'relative', subjectId: null, subjectIdentifier: RELATIVE, acr: 'idporten-loa-high', ttlHours: 1 });
    const cookie = `${SESSION_COOKIE}=${token}`;
    assert.equal((await env.call('GET', '/api/me', cookie)).status, 200);
    assert.equal((await env.call('POST', '/api/me/delegations/revoke', env.c.patient, { identifier: RELATIVE })).status, 200);
    assert.equal((await env.call('GET', '/api/me', cookie)).status, 401);
    const r = await env.call('POST', `/api/patients/${kari()}/observations/on-behalf`, cookie, { idempotencyKey: 'rel-session-3', measurements: [{ code: 'spo2', value: 95 }] });
    assert.equal(r.status, 401);
    assert.equal(await env.count(`observations where idempotency_key = 'rel-session-3'`), 0);
    // And no new relative session: with no running delegation the login is refused.
    const { final } = await loginThroughIdp(env.server.url, 'patient', { pid: RELATIVE });
    assert.equal(final.status, 403);
  });
});

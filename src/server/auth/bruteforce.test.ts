import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { personnelCookie } from '../testing/fixtures.js';
import { countRows, injectJson, useTestServer } from '../testing/server.js';
import { registerClient } from './clients.js';

/**
 * Brute force on login and on device client credentials: per-address and per-client rate limits,
 * a lockout after consecutive wrong secrets that an administrator lifts, and an audit trail of it.
 * Small limits make the behaviour visible in a few requests; X-Forwarded-For stands for distinct
 * callers (trusted only from loopback, as TRUST_PROXY=loopback says).
 */
let adminA: string;
let adminB: string;
let nurseA: string;

const env = useTestServer({
  env: { AUTH_RATE_LIMIT_PER_MINUTE: '3', CLIENT_RATE_LIMIT_PER_MINUTE: '5', CLIENT_LOCKOUT_AFTER: '3' },
  setup: async () => {
    await env.db.query(`insert into memberships (personnel_id, organisation_id, role) values ($1, $2, 'admin'), ($3, $4, 'admin')`, [
      env.f.people.coordinator, env.f.orgs.muniA, env.f.people.nurseB, env.f.orgs.muniB,
    ]);
    adminA = await personnelCookie(env.db, env.f.people.coordinator, env.f.orgs.muniA, 'admin');
    adminB = await personnelCookie(env.db, env.f.people.nurseB, env.f.orgs.muniB, 'admin');
    nurseA = await personnelCookie(env.db, env.f.people.nurseA, env.f.orgs.muniA, 'nurse');
  },
});

function token(form: Record<string, string>, from: string, remoteAddress = '127.0.0.1') {
  return env.server.app.inject({
    method: 'POST', url: '/auth/token', remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
    payload: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
  });
}
const denied = (reason: string, clientId: string) =>
  countRows(env.db, `audit_events where resource_type = 'AccessToken' and outcome = 'denied' and actor_id = $1 and details->>'reason' = $2`, [clientId, reason]);

describe('rate limits', () => {
  test('token endpoint: a fourth request a minute from one address gets 429, another address is served; audited once', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await token({ client_id: `nobody-${i}`, client_secret: 'x' }, '198.51.100.1')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.equal((await token({ client_id: 'nobody', client_secret: 'x' }, '198.51.100.2')).statusCode, 401);
    assert.equal(await countRows(env.db, `audit_events where resource_type = 'RateLimit' and details->>'ip' = '198.51.100.1'`), 1);
  });

  test('a caller that is not a trusted proxy cannot pick its address with X-Forwarded-For', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await token({ client_id: 'nobody', client_secret: 'x' }, `10.9.9.${i}`, '203.0.113.7')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });

  test('login routes are limited per address', async () => {
    const login = (from: string) => env.server.app.inject({ method: 'GET', url: '/auth/login?app=patient', headers: { 'x-forwarded-for': from } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login('198.51.100.20')).statusCode);
    assert.deepEqual(statuses, [302, 302, 302, 429]);
    // A browser navigated here: the refusal is a page, in the login pages' language.
    const refused = await login('198.51.100.20');
    assert.match(String(refused.headers['content-type']), /text\/html/);
    assert.match(refused.body, /For mange forsøk/);
    assert.equal((await login('198.51.100.21')).statusCode, 302);
    const idpLogin = (from: string) => env.server.app.inject({
      method: 'POST', url: '/idp/interaction/unknown/login', headers: { 'x-forwarded-for': from, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'pid=1',
    });
    for (let i = 0; i < 3; i++) assert.notEqual((await idpLogin('198.51.100.22')).statusCode, 429);
    assert.equal((await idpLogin('198.51.100.22')).statusCode, 429);
  });

  test('one client id is limited however many addresses the guesses come from', async () => {
    await registerClient(env.db, { clientId: 'gw-spread', name: 'Gateway', organisationId: env.f.orgs.muniA, scopes: ['observation.write'] });
    const statuses = [];
    // Guesses from six addresses: the client's limit (5 a minute) stops the sixth.
    for (let i = 0; i < 6; i++) statuses.push((await token({ client_id: 'gw-spread', client_secret: `guess-${i}` }, `192.0.2.${i + 1}`)).statusCode);
    assert.equal(statuses.at(-1), 429);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(await countRows(env.db, `audit_events where resource_type = 'RateLimit' and actor_id = 'gw-spread' and details->>'limit' = 'per-client'`), 1);
  });
});

describe('lockout of device client credentials', () => {
  test('three wrong secrets lock the client; the right one is then refused; an admin of its organisation lifts it', async () => {
    const { clientId, clientSecret } = await registerClient(env.db, { clientId: 'gw-lock', name: 'Gateway', organisationId: env.f.orgs.muniA, scopes: ['observation.write'] });
    for (let i = 0; i < 3; i++) assert.equal((await token({ client_id: clientId, client_secret: `wrong-${i}` }, `192.0.2.${50 + i}`)).statusCode, 401);
    const locked = await token({ client_id: clientId, client_secret: clientSecret }, '192.0.2.60');
    assert.equal(locked.statusCode, 401);
    assert.equal(locked.json().error, 'invalid_client');
    assert.equal(await denied('wrong_secret', clientId), 3);
    assert.equal(await denied('locked', clientId), 1);
    assert.equal(await countRows(env.db, `audit_events where actor_id = $1 and details->>'lockedNow' = 'true'`, [clientId]), 1);

    const list = await injectJson(env.server, 'GET', '/api/admin/api-clients', adminA);
    assert.equal(list.status, 200);
    const row = (list.body!.clients as { clientId: string; lockedAt: string | null; failedAttempts: number }[]).find((c) => c.clientId === clientId);
    assert.ok(row?.lockedAt);
    assert.equal(row.failedAttempts, 3);

    // Not a nurse, not the administrator of another organisation.
    assert.equal((await injectJson(env.server, 'POST', `/api/admin/api-clients/${clientId}/unlock`, nurseA)).status, 403);
    assert.equal((await injectJson(env.server, 'POST', `/api/admin/api-clients/${clientId}/unlock`, adminB)).status, 404);
    assert.equal((await injectJson(env.server, 'GET', '/api/admin/api-clients', adminB)).body!.clients instanceof Array, true);
    assert.equal((await injectJson(env.server, 'POST', `/api/admin/api-clients/${clientId}/unlock`, adminA)).status, 204);
    assert.equal(await countRows(env.db, `audit_events where action = 'update' and resource_type = 'ApiClient' and resource_id = $1 and actor_id = $2`, [clientId, env.f.people.coordinator]), 1);

    const ok = await token({ client_id: clientId, client_secret: clientSecret }, '192.0.2.61');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(await countRows(env.db, `audit_events where resource_type = 'AccessToken' and outcome = 'success' and actor_id = $1`, [clientId]), 1);
  });

  test('a right secret resets the count of wrong ones', async () => {
    const { clientId, clientSecret } = await registerClient(env.db, { clientId: 'gw-reset', name: 'Gateway', organisationId: env.f.orgs.muniA, scopes: ['observation.write'] });
    for (const secret of ['wrong-1', 'wrong-2', clientSecret, 'wrong-3', 'wrong-4']) await token({ client_id: clientId, client_secret: secret }, '192.0.2.70');
    assert.equal((await token({ client_id: clientId, client_secret: clientSecret }, '192.0.2.71')).statusCode, 200);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loginThroughIdp } from '../testing/browserless.js';
import { useTestServer } from '../testing/server.js';
import { registerClient } from './clients.js';

const env = useTestServer();

describe('OIDC login through the local provider', () => {
  test('a patient logs in with ID-porten (TestID) and gets a session for their own data', async () => {
    const { client, final, hops } = await loginThroughIdp(env.server.url, 'patient', { pid: env.f.patient.identifier });
    assert.ok(hops.some((h) => h.includes('/auth/callback/patient?code=')), hops.join('\n'));
    assert.ok(hops.at(-1)!.endsWith('/patient/'));
    assert.ok(final.status === 200 || final.status === 404);
    const me = await client.request('GET', '/api/me');
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { kind: 'patient', patient: { id: env.f.patient.id, name: 'Kari Testesen', lang: 'nb' } });
    const login = await env.db.query<{ n: number }>(`select count(*)::int as n from audit_events where action = 'login' and patient_id = $1`, [env.f.patient.id]);
    assert.equal(login.rows[0]!.n, 1);

    const out = await client.request('POST', '/auth/logout');
    assert.equal(out.status, 200);
    assert.equal((await client.request('GET', '/api/me')).status, 401);
  });

  test('a resident who is not enrolled is refused with a clear page', async () => {
    const { final } = await loginThroughIdp(env.server.url, 'patient', { pid: '01019912345' });
    assert.equal(final.status, 403);
    assert.match(await final.text(), /ikke registrert i digital hjemmeoppfølging/);
  });

  test('a nurse logs in with HelseID and acts for her organisation', async () => {
    const { client } = await loginThroughIdp(env.server.url, 'clinic', { hpr: '1000001' });
    const me = (await (await client.request('GET', '/api/me')).json()) as { kind: string; role: string; organisation: { id: string } };
    assert.equal(me.kind, 'personnel');
    assert.equal(me.role, 'nurse');
    assert.equal(me.organisation.id, env.f.orgs.muniA);
    assert.equal((await client.request('GET', '/api/worklist')).status, 200);
  });

  test('a tampered or missing login state is refused', async () => {
    const res = await fetch(`${env.server.url}/auth/callback/patient?code=abc&state=xyz`, { redirect: 'manual' });
    assert.equal(res.status, 403);
  });
});

describe('device client credentials', () => {
  test('a gateway gets a narrow bearer token; wrong secrets and scopes are refused', async () => {
    const { clientId, clientSecret } = await registerClient(env.db, { clientId: 'gw-1', name: 'Gateway', organisationId: env.f.orgs.muniA, scopes: ['observation.write'] });
    const token = async (body: Record<string, string>) =>
      fetch(`${env.server.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
    assert.equal((await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'wrong' })).status, 401);
    assert.equal((await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'admin' })).status, 401);
    assert.equal((await token({ grant_type: 'password', client_id: clientId, client_secret: clientSecret })).status, 400);
    const ok = await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    assert.equal(ok.status, 200);
    const { access_token, scope } = (await ok.json()) as { access_token: string; scope: string };
    assert.equal(scope, 'observation.write');
    const auth = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
    // The token writes readings for patients of its organisation, and reads nothing.
    const write = await fetch(`${env.server.url}/api/patients/${env.f.patient.id}/observations`, {
      method: 'POST', headers: auth, body: JSON.stringify({ idempotencyKey: 'gw-reading-1', measurements: [{ code: 'spo2', value: 96 }] }),
    });
    assert.equal(write.status, 201, await write.clone().text());
    const read = await fetch(`${env.server.url}/api/patients/${env.f.patient.id}/observations`, { headers: auth });
    assert.equal(read.status, 403);
    const other = await fetch(`${env.server.url}/api/patients/${env.f.otherPatient.id}/observations`, {
      method: 'POST', headers: auth, body: JSON.stringify({ idempotencyKey: 'gw-reading-2', measurements: [{ code: 'spo2', value: 96 }] }),
    });
    assert.equal(other.status, 403);
  });
});

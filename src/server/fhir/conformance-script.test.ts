import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { registerClient } from '../auth/clients.js';
import { useTestServer } from '../testing/server.js';

/*
 * `npm run fhir:conformance -- --base URL --token T --fnr F` (scripts/fhir-conformance.ts) run
 * against a real listening test server (127.0.0.1), as an operator would run it against theirs.
 */

const env = useTestServer();
let token = '';

describe('npm run fhir:conformance', () => {
  before(async () => {
    const c = await registerClient(env.db, { clientId: 'conformance-cli', name: 'Conformance', organisationId: env.f.orgs.muniA, scopes: ['observation.write', 'device.read'] });
    const res = await env.server.app.inject({
      method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
    });
    token = (JSON.parse(res.body) as { access_token: string }).access_token;
  });

  test('the whole corpus passes against a running server (exit code 0)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import', 'tsx', 'scripts/fhir-conformance.ts', '--base', `${env.server.url}/fhir`, '--token', token, '--fnr', env.f.patient.identifier,
    ], { env: { ...process.env }, maxBuffer: 10_000_000 });
    assert.match(stdout, /\n\d+ as expected, 0 different\n?$/);
    assert.ok(!stdout.includes('FAIL'), stdout);
  });

  test('a wrong token is reported, not hidden (exit code 1)', async () => {
    await assert.rejects(
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/fhir-conformance.ts', '--base', `${env.server.url}/fhir`, '--token', 'nope', '--fnr', env.f.patient.identifier, '--only', 'heart-rate']),
      (err: { code?: number; stdout?: string }) => err.code === 1 && /FAIL/.test(err.stdout ?? ''),
    );
  });
});

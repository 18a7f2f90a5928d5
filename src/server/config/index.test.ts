import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { loadConfig } from './index.js';

/** Everything production needs besides the national identity providers' settings. */
const PROD_BASE = { NODE_ENV: 'production', PUBLIC_URL: 'https://varde.example.no', COOKIE_SECRET: 'x'.repeat(40) };
const IDP_SETTINGS = {
  HELSEID_ISSUER: 'https://helseid-sts.test.nhn.no',
  HELSEID_CLIENT_ID: 'varde-clinic',
  HELSEID_CLIENT_SECRET: 'secret-from-selvbetjening',
  IDPORTEN_ISSUER: 'https://test.idporten.no',
  IDPORTEN_CLIENT_ID: 'varde-patient',
  IDPORTEN_CLIENT_SECRET: 'secret-from-samarbeidsportalen',
};
const MISSING_IDP = Object.keys(IDP_SETTINGS);

function refusal(env: Record<string, string>, overrides: Record<string, string> = {}): string {
  try {
    loadConfig(env, overrides);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('configuration was accepted');
}

describe('configuration: demo and tests keep their defaults', () => {
  test('no settings: the local IdP runs, nothing is production, safe session and assurance defaults', () => {
    const c = loadConfig({});
    assert.equal(c.PRODUCTION, false);
    assert.equal(c.LOCAL_IDP, true);
    assert.equal(c.SESSION_IDLE_MINUTES_PERSONNEL, 30);
    assert.equal(c.SESSION_IDLE_MINUTES_PATIENT, 60);
    assert.equal(c.SESSION_TTL_HOURS, 10);
    // Patients: ID-porten high only, unless substantial is configured on purpose.
    assert.equal(c.IDPORTEN_ACR, 'idporten-loa-high');
    assert.equal(c.HELSEID_SECURITY_LEVEL, 4);
    assert.equal(c.TRUST_PROXY, 'loopback');
  });
});

describe('configuration: production is safe by default', () => {
  test('NODE_ENV=production without HelseID/ID-porten refuses and names every missing setting', () => {
    const msg = refusal({ NODE_ENV: 'production' });
    assert.match(msg, /Refusing to start in production/);
    for (const k of [...MISSING_IDP, 'COOKIE_SECRET', 'PUBLIC_URL']) assert.match(msg, new RegExp(`^  ${k}: `, 'm'), `${k} named in:\n${msg}`);
  });

  test('the --production flag (an override) is the same as NODE_ENV=production', () => {
    const msg = refusal({}, { NODE_ENV: 'production' });
    for (const k of MISSING_IDP) assert.match(msg, new RegExp(`^  ${k}: missing`, 'm'));
  });

  test('LOCAL_IDP=true is refused in production, even with everything else set', () => {
    const msg = refusal({ ...PROD_BASE, ...IDP_SETTINGS, LOCAL_IDP: 'true' });
    assert.match(msg, /LOCAL_IDP: the local test identity provider \(\/idp\) must not run in production/);
  });

  test('demo data is refused in production', () => {
    assert.match(refusal({ ...PROD_BASE, ...IDP_SETTINGS, DEMO: 'true' }), /DEMO: demo data/);
  });

  test('production needs https and a long cookie secret', () => {
    assert.match(refusal({ ...PROD_BASE, ...IDP_SETTINGS, PUBLIC_URL: 'http://varde.example.no' }), /PUBLIC_URL: must be the https/);
    assert.match(refusal({ ...PROD_BASE, ...IDP_SETTINGS, COOKIE_SECRET: 'short-but-16-chars' }), /COOKIE_SECRET: must be at least 32/);
  });

  test('a complete production configuration starts without the local IdP', () => {
    const c = loadConfig({ ...PROD_BASE, ...IDP_SETTINGS });
    assert.equal(c.PRODUCTION, true);
    assert.equal(c.LOCAL_IDP, false);
  });

  test('`varde start --production` without HelseID settings exits non-zero with the message (spawned)', () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', LOG_LEVEL: 'silent' };
    const run = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 });

    const flag = run(['--production']);
    assert.equal(flag.status, 1, flag.stderr);
    for (const k of MISSING_IDP) assert.match(flag.stderr, new RegExp(`${k}: missing`));
    assert.doesNotMatch(flag.stdout, /running at/);

    const byEnv = run([], { NODE_ENV: 'production', LOCAL_IDP: 'true' });
    assert.equal(byEnv.status, 1, byEnv.stderr);
    assert.match(byEnv.stderr, /LOCAL_IDP: the local test identity provider/);
    assert.match(byEnv.stderr, /HELSEID_ISSUER: missing/);
  });
});

test('VARDE_PG_PREPARE: prepared statements by default, 0 turns them off, anything else is refused by name', () => {
  assert.equal(loadConfig({}).VARDE_PG_PREPARE, true);
  assert.equal(loadConfig({ VARDE_PG_PREPARE: '0' }).VARDE_PG_PREPARE, false);
  assert.match(refusal({ VARDE_PG_PREPARE: 'no' }), /VARDE_PG_PREPARE/);
});

test('PGlite memory settings: 64MB of buffers and no TurboFan tier-up by default; a bad size is refused by name', () => {
  const c = loadConfig({});
  assert.equal(c.VARDE_PGLITE_SHARED_BUFFERS, '64MB');
  assert.equal(c.VARDE_PGLITE_WASM_TIERUP, false);
  assert.equal(loadConfig({ VARDE_PGLITE_WASM_TIERUP: '1' }).VARDE_PGLITE_WASM_TIERUP, true);
  assert.equal(loadConfig({ VARDE_PGLITE_SHARED_BUFFERS: '32MB' }).VARDE_PGLITE_SHARED_BUFFERS, '32MB');
  assert.match(refusal({ VARDE_PGLITE_SHARED_BUFFERS: '32 MB' }), /VARDE_PGLITE_SHARED_BUFFERS/);
  assert.match(refusal({ VARDE_PGLITE_WASM_TIERUP: 'yes' }), /VARDE_PGLITE_WASM_TIERUP/);
});

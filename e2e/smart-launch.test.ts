import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientToken, DESKTOP, loginClinic, newPage, useBrowserTest } from './helpers.js';

/**
 * Issue 14 in Chromium: SMART on FHIR EHR launch. A simulated EPJ registers the launch context for
 * a patient (bearer client, scope smart.launch) and opens /launch?launch=…&iss=… from its page.
 * The GP, who already has a session with the identity provider (the local stand-in for HelseID),
 * lands in the patient's view in the clinic app, logged in, without a login form. A nurse with no
 * care relation to the patient is refused and the refusal audited; a launch works once. The
 * launched session shows and reaches that patient only (auth/launch-bound.ts).
 */
let ehrToken = '';
const env = useBrowserTest({
  setup: async (e) => {
    ehrToken = await clientToken(e, { clientId: 'epj-legekontor', name: 'EPJ', organisationId: e.f.orgs.gpOffice, scopes: ['smart.launch'] });
  },
});

async function registerLaunch(): Promise<string> {
  const res = await env.server.app.inject({
    method: 'POST', url: '/smart/launch', headers: { authorization: `Bearer ${ehrToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ patientIdentifier: env.f.patient.identifier }),
  });
  assert.equal(res.statusCode, 201, res.body);
  const body = JSON.parse(res.body) as { launchUrl: string; iss: string };
  assert.equal(body.iss, `${env.server.url}/fhir`);
  return body.launchUrl;
}

/** The EPJ's own page with the button that opens the patient in Varde. */
const ehrPage = (launchUrl: string) => `<!doctype html><html lang="nb"><title>EPJ</title><h1>Pasientjournal</h1><a id="open" href="${launchUrl}">Åpne i Varde</a></html>`;

test('SMART discovery: both smart-configuration documents name EHR launch with patient context and OIDC', async () => {
  for (const url of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
    const res = await env.server.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    const c = JSON.parse(res.body) as { capabilities: string[]; authorization_endpoint: string; token_endpoint: string };
    for (const cap of ['launch-ehr', 'context-ehr-patient', 'sso-openid-connect']) assert.ok(c.capabilities.includes(cap), `${url}: ${cap}`);
    assert.match(c.authorization_endpoint, /\/idp\/auth$/);
  }
  // Only an EPJ client registers launches.
  const byCookie = await env.server.app.inject({ method: 'POST', url: '/smart/launch', headers: { cookie: env.c.gp, 'content-type': 'application/json' }, payload: '{"patientIdentifier":"x"}' });
  assert.equal(byCookie.statusCode, 403);
});

test('the GP opens the patient from the EPJ and lands in the patient view, logged in, with no second login form', async () => {
  const { context, page } = await newPage(env.browser, DESKTOP);
  await loginClinic(page, env.server.url, /Fastlege/);
  const visited: string[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) visited.push(f.url());
  });
  const refused: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 403) refused.push(r.url());
  });
  const launchUrl = await registerLaunch();
  await page.setContent(ehrPage(launchUrl));
  await page.getByRole('link', { name: 'Åpne i Varde' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/clinic/') && u.hash.startsWith('#/pasient/'));
  assert.equal(new URL(page.url()).hash, `#/pasient/${env.f.patient.id}`);
  await page.getByRole('heading', { name: /Kari Testesen/ }).first().waitFor();
  assert.ok(!visited.some((u) => u.includes('/idp/interaction/')), `no login form: ${visited.join(' → ')}`);
  const s = await env.db.query<{ launch_patient_id: string | null }>(`select launch_patient_id from sessions where subject_id = $1 and launch_patient_id is not null`, [env.f.people.gp]);
  assert.equal(s.rows[0]?.launch_patient_id, env.f.patient.id, 'the session carries the launch\'s patient');
  // Bound to that patient: a clear line says so, no navigation to the worklist or others, and the server refuses them.
  await page.getByRole('status').filter({ hasText: 'Åpnet fra journalsystemet for Kari Testesen' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Arbeidsliste' }).count(), 0, 'no worklist in the navigation');
  assert.equal(await page.getByRole('link', { name: /Tilbake til arbeidslisten/ }).count(), 0, 'no way back to the worklist');
  if (process.env.SHOT_DIR) await page.screenshot({ path: `${process.env.SHOT_DIR}/smart-launch.png` });
  // The app itself asks for nothing the bound session may not have (no stray refusals in the audit trail), devices tab included.
  await page.getByRole('tab', { name: 'Utstyr' }).click();
  await page.getByRole('tab', { name: 'Utstyr', selected: true }).waitFor();
  await page.waitForLoadState('networkidle');
  assert.deepEqual(refused, [], 'the launched clinic app calls no refused route');
  const status = (url: string) => page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, url);
  assert.equal(await status('/api/worklist'), 403);
  assert.equal(await status(`/api/patients/${env.f.otherPatient.id}`), 403);
  assert.equal(await status(`/fhir/Observation?patient=Patient/${env.f.otherPatient.id}`), 403);
  assert.equal(await status(`/api/patients/${env.f.patient.id}`), 200);
  assert.ok((await env.count(`audit_events where outcome = 'denied' and actor_id = $1 and patient_id = $2`, [env.f.people.gp, env.f.otherPatient.id])) >= 2, 'refusals audited');
  // Another patient's address in the app still shows the launch's patient.
  await page.evaluate((id) => { location.hash = `#/pasient/${id}`; }, env.f.otherPatient.id);
  await page.getByRole('heading', { name: /Kari Testesen/ }).first().waitFor();
  assert.equal(await page.getByRole('heading', { name: /Ola Testesen/ }).count(), 0);
  // The same launch again: used up.
  await page.goto(launchUrl);
  await page.getByText('Lenken fra journalen er brukt eller utløpt').waitFor();
  await context.close();
});

test('a nurse without a care relation to the patient is refused, audited, and gets no session', async () => {
  const { context, page } = await newPage(env.browser, DESKTOP);
  await loginClinic(page, env.server.url, /Sykepleier B/);
  const sessions = () => env.count(`sessions where subject_id = $1`, [env.f.people.nurseB]);
  const before = await sessions();
  await page.setContent(ehrPage(await registerLaunch()));
  await page.getByRole('link', { name: 'Åpne i Varde' }).click();
  await page.getByText('Du har ikke behandlingsrelasjon til denne pasienten').waitFor();
  assert.equal(await sessions(), before, 'no new session');
  assert.equal(await env.count(`audit_events where outcome = 'denied' and patient_id = $1 and details->>'reason' = 'no_care_relation'`, [env.f.patient.id]), 1);
  await context.close();
});

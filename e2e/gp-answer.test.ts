import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { clientToken, DESKTOP, expectAccessible, loginClinic, newPage, useBrowserTest } from './helpers.js';

/**
 * Issue 14 in Chromium: the GP's answer to an escalation comes back as a dialogmelding through the
 * message exchange's adapter (an API client with scope dialogmelding.receive), closes the
 * escalation, and the nurse sees it on the patient's escalation card: who answered (name, HPR),
 * that it came as a dialogmelding, and the answer. The page passes axe.
 */
let token = '';
const env = useBrowserTest({
  setup: async (e) => {
    token = await clientToken(e, { clientId: 'nhn-adapter', name: 'Meldingsutveksling', organisationId: e.f.orgs.muniA, scopes: ['dialogmelding.receive'] });
  },
});

test('the nurse sees the GP\'s answer on the closed escalation', async () => {
  assert.equal((await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'e2e-gp-answer-1', measurements: [{ code: 'spo2', value: 85 }] })).status, 201);
  const alert = (await env.db.query<{ id: string }>(`select id from alerts where patient_id = $1 and status = 'open' limit 1`, [env.f.patient.id])).rows[0]!;
  const esc = await env.call('POST', `/api/alerts/${alert.id}/escalate`, env.c.nurseA, { note: 'SpO2 85 %. Vurder antibiotika.' });
  assert.equal(esc.status, 201);
  const xml = readFileSync('test/national/dialogmelding/varde-gp-answer.xml', 'utf8').replaceAll('ESCALATION_ID', String(esc.body!.id)).replaceAll('PATIENT_FNR', env.f.patient.identifier);
  const res = await env.server.app.inject({ method: 'POST', url: '/api/integration/dialogmelding', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, payload: xml });
  assert.equal(res.statusCode, 201, res.body);

  const { context, page } = await newPage(env.browser, DESKTOP);
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await page.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  const card = page.locator('article.escalation', { hasText: 'Svar fra fastlegen (dialogmelding)' });
  await card.waitFor();
  await card.getByText('Fast Lege (HPR 1000003)').waitFor();
  await card.getByText(/Startet amoksicillin/).waitFor();
  await card.locator('.tag', { hasText: 'Behandlet' }).waitFor();
  await card.scrollIntoViewIfNeeded();
  if (process.env.SHOT_DIR) await card.screenshot({ path: `${process.env.SHOT_DIR}/gp-answer.png` });
  await expectAccessible(page, 'patient view with the GP answer');
  await context.close();
});

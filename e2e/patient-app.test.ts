import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { TEMPLATES } from '../src/domain/templates.js';
import { TEST_PLAN } from '../src/server/testing/fixtures.js';
import { IPAD, loginPatient, newPage, pageErrors, useBrowserTest } from './helpers.js';

/**
 * The patient app in a real browser: offline recording that syncs once, a lost reply retried
 * without a duplicate, questionnaires, and the trend charts with their table alternative.
 */
let page: Page;

const env = useBrowserTest({
  plan: { ...TEST_PLAN, questionnaires: TEMPLATES.mental_health.definition.questionnaires },
  setup: async () => {
    page = (await newPage(env.browser, IPAD)).page;
    await loginPatient(page, env.server.url, env.f.patient.identifier);
    await page.getByRole('heading', { name: 'Registrer målinger' }).waitFor();
  },
});

const observations = async () =>
  (await env.db.query<{ code: string; value: number; effective_at: Date; received_at: Date; idempotency_key: string }>(
    'select code, value, effective_at, received_at, idempotency_key from observations where patient_id = $1 order by code', [env.f.patient.id],
  )).rows;

test('offline: the reading is kept on the device with its time, the app opens offline, and it is stored once when back online', async () => {
  // The service worker takes control of the page once it is active (clients.claim).
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null);
  await page.context().setOffline(true);
  await page.getByText('Du er uten nett').first().waitFor();
  const before = Date.now();
  await page.getByLabel(/SpO2/).fill('85');
  await page.getByLabel(/^Puls/).fill('88');
  await page.getByRole('button', { name: 'Lagre målingene' }).click();
  await page.getByRole('heading', { name: /Lagret på enheten/ }).waitFor();
  // A preliminary answer from the plan: red, with the plan's own advice.
  const panel = page.locator('.feedback');
  assert.match(await panel.innerText(), /Rød[\s\S]*Ring legevakt 116 117/);
  await page.getByRole('heading', { name: '1 registrering venter på å bli sendt' }).waitFor();
  assert.deepEqual(await observations(), [], 'nothing reached the server');

  const queued = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]') as { body: { effectiveAt: string; idempotencyKey: string } }[], `varde.outbox.v1.${env.f.patient.id}`);
  assert.equal(queued.length, 1);
  const measuredAt = Date.parse(queued[0]!.body.effectiveAt);
  assert.ok(measuredAt >= before - 1000 && measuredAt <= Date.now(), 'effectiveAt is the time of measuring');

  // Still offline: the app shell and the waiting list come back after a reload.
  await page.reload();
  await page.getByRole('heading', { name: 'I dag', level: 1 }).waitFor();
  await page.getByRole('heading', { name: '1 registrering venter på å bli sendt' }).waitFor();
  await page.getByText('Lagret – venter på nett').first().waitFor();

  await page.context().setOffline(false);
  await page.getByRole('heading', { name: 'Sendt nå' }).waitFor({ timeout: 20_000 });
  await page.getByRole('heading', { name: /venter på å bli sendt/ }).waitFor({ state: 'detached' });
  const rows = await observations();
  assert.deepEqual(rows.map((r) => [r.code, r.value]), [['heart_rate', 88], ['spo2', 85]]);
  assert.ok(rows.every((r) => r.idempotency_key === queued[0]!.body.idempotencyKey));
  assert.ok(rows.every((r) => r.effective_at.getTime() === measuredAt), 'stored with the time of measuring, not of syncing');
  assert.ok(rows.every((r) => r.received_at.getTime() >= r.effective_at.getTime()));
  const alerts = (await env.db.query<{ rule_id: string; occurrences: number }>('select rule_id, occurrences from alerts where patient_id = $1', [env.f.patient.id])).rows;
  assert.deepEqual(alerts, [{ rule_id: 'threshold:spo2', occurrences: 1 }]);
  assert.match(await page.locator('.outbox-delivered').innerText(), /Rød/);
  await page.getByRole('button', { name: 'OK', exact: true }).click();
});

test('a reply lost on the way is retried with the same key: the reading is stored once', async () => {
  // Request interception needs the service worker out of the way (it would see the request first).
  const context = await env.browser.newContext({ ...IPAD, serviceWorkers: 'block' });
  const page = await context.newPage();
  await loginPatient(page, env.server.url, env.f.patient.identifier);
  await page.getByRole('heading', { name: 'Registrer målinger' }).waitFor();
  let cut = 0;
  // The server gets and stores the reading, but the answer never reaches the tablet.
  await page.route('**/api/me/observations', async (route) => {
    if (route.request().method() !== 'POST' || cut > 0) return route.continue();
    cut++;
    await route.fetch();
    await route.abort('connectionreset');
  });
  await page.getByLabel(/^Puls/).fill('72');
  await page.getByRole('button', { name: 'Lagre målingene' }).click();
  await page.getByRole('heading', { name: /Lagret på enheten/ }).waitFor();
  assert.equal(cut, 1);
  assert.equal((await observations()).filter((o) => o.value === 72).length, 1, 'the first attempt was stored');
  await page.unroute('**/api/me/observations');
  await page.getByRole('button', { name: 'Prøv å sende nå' }).click();
  await page.getByRole('heading', { name: 'Sendt nå' }).waitFor();
  assert.equal((await observations()).filter((o) => o.value === 72).length, 1, 'the retry did not store it again');
  await context.close();
});

test('PHQ-9 with thoughts of self-harm: the crisis advice at once, one response, a score observation and a red alert', async () => {
  await page.goto(`${env.server.url}/patient/#/skjema/phq9`);
  await page.getByRole('heading', { name: /PHQ-9/, level: 1 }).waitFor();
  // The heading is the app's own name for the form and comes at once; the questions follow.
  await page.locator('fieldset.question').first().waitFor();
  const groups = await page.locator('fieldset.question').all();
  assert.equal(groups.length, 9);
  await page.getByRole('button', { name: 'Send svarene' }).click();
  await page.getByText('9 spørsmål mangler svar. Se spørsmålene som er merket.').waitFor();
  for (const [i, g] of groups.entries()) await g.getByRole('radio').nth(i === 8 ? 1 : i < 4 ? 1 : 0).check();
  await page.getByRole('button', { name: 'Send svarene' }).click();
  await page.getByRole('heading', { name: 'Svarene er lagret' }).waitFor();
  const text = await page.locator('.feedback').innerText();
  assert.match(text, /Rød/);
  assert.match(text, /Sum 5 av 27 poeng/);
  assert.match(text, /116 123/);
  const responses = (await env.db.query<{ score: number; zone: string }>(`select score, zone from questionnaire_responses where patient_id = $1`, [env.f.patient.id])).rows;
  assert.deepEqual(responses, [{ score: 5, zone: 'red' }]);
  assert.equal((await observations()).filter((o) => o.code === 'phq9').length, 1);
  assert.equal((await env.db.query(`select 1 from alerts where patient_id = $1 and rule_id = 'questionnaire:phq9:item9' and zone = 'red'`, [env.f.patient.id])).rows.length, 1);
});

test("my measurements: a chart per measure with the plan's limits, and the numbers as a table", async () => {
  await page.goto(`${env.server.url}/patient/#/maal`);
  const spo2 = page.locator('section.trend').filter({ has: page.getByRole('heading', { name: /Oksygenmetning/ }) });
  await spo2.locator('canvas').first().waitFor();
  assert.match(await spo2.innerText(), /Grenser i planen: rød under 88 %, gul under 92 %/);
  assert.match((await spo2.getByRole('img').getAttribute('aria-label')) ?? '', /1 måling siste 7 dager\. Siste 85 %/);
  await spo2.getByText('Vis Oksygenmetning (SpO2) som tabell').click();
  const table = spo2.getByRole('table');
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 1);
  assert.match(await table.innerText(), /85 %[\s\S]*Rød/);
  assert.equal(await page.locator('section.trend').filter({ has: page.getByRole('heading', { name: /PHQ-9/ }) }).locator('canvas').count(), 1);
});

test('nynorsk and English: the app and the questionnaire texts follow the chosen language, saved for the patient', async () => {
  await page.goto(`${env.server.url}/patient/#/skjema/gad7`);
  await page.getByRole('button', { name: 'Nynorsk' }).click();
  await page.getByRole('link', { name: 'Meldingar' }).waitFor();
  await page.getByText('Kjent deg nervøs, engsteleg eller svært anspent').waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: 'Send answers' }).waitFor();
  await page.getByText('Feeling nervous, anxious, or on edge').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal((await env.db.query<{ lang: string }>('select lang from patients where id = $1', [env.f.patient.id])).rows[0]!.lang, 'en');
  await page.getByRole('button', { name: 'Bokmål' }).click();
  await page.getByRole('button', { name: 'Send svarene' }).waitFor();
});

test('no script errors', () => {
  assert.deepEqual(pageErrors, []);
});

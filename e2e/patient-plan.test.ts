import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAccessible, pageErrors, printAxeReport, settled, SHOTS, useBrowserTest } from './helpers.js';
import { NARROW, PHONE, assertFits, patientPage, textSize200 } from './patient-layout.js';

/**
 * Issue 12 "Min plan" and the baseline period on Kari's phone (390×844, and 320 px at 200 % text):
 * her approved plan in plain words — zones with limits and units and what to do in each, her
 * goals, whom to call when — reachable from the navigation; and during the baseline period a
 * yellow reading gets no yellow advice, only the red safety advice stays.
 */
const env = useBrowserTest({
  setup: async (e) => {
    await e.db.query(`update episodes set goals = $2 where id = $1`, [e.f.patient.episodeId, 'Gå tur med hunden hver dag og klare meg hjemme.']);
  },
});
after(() => printAxeReport());

async function open(opts: typeof PHONE | typeof NARROW): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await patientPage(env.browser, env.server.url, env.f.patient.identifier, opts);
  await page.locator('main h1').waitFor({ timeout: 120_000 });
  return { context, page };
}

test('Min plan: zones with limits and units, what to do in each, goals, and whom to call — from the navigation', async () => {
  const { context, page } = await open(PHONE);
  await settled(page);
  await page.getByRole('navigation', { name: 'Hovedmeny' }).getByRole('link', { name: 'Min plan' }).click();
  await page.getByRole('heading', { level: 1, name: 'Min plan' }).waitFor();
  await settled(page);
  const main = page.locator('main');
  await main.getByText(/Dette er planen din \(versjon \d+\), godkjent \d{2}\.\d{2}\.\d{4}/).waitFor();
  await main.getByText('Gå tur med hunden hver dag og klare meg hjemme.').waitFor();

  // Oxygen saturation: plain name, explanation, and each zone's values with the unit and its advice.
  const spo2 = main.getByRole('region', { name: 'Oksygenmetning (SpO2)' });
  await spo2.getByText('Hvor mye oksygen det er i blodet.', { exact: false }).waitFor();
  const zones = spo2.getByRole('list', { name: 'Soner og råd for Oksygenmetning (SpO2)' });
  const items = await zones.getByRole('listitem').allInnerTexts();
  assert.equal(items.length, 3, items.join(' | '));
  assert.match(items[0]!, /Grønn – innenfor målet ditt[\s\S]*92 % eller mer[\s\S]*Dette gjør du: Fortsett som før\./);
  assert.match(items[1]!, /Gul – litt utenfor målet ditt[\s\S]*fra 88 % til under 92 %[\s\S]*Ta medisin fra beredskapspakken\. Sykepleier ringer deg\./);
  assert.match(items[2]!, /Rød – langt utenfor målet ditt[\s\S]*under 88 %[\s\S]*Ring legevakt 116 117\./);
  // Pulse: both sides of the green zone, in the patient's unit words.
  const pulse = await main.getByRole('region', { name: 'Puls' }).innerText();
  assert.match(pulse, /fra 50 slag\/min til 100 slag\/min/);
  assert.match(pulse, /under 50 slag\/min eller over 100 slag\/min til og med 120 slag\/min|fra 40 slag\/min til under 50 slag\/min eller over 100 slag\/min til og med 120 slag\/min/);
  assert.match(pulse, /under 40 slag\/min eller over 120 slag\/min/);

  // Whom to call: 113, legevakt and the service, one tap each; opening hours in words.
  const call = main.getByRole('region', { name: 'Hvem ringer du, og når?' });
  const tel = await call.locator('a[href^="tel:"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const n of ['tel:113', 'tel:116117', 'tel:12345678']) assert.ok(tel.includes(n), `${n} in ${tel.join(', ')}`);
  assert.match(await call.innerText(), /mandag–fredag \d{2}:\d{2}–\d{2}:\d{2}/);
  await assertFits(page, 'phone: Min plan');
  await expectAccessible(page, 'patient phone: Min plan');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-my-plan.png`, fullPage: true });

  // The audit trail has the patient's own reads of the plan and the goals.
  const reads = await env.count(`audit_events where patient_id = $1 and actor_kind = 'patient' and resource_type in ('CarePlan', 'EpisodeOfCare')`, [env.f.patient.id]);
  assert.ok(reads >= 2, `audited reads: ${reads}`);
  await context.close();
});

test('one name for CAT everywhere: the questionnaire page is headed as the task and the chart name it', async () => {
  const { context, page } = await open(PHONE);
  await page.goto(`${env.server.url}/patient/#/skjema/cat`);
  await page.getByRole('heading', { level: 1, name: 'KOLS-skjema (CAT)' }).waitFor();
  assert.equal(await page.getByText('CAT – kols-spørsmål').count(), 0);
  await context.close();
});

test('Min plan at 320 px with 200 % text: nothing sideways, nothing clipped', async () => {
  const { context, page } = await open(NARROW);
  await textSize200(page);
  await page.goto(`${env.server.url}/patient/#/plan`);
  await page.getByRole('heading', { level: 1, name: 'Min plan' }).waitFor();
  await settled(page);
  await page.waitForTimeout(300);
  await assertFits(page, '320px 200% Min plan');
  if (SHOTS) {
    await page.getByRole('region', { name: 'Oksygenmetning (SpO2)' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/patient-my-plan-320-200pct.png` });
  }
  await context.close();
});

test('baseline period: a yellow reading gets no yellow advice, a red keeps only its safety advice', async () => {
  await env.db.query(`update episodes set state = 'baseline', baseline_started_at = now(), baseline_days = 14 where id = $1`, [env.f.patient.episodeId]);
  const { context, page } = await open(PHONE);
  await page.getByRole('heading', { name: 'Dette gjenstår i dag' }).waitFor();
  await settled(page);
  await page.getByText('Vi lærer dine vanlige verdier', { exact: false }).first().waitFor();

  await page.getByLabel(/Oksygenmetning/).fill('90');
  await page.getByLabel(/^Puls/).fill('110');
  await page.getByRole('button', { name: 'Lagre målingene' }).click();
  const feedback = page.locator('.feedback');
  await feedback.waitFor();
  await feedback.getByText('Akkurat nå følger sykepleieren bare med på røde verdier', { exact: false }).waitFor();
  const text = await feedback.innerText();
  assert.doesNotMatch(text, /Sykepleier ringer deg|Hvil og mål igjen om en time/, text);
  assert.ok((await feedback.locator('a[href="tel:116117"]').count()) >= 1, 'legevakt is one tap from the feedback');
  await expectAccessible(page, 'patient phone: baseline yellow feedback');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-baseline-feedback.png`, fullPage: true });
  await page.getByRole('button', { name: 'Ferdig' }).click();
  assert.equal(await page.locator('.open-advice').count(), 0, 'no yellow advice on the home screen in baseline');

  await page.getByLabel(/Oksygenmetning/).fill('85');
  await page.getByLabel(/^Puls/).fill('110');
  await page.getByRole('button', { name: 'Lagre målingene' }).click();
  await page.locator('.feedback').getByText('Rød – langt utenfor målet ditt').waitFor();
  await page.getByRole('button', { name: 'Ferdig' }).click();
  const advice = page.locator('.open-advice');
  await advice.waitFor();
  const adviceText = await advice.innerText();
  assert.match(adviceText, /116 117/);
  assert.doesNotMatch(adviceText, /Hvil og mål igjen om en time/, adviceText);
  await context.close();
  assert.deepEqual(pageErrors, []);
});

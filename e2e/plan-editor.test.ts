import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectAccessible, IPAD, loginClinic, loginPatient, newPage, pageErrors, printAxeReport, settled, SHOTS, useBrowserTest } from './helpers.js';

/**
 * Issue 8 in a real browser at 1440×900: the service's opening hours page (a coordinator adds
 * julaften and a staff day) and the GP's plan editor (every part of a plan, a diff against the
 * plan in force, and a confirmation naming the version approved), with axe on each state.
 */
const WIDE = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;

const env = useBrowserTest();
after(() => {
  printAxeReport();
});

async function clinic(name: RegExp): Promise<Page> {
  const { page } = await newPage(env.browser, WIDE as never);
  await loginClinic(page, env.server.url, name);
  return page;
}

test('a coordinator edits the opening hours: a lunch break, julaften and a staff day; errors are shown on the field', async () => {
  const page = await clinic(/Koordinator/);
  await page.getByRole('link', { name: 'Åpningstider' }).click();
  await page.getByRole('heading', { level: 1, name: 'Åpningstider for oppfølgingstjenesten' }).waitFor();
  await settled(page);
  await expectAccessible(page, 'clinic: opening hours (default)');

  // Monday: close for lunch 11:30–12:00.
  const monday = page.getByRole('group', { name: 'Mandag' });
  await monday.getByLabel('Til').fill('11:30');
  await monday.getByRole('button', { name: 'Legg til tidsrom (mandag)' }).click();
  await monday.getByLabel('Fra').nth(1).fill('12:00');
  await monday.getByLabel('Til').nth(1).fill('1530');
  await page.getByRole('button', { name: 'Lagre åpningstider' }).click();
  await monday.getByText('Skriv klokkeslett som TT:MM, for eksempel 08:00.').waitFor();
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value), '1530');
  await expectAccessible(page, 'clinic: opening hours with an error');
  await monday.getByLabel('Til').nth(1).fill('15:30');

  // Julaften and a staff day; a period for romjul.
  await page.getByRole('button', { name: 'Legg til stengt dag' }).click();
  const row = page.locator('.closed-day-row').last();
  await row.getByLabel('Dato').fill('2026-12-24');
  await row.getByLabel(/^Merknad/).fill('Julaften');
  await page.getByLabel('Første dag').fill('2026-12-28');
  await page.getByLabel('Siste dag').fill('2026-12-31');
  await page.getByLabel(/Merknad for perioden/).fill('Romjul');
  await page.getByRole('button', { name: 'Legg til perioden' }).click();
  await page.getByText('4 dager lagt til i listen. Husk å lagre.').waitFor();
  await page.getByRole('button', { name: 'Lagre åpningstider' }).click();
  await page.getByText('Åpningstidene er lagret.').waitFor();
  await page.getByText(/Sist endret av Koordinator/).waitFor();
  await expectAccessible(page, 'clinic: opening hours saved');
  await page.screenshot({ path: `${SHOTS ?? '/tmp'}/clinic-opening-hours.png`, fullPage: true });

  const stored = (await env.db.query<{ opening_hours: { weekly: Record<string, string[][]>; closedDates: string[]; closedLabels: Record<string, string> } }>('select opening_hours from organisations where id = $1', [env.f.orgs.muniA])).rows[0]!.opening_hours;
  assert.deepEqual(stored.weekly['1'], [['08:00', '11:30'], ['12:00', '15:30']]);
  assert.deepEqual(stored.closedDates, ['2026-12-24', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31']);
  assert.equal(stored.closedLabels['2026-12-24'], 'Julaften');
  assert.equal(stored.closedLabels['2026-12-30'], 'Romjul');
  assert.deepEqual(pageErrors, []);
});

test('the coordinator sets after how many silent days a patient is flagged inactive; a wrong number is named on the field', async () => {
  const page = await clinic(/Koordinator/);
  await page.getByRole('link', { name: 'Åpningstider' }).click();
  const section = page.getByRole('region', { name: 'Varsel om inaktiv pasient' });
  await section.getByText('Standard er 3 dager.', { exact: false }).waitFor();
  await section.getByLabel('Bruk standard (3 dager)').uncheck();
  const days = section.getByLabel(/Antall dager uten noe fra pasienten/);
  await days.fill('0');
  await section.getByRole('button', { name: 'Lagre' }).click();
  await section.getByText('Skriv et helt antall dager fra 1 til 60.').waitFor();
  await expectAccessible(page, 'clinic: inactive-patient days with an error');
  await days.fill('5');
  await section.getByRole('button', { name: 'Lagre' }).click();
  await section.getByText(/Lagret\. Alle pasientene i tjenesten/).waitFor();
  const stored = await env.db.query<{ d: number | null }>('select inactive_after_days as d from organisations where id = $1', [env.f.orgs.muniA]);
  assert.equal(stored.rows[0]!.d, 5);
  await section.screenshot({ path: `${SHOTS ?? '/tmp'}/clinic-inactive-days.png` });
  await section.getByLabel('Bruk standard (3 dager)').check();
  await section.getByRole('button', { name: 'Lagre' }).click();
  await section.getByText(/Lagret\./).waitFor();
  assert.equal((await env.db.query<{ d: number | null }>('select inactive_after_days as d from organisations where id = $1', [env.f.orgs.muniA])).rows[0]!.d, null);
  assert.deepEqual(pageErrors, []);
});

test('a GP sees no opening-hours page in the navigation', async () => {
  const page = await clinic(/Fastlege/);
  await settled(page);
  assert.equal(await page.getByRole('link', { name: 'Åpningstider' }).count(), 0);
});

test('the GP edits every part of a plan, previews it with a diff against version 1, and approves the named version', async () => {
  const page = await clinic(/Fastlege/);
  // Let the app finish its own start-up routing after login first: a hash set while it still
  // runs is overwritten by the start page.
  await settled(page);
  await page.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  // The plan is one of the patient view's tabs (issue 11).
  await page.getByRole('tab', { name: 'Plan' }).click();
  await page.getByRole('heading', { name: 'Egenbehandlingsplan' }).waitFor();
  await settled(page);
  await page.getByRole('button', { name: 'Lag ny versjon' }).click();
  await page.getByRole('heading', { name: 'Ny versjon av planen' }).waitFor();
  const spo2 = page.locator('fieldset.plan-entry').filter({ has: page.getByText('Oksygenmetning (SpO2)', { exact: true }) });
  await spo2.waitFor();

  // Schedule: Monday, Wednesday and Friday by 09:00; limits; re-measure; yellow advice.
  await spo2.getByLabel('Hvor ofte').selectOption('weekly');
  await spo2.getByLabel('Innen kl. (TT:MM)').fill('09:00');
  for (const day of ['mandag', 'onsdag', 'fredag']) await spo2.getByRole('checkbox', { name: day, exact: true }).check();
  await spo2.getByLabel('Rød under').fill('86');
  await spo2.getByLabel('Be pasienten hvile og måle på nytt før et gult varsel').check();
  await spo2.getByLabel('Hvile (minutter)').fill('5');
  await spo2.getByLabel('Ny måling innen (minutter)').fill('30');
  await spo2.getByLabel('Råd i gul sone (Bokmål)').fill('Hvil 5 minutter og mål på nytt. Sykepleieren ser på målingen i åpningstiden.');

  // PHQ-9 with a rule on item 9 (any answer above 0 is red).
  await page.getByLabel('Legg til spørreskjema').selectOption('phq9');
  await page.getByRole('button', { name: 'Legg til', exact: true }).last().click();
  const phq = page.locator('fieldset.plan-entry').filter({ has: page.getByText('Humørskjema (PHQ-9)', { exact: true }) });
  await phq.getByLabel('Gul over').fill('9');
  await phq.getByLabel('Rød over').fill('14');
  await phq.getByText('Råd på nynorsk og engelsk for Humørskjema (PHQ-9)').click();
  for (const zone of ['grønn', 'gul', 'rød']) {
    await phq.getByLabel(`Råd i ${zone} sone (Bokmål)`).fill(`Råd ${zone}.`);
    await phq.getByLabel(`Råd i ${zone} sone (Nynorsk)`).fill(`Råd ${zone} nn.`);
    await phq.getByLabel(`Råd i ${zone} sone (English)`).fill(`Advice ${zone}.`);
  }
  await phq.getByRole('button', { name: 'Legg til regel for enkeltsvar i Humørskjema (PHQ-9)' }).click();
  await phq.getByLabel('Regel-ID').fill('phq9-item9');
  await phq.getByLabel('Spørsmål', { exact: true }).selectOption('phq9-9');
  await phq.getByLabel('Varsel').selectOption('red');

  // A trend rule with a mistake first, a combined rule, NEWS2 on scale 2 with confirmation and LTOT.
  const trends = page.locator('fieldset.rule-list').filter({ has: page.getByText('Trendregler', { exact: true }) });
  await trends.getByRole('button', { name: 'Legg til trendregel' }).click();
  await trends.getByLabel('Regel-ID').fill('puls-stiger');
  await trends.getByLabel('Måling').selectOption('heart_rate');
  await trends.getByLabel('Over antall dager').fill('3');
  const combined = page.locator('fieldset.rule-list').filter({ has: page.getByText('Kombinerte regler', { exact: true }) });
  await combined.getByRole('button', { name: 'Legg til kombinert regel' }).click();
  await combined.getByLabel('Regel-ID').fill('to-gule');
  await page.getByLabel('Beregn NEWS2 fra vitale målinger').check();
  await page.getByLabel('Bekreftet hyperkapnisk respirasjonssvikt').check();
  await page.getByLabel('Skala 2 (mål 88–92 %)').check();
  await page.getByLabel('Langtids oksygenbehandling (LTOT)').check();

  await page.getByRole('button', { name: 'Forhåndsvis og se endringer' }).click();
  await trends.getByText('Skriv et tall større enn 0.').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'plan-definition-trendRules-0-amount');
  await expectAccessible(page, 'clinic GP: plan editor with an error in a trend rule');
  await trends.getByLabel('Endring på mer enn').fill('20');

  await page.getByRole('button', { name: 'Forhåndsvis og se endringer' }).click();
  const review = page.locator('section.plan-review');
  const diff = review.getByRole('table', { name: 'Endringer mot versjon 1, som gjelder nå' });
  await diff.waitFor();
  const diffText = await diff.innerText();
  assert.match(diffText, /Oksygenmetning \(SpO2\): Rød under\s+Endret\s+88 %\s+86 %/);
  assert.match(diffText, /Hver mandag, onsdag, fredag innen kl\. 09:00/);
  assert.match(diffText, /Hvil 5 min og mål på nytt innen 30 min før gult varsel/);
  assert.match(diffText, /Puls øker mer enn 20 slag\/min på 3 dager → gul/);
  assert.match(diffText, /2 eller flere gule målinger i samme registrering → rød/);
  assert.match(diffText, /Svar minst 1 på «9\. Tanker om/);
  assert.match(diffText, /NEWS2\s+Endret\s+Av\s+På, SpO2-skala 2, bekreftet hyperkapnisk respirasjonssvikt, langtids oksygenbehandling/);
  // The patient's view of the plan, in English.
  await review.getByLabel('English').check();
  await review.getByText('Advice gul.').first().waitFor();
  await expectAccessible(page, 'clinic GP: plan preview and diff');
  await page.screenshot({ path: `${SHOTS ?? '/tmp'}/clinic-plan-preview.png`, fullPage: true });

  await page.getByRole('button', { name: 'Lagre som utkast' }).click();
  await page.getByText('Utkast versjon 2 er lagret.').waitFor();
  await page.getByRole('button', { name: 'Se endringer og godkjenn versjon 2' }).click();
  const dialog = page.getByRole('dialog', { name: 'Godkjenn versjon 2 av egenbehandlingsplanen' });
  await dialog.getByText('Versjon 2 erstatter versjon 1 og gjelder fra nå. Dette endres:').waitFor();
  assert.match(await dialog.getByRole('table').innerText(), /Rød under\s+Endret\s+88 %\s+86 %/);
  await expectAccessible(page, 'clinic GP: approve version 2 dialog');
  await page.screenshot({ path: `${SHOTS ?? '/tmp'}/clinic-plan-approve.png` });
  await dialog.getByRole('button', { name: 'Godkjenn versjon 2', exact: true }).click();
  await page.getByText('Versjon 2 er godkjent og gjelder nå.').waitFor();
  assert.equal(await page.getByRole('dialog').count(), 0);

  const plans = (await env.db.query<{ version: number; status: string; definition: Record<string, unknown> }>(
    `select p.version, p.status, p.definition from plans p where p.episode_id = $1 order by version`, [env.f.patient.episodeId],
  )).rows;
  assert.deepEqual(plans.map((p) => [p.version, p.status]), [[1, 'superseded'], [2, 'approved']]);
  const def = plans[1]!.definition as {
    measures: { code: string; schedule: unknown; thresholds: { redBelow?: number }; remeasure?: unknown }[];
    questionnaires: { code: string; itemRules?: unknown[] }[];
    trendRules: unknown[];
    combinedRules?: unknown[];
    news2: unknown;
  };
  const s = def.measures.find((m) => m.code === 'spo2')!;
  assert.deepEqual(s.schedule, { kind: 'weekly', weekdays: [1, 3, 5], dueBy: '09:00', graceMinutes: 60 });
  assert.equal(s.thresholds.redBelow, 86);
  assert.deepEqual(s.remeasure, { restMinutes: 5, withinMinutes: 30 });
  assert.deepEqual(def.questionnaires.find((q) => q.code === 'phq9')?.itemRules, [{ kind: 'answer', id: 'phq9-item9', item: 'phq9-9', atLeast: 1, zone: 'red' }]);
  assert.deepEqual(def.trendRules, [{ id: 'puls-stiger', code: 'heart_rate', kind: 'rise', amount: 20, windowDays: 3, zone: 'yellow' }]);
  assert.deepEqual(def.combinedRules, [{ kind: 'sitting', id: 'to-gule', minYellow: 2, zone: 'red' }]);
  assert.deepEqual(def.news2, { enabled: true, scale: 2, hypercapnicFailureConfirmed: true, longTermOxygen: true });
  assert.deepEqual(pageErrors, []);
});

test('outside the hours the service saved, a red reading tells the patient to call legevakt 116 117 or 113, with tel: links', async () => {
  // The service is closed all day today: a staff day in its saved hours. The other patient (of
  // muniB), whose plan measures SpO2 every day: the test above gave this file's first patient a
  // Monday-Wednesday-Friday SpO2, which the form does not offer on the other days.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date());
  const week = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [['08:00', '15:30']]]));
  await env.db.query('update organisations set opening_hours = $2::jsonb where id = $1', [
    env.f.orgs.muniB,
    JSON.stringify({ timeZone: 'Europe/Oslo', weekly: week, closedDates: [today], closedLabels: { [today]: 'Fagdag' }, publicHolidays: true }),
  ]);
  const { page } = await newPage(env.browser, IPAD);
  await loginPatient(page, env.server.url, env.f.otherPatient.identifier);
  await page.getByRole('heading', { name: 'Registrer målinger' }).waitFor();
  await page.getByLabel(/SpO2/).fill('84');
  await page.getByLabel(/^Puls/).fill('80');
  await page.getByRole('button', { name: 'Lagre målingene' }).click();
  const notice = page.locator('.feedback-notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /stengt nå[\s\S]*Ring legevakten på 116 117 nå\. Er det livstruende, ring 113\./);
  assert.equal(await notice.getByRole('link', { name: '116 117' }).getAttribute('href'), 'tel:116117');
  assert.equal(await notice.getByRole('link', { name: '113' }).getAttribute('href'), 'tel:113');
  await expectAccessible(page, 'patient: red feedback while the service is closed');
  assert.deepEqual(pageErrors, []);
});

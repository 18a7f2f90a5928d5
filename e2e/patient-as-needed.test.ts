import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { PlanDefinition } from '../src/domain/plan.js';
import { TEST_PLAN } from '../src/server/testing/fixtures.js';
import { expectAccessible, pageErrors, printAxeReport, settled, SHOTS, useBrowserTest } from './helpers.js';
import { PHONE, patientPage } from './patient-layout.js';

/**
 * Issue 12: "register another measurement" for as-needed measures, on Kari's phone. Weight is in
 * her plan as needed: it is never "left to do", the form always offers it, Min plan has a button
 * for it, and a second weighing the same day is taken.
 */
const text = (s: string) => ({ nb: s, nn: s, en: s });
const PLAN: PlanDefinition = {
  ...TEST_PLAN,
  measures: [
    ...TEST_PLAN.measures,
    { code: 'weight', schedule: { kind: 'as_needed' }, thresholds: {}, actions: { green: text('Fortsett som før.'), yellow: text('Ring oss.'), red: text('Ring legevakt 116 117.') } },
  ],
};
const env = useBrowserTest({ plan: PLAN });
after(() => printAxeReport());

test('as needed: offered in its own list and in the form, never left to do, and taken twice a day', async () => {
  const { context, page } = await patientPage(env.browser, env.server.url, env.f.patient.identifier, PHONE);
  await page.getByRole('heading', { name: 'Dette gjenstår i dag' }).waitFor();
  await settled(page);
  const left = await page.getByRole('list', { name: 'Dagens oppgaver' }).innerText();
  assert.doesNotMatch(left, /Vekt/, 'weight is not left to do');
  const asNeeded = page.getByRole('list', { name: 'Ved behov' });
  await asNeeded.getByText('Vekt').waitFor();
  assert.doesNotMatch(await asNeeded.innerText(), /Ikke utført/);
  await page.getByText('Ved behov – fyll inn når du har målt').waitFor();
  await expectAccessible(page, 'patient phone: as-needed measure');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-as-needed.png`, fullPage: true });

  for (const [i, kg] of [[1, '71,5'], [2, '71,9']] as const) {
    if (i === 1) {
      // The daily measures are still due the first time; after that they are optional.
      await page.getByLabel(/Oksygenmetning/).fill('95');
      await page.getByLabel(/^Puls/).fill('72');
    }
    await page.getByLabel(/^Vekt/).fill(kg);
    await page.getByRole('button', { name: 'Lagre målingene' }).click();
    await page.locator('.feedback').getByText(`Vekt: ${kg} kg`).waitFor();
    await page.getByRole('button', { name: 'Ferdig' }).click();
    const n = await env.count(`observations where patient_id = $1 and code = 'weight'`, [env.f.patient.id]);
    assert.equal(n, i);
  }

  await page.goto(`${env.server.url}/patient/#/plan`);
  await page.getByRole('heading', { level: 1, name: 'Min plan' }).waitFor();
  const weight = page.getByRole('region', { name: 'Vekt' });
  await weight.getByText('Når: Ved behov').waitFor();
  await weight.getByRole('link', { name: 'Registrer en måling' }).click();
  await page.getByLabel(/^Vekt/).waitFor();
  await context.close();
  assert.deepEqual(pageErrors, []);
});

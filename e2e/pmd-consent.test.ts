import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, loginClinic, loginPatient, newPage, useBrowserTest } from './helpers.js';

/**
 * Issue 14 in Chromium: the consent to share measurements with Pasientens måledata is visible in
 * the clinic's pathway panel (since when) and the nurse records it and its withdrawal there; the
 * patient sees the same in Min plan. Each change is audited.
 */
const env = useBrowserTest();

async function patientLine(): Promise<string> {
  const { context, page } = await newPage(env.browser, { viewport: { width: 390, height: 844 }, locale: 'nb-NO' } as unknown as typeof DESKTOP);
  await loginPatient(page, env.server.url, env.f.patient.identifier);
  await page.getByRole('navigation', { name: 'Hovedmeny' }).getByRole('link', { name: 'Min plan' }).click();
  const line = page.getByTestId('pmd-sharing');
  await line.waitFor();
  const text = (await line.textContent()) ?? '';
  if (process.env.SHOT_DIR) await page.screenshot({ path: `${process.env.SHOT_DIR}/pmd-consent-patient.png`, fullPage: true });
  await context.close();
  return text;
}

test('the nurse records sharing, sees since when, records its withdrawal; the patient sees each in Min plan', async () => {
  const { context, page } = await newPage(env.browser, DESKTOP);
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await page.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  const panel = page.getByTestId('pmd-sharing');
  await panel.getByText('Målingene deles ikke med Pasientens måledata').waitFor();
  await panel.getByRole('button', { name: 'Registrer samtykke til deling med Pasientens måledata' }).click();
  await panel.getByText(/Målingene deles med Pasientens måledata siden/).waitFor();
  if (process.env.SHOT_DIR) await panel.screenshot({ path: `${process.env.SHOT_DIR}/pmd-consent-clinic.png` });
  assert.match(await patientLine(), /Målingene dine deles med Pasientens måledata siden/);

  await panel.getByRole('button', { name: 'Registrer at samtykket til deling er trukket tilbake' }).click();
  await panel.getByText('Målingene deles ikke med Pasientens måledata').waitFor();
  const e = await env.db.query<{ share_measurements_since: Date | null; consent_at: Date | null }>(
    `select share_measurements_since, consent_at from episodes where id = $1`, [env.f.patient.episodeId]);
  assert.equal(e.rows[0]!.share_measurements_since, null);
  assert.ok(e.rows[0]!.consent_at, 'the consent to follow-up itself stays');
  assert.equal(await env.count(`audit_events where patient_id = $1 and resource_type = 'EpisodeOfCare' and details ? 'shareMeasurements'`, [env.f.patient.id]), 2);
  assert.match(await patientLine(), /Målingene dine deles ikke med Pasientens måledata/);
  await context.close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectAccessible, loginPatient, nurseOnSpo2Table, openPage, pageErrors, settled, SHOTS, useBrowserTest } from './helpers.js';
import { PHONE } from './patient-layout.js';

/*
 * Issue 12, someone else records for the patient: Kari lets her son Ola (who has an ID-porten
 * login of his own) register for her; Ola sends an SpO2 for Kari; the nurse's measurement table
 * says who entered it; Kari takes the permission back and the form is gone for Ola.
 */

const env = useBrowserTest();

test('grant → the relative registers → the nurse sees who → revoke', async () => {
  const kari = await openPage(env.browser, PHONE);
  await loginPatient(kari, env.server.url, env.f.patient.identifier);
  await kari.goto(`${env.server.url}/patient/#/tilgang`);
  await kari.getByRole('heading', { name: 'Hvem kan registrere målinger for deg' }).waitFor({ timeout: 120_000 });
  await kari.getByText('Ingen andre kan registrere for deg nå.').waitFor();
  await kari.getByLabel('Navn', { exact: true }).fill('Ola Testesen');
  await kari.getByLabel('Fødselsnummeret til den pårørende').fill('123');
  await kari.getByRole('button', { name: 'Gi tillatelse' }).click();
  await kari.getByText('Skriv et gyldig fødselsnummer (11 siffer).').waitFor();
  await kari.getByLabel('Fødselsnummeret til den pårørende').fill(env.f.otherPatient.identifier);
  await kari.getByLabel(/Hvem er det for deg/).fill('sønn');
  await kari.getByRole('button', { name: 'Gi tillatelse' }).click();
  await kari.getByText('Ola Testesen kan nå registrere målinger for deg.').waitFor();
  await kari.getByRole('button', { name: 'Ta tilbake Ola Testesen' }).waitFor();
  await expectAccessible(kari, 'patient: delegations');
  if (SHOTS) await kari.screenshot({ path: `${SHOTS}/patient-delegation.png`, fullPage: true });

  const ola = await openPage(env.browser, PHONE);
  await loginPatient(ola, env.server.url, env.f.otherPatient.identifier);
  await ola.goto(`${env.server.url}/patient/#/tilgang`);
  const form = ola.getByRole('heading', { name: 'Måling for Kari Testesen' }).locator('xpath=..');
  await form.waitFor({ timeout: 120_000 });
  await form.getByLabel('Hva har du målt?').selectOption('spo2');
  await form.getByLabel('Verdi').fill('91');
  await form.getByRole('button', { name: 'Send for Kari Testesen' }).click();
  await ola.getByText(/Målingen er sendt for Kari Testesen/).waitFor();
  await expectAccessible(ola, 'patient: register for a relative');
  if (SHOTS) await ola.screenshot({ path: `${SHOTS}/patient-register-for-relative.png`, fullPage: true });
  const row = (await env.db.query<{ recorded_by: string; zone: string }>(`select recorded_by, zone from observations where patient_id = $1 and value = 91`, [env.f.patient.id])).rows[0]!;
  assert.match(row.recorded_by, /^relative:/);
  assert.equal(row.zone, 'yellow');

  const nurse = await nurseOnSpo2Table(env, env.f.patient.id);
  const cell = nurse.getByText('skrevet inn av Ola Testesen (sønn), pårørende').first();
  await cell.waitFor();
  await cell.scrollIntoViewIfNeeded();
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-entered-by-relative.png` });

  kari.on('dialog', (d) => void d.accept());
  await kari.getByRole('button', { name: 'Ta tilbake Ola Testesen' }).click();
  await kari.getByText('Ola Testesen kan ikke lenger registrere for deg.').waitFor();
  await ola.reload();
  await ola.getByRole('heading', { name: 'Hvem kan registrere målinger for deg' }).waitFor({ timeout: 120_000 });
  await settled(ola);
  assert.equal(await ola.getByRole('heading', { name: 'Måling for Kari Testesen' }).count(), 0);
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginClinic, loginPatient, SHOTS, useBrowserTest } from './helpers.js';

/**
 * The core loop in a real browser: a patient logs in with (local) ID-porten, records SpO2 and
 * pulse, sees the red zone and the plan's advice; a nurse logged in with (local) HelseID sees the
 * alert arrive live on the worklist and acknowledges it with a contact note.
 */

const env = useBrowserTest();

test('patient records a red SpO2; the nurse sees it live and acknowledges it with a note', async () => {
  const nurse = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'nb-NO' })).newPage();
  await loginClinic(nurse, env.server.url, /Sykepleier A/);
  const row = nurse.getByRole('row').filter({ hasText: 'Kari Testesen' });
  await row.waitFor();
  await assert.doesNotReject(row.getByText(/Grønn/).first().waitFor({ timeout: 5000 }), 'starts green');

  const patient = await (await env.browser.newContext({ viewport: { width: 1024, height: 1366 }, locale: 'nb-NO', hasTouch: true })).newPage();
  await loginPatient(patient, env.server.url, env.f.patient.identifier);
  await patient.getByLabel(/SpO2/).fill('85');
  await patient.getByLabel(/^Puls/).fill('88');
  await patient.getByRole('button', { name: 'Lagre målingene' }).click();
  const feedback = patient.getByRole('status').filter({ hasText: /Rød/ });
  await feedback.waitFor({ timeout: 10_000 });
  assert.match(await feedback.innerText(), /legevakt 116 117/);
  if (SHOTS) await patient.screenshot({ path: `${SHOTS}/patient-feedback.png`, fullPage: true });

  // No reload: the worklist row turns red through the SSE stream.
  await row.getByText(/Rød/).first().waitFor({ timeout: 10_000 });
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-worklist.png`, fullPage: true });

  await row.getByRole('link', { name: /Kari Testesen/ }).click();
  await nurse.getByRole('button', { name: 'Kvitter' }).first().click();
  const dialog = nurse.getByRole('dialog');
  await dialog.getByLabel('Kontaktform').selectOption('phone');
  await dialog.getByLabel('Notat').fill('Ringte pasienten. Startet beredskapspakke, ny måling om 2 timer.');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-acknowledge.png` });
  await dialog.getByRole('button', { name: 'Kvitter varsel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await nurse.getByText(/Kvittert/).first().waitFor({ timeout: 5000 });

  const a = (await env.db.query<{ status: string; acknowledged_by: string }>(`select status, acknowledged_by from alerts where patient_id = $1`, [env.f.patient.id])).rows;
  assert.deepEqual(a, [{ status: 'acknowledged', acknowledged_by: env.f.people.nurseA }]);
  const notes = (await env.db.query<{ contact_type: string; text: string }>('select contact_type, text from contact_notes where patient_id = $1', [env.f.patient.id])).rows;
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.contact_type, 'phone');
});

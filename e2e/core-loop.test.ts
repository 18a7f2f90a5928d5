import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Db } from '../src/server/db/port.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { seedFixture, type Fixture } from '../src/server/testing/fixtures.js';
import { startTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';

/**
 * The core loop in a real browser: a patient logs in with (local) ID-porten, records SpO2 and
 * pulse, sees the red zone and the plan's advice; a nurse logged in with (local) HelseID sees the
 * alert arrive live on the worklist and acknowledges it with a contact note.
 */
let db: Db;
let server: Server;
let f: Fixture;
let browser: Browser;
const shots = process.env.SCREENSHOTS ? 'docs/screenshots' : null;

before(async () => {
  requireBuiltWeb();
  db = await testDb();
  f = await seedFixture(db);
  server = await startTestServer(db);
  browser = await launch();
  if (shots) mkdirSync(shots, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
});

async function loginClinic(page: Page, name: RegExp) {
  await page.goto(`${server.url}/auth/login?app=clinic`);
  await page.getByRole('button', { name }).click();
  await page.waitForURL(/\/clinic\//);
}

async function loginPatient(page: Page, fnr: string) {
  await page.goto(`${server.url}/auth/login?app=patient`);
  await page.getByLabel('Fødselsnummer (11 siffer)').fill(fnr);
  await page.getByRole('button', { name: 'Logg inn', exact: true }).click();
  await page.waitForURL(/\/patient\//);
}

test('patient records a red SpO2; the nurse sees it live and acknowledges it with a note', async () => {
  const nurse = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'nb-NO' })).newPage();
  await loginClinic(nurse, /Sykepleier A/);
  const row = nurse.getByRole('row').filter({ hasText: 'Kari Testesen' });
  await row.waitFor();
  await assert.doesNotReject(row.getByText(/Grønn/).first().waitFor({ timeout: 5000 }), 'starts green');

  const patient = await (await browser.newContext({ viewport: { width: 1024, height: 1366 }, locale: 'nb-NO', hasTouch: true })).newPage();
  await loginPatient(patient, f.patient.identifier);
  await patient.getByLabel(/SpO2/).fill('85');
  await patient.getByLabel(/^Puls/).fill('88');
  await patient.getByRole('button', { name: 'Lagre målingene' }).click();
  const feedback = patient.getByRole('status').filter({ hasText: /Rød/ });
  await feedback.waitFor({ timeout: 10_000 });
  assert.match(await feedback.innerText(), /legevakt 116 117/);
  if (shots) await patient.screenshot({ path: `${shots}/patient-feedback.png`, fullPage: true });

  // No reload: the worklist row turns red through the SSE stream.
  await row.getByText(/Rød/).first().waitFor({ timeout: 10_000 });
  if (shots) await nurse.screenshot({ path: `${shots}/clinic-worklist.png`, fullPage: true });

  await row.getByRole('link', { name: /Kari Testesen/ }).click();
  await nurse.getByRole('button', { name: 'Kvitter' }).first().click();
  const dialog = nurse.getByRole('dialog');
  await dialog.getByLabel('Kontaktform').selectOption('phone');
  await dialog.getByLabel('Notat').fill('Ringte pasienten. Startet beredskapspakke, ny måling om 2 timer.');
  if (shots) await nurse.screenshot({ path: `${shots}/clinic-acknowledge.png` });
  await dialog.getByRole('button', { name: 'Kvitter varsel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await nurse.getByText(/Kvittert/).first().waitFor({ timeout: 5000 });

  const a = (await db.query<{ status: string; acknowledged_by: string }>(`select status, acknowledged_by from alerts where patient_id = $1`, [f.patient.id])).rows;
  assert.deepEqual(a, [{ status: 'acknowledged', acknowledged_by: f.people.nurseA }]);
  const notes = (await db.query<{ contact_type: string; text: string }>('select contact_type, text from contact_notes where patient_id = $1', [f.patient.id])).rows;
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.contact_type, 'phone');
});

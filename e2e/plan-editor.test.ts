import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Db } from '../src/server/db/port.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { seedFixture, type Fixture } from '../src/server/testing/fixtures.js';
import { startTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';
import { expectAccessible, loginClinic, newPage, pageErrors, printAxeReport, settled, SHOTS } from './helpers.js';

/**
 * Issue 8 in a real browser at 1440×900: the service's opening hours page (a coordinator adds
 * julaften and a staff day) and the GP's plan editor (every part of a plan, a diff against the
 * plan in force, and a confirmation naming the version approved), with axe on each state.
 */
const WIDE = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;

let db: Db;
let server: Server;
let f: Fixture;
let browser: Browser;

before(async () => {
  requireBuiltWeb();
  db = await testDb();
  f = await seedFixture(db);
  server = await startTestServer(db);
  browser = await launch();
});
after(async () => {
  printAxeReport();
  await browser?.close();
  await server?.close();
  await db?.close();
});

async function clinic(name: RegExp): Promise<Page> {
  const { page } = await newPage(browser, WIDE as never);
  await loginClinic(page, server.url, name);
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
  await page.getByLabel('Dato').last().fill('2026-12-24');
  await page.getByLabel(/^Merknad/).last().fill('Julaften');
  await page.getByLabel('Første dag').fill('2026-12-28');
  await page.getByLabel('Siste dag').fill('2026-12-31');
  await page.getByLabel(/Merknad for perioden/).fill('Romjul');
  await page.getByRole('button', { name: 'Legg til perioden' }).click();
  await page.getByText('4 dager lagt til i listen. Husk å lagre.').waitFor();
  await page.getByRole('button', { name: 'Lagre åpningstider' }).click();
  await page.getByText('Åpningstidene er lagret.').waitFor();
  await page.getByText(/Sist endret av Koordinator/).waitFor();
  await expectAccessible(page, 'clinic: opening hours saved');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/clinic-opening-hours.png`, fullPage: true });

  const stored = (await db.query<{ opening_hours: { weekly: Record<string, string[][]>; closedDates: string[]; closedLabels: Record<string, string> } }>('select opening_hours from organisations where id = $1', [f.orgs.muniA])).rows[0]!.opening_hours;
  assert.deepEqual(stored.weekly['1'], [['08:00', '11:30'], ['12:00', '15:30']]);
  assert.deepEqual(stored.closedDates, ['2026-12-24', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31']);
  assert.equal(stored.closedLabels['2026-12-24'], 'Julaften');
  assert.equal(stored.closedLabels['2026-12-30'], 'Romjul');
  assert.deepEqual(pageErrors, []);
});

test('a GP sees no opening-hours page in the navigation', async () => {
  const page = await clinic(/Fastlege/);
  await settled(page);
  assert.equal(await page.getByRole('link', { name: 'Åpningstider' }).count(), 0);
});

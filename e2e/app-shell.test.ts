import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { expectAccessible, loginClinic, pageErrors, printAxeReport, settled, SHOTS, useBrowserTest } from './helpers.js';
import { PHONE, assertFits, patientPage } from './patient-layout.js';

/**
 * Issue 10: one app shell (web/shared/AppShell.tsx) for the patient and the clinic app: the same
 * header with the live connection status, language, logout and a compact menu on a phone.
 */
const env = useBrowserTest();
after(() => printAxeReport());
const LAPTOP = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;

test('clinic on a laptop: the header shows who is logged in, the live stream status, language and logout in one line', async () => {
  const context = await env.browser.newContext(LAPTOP);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await settled(page);
  const header = page.locator('header.app-shell');
  await header.locator('.shell-live').getByText('Tilkoblet').waitFor();
  assert.equal(await header.getByRole('button', { name: 'Meny' }).isVisible(), false, 'no menu button on a laptop');
  await header.getByRole('button', { name: 'Logg ut' }).waitFor();
  assert.match(await header.innerText(), /Sykepleier A[\s\S]*Sykepleier, Kommune A/);
  // Language is the shell's: switching it changes the navigation, and the live stream is opened
  // again in English (its changed rows carry the page's language only).
  const englishStream = page.waitForRequest((r) => r.url().endsWith('/api/worklist/stream?lang=en'));
  await header.getByRole('button', { name: 'English' }).click();
  await header.getByRole('navigation').getByRole('link', { name: 'Worklist' }).waitFor();
  await englishStream;
  await header.locator('.shell-live').getByText('Connected').waitFor();
  await header.getByRole('button', { name: 'Bokmål' }).click();
  await expectAccessible(page, 'clinic laptop: app shell');
  if (SHOTS) await header.screenshot({ path: `${SHOTS}/clinic-header.png` });
  await context.close();
});

test('clinic on a phone: the same compact header with a menu as the patient app', async () => {
  const context = await env.browser.newContext(PHONE);
  const page = await context.newPage();
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await settled(page);
  assert.equal(await page.getByRole('button', { name: 'Logg ut' }).isVisible(), false);
  await page.getByRole('button', { name: 'Meny' }).click();
  await page.getByRole('button', { name: 'Logg ut' }).waitFor();
  // The header fits (the worklist itself is built for a laptop and is not this test's subject).
  const over = await page.locator('header.app-shell *').evaluateAll((els) =>
    els.filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(over, []);
  await expectAccessible(page, 'clinic phone: menu open');
  await context.close();
});

test('patient app: without a network the header says so, and says so no more once it is back', async () => {
  const { context, page } = await patientPage(env.browser, env.server.url, env.f.patient.identifier, PHONE);
  await page.getByRole('heading', { name: 'Dette gjenstår i dag' }).waitFor();
  await settled(page);
  assert.equal(await page.locator('.shell-live').count(), 0, 'nothing to say while online');
  await context.setOffline(true);
  await page.locator('header .shell-live').getByText('Du er uten nett. Målinger blir lagret og sendt når nettet er tilbake.').waitFor();
  await assertFits(page, 'patient phone offline');
  await expectAccessible(page, 'patient phone: offline status in the header');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-phone-offline-header.png` });
  await context.setOffline(false);
  await page.locator('.shell-live').waitFor({ state: 'detached' });
  await context.close();
  assert.deepEqual(pageErrors, []);
});

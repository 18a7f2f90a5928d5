import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectAccessible, pageErrors, settled, SHOTS, useBrowserTest } from './helpers.js';
import { NOTES_BY_NURSE_A, seed80, seedName, type Seeded80, WITH_MESSAGES } from './seed80.js';

/*
 * Issue 11, the nurse's Monday at 1440×900: a follow-up service with 80 patients on one or two
 * screens — one line per patient (≤ 48 px), every reason as a chip, the most urgent first, search,
 * filter chips with counts, age, a tel: link and the morning's values with their times.
 */
const LAPTOP = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;

let page: Page;
let seeded: Seeded80;
const env = useBrowserTest({
  setup: async (e) => {
    seeded = await seed80(e.db, e.f);
    const context = await e.browser.newContext(LAPTOP);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    const [name, value] = e.c.nurseA.split('=');
    await context.addCookies([{ name: name!, value: value!, url: e.server.url }]);
  },
});

const rows = () => page.locator('table.wl-table tbody tr');
const names = async () => rows().locator('th[scope=row] a').allInnerTexts();
const filters = () => page.getByRole('group', { name: 'Vis' });
/** A row's chips as read (the zone word is visually hidden, for screen readers). */
const chipsOf = async (row: ReturnType<typeof rows>) => (await row.locator('.wl-chip').allInnerTexts()).map((x) => x.replace(/\s+/g, ' '));

test('80 patients: rows ≤ 48 px, the most urgent first, every reason as a chip', async () => {
  await page.goto(`${env.server.url}/clinic/#/`);
  await rows().first().waitFor({ timeout: 120_000 });
  await settled(page);
  assert.equal(await rows().count(), 50, 'the first page');
  await page.getByText('Viser 50 av 80').waitFor();

  const heights = await rows().evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
  assert.ok(Math.max(...heights) <= 48, `row heights ${Math.max(...heights)} px`);
  // How many rows the laptop shows at once: the 50 of the first page fill about two screens.
  const firstScreen = await rows().evaluateAll((trs) => trs.filter((tr) => tr.getBoundingClientRect().bottom <= window.innerHeight).length);
  assert.ok(firstScreen >= 14, `${firstScreen} patients on the first screen`);

  // Red: NEWS2 8 (0.40), pulse 150 over 120 (0.25), BP 195 over 180 (0.08), SpO2 84 under 88 (0.045), SpO2 87 (0.01), a trend (0).
  const order = await names();
  assert.deepEqual(order.slice(0, 6), [0, 1, 3, 2, 4, 5].map(seedName));
  // Yellow next (12), then missing: measurements and inactive patients, oldest first, then questionnaires.
  assert.deepEqual(order.slice(18, 28), [22, 23, 24, 18, 19, 20, 21, 25, 26, 27].map(seedName));

  const first = rows().first();
  assert.deepEqual(await chipsOf(first), ['Rød: NEWS2 8', 'Rød: SpO2 84 %', 'Mangler Vekt', '1 ubesvart melding']);
  assert.match((await first.locator('.wl-chip').first().getAttribute('title')) ?? '', /NEWS2 8 \(høy risiko\).*\(news2\)/);
  // Two zones in one row: the red blood pressure and the yellow pulse.
  const bp = rows().filter({ hasText: seedName(3) });
  assert.deepEqual(await chipsOf(bp), ['Rød: BT sys 195 mmHg', 'Gul: Puls 108 slag/min']);
  const questionnaire = rows().filter({ hasText: seedName(25) });
  assert.deepEqual(await chipsOf(questionnaire), ['Mangler CAT']);
  assert.deepEqual(await chipsOf(rows().filter({ hasText: seedName(22) })), ['Inaktiv']);

  // Age, phone as a tel: link, values with their times, blood pressure as one "132/81".
  const p = seeded.patients[0]!;
  const tel = first.getByRole('link', { name: new RegExp(p.phone.slice(4)) });
  assert.equal(await tel.getAttribute('href'), `tel:${p.phone.replace(/\s/g, '')}`);
  assert.match(await first.locator('.wl-age').innerText(), /^, \d+ år$/);
  await page.getByRole('button', { name: 'Vis flere' }).click();
  await page.getByText('Viser 80 av 80').waitFor();
  const green = rows().filter({ hasText: seedName(40) });
  // One sitting: its time once, after the last value of it (its date instead when it was taken
  // before today in Oslo: the seeded sitting is hours old, so from midnight to early morning).
  assert.match(await green.locator('.wl-latest').innerText(), /^SpO2\s+\d+ %\s+Puls\s+\d+\s+BT\s+132\/81\s+Vekt\s+\d+ kg\s+(\d\d:\d\d|\d\d?\.\d\d?\.)$/);
  assert.match((await green.locator('.wl-latest').getAttribute('title')) ?? '', /Blodtrykk 132\/81 mmHg, \d\d\.\d\d\.\d{4},? \d\d:\d\d/);
  const clipped = await page.locator('.wl-latest').evaluateAll((uls) => uls.filter((ul) => ul.scrollWidth > ul.clientWidth + 1).length);
  assert.equal(clipped, 0, 'the latest values and their time fit their cell');
  const all = await rows().evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
  assert.ok(Math.max(...all) <= 48, `all 80 rows ≤ 48 px (max ${Math.max(...all)})`);

  await page.evaluate(() => window.scrollTo(0, 0));
  await expectAccessible(page, 'clinic: worklist, 80 patients at 1440×900');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/worklist-80.png` });

  // The page's texts come in the nurse's language only (GET /api/worklist?lang=): another language reads it again.
  const firstTitle = () => rows().first().locator('.wl-chip').first().getAttribute('title');
  // Every status word (Rød/Gul/Mangler/Grønn on this page; below in English) is shown whole, not cut off.
  const clippedStatus = () => page.locator('td.wl-status').evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent));
  assert.deepEqual(await clippedStatus(), [], 'status words fit their cell (bokmål)');
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForFunction(() => /NEWS2 8 \(high risk\)/.test(document.querySelector('table.wl-table tbody tr .wl-chip')?.getAttribute('title') ?? ''));
  assert.deepEqual(await clippedStatus(), [], 'status words fit their cell (English)');
  await page.getByRole('button', { name: 'Bokmål' }).click();
  await page.waitForFunction(() => /NEWS2 8 \(høy risiko\)/.test(document.querySelector('table.wl-table tbody tr .wl-chip')?.getAttribute('title') ?? ''));
  assert.match((await firstTitle()) ?? '', /\(news2\)$/);
});

test('filter chips carry their counts; search by name and by fødselsnummer', async () => {
  const chip = (label: string, n: number) => filters().getByRole('button', { name: `${label} (${n})`, exact: true });
  await chip('Alle', 80).waitFor();
  await chip('Rød', 6).waitFor();
  await chip('Gul', 12).waitFor();
  await chip('Mangler', 10).waitFor();
  await chip('Meldinger', WITH_MESSAGES.length).waitFor();
  await chip('Mine pasienter', NOTES_BY_NURSE_A.length).waitFor();

  await chip('Rød', 6).click();
  await page.getByText('Viser 6 av 6').waitFor();
  assert.equal(await chip('Rød', 6).getAttribute('aria-pressed'), 'true');
  await chip('Alle', 80).click();
  await page.getByText('Viser 50 av 80').waitFor();

  await chip('Mine pasienter', NOTES_BY_NURSE_A.length).click();
  await page.getByText(`Viser ${NOTES_BY_NURSE_A.length} av ${NOTES_BY_NURSE_A.length}`).waitFor();
  assert.deepEqual(new Set(await names()), new Set(NOTES_BY_NURSE_A.map(seedName)));
  await filters().getByRole('button', { name: /^Mine pasienter/ }).click();

  await filters().getByRole('button', { name: /^Meldinger/ }).click();
  await page.getByText(`Viser ${WITH_MESSAGES.length} av ${WITH_MESSAGES.length}`).waitFor();
  await filters().getByRole('button', { name: /^Meldinger/ }).click();
  await page.getByText('Viser 50 av 80').waitFor();

  const search = page.getByLabel('Søk på navn eller fødselsnummer');
  await search.fill(seedName(41));
  await page.getByText('Viser 1 av 1').waitFor();
  assert.deepEqual(await names(), [seedName(41)]);
  // The counts follow the search.
  await filters().getByRole('button', { name: 'Alle (1)', exact: true }).waitFor();
  await search.fill(seeded.patients[57]!.identifier.slice(0, 8));
  await rows().filter({ hasText: seedName(57) }).waitFor();
  assert.ok((await names()).includes(seedName(57)));
  await search.fill('');
  await page.getByText('Viser 50 av 80').waitFor();
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Db } from '../src/server/db/port.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { patientCookie, seedFixture, type Fixture } from '../src/server/testing/fixtures.js';
import { startTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';
import { expectAccessible, loginClinic, pageErrors, settled, SHOTS } from './helpers.js';

/** Issue 11: the nurse's patient view, built for the phone call, on a 1440×900 laptop. */
const LAPTOP = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;

let db: Db;
let server: Server;
let browser: Browser;
let nurse: Page;
let f: Fixture;

async function sitting(cookie: string, key: string, measurements: { code: string; value: number }[]): Promise<void> {
  const r = await fetch(`${server.url}/api/me/observations`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: key, measurements }),
  });
  assert.equal(r.status, 201, await r.text());
}

before(async () => {
  requireBuiltWeb();
  db = await testDb();
  f = await seedFixture(db);
  await db.query(`update patients set phone = '+47 912 34 567' where id = $1`, [f.patient.id]);
  await db.query(`update episodes set diagnoses = $2 where id = $1`, [f.patient.episodeId, JSON.stringify([{ system: 'ICPC-2', code: 'R95', display: 'Kols' }])]);
  server = await startTestServer(db);
  const cookie = await patientCookie(db, f.patient.id);
  // Two sittings, two open red alerts: one phone call is about both.
  await sitting(cookie, 'pv-sitting-hr', [{ code: 'heart_rate', value: 130 }]);
  await sitting(cookie, 'pv-sitting-spo2', [{ code: 'spo2', value: 85 }]);
  // An older missing-measurement alert must sort below the reds.
  await db.query(
    `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
     values ($1,$2,'missing:spo2','missing','missing',$3,1,$4,'[]', now() + interval '1 minute', now() + interval '1 minute')`,
    [f.patient.id, f.patient.episodeId, f.patient.planId, JSON.stringify({ nb: 'Ingen SpO2-måling i dag', nn: 'Inga SpO2-måling i dag', en: 'No SpO2 today' })],
  );
  browser = await launch();
  const context = await browser.newContext(LAPTOP);
  nurse = await context.newPage();
  nurse.on('pageerror', (e) => pageErrors.push(`${nurse.url()}: ${e.message}`));
  await loginClinic(nurse, server.url, /Sykepleier A/);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
});

test('the header has name, age, diagnoses, a tel: link and the care team, and stays on screen while scrolling', async () => {
  await nurse.goto(`${server.url}/clinic/#/pasient/${f.patient.id}`);
  // The first load on a busy machine (several test servers at once) can take longer than 30 s.
  await nurse.locator('#alerts-heading').waitFor({ timeout: 120_000 });
  await settled(nurse);
  await nurse.locator('.alert-card').first().waitFor({ timeout: 120_000 });
  await settled(nurse);
  await settled(nurse);
  const header = nurse.locator('.pv-header');
  assert.match(await header.locator('h1').innerText(), /Kari Testesen, \d+ år/);
  assert.equal(await header.getByRole('link', { name: /912 34 567/ }).getAttribute('href'), 'tel:+4791234567');
  assert.match(await header.innerText(), /Diagnoser:?\s*Kols/);
  assert.match(await header.innerText(), /Behandlingsteam:?\s*Kommune A \(oppfølging\); Legekontoret \(fastlege\)/);
  // Ending the follow-up is not a button on the page until the menu is opened.
  assert.equal(await nurse.getByRole('button', { name: 'Avslutt oppfølgingen' }).isVisible(), false);
  await nurse.mouse.wheel(0, 1500);
  await nurse.waitForFunction(() => window.scrollY > 500);
  const box = await header.boundingBox();
  assert.ok(box && box.y >= -1 && box.y < 5, `sticky header at the top after scrolling, y=${box?.y}`);
  await nurse.evaluate(() => window.scrollTo(0, 0));
});

test('alerts come red first, in plain words without rule ids; the rule shows on expand', async () => {
  const cards = nurse.locator('.alert-card');
  assert.ok((await cards.count()) >= 2);
  assert.match((await cards.first().getAttribute('class')) ?? '', /zone-panel-red/);
  assert.match((await cards.nth(2).getAttribute('class')) ?? '', /zone-panel-missing/, 'the newest alert, a missing one, still comes after the reds');
  const text = await nurse.locator('main').innerText();
  assert.doesNotMatch(text, /threshold:|missing:|news2:/, 'no raw rule id in the visible text');
  const rule = cards.first().locator('.rule-details');
  assert.match(await rule.locator('summary').innerText(), /Utenfor grensen i planen/);
  await rule.locator('summary').click();
  assert.match(await rule.locator('code').innerText(), /^threshold:/);
});

test('one note acknowledges every open alert; the notes tab shows the note', async () => {
  const open = (await db.query<{ n: number }>(`select count(*)::int as n from alerts where patient_id = $1 and status = 'open'`, [f.patient.id])).rows[0]!.n;
  assert.ok(open >= 2);
  await nurse.getByRole('button', { name: `Kvitter alle ${open} med ett notat` }).click();
  const dialog = nurse.getByRole('dialog', { name: `Kvitter ${open} varsler med ett notat` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: `Kvitter ${open} varsler med ett notat` }).click();
  await dialog.locator('.field-error').filter({ hasText: /\S/ }).first().waitFor();
  await expectAccessible(nurse, 'clinic: acknowledge all, with errors');
  await dialog.getByLabel('Kontaktform').selectOption('phone');
  await dialog.getByLabel('Notat').fill('Ringte Kari: tar beredskapspakken, ny måling i kveld.');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-acknowledge-all.png` });
  await dialog.getByRole('button', { name: `Kvitter ${open} varsler med ett notat` }).click();
  await dialog.waitFor({ state: 'hidden' });
  await nurse.getByText(`${open} varsler er kvittert.`).waitFor();
  const left = (await db.query<{ n: number }>(`select count(*)::int as n from alerts where patient_id = $1 and status = 'open'`, [f.patient.id])).rows[0]!.n;
  assert.equal(left, 0);
  assert.equal((await db.query<{ n: number }>(`select count(*)::int as n from contact_notes where patient_id = $1`, [f.patient.id])).rows[0]!.n, 1);

  await nurse.getByRole('tablist', { name: 'Pasientbildet' }).getByRole('tab', { name: 'Notater' }).click();
  const notesPanel = nurse.getByRole('tabpanel', { name: 'Notater' });
  await notesPanel.getByText('Ringte Kari: tar beredskapspakken').first().waitFor();
  await nurse.evaluate(() => window.scrollTo(0, 0));
  await settled(nurse);
  await expectAccessible(nurse, 'clinic: patient view, notes tab');
  await nurse.getByRole('tab', { name: 'Oversikt' }).click();
  await settled(nurse);
  await expectAccessible(nurse, 'clinic: patient view for the phone call');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-patient-view.png` });
});

test('tabs follow the WAI-ARIA pattern: one tab stop, arrow keys, Home and End, one panel shown', async () => {
  const tabs = nurse.getByRole('tablist', { name: 'Pasientbildet' }).getByRole('tab');
  assert.deepEqual(await tabs.allInnerTexts(), ['Oversikt', 'Målinger', 'Plan', 'Notater', 'Meldinger', 'Utstyr']);
  const selected = async () => nurse.getByRole('tab', { selected: true }).innerText();
  const shown = async () => nurse.locator('[role=tabpanel]:not([hidden])').getAttribute('aria-labelledby');
  assert.deepEqual(await tabs.evaluateAll((ts) => ts.map((t) => t.getAttribute('tabindex'))), ['0', '-1', '-1', '-1', '-1', '-1']);
  await nurse.getByRole('tab', { name: 'Oversikt' }).focus();
  await nurse.keyboard.press('ArrowRight');
  assert.equal(await selected(), 'Målinger');
  assert.equal(await shown(), 'pv-tab-measurements');
  assert.equal(await nurse.evaluate(() => document.activeElement?.textContent), 'Målinger');
  await nurse.getByRole('tabpanel', { name: 'Målinger' }).locator('#observations-heading').waitFor();
  await nurse.keyboard.press('End');
  assert.equal(await selected(), 'Utstyr');
  await nurse.keyboard.press('ArrowRight');
  assert.equal(await selected(), 'Oversikt', 'wraps to the first');
  await nurse.keyboard.press('ArrowLeft');
  assert.equal(await selected(), 'Utstyr', 'wraps to the last');
  await nurse.keyboard.press('Home');
  assert.equal(await selected(), 'Oversikt');
  assert.equal(await nurse.locator('[role=tabpanel]:not([hidden])').count(), 1);
  await nurse.evaluate(() => window.scrollTo(0, 0));
  await settled(nurse);
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/patient-view-tabs.png` });
  // Tab leaves the tab list for the panel (one tab stop for the whole list).
  await nurse.keyboard.press('Tab');
  assert.equal(await nurse.evaluate(() => document.activeElement?.getAttribute('role')), 'tabpanel');
  await settled(nurse);
  await expectAccessible(nurse, 'clinic: patient view tabs');
});

test('ending the follow-up is in the "Mer …" menu and opens the pathway\'s end form (fixed reasons, summary for the GP)', async () => {
  await nurse.goto(`${server.url}/clinic/#/pasient/${f.patient.id}`);
  await nurse.locator('.pv-header').waitFor({ timeout: 60_000 });
  await settled(nurse);
  const oldEnd: string[] = [];
  nurse.on('request', (r) => {
    if (r.url().includes('/end-episode')) oldEnd.push(r.url());
  });
  // From another tab: the menu takes the nurse to the form on the overview.
  await nurse.getByRole('tab', { name: 'Plan' }).click();
  assert.equal(await nurse.getByRole('button', { name: 'Avslutt oppfølgingen …' }).isVisible(), false);
  await nurse.locator('.pv-menu > summary').click();
  await nurse.getByRole('button', { name: 'Avslutt oppfølgingen …' }).click();
  assert.equal(await nurse.getByRole('tab', { selected: true }).innerText(), 'Oversikt');
  const reason = nurse.getByLabel('Årsak', { exact: true });
  await reason.waitFor();
  await nurse.waitForFunction(() => (document.activeElement as HTMLSelectElement | null)?.tagName === 'SELECT');
  assert.deepEqual(await reason.locator('option').allInnerTexts(), ['Målet er nådd', 'Ingen nytte', 'For syk', 'Flyttet', 'Død', 'Ønsker ikke å fortsette']);
  await settled(nurse);
  await expectAccessible(nurse, 'clinic: end of follow-up from the menu');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/patient-view-end-menu.png` });
  await reason.selectOption('goal_reached');
  await nurse.getByLabel('Kommentar (valgfritt)').fill('Stabil i tre måneder.');
  await nurse.getByRole('button', { name: 'Avslutt forløpet', exact: true }).click();
  await nurse.getByRole('heading', { name: 'Oppsummering til fastlegen' }).or(nurse.getByText(/Digital hjemmeoppfølging avsluttet/)).first().waitFor({ timeout: 30_000 });
  const ep = (await db.query<{ status: string; end_reason_code: string }>(`select status, end_reason_code from episodes where id = $1`, [f.patient.episodeId])).rows[0]!;
  assert.deepEqual(ep, { status: 'ended', end_reason_code: 'goal_reached' });
  assert.deepEqual(oldEnd, [], 'not the old free-text /end-episode');
});

test('reports: a month-by-month trend, and a CSV that Norwegian Excel opens (BOM, semicolons, decimal comma)', async () => {
  await nurse.goto(`${server.url}/clinic/#/rapporter`);
  const trend = nurse.locator('table.report-trend');
  await trend.waitFor({ timeout: 60_000 });
  assert.equal(await trend.locator('tbody tr').count(), 6);
  assert.match(await trend.locator('caption').innerText(), /Utvikling måned for måned/);
  await settled(nurse);
  await expectAccessible(nurse, 'clinic: reports with the monthly trend');
  if (SHOTS) await trend.screenshot({ path: `${SHOTS}/clinic-reports-trend.png` });
  const href = await nurse.getByRole('link', { name: /CSV/ }).getAttribute('href');
  const csv = await nurse.request.get(`${server.url}${href}`);
  assert.equal(csv.status(), 200);
  const body = await csv.body();
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
  const text = body.toString('utf8').slice(1);
  assert.match(text, /^Kommune;Diagnose;Aktive pasienter;/);
  assert.doesNotMatch(text, /\d\.\d/, 'no decimal point in a Norwegian CSV');
  assert.deepEqual(pageErrors, []);
});

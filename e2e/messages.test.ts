import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_OPENING_HOURS } from '../src/domain/opening-hours.js';
import type { Db } from '../src/server/db/port.js';
import { replyExpectation } from '../src/server/messages/expectation.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { seedFixture, type Fixture } from '../src/server/testing/fixtures.js';
import { startTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';
import { loginClinic, loginPatient, pageErrors, settled } from './helpers.js';

/**
 * Messages reach the nurse (issue 11): a patient writes on the phone (390×844), the message appears
 * live in the follow-up service's inbox on the nurse's laptop (1440×900) with a count in the
 * navigation, the nurse answers and the thread is handled by her; the patient sees an unread badge
 * and, before writing, when to expect an answer from the service's opening hours.
 */
const LAPTOP = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;
const PHONE = { viewport: { width: 390, height: 844 }, locale: 'nb-NO', hasTouch: true, isMobile: true, deviceScaleFactor: 2 } as const;
const SHOTS = process.env.MESSAGES_SHOTS ?? join(tmpdir(), 'varde-e2e-messages');

let db: Db;
let server: Server;
let f: Fixture;
let browser: Browser;
let nurse: Page;
let patient: Page;

before(async () => {
  requireBuiltWeb();
  mkdirSync(SHOTS, { recursive: true });
  db = await testDb();
  f = await seedFixture(db);
  // The real clock: logins and sessions run on it. The line's wording per time of day is table-tested in
  // src/server/messages/expectation.test.ts; here it must be the one for the moment of the test.
  server = await startTestServer(db);
  browser = await launch();
  nurse = await (await browser.newContext(LAPTOP)).newPage();
  patient = await (await browser.newContext(PHONE)).newPage();
  for (const p of [nurse, patient]) p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
});
after(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
});

/** axe with the WCAG 2.0/2.1 A and AA rules: the new pages must have no violations at all. */
async function axeClean(page: Page, name: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  assert.deepEqual(
    r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`),
    [],
    `axe on ${name}`,
  );
}

/** The patient app may fold its navigation into a menu on a phone; open it when it is there. */
async function patientNavLink(name: RegExp) {
  const menu = patient.getByRole('button', { name: /^(Meny|Menu)$/ });
  if (await menu.isVisible().catch(() => false)) {
    if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  }
  return patient.getByRole('navigation').getByRole('link', { name });
}

const inboxLink = () => nurse.getByRole('navigation').getByRole('link', { name: /^Meldinger/ });

test('the nurse opens an empty inbox from the navigation', async () => {
  await loginClinic(nurse, server.url, /Sykepleier A/);
  await inboxLink().click();
  await nurse.getByRole('heading', { level: 1, name: 'Meldinger fra pasienter' }).waitFor();
  await nurse.getByText('Ingen meldinger venter på svar.').waitFor();
  assert.equal(await inboxLink().innerText(), 'Meldinger', 'no badge while nothing waits');
  await axeClean(nurse, 'clinic inbox, empty');
});

test('the patient is told when to expect an answer and sends a message; it appears live in the inbox with a badge', async () => {
  await loginPatient(patient, server.url, f.patient.identifier);
  await (await patientNavLink(/^Meldinger/)).click();
  await patient.getByRole('heading', { level: 1, name: 'Meldinger' }).waitFor();
  await settled(patient);
  const expect = patient.locator('.reply-expectation');
  await expect.waitFor();
  const line = (await expect.innerText()).replace(/\s+/g, ' ').trim();
  const now = new Date();
  const expected = [now, new Date(now.getTime() - 60_000)].map((at) => `Når får du svar? ${replyExpectation(DEFAULT_OPENING_HOURS, at, 'nb').text}`);
  assert.ok(expected.includes(line), `${line} — expected ${expected[0]}`);
  await patient.getByLabel('Ny melding').fill('Jeg er mer tungpustet enn vanlig i dag. Skal jeg ta ekstra Ventoline?');
  await patient.getByRole('button', { name: 'Send melding' }).click();
  await patient.getByRole('status').filter({ hasText: 'Meldingen er sendt.' }).waitFor();
  await patient.screenshot({ path: join(SHOTS, 'patient-messages-sent.png'), fullPage: true });
  await axeClean(patient, 'patient messages, sent');

  // No reload on the nurse's side: the stream brings the thread and the count.
  const row = nurse.getByRole('region', { name: /Pasienter med ubesvarte meldinger/ }).getByRole('row').filter({ hasText: 'Kari Testesen' });
  await row.waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), /tungpustet/);
  assert.match(await row.innerText(), /Ulest/);
  await nurse.waitForFunction(() => document.querySelector('.main-nav .nav-badge')?.textContent?.startsWith('1'));
  assert.equal(await inboxLink().getAttribute('aria-current'), 'page');
  assert.match((await inboxLink().textContent()) ?? '', /1 ubesvart melding/);
  await nurse.screenshot({ path: join(SHOTS, 'clinic-inbox-new.png') });
  await axeClean(nurse, 'clinic inbox, one waiting');
});

test('the nurse opens the conversation and replies: the thread is handled by her and leaves the inbox', async () => {
  await nurse.getByRole('button', { name: 'Kari Testesen' }).click();
  const conversation = nurse.locator('#inbox-conversation');
  await conversation.getByRole('heading', { name: 'Samtale med Kari Testesen' }).waitFor();
  await conversation.getByText('Venter på svar').waitFor();
  // Opened is read, not answered: the thread stays, without "Ulest".
  const listed = nurse.getByRole('region', { name: /Pasienter med ubesvarte meldinger/ }).getByRole('row').filter({ hasText: 'Kari Testesen' });
  await listed.filter({ hasNotText: 'Ulest' }).waitFor();
  await axeClean(nurse, 'clinic inbox, conversation open');
  await conversation.getByLabel('Svar til pasienten').fill('Ja, ta to drag Ventoline nå. Jeg ringer deg før lunsj for å høre hvordan det går.');
  await nurse.screenshot({ path: join(SHOTS, 'clinic-inbox-reply.png') });
  await conversation.getByRole('button', { name: 'Send svar' }).click();
  await conversation.getByRole('status').filter({ hasText: 'Svaret er sendt.' }).waitFor();
  await conversation.getByText('Besvart av Sykepleier A').waitFor();
  await nurse.getByText('Ingen meldinger venter på svar.').waitFor();
  await nurse.waitForFunction(() => document.querySelector('.main-nav .nav-badge') === null);
  const handled = nurse.getByRole('region', { name: /Meldinger behandlet siste 7 dager/ });
  assert.match(await handled.innerText(), /Kari Testesen[\s\S]*Besvart av Sykepleier A/);
  await nurse.screenshot({ path: join(SHOTS, 'clinic-inbox-handled.png') });
  await axeClean(nurse, 'clinic inbox, handled');

  const row = (await db.query<{ handled_how: string; name: string }>(
    `select m.handled_how, p.name from messages m join personnel p on p.id = m.handled_by where m.patient_id = $1 and m.sender_kind = 'patient'`, [f.patient.id],
  )).rows;
  assert.deepEqual(row, [{ handled_how: 'reply', name: 'Sykepleier A' }]);
});

test('the patient sees an unread badge for the reply; reading it clears the badge', async () => {
  await (await patientNavLink(/^I dag/)).click();
  const link = await patientNavLink(/^Meldinger/);
  await patient.waitForFunction(() => document.querySelector('.main-nav .nav-badge')?.textContent?.startsWith('1'));
  assert.match((await link.textContent()) ?? '', /1 nytt svar/);
  await patient.screenshot({ path: join(SHOTS, 'patient-badge.png') });
  await link.click();
  await patient.getByText(/Ja, ta to drag Ventoline nå/).waitFor();
  assert.match(await patient.locator('.message-theirs').first().innerText(), /Sykepleier A[\s\S]*Nytt/);
  await patient.waitForFunction(() => document.querySelector('.main-nav .nav-badge') === null);
  await patient.screenshot({ path: join(SHOTS, 'patient-reply-read.png'), fullPage: true });
  await axeClean(patient, 'patient messages, reply read');
});

test('a message answered by phone is marked handled without a reply, with who and why', async () => {
  await patient.getByLabel('Ny melding').fill('Takk, det hjalp. Kan du ringe meg i morgen også?');
  await patient.getByRole('button', { name: 'Send melding' }).click();
  await patient.getByRole('status').filter({ hasText: 'Meldingen er sendt.' }).waitFor();

  const conversation = nurse.locator('#inbox-conversation');
  // The open conversation and the list follow the stream.
  await conversation.getByText(/Kan du ringe meg i morgen/).waitFor({ timeout: 10_000 });
  await nurse.getByRole('region', { name: /Pasienter med ubesvarte meldinger/ }).getByRole('row').filter({ hasText: 'Kari Testesen' }).waitFor();
  await conversation.getByLabel(/Kommentar/).fill('Ringte pasienten, avtalt ny samtale i morgen kl. 10.');
  await conversation.getByRole('button', { name: 'Merk som behandlet' }).click();
  await conversation.getByRole('status').filter({ hasText: 'Meldingene er merket som behandlet av deg.' }).waitFor();
  await nurse.getByText('Ingen meldinger venter på svar.').waitFor();
  const handled = nurse.getByRole('region', { name: /Meldinger behandlet siste 7 dager/ });
  await handled.getByText('Behandlet uten svar av Sykepleier A').waitFor();
  assert.match(await handled.innerText(), /Ringte pasienten, avtalt ny samtale/);
  await nurse.screenshot({ path: join(SHOTS, 'clinic-inbox-no-reply.png'), fullPage: true });
  await axeClean(nurse, 'clinic inbox, handled without reply');
  assert.deepEqual(pageErrors, []);
});

test('the worklist shows the unread chip on the row and filters on "Meldinger" with its count', async () => {
  await patient.getByLabel('Ny melding').fill('Glemte å si: hoven i beina er litt bedre.');
  await patient.getByRole('button', { name: 'Send melding' }).click();
  await patient.getByRole('status').filter({ hasText: 'Meldingen er sendt.' }).waitFor();
  await nurse.getByRole('navigation').getByRole('link', { name: /^Arbeidsliste/ }).click();
  const row = nurse.getByRole('row').filter({ hasText: 'Kari Testesen' });
  await row.getByRole('link', { name: '1 ubesvart melding' }).waitFor({ timeout: 10_000 });
  const chip = nurse.getByRole('button', { name: /Meldinger \(1\)$/ });
  await chip.click();
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  await nurse.waitForFunction(() => document.querySelectorAll('table.worklist tbody tr').length === 1);
  await nurse.waitForFunction(() => document.querySelector('.main-nav .nav-badge')?.textContent?.startsWith('1'));
  await nurse.screenshot({ path: join(SHOTS, 'clinic-worklist-messages.png') });
  // The chip leads to the inbox; once handled there, the worklist row loses it.
  await row.getByRole('link', { name: '1 ubesvart melding' }).click();
  await nurse.getByRole('heading', { level: 1, name: 'Meldinger fra pasienter' }).waitFor();
  await nurse.getByRole('button', { name: 'Kari Testesen' }).click();
  await nurse.locator('#inbox-conversation').getByRole('button', { name: 'Merk som behandlet' }).click();
  await nurse.getByText('Ingen meldinger venter på svar.').waitFor();
  await nurse.getByRole('navigation').getByRole('link', { name: /^Arbeidsliste/ }).click();
  await nurse.getByRole('button', { name: /Meldinger \(0\)$/ }).waitFor();
  assert.equal(await nurse.getByRole('row').filter({ hasText: 'Kari Testesen' }).getByRole('link', { name: /ubesvart/ }).count(), 0);
  assert.deepEqual(pageErrors, []);
});

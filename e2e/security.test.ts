import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Db } from '../src/server/db/port.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { seedFixture, type Fixture } from '../src/server/testing/fixtures.js';
import { startTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';
import { IPAD, DESKTOP, loginClinic, loginPatient } from './helpers.js';

/**
 * The browser side of issue 16: the built apps run under the Content-Security-Policy (no inline
 * scripts anywhere), and logging out on a shared tablet also ends the identity provider's login,
 * so the next person is asked who they are instead of being let in as the last one.
 */
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
  await browser?.close();
  await server?.close();
  await db?.close();
});

/** Collects Content-Security-Policy violations reported by the page. */
function cspViolations(page: Page): string[] {
  const out: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/i.test(m.text())) out.push(`${page.url()}: ${m.text()}`);
  });
  return out;
}

test('patient app: runs under the CSP; logout ends the ID-porten login too', async () => {
  const page = await (await browser.newContext(IPAD)).newPage();
  const violations = cspViolations(page);
  await page.goto(`${server.url}/`);
  await loginPatient(page, server.url, f.patient.identifier);
  await page.getByRole('button', { name: /Logg ut/ }).waitFor();

  await page.getByRole('button', { name: /Logg ut/ }).click();
  await page.waitForURL(`${server.url}/`);
  assert.equal((await page.request.get(`${server.url}/api/me`)).status(), 401);

  // A new login on the same tablet asks for the fødselsnummer again.
  await page.goto(`${server.url}/auth/login?app=patient`);
  await page.getByLabel('Fødselsnummer (11 siffer)').waitFor();
  assert.match(page.url(), /\/idp\/interaction\//);
  assert.deepEqual(violations, []);
});

test('clinic app: runs under the CSP; logout ends the HelseID login too', async () => {
  const page = await (await browser.newContext(DESKTOP)).newPage();
  const violations = cspViolations(page);
  await loginClinic(page, server.url, /Sykepleier A/);
  await page.getByRole('row').filter({ hasText: 'Kari Testesen' }).waitFor();

  await page.getByRole('button', { name: /Logg ut/ }).click();
  await page.waitForURL(`${server.url}/`);
  await page.goto(`${server.url}/auth/login?app=clinic`);
  await page.getByRole('button', { name: /Sykepleier A/ }).waitFor();
  assert.match(page.url(), /\/idp\/interaction\//);
  assert.deepEqual(violations, []);
});

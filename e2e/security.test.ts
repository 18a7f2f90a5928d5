import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { IPAD, DESKTOP, loginClinic, loginPatient, useBrowserTest } from './helpers.js';

/**
 * The browser side of issue 16: the built apps run under the Content-Security-Policy (no inline
 * scripts anywhere), and logging out on a shared tablet also ends the identity provider's login,
 * so the next person is asked who they are instead of being let in as the last one.
 */

const env = useBrowserTest();

/** Collects Content-Security-Policy violations reported by the page. */
function cspViolations(page: Page): string[] {
  const out: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/i.test(m.text())) out.push(`${page.url()}: ${m.text()}`);
  });
  return out;
}

test('patient app: runs under the CSP; logout ends the ID-porten login too', async () => {
  const page = await (await env.browser.newContext(IPAD)).newPage();
  const violations = cspViolations(page);
  await page.goto(`${env.server.url}/`);
  await loginPatient(page, env.server.url, env.f.patient.identifier);
  await page.getByRole('button', { name: /Logg ut/ }).waitFor();

  await page.getByRole('button', { name: /Logg ut/ }).click();
  await page.waitForURL(`${env.server.url}/`);
  assert.equal((await page.request.get(`${env.server.url}/api/me`)).status(), 401);

  // A new login on the same tablet asks for the fødselsnummer again.
  await page.goto(`${env.server.url}/auth/login?app=patient`);
  await page.getByLabel('Fødselsnummer (11 siffer)').waitFor();
  assert.match(page.url(), /\/idp\/interaction\//);
  assert.deepEqual(violations, []);
});

test('clinic app: runs under the CSP; logout ends the HelseID login too', async () => {
  const page = await (await env.browser.newContext(DESKTOP)).newPage();
  const violations = cspViolations(page);
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await page.getByRole('row').filter({ hasText: 'Kari Testesen' }).waitFor();

  await page.getByRole('button', { name: /Logg ut/ }).click();
  await page.waitForURL(`${env.server.url}/`);
  await page.goto(`${env.server.url}/auth/login?app=clinic`);
  await page.getByRole('button', { name: /Sykepleier A/ }).waitFor();
  assert.match(page.url(), /\/idp\/interaction\//);
  assert.deepEqual(violations, []);
});

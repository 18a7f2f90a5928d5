import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, newPage, pageErrors, SHOTS, useBrowserTest } from './helpers.js';

/** The API reference renders in Chromium under the app's CSP, with every asset from our origin. */
const env = useBrowserTest();

test('GET /api/docs shows the operations of the contract; no CSP violation, nothing fetched elsewhere', async () => {
  const { page } = await newPage(env.browser, DESKTOP);
  const violations: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(env.server.url) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  await page.goto(`${env.server.url}/api/docs/`);
  await page.getByText('Varde API').first().waitFor();
  await page.locator('.opblock-summary-path', { hasText: '/api/devices/{id}' }).first().waitFor();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/api-docs.png`, fullPage: false });
  // An operation opens with its answer's schema, generated from the contract.
  await page.locator('.opblock-summary-path', { hasText: '/api/opening-hours' }).first().click();
  await page.getByText('Example Value').first().waitFor();
  assert.deepEqual(violations, []);
  assert.deepEqual(foreign, []);
  assert.deepEqual(pageErrors, []);
});

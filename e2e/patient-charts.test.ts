import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectAccessible, loginClinic, loginPatient, pageErrors, printAxeReport, settled, SHOTS, useBrowserTest } from './helpers.js';
import { NARROW, PHONE, assertFits, patientPage, textSize200 } from './patient-layout.js';

/**
 * Issue 10/11: one chart component (web/shared/chart.tsx) for the patient's own trends and the
 * clinic's patient view: 7 days by default, axis text that follows the text size (≥ 16 px for
 * patients), the picked reading's day and time of day, limits with units, and the table.
 */
const HOUR = 3_600_000;
const env = useBrowserTest({
  setup: async (e) => {
    // A week of morning and evening readings, one of them yellow.
    const now = Date.now();
    for (let d = 6; d >= 0; d--) {
      for (const [h, spo2] of [[d === 0 ? 2 : 13, 95], [d === 0 ? 1 : 3, d === 3 ? 91 : 94]] as const) {
        const at = new Date(now - d * 24 * HOUR - h * HOUR).toISOString();
        const r = await e.call('POST', '/api/me/observations', e.c.patient, {
          idempotencyKey: `week-${d}-${h}`, effectiveAt: at, measurements: [{ code: 'spo2', value: spo2, unit: '%' }, { code: 'heart_rate', value: 70 + d }],
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
    }
  },
});
after(() => printAxeReport());

async function spo2Chart(page: Page) {
  const section = page.locator('section.trend').filter({ has: page.getByRole('heading', { name: /Oksygenmetning/ }) });
  await section.locator('canvas').first().waitFor();
  return section;
}

test('patient phone: 7 days by default, axis text ≥ 16 px, limits with units, the picked reading with its time of day', async () => {
  const { context, page } = await patientPage(env.browser, env.server.url, env.f.patient.identifier, PHONE);
  await page.goto(`${env.server.url}/patient/#/maal`);
  await settled(page);
  assert.equal(await page.getByLabel('Periode').inputValue(), '7');
  const spo2 = await spo2Chart(page);
  assert.match(await spo2.innerText(), /Grenser i planen: rød under 88 %, gul under 92 %/);
  assert.match((await spo2.getByRole('img').getAttribute('aria-label')) ?? '', /14 målinger siste 7 dager/);
  const px = Number(await spo2.locator('.trend-chart').getAttribute('data-axis-px'));
  assert.ok(px >= 16, `axis text ${px}px`);
  // Percent is read in whole numbers: no "92,5" on the axis.
  const ticks = ((await spo2.locator('.trend-chart').getAttribute('data-y-ticks')) ?? '').split(' ').map(Number);
  assert.ok(ticks.length >= 3 && ticks.every((v) => Number.isInteger(v)), `y ticks ${ticks.join(', ')}`);
  await spo2.getByText('Pek eller trykk på kurven').waitFor();
  // Point at the middle of the plot: the readout names day, time of day and value.
  await spo2.locator('canvas').first().scrollIntoViewIfNeeded();
  const box = (await spo2.locator('canvas').first().boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await spo2.locator('.trend-readout').getByText(/\d{2}\.\d{2}\.\d{4},? \d{2}:\d{2}: \d+ %/).waitFor();
  await assertFits(page, 'phone: trends');
  await expectAccessible(page, 'patient phone: trends');
  if (SHOTS) await spo2.screenshot({ path: `${SHOTS}/patient-trends-phone.png` });

  // 200 % text: the axis text doubles with it, and nothing goes sideways at 320 px.
  await textSize200(page);
  await page.reload();
  await settled(page);
  const bigChart = (await spo2Chart(page)).locator('.trend-chart');
  const big = Number(await bigChart.getAttribute('data-axis-px'));
  assert.ok(big >= 2 * px - 1, `axis text at 200 %: ${big}px (was ${px}px)`);
  // Fewer, wider-spaced ticks at 200 % would be 2,5 apart without whole-number steps.
  const bigTicks = ((await bigChart.getAttribute('data-y-ticks')) ?? '').split(' ').map(Number);
  assert.ok(bigTicks.length >= 2 && bigTicks.every((v) => Number.isInteger(v)), `y ticks at 200 %: ${bigTicks.join(', ')}`);
  await context.close();

  const narrow = await env.browser.newContext(NARROW);
  const p2 = await narrow.newPage();
  await loginPatient(p2, env.server.url, env.f.patient.identifier);
  await textSize200(p2);
  await p2.goto(`${env.server.url}/patient/#/maal`);
  await settled(p2);
  const s2 = await spo2Chart(p2);
  await p2.waitForTimeout(300);
  await assertFits(p2, '320px 200% trends');
  if (SHOTS) {
    await s2.locator('canvas').first().scrollIntoViewIfNeeded();
    await p2.screenshot({ path: `${SHOTS}/patient-trends-320-200pct.png` });
  }
  await narrow.close();
});

test('clinic patient view: the same chart component, 7 days by default', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'nb-NO' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await page.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  await settled(page);
  // The measurements may sit behind a tab.
  const tab = page.getByRole('tab', { name: /Målinger/ });
  if (await tab.count()) await tab.first().click();
  const spo2 = await spo2Chart(page);
  assert.match((await spo2.getByRole('img').getAttribute('aria-label')) ?? '', /14 målinger siste 7 dager/);
  const px = Number(await spo2.locator('.trend-chart').getAttribute('data-axis-px'));
  assert.ok(px >= 12, `clinic axis text ${px}px`);
  if (SHOTS) await spo2.screenshot({ path: `${SHOTS}/clinic-trend-spo2.png` });
  await context.close();
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectAccessible, loginClinic, newPage, pageErrors, settled, SHOTS, useBrowserTest, WIDE } from './helpers.js';

/*
 * Issue 12 on a 1440×900 laptop: the nurse acknowledges an alert with "Ingen tiltak nødvendig" and
 * the patient's alert-burden figures follow; a rule that keeps firing without action is put to
 * the GP in the plan section with its data; the nurse starts a video consultation through the
 * service's configured link (a new tab) and documents it as a video contact.
 */
const VIDEO = 'https://video.example.kommune.no/room/{episodeId}';
const note = { contactType: 'phone', text: 'Ringte, har det bra.' };

const env = useBrowserTest({ env: { VIDEO_LINK_TEMPLATE: VIDEO } });

let key = 0;
async function yellowSpo2(): Promise<string> {
  const r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: `e2e-burden-${++key}`, measurements: [{ code: 'spo2', value: 90 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (await env.db.query<{ id: string }>(`select id from alerts where patient_id = $1 and status = 'open' and rule_id = 'threshold:spo2'`, [env.f.patient.id])).rows[0]!.id;
}

async function page(name: RegExp): Promise<Page> {
  const { context, page: p } = await newPage(env.browser, WIDE);
  // The video service is the municipality's, not ours: answered here so no test reaches the network.
  await context.route('https://video.example.kommune.no/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Videorom</title><h1>Videorom</h1>' }));
  await loginClinic(p, env.server.url, name);
  return p;
}

test('acknowledge with "no action needed" → the burden figure; the GP sees the limit-review suggestion', async () => {
  // Three earlier SpO2 alerts the nurses judged "no action needed", and a fourth open one.
  for (let i = 0; i < 3; i++) {
    const id = await yellowSpo2();
    assert.equal((await env.call('POST', `/api/alerts/${id}/resolve`, env.c.nurseA, { note, noActionNeeded: true })).status, 200);
  }
  await yellowSpo2();

  const nurse = await page(/Sykepleier A/);
  await nurse.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  await nurse.locator('#alerts-heading').waitFor({ timeout: 120_000 });
  await settled(nurse);
  const share = nurse.getByTestId('burden-no-action');
  await share.getByText('100 %').waitFor();
  await share.getByText('3 av 3 vurderte varsler siste 8 uker', { exact: false }).waitFor();

  await nurse.getByRole('button', { name: 'Kvitter', exact: true }).first().click();
  const dialog = nurse.getByRole('dialog', { name: 'Kvitter varsel' });
  await dialog.waitFor();
  await dialog.getByLabel('Kontaktform').selectOption('phone');
  await dialog.getByLabel('Notat').fill('Ringte Kari: kjenner seg som vanlig, SpO2 90 er hennes normale.');
  await dialog.getByRole('checkbox', { name: 'Ingen tiltak nødvendig' }).check();
  await expectAccessible(nurse, 'clinic: acknowledge with no action needed');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-acknowledge-no-action.png` });
  await dialog.getByRole('button', { name: 'Kvitter varsel' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // The figures follow the dialog: 4 alerts in the last 4 weeks = 1 per week, all 4 judged no action.
  await share.getByText('4 av 4 vurderte varsler siste 8 uker', { exact: false }).waitFor();
  assert.equal((await nurse.getByTestId('burden-per-week').locator('strong').textContent())?.trim(), '1');
  assert.equal((await env.db.query<{ n: number }>(`select count(*)::int as n from alerts where patient_id = $1 and no_action_needed`, [env.f.patient.id])).rows[0]!.n, 4);
  await nurse.getByText(/Fyrer ofte uten tiltak: Oksygenmetning \(SpO2\)/).waitFor();
  await nurse.locator('.burden').scrollIntoViewIfNeeded();
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-alert-burden.png` });
  await expectAccessible(nurse, 'clinic: alert burden');

  // The GP, in the plan section: the suggestion with the plan's limits, the alerts and the readings.
  const gp = await page(/Fastlege/);
  await gp.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  await gp.locator('#alerts-heading').waitFor({ timeout: 120_000 });
  // The plan is its own tab of the patient view.
  await gp.getByRole('tab', { name: 'Plan' }).click();
  await gp.locator('#plan-heading').waitFor();
  const review = gp.getByTestId('threshold-review');
  await review.waitFor();
  await review.getByText(/har gitt 4 varsler siste 14 dager, og 4 av dem/).waitFor();
  await review.locator('summary', { hasText: 'Målingene bak forslaget (4)' }).click();
  await review.scrollIntoViewIfNeeded();
  if (SHOTS) await gp.screenshot({ path: `${SHOTS}/clinic-threshold-review.png` });
  await expectAccessible(gp, 'clinic: threshold review for the GP');
  await gp.context().close();
  await nurse.context().close();
});

test('the nurse starts a video consultation in a new tab and documents it as a video contact', async () => {
  const nurse = await page(/Sykepleier A/);
  await nurse.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  await nurse.locator('#alerts-heading').waitFor({ timeout: 120_000 });
  const link = nurse.getByRole('link', { name: /Start videokonsultasjon/ });
  assert.equal(await link.getAttribute('href'), VIDEO.replace('{episodeId}', env.f.patient.episodeId));
  assert.equal(await link.getAttribute('target'), '_blank');
  const [tab] = await Promise.all([nurse.context().waitForEvent('page'), link.click()]);
  await tab.waitForLoadState();
  assert.equal(tab.url(), VIDEO.replace('{episodeId}', env.f.patient.episodeId));
  await tab.close();

  await nurse.getByRole('button', { name: 'Dokumenter videokonsultasjonen' }).click();
  const dialog = nurse.getByRole('dialog', { name: 'Dokumenter videokonsultasjon' });
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('Kontaktform').inputValue(), 'video');
  await dialog.getByLabel('Notat').fill('Video med Kari: pusten bedre, fortsetter som før.');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-video-contact.png` });
  await expectAccessible(nurse, 'clinic: document video contact');
  await dialog.getByRole('button', { name: 'Dokumenter videokonsultasjonen' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await nurse.getByText('Videokonsultasjonen er dokumentert.').waitFor();
  const notes = await env.db.query<{ contact_type: string }>(`select contact_type from contact_notes where patient_id = $1 and text like 'Video med Kari%'`, [env.f.patient.id]);
  assert.deepEqual(notes.rows.map((r) => r.contact_type), ['video']);
  assert.deepEqual(pageErrors, []);
  await nurse.context().close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, expectAccessible, IPAD, loginClinic, loginPatient, pageErrors, useDemoBrowserTest } from './helpers.js';

/**
 * Emergency access (issue 16) in Chromium: a nurse of another municipality took it on Kari;
 * Kari's follow-up service reviews it from the clinic app, and Kari sees it, with its reason,
 * in her access log. Both pages pass axe.
 */
const REASON = 'Pasienten kom til legevakten vår i natt, trengte siste målinger.';
/** Where screenshots go: the README's folder with SCREENSHOTS=1, or SHOT_DIR to look at them. */
const SHOT_DIR = process.env.SCREENSHOTS ? 'docs/screenshots' : process.env.SHOT_DIR;

const env = useDemoBrowserTest(async ({ db, server, kari }) => {
  // Ingrid Dahl (Fjordvang) has no care relation to Kari, who is followed up by Bergvik.
  const ingrid = (await db.query<{ id: string }>(`select id from personnel where name = 'Ingrid Dahl'`)).rows[0]!.id;
  const orgs = await db.query<{ id: string; name: string }>(`select id, name from organisations where kind = 'municipality'`);
  const fjordvang = orgs.rows.find((o) => /Fjordvang/i.test(o.name))!.id;
  const followUp = (await db.query<{ follow_up_org: string }>(`select follow_up_org from episodes where patient_id = $1 and status <> 'ended'`, [kari.id])).rows[0]!.follow_up_org;
  assert.notEqual(followUp, fjordvang);
  const { personnelCookie } = await import('../src/server/testing/fixtures.js');
  const cookie = await personnelCookie(db, ingrid, fjordvang, 'nurse');
  const res = await server.app.inject({
    method: 'POST', url: `/api/patients/${kari.id}/emergency-access`,
    headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    payload: JSON.stringify({ reason: REASON, hours: 2 }),
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal((await server.app.inject({ method: 'GET', url: `/api/patients/${kari.id}/observations`, headers: { cookie } })).statusCode, 200);
});

test('the follow-up service reviews the emergency access in the clinic app', async () => {
  const page = await env.open(DESKTOP);
  await loginClinic(page, env.server.url, /Hilde Aas/);
  await page.getByRole('link', { name: 'Nødtilgang' }).click();
  await page.getByRole('heading', { name: 'Til gjennomgang (1)' }).waitFor();
  await page.getByText(REASON).waitFor();
  await page.getByText('som pasientens oppfølgingstjeneste').waitFor();
  await expectAccessible(page, 'clinic coordinator: emergency access review');
  await page.getByRole('button', { name: 'Marker som gjennomgått' }).click();
  const dialog = page.getByRole('dialog', { name: 'Gjennomgå nødtilgang' });
  await dialog.waitFor();
  await expectAccessible(page, 'clinic coordinator: emergency access review dialog');
  if (SHOT_DIR) await page.screenshot({ path: `${SHOT_DIR}/clinic-emergency-review-dialog.png` });
  await dialog.getByLabel('Vurdering').fill('Begrunnet: pasienten var på legevakten.');
  await dialog.getByRole('button', { name: 'Marker som gjennomgått' }).click();
  await page.getByText('Gjennomgangen er lagret.').waitFor();
  await page.getByRole('heading', { name: 'Til gjennomgang (0)' }).waitFor();
  if (SHOT_DIR) await page.screenshot({ path: `${SHOT_DIR}/clinic-emergency-review.png`, fullPage: true });
  const row = (await env.db.query<{ follow_up_reviewed_at: Date | null; reviewed_at: Date | null }>('select follow_up_reviewed_at, reviewed_at from emergency_access')).rows[0]!;
  assert.ok(row.follow_up_reviewed_at, 'reviewed as the follow-up service');
  assert.equal(row.reviewed_at, null, "the requester's organisation has still to review it");
});

test('Kari sees the emergency access and its reason in her access log', async () => {
  const page = await env.open(IPAD);
  await loginPatient(page, env.server.url, env.kari.identifier);
  await page.getByRole('link', { name: 'Hvem har sett mine data' }).click();
  await page.getByText(`«${REASON}»`).waitFor();
  // One visit per person (issue 11): the grant and the reading made under it are one row, marked as emergency access.
  const visit = page.locator('.visit-emergency');
  assert.ok((await visit.count()) >= 1, 'the visit under emergency access is marked');
  assert.match(await visit.first().innerText(), /Nødtilgang/);
  await expectAccessible(page, 'patient: access log with emergency access');
  if (SHOT_DIR) await page.screenshot({ path: `${SHOT_DIR}/patient-access-log-emergency.png`, fullPage: true });
});

test('no script errors', () => {
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FNR_SYSTEM } from '../src/domain/identifiers.js';
import { clientToken, DESKTOP, expectAccessible, loginClinic, newPage, useBrowserTest } from './helpers.js';

/**
 * A weighing sent in error, in Chromium: an EHR or gateway marks it entered-in-error over FHIR, and
 * the nurse's worklist row stops showing it. With an earlier weighing left the row shows that one;
 * with none left it shows no weight at all (before round 30 the retracted value stayed).
 */
let token = '';
const env = useBrowserTest({
  setup: async (e) => {
    token = await clientToken(e, { clientId: 'e2e-ehr', name: 'EPJ', organisationId: e.f.orgs.muniA, scopes: ['observation.write'] });
  },
});

/** A body weight for the fixture patient, final or entered-in-error, named by a business identifier. */
async function weight(identifier: string, kg: number, at: string, status = 'final'): Promise<number> {
  const res = await env.server.app.inject({
    method: 'POST', url: '/fhir/Observation',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    payload: JSON.stringify({
      resourceType: 'Observation', status,
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.2.99', value: identifier }],
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
      subject: { identifier: { system: FNR_SYSTEM, value: env.f.patient.identifier } },
      effectiveDateTime: at,
      valueQuantity: { value: kg, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    }),
  });
  return res.statusCode;
}

test('a weighing entered in error leaves the nurse\'s worklist row', async () => {
  const earlier = new Date(Date.now() - 3 * 3600_000).toISOString();
  const wrong = new Date(Date.now() - 60_000).toISOString();
  assert.equal(await weight('e2e-w-1', 82.4, earlier), 201);
  assert.equal(await weight('e2e-w-2', 124.0, wrong), 201);

  const name = (await env.db.query<{ name: string }>('select name from patients where id = $1', [env.f.patient.id])).rows[0]!.name;
  const { context, page } = await newPage(env.browser, DESKTOP);
  await loginClinic(page, env.server.url, /Sykepleier A/);
  await page.goto(`${env.server.url}/clinic/#/`);
  // The nurse keeps the worklist open: the row changes through the live stream, without a reload.
  const row = page.locator('tr', { has: page.getByRole('link', { name }) });
  const values = row.locator('.wl-latest');
  await values.filter({ hasText: /Vekt 124 kg/ }).waitFor();
  if (process.env.SHOT_DIR) await page.screenshot({ path: `${process.env.SHOT_DIR}/retraction-1.png` });

  assert.equal(await weight('e2e-w-2', 124.0, wrong, 'entered-in-error'), 200);
  // The earlier weighing, in Norwegian number format.
  await values.filter({ hasText: /Vekt 82,4 kg/ }).waitFor();
  assert.doesNotMatch(await row.innerText(), /124/);
  if (process.env.SHOT_DIR) await page.screenshot({ path: `${process.env.SHOT_DIR}/retraction-2.png` });

  assert.equal(await weight('e2e-w-1', 82.4, earlier, 'entered-in-error'), 200);
  await row.filter({ hasNotText: /Vekt/ }).waitFor();
  assert.doesNotMatch(await row.innerText(), /124|82,4/, 'no weight left to show');
  // Still so after a reload: the stored state, not only the live row.
  await page.reload();
  await row.waitFor();
  assert.doesNotMatch(await row.innerText(), /Vekt|124|82,4/);
  if (process.env.SHOT_DIR) await page.screenshot({ path: `${process.env.SHOT_DIR}/retraction-3.png` });
  await expectAccessible(page, 'worklist after a retraction');
  await context.close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { DESKTOP, expectAccessible, newPage, pageErrors, SHOTS, useBrowserTest } from './helpers.js';

/*
 * The paged worklist in the browser (issue 15): 59 patients, the first 50 shown with counts per
 * status on the filter chips, "show more", search and a status filter, and a live row update.
 */

let page: Page;

const env = useBrowserTest({
  setup: async () => {
    // 58 more patients in municipality A (synthetic fødselsnummer: month + 80); every fifth has an open yellow alert.
    for (let i = 0; i < 58; i++) {
      const identifier = `${String(10 + (i % 18))}${81 + (i % 12)}60${String(30000 + i)}`;
      const pid = (await env.db.query<{ id: string }>(
        `insert into patients (identifier, identifier_system, name, birth_date, sex) values ($1, 'fnr', $2, '1960-02-02', 'female') returning id`,
        [identifier, `Pasient ${String(i).padStart(2, '0')} Hansen`],
      )).rows[0]!.id;
      const eid = (await env.db.query<{ id: string }>(
        `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at) values ($1, 'medium', now(), $2, $3, now() - make_interval(days => $4)) returning id`,
        [pid, env.f.people.gp, env.f.orgs.muniA, 60 - i],
      )).rows[0]!.id;
      await env.db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'follow_up')`, [eid, env.f.orgs.muniA]);
      if (i % 5 === 0) {
        const plan = (await env.db.query<{ id: string }>(`insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', '{}', $2) returning id`, [eid, env.f.people.gp])).rows[0]!.id;
        await env.db.query(
          `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, first_at, last_at)
           values ($1, $2, 'threshold:weight', 'threshold', 'yellow', $3, 1, '{"nb":"Vektøkning","nn":"Vektauke","en":"Weight gain"}', now(), now())`,
          [pid, eid, plan],
        );
      }
    }
    const ctx = await newPage(env.browser, DESKTOP);
    page = ctx.page;
    const [name, value] = env.c.nurseA.split('=');
    await ctx.context.addCookies([{ name: name!, value: value!, url: env.server.url }]);
  },
});

const bodyRows = () => page.locator('table.worklist tbody tr');

test('the first page of 50, counts on the chips, show more, status filter and search', async () => {
  await page.goto(`${env.server.url}/clinic/#/`);
  await bodyRows().first().waitFor();
  assert.equal(await bodyRows().count(), 50);
  const chips = page.getByRole('group', { name: 'Vis' });
  await chips.getByRole('button', { name: 'Alle (59)', exact: true }).waitFor();
  await chips.getByRole('button', { name: 'Gul (12)', exact: true }).waitFor();
  await page.getByText('Viser 50 av 59').waitFor();
  await expectAccessible(page, 'clinic: paged worklist');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/clinic-worklist-paged.png` });

  await page.getByRole('button', { name: 'Vis flere' }).click();
  await page.getByText('Viser 59 av 59').waitFor();
  assert.equal(await bodyRows().count(), 59);
  assert.equal(await page.getByRole('button', { name: 'Vis flere' }).count(), 0);

  await chips.getByRole('button', { name: 'Gul (12)', exact: true }).click();
  await page.getByText('Viser 12 av 12').waitFor();
  assert.equal(await bodyRows().filter({ hasText: 'Grønn' }).count(), 0);
  await chips.getByRole('button', { name: 'Alle (59)', exact: true }).click();

  await page.getByLabel('Søk på navn eller fødselsnummer').fill('Pasient 07');
  await page.getByText('Viser 1 av 1').waitFor();
  assert.match(await bodyRows().first().innerText(), /Pasient 07 Hansen/);
  await page.getByLabel('Søk på navn eller fødselsnummer').fill('');
  await page.getByText('Viser 50 av 59').waitFor();
});

test('a red reading moves the row to the top live, and the red count follows', async () => {
  const res = await fetch(`${env.server.url}/api/me/observations`, {
    method: 'POST',
    headers: { cookie: env.c.patient, 'content-type': 'application/json', origin: env.server.url },
    body: JSON.stringify({ idempotencyKey: 'e2e-paging-red-1', measurements: [{ code: 'spo2', value: 84 }] }),
  });
  assert.equal(res.status, 201, await res.text());
  await page.getByRole('group', { name: 'Vis' }).getByRole('button', { name: 'Rød (1)', exact: true }).waitFor({ timeout: 10_000 });
  await bodyRows().first().filter({ hasText: 'Kari Testesen' }).waitFor({ timeout: 10_000 });
  assert.match(await bodyRows().first().innerText(), /Rød/);
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { syntheticFnr } from '../src/domain/identifiers.js';
import { patientCookie } from '../src/server/testing/fixtures.js';
import { DESKTOP, loginClinic, newPage, pageErrors, settled, useBrowserTest } from './helpers.js';

/**
 * The clinic app in a real browser: escalation to the GP office (live), enrolment and plan
 * approval by the GP, device loans, ending an episode, and the coordinator's CSV export.
 */
let nurse: Page;
let gp: Page;
let enrolledId: string;

const env = useBrowserTest({
  setup: async () => {
    nurse = (await newPage(env.browser, DESKTOP)).page;
    gp = (await newPage(env.browser, DESKTOP)).page;
    await loginClinic(nurse, env.server.url, /Sykepleier A/);
    await loginClinic(gp, env.server.url, /Fastlege/);
    // A red SpO2 from the patient gives the nurse an alert to act on.
    const res = await env.server.app.inject({
      method: 'POST', url: '/api/me/observations',
      headers: { cookie: await patientCookie(env.db, env.f.patient.id), 'content-type': 'application/json' },
      payload: JSON.stringify({ idempotencyKey: 'e2e-clinic-red-1', measurements: [{ code: 'spo2', value: 85 }] }),
    });
    assert.equal(res.statusCode, 201);
  },
});

test('the nurse escalates an alert to the GP; the GP office sees it live and marks it handled; the nurse sees that', async () => {
  await gp.goto(`${env.server.url}/clinic/#/eskaleringer`);
  await gp.getByText('Ingen åpne eskaleringer.').waitFor();

  await nurse.goto(`${env.server.url}/clinic/#/pasient/${env.f.patient.id}`);
  await nurse.getByRole('button', { name: 'Eskaler til fastlegen' }).click();
  const dialog = nurse.getByRole('dialog', { name: 'Eskaler til fastlegen' });
  await dialog.getByText('Sendes til Legekontoret.').waitFor();
  await dialog.getByLabel('Hva skal fastlegen vurdere?').fill('SpO2 85 % i dag, var 93 % i forrige uke. Vurder antibiotika.');
  await dialog.getByRole('button', { name: 'Send til fastlegen' }).click();
  await nurse.getByText('Varselet er sendt til Legekontoret.').waitFor();
  await nurse.getByText('Eskalert til fastlegen', { exact: true }).waitFor();

  // No reload on the GP's screen: the escalation arrives over the live stream.
  const card = gp.locator('article.escalation').filter({ hasText: 'Kari Testesen' });
  await card.waitFor({ timeout: 10_000 });
  assert.match(await card.innerText(), /SpO2 85 % under rød grense 88 %[\s\S]*Sykepleier A, Kommune A[\s\S]*Vurder antibiotika/);
  await card.getByRole('button', { name: 'Marker som behandlet' }).click();
  const handle = gp.getByRole('dialog', { name: 'Marker eskaleringen som behandlet' });
  await handle.getByLabel(/Hva ble gjort/).fill('Startet antibiotika. Ny kontroll fredag.');
  await handle.getByRole('button', { name: 'Marker som behandlet' }).click();
  await gp.getByText('Eskaleringen er markert som behandlet.').waitFor();

  const rows = (await env.db.query<{ status: string; handled_note: string; handled_by: string }>('select status, handled_note, handled_by from escalations')).rows;
  assert.deepEqual(rows, [{ status: 'handled', handled_note: 'Startet antibiotika. Ny kontroll fredag.', handled_by: env.f.people.gp }]);
  const audited = (await env.db.query<{ action: string }>(`select action from audit_events where resource_type = 'Escalation' and patient_id = $1 and action <> 'read' order by id`, [env.f.patient.id])).rows;
  assert.deepEqual(audited.map((a) => a.action), ['create', 'update']);
  // The nurse's patient view follows along.
  await nurse.locator('#escalations-heading').locator('..').getByText('Startet antibiotika. Ny kontroll fredag.').waitFor({ timeout: 10_000 });
});

test('the GP enrols a patient from templates, approves the draft, and puts a new limit in force', async () => {
  const fnr = syntheticFnr('1948-03-12', 321);
  await gp.goto(`${env.server.url}/clinic/#/innmelding`);
  await gp.getByLabel('Fødselsnummer eller D-nummer').fill(fnr);
  await gp.getByLabel('Navn').fill('Per Innmeldt');
  await gp.getByLabel(/R95/).check();
  await gp.getByLabel('Høy').check();
  await gp.getByLabel('Oppfølgingstjeneste (kommune)').selectOption({ label: 'Kommune A' });
  assert.equal(await gp.getByLabel('Kols').isChecked(), true, 'the diagnosis suggests its template');
  await gp.getByRole('button', { name: 'Meld inn' }).click();
  await gp.getByText('Pasienten må samtykke før innmelding.').waitFor();
  await gp.getByLabel('Pasienten har samtykket til digital hjemmeoppfølging').check();
  await gp.getByRole('button', { name: 'Meld inn' }).click();
  await gp.getByRole('heading', { name: 'Per Innmeldt', level: 1 }).waitFor();
  enrolledId = decodeURIComponent(gp.url().split('/pasient/')[1]!);

  // The plan is one of the patient view's tabs (issue 11).
  await gp.getByRole('tab', { name: 'Plan' }).click();
  await gp.getByRole('button', { name: 'Se endringer og godkjenn versjon 1' }).click();
  // Approval is confirmed in a dialog that names the version.
  await gp.getByRole('dialog', { name: 'Godkjenn versjon 1 av egenbehandlingsplanen' }).getByRole('button', { name: 'Godkjenn versjon 1', exact: true }).click();
  await gp.getByText('Versjon 1 er godkjent og gjelder nå.').waitFor();
  await gp.locator('.plan-table').waitFor();

  await gp.getByRole('button', { name: 'Lag ny versjon' }).click();
  const spo2 = gp.locator('fieldset.plan-entry').filter({ has: gp.getByText('Oksygenmetning (SpO2)', { exact: true }) });
  await spo2.getByLabel('Rød under').fill('87');
  await spo2.getByLabel('Råd i rød sone (Bokmål)').fill('Ring legevakt 116 117 nå. Ved tung pust: ring 113.');
  await gp.getByRole('button', { name: 'Lagre som utkast' }).click();
  await gp.getByText('Utkast versjon 2 er lagret.').waitFor();
  await gp.getByRole('button', { name: 'Se endringer og godkjenn versjon 2' }).click();
  await gp.getByRole('dialog', { name: 'Godkjenn versjon 2 av egenbehandlingsplanen' }).getByRole('button', { name: 'Godkjenn versjon 2', exact: true }).click();
  await gp.getByText('Versjon 2 er godkjent og gjelder nå.').waitFor();

  const plans = (await env.db.query<{ version: number; status: string; definition: { measures: { code: string; thresholds: { redBelow?: number }; actions: { red: { nb: string } } }[] } }>(
    'select p.version, p.status, p.definition from plans p join episodes e on e.id = p.episode_id where e.patient_id = $1 order by p.version', [enrolledId],
  )).rows;
  assert.deepEqual(plans.map((p) => [p.version, p.status]), [[1, 'superseded'], [2, 'approved']]);
  const m = plans[1]!.definition.measures.find((x) => x.code === 'spo2')!;
  assert.equal(m.thresholds.redBelow, 87);
  assert.equal(m.actions.red.nb, 'Ring legevakt 116 117 nå. Ved tung pust: ring 113.');
  const team = (await env.db.query<{ responsibility: string }>('select ct.responsibility from care_team ct join episodes e on e.id = ct.episode_id where e.patient_id = $1 order by 1', [enrolledId])).rows;
  assert.deepEqual(team.map((x) => x.responsibility), ['follow_up', 'gp']);

  // A nurse may draft a version but not approve it.
  await nurse.goto(`${env.server.url}/clinic/#/pasient/${enrolledId}`);
  await nurse.getByRole('tab', { name: 'Plan' }).click();
  await nurse.getByRole('button', { name: 'Lag ny versjon' }).click();
  await nurse.getByRole('button', { name: 'Lagre som utkast' }).click();
  await nurse.getByText('Utkast versjon 3 er lagret.').waitFor();
  await nurse.getByText('Bare fastlegen kan godkjenne planen.').waitFor();
  assert.equal(await nurse.getByRole('button', { name: /Godkjenn/ }).count(), 0);
});

test('device loans: register a device, lend it from the patient view, take it back', async () => {
  await nurse.goto(`${env.server.url}/clinic/#/utstyr`);
  await nurse.getByLabel('Type').selectOption('pulse_oximeter');
  await nurse.getByLabel('Modell').fill('Nonin 3230');
  await nurse.getByLabel('Serienummer').fill('NON-3230-77');
  await nurse.getByRole('button', { name: 'Registrer', exact: true }).click();
  await nurse.getByText('Pulsoksymeter NON-3230-77 er registrert.').waitFor();

  await nurse.goto(`${env.server.url}/clinic/#/pasient/${enrolledId}`);
  await settled(nurse);
  await nurse.getByRole('tab', { name: 'Utstyr' }).click();
  await nurse.getByLabel('Lån ut utstyr').selectOption({ label: 'Pulsoksymeter – Nonin 3230 – NON-3230-77' });
  await nurse.getByRole('button', { name: 'Lån ut', exact: true }).click();
  await nurse.getByText('Pulsoksymeter NON-3230-77 er lånt ut.').waitFor();
  const loans = nurse.getByRole('table', { name: 'Utstyr lånt ut til pasienten' });
  await loans.getByRole('button', { name: /Registrer retur/ }).click();
  await nurse.getByText('Pulsoksymeter NON-3230-77 er registrert som levert tilbake.').waitFor();
  const rows = (await env.db.query<{ returned: boolean }>('select returned_at is not null as returned from device_loans where patient_id = $1', [enrolledId])).rows;
  assert.deepEqual(rows, [{ returned: true }]);

  await nurse.goto(`${env.server.url}/clinic/#/utstyr`);
  const row = nurse.getByRole('row').filter({ hasText: 'NON-3230-77' });
  await row.getByText('Ledig').waitFor();
});

test('the follow-up ends with a reason; the patient leaves the worklist', async () => {
  await nurse.goto(`${env.server.url}/clinic/#/pasient/${enrolledId}`);
  // The header's "Mer …" menu (issue 11) opens the pathway's end form: a reason from the fixed list and a comment.
  await nurse.locator('.pv-menu > summary').click();
  await nurse.getByRole('button', { name: 'Avslutt oppfølgingen …' }).click();
  await nurse.getByLabel('Årsak', { exact: true }).selectOption('moved');
  await nurse.getByLabel('Kommentar (valgfritt)').fill('Flyttet til annen kommune.');
  await nurse.getByRole('button', { name: 'Avslutt forløpet', exact: true }).click();
  await nurse.getByText(/Digital hjemmeoppfølging avsluttet/).first().waitFor();
  const ep = (await env.db.query<{ status: string; end_reason: string }>('select status, end_reason from episodes where patient_id = $1', [enrolledId])).rows;
  assert.deepEqual(ep, [{ status: 'ended', end_reason: 'Flyttet til annen kommune.' }]);
  await nurse.goto(`${env.server.url}/clinic/#/`);
  await nurse.getByRole('row').filter({ hasText: 'Kari Testesen' }).waitFor();
  assert.equal(await nurse.getByRole('row').filter({ hasText: 'Per Innmeldt' }).count(), 0);
});

test('the coordinator sees only aggregated reports and downloads them as CSV', async () => {
  const page = (await newPage(env.browser, DESKTOP)).page;
  await loginClinic(page, env.server.url, /Koordinator/);
  await page.getByRole('heading', { name: 'Rapporter', level: 1 }).waitFor();
  await page.locator('.report-table').first().waitFor();
  assert.ok(!(await page.locator('main').innerText()).includes('Kari'), 'no names in reports');
  const href = await page.getByRole('link', { name: 'Last ned CSV' }).getAttribute('href');
  const csv = await page.request.get(`${env.server.url}${href}`);
  assert.equal(csv.status(), 200);
  const text = await csv.text();
  assert.match(text, /^\ufeffKommune;Diagnose;Aktive pasienter/);
  assert.match(text, /Kommune A;Kols;<5/);
  // The coordinator has no worklist and sees no patient data.
  assert.equal((await page.request.get(`${env.server.url}/api/worklist`)).status(), 403);
});

test('no script errors', () => {
  assert.deepEqual(pageErrors, []);
});

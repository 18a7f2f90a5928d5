import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { syntheticFnr } from '../src/domain/identifiers.js';
import { expectAccessible, IPAD, loginClinic, loginPatient, newPage, pageErrors, settled, SHOTS, useBrowserTest, WIDE } from './helpers.js';

/*
 * The care pathway in the browser (issue 12), from referral to end: the GP refers with the
 * inclusion guidance, the follow-up service accepts, records consent, training and goals, runs a
 * baseline whose per-patient limits the GP approves beside the template, pauses and resumes,
 * evaluates, and ends with a reason and a summary for the GP.
 */
const SHOT_DIR = SHOTS ?? '/tmp';
let gp: Page;
let nurse: Page;

const env = useBrowserTest({
  setup: async ({ browser, server }) => {
    gp = (await newPage(browser, WIDE)).page;
    nurse = (await newPage(browser, WIDE)).page;
    await loginClinic(gp, env.server.url, /Fastlege/);
    await loginClinic(nurse, env.server.url, /Sykepleier A/);
  },
});

const pathway = (page: Page) => page.locator('section.pathway');

test('referral → decision → onboarding → baseline → active → pause → evaluation → end', async () => {
  // The GP refers, with the national inclusion guidance in view.
  await gp.goto(`${env.server.url}/clinic/#/henvisninger`);
  await settled(gp);
  await gp.getByText('Hvem passer for digital hjemmeoppfølging?').waitFor();
  await gp.getByRole('button', { name: 'Send henvisning' }).click();
  await gp.getByRole('alert').getByText(/Sjekk disse feltene: .*Fødselsnummer eller D-nummer.*Begrunnelse for henvisningen/).waitFor();
  const fnr = syntheticFnr('1948-06-14', 611);
  await gp.getByLabel('Fødselsnummer eller D-nummer').fill(fnr);
  await gp.getByLabel('Navn', { exact: true }).fill('Sigrid Henvist');
  await gp.getByLabel(/R95/).check();
  await gp.getByRole('radio', { name: 'Høy' }).check();
  await gp.getByLabel('Begrunnelse for henvisningen').fill('KOLS med to innleggelser siste halvår; ønsker oppfølging hjemme.');
  for (const l of ['Kronisk sykdom med middels til høy risiko for forverring', 'Kan samtykke', 'Kan bruke utstyret med hjelp']) await gp.getByLabel(l).check();
  await gp.getByLabel('Oppfølgingstjeneste').selectOption({ label: 'Kommune A' });
  await expectAccessible(gp, 'referral form');
  await gp.screenshot({ path: `${SHOT_DIR}/clinic-referral-form.png`, fullPage: true });
  await gp.getByRole('button', { name: 'Send henvisning' }).click();
  await gp.waitForURL(/#\/pasient\//);
  const patientUrl = gp.url();
  const patientId = decodeURIComponent(patientUrl.split('/pasient/')[1]!);
  await pathway(gp).getByText('Henvist', { exact: true }).waitFor();

  // The follow-up service has it to decide, and accepts it.
  await nurse.goto(`${env.server.url}/clinic/#/henvisninger`);
  await settled(nurse);
  const row = nurse.getByRole('row').filter({ hasText: 'Sigrid Henvist' }).first();
  await row.waitFor();
  await expectAccessible(nurse, 'referrals to decide');
  await nurse.screenshot({ path: `${SHOT_DIR}/clinic-referrals.png`, fullPage: true });
  await row.getByRole('link', { name: 'Sigrid Henvist' }).click();
  await settled(nurse);
  await pathway(nurse).getByRole('button', { name: 'Innvilg' }).click();
  await pathway(nurse).getByText(/Innvilget .* av Sykepleier A/).waitFor();

  // Onboarding: consent, training, goals.
  // Sharing with Pasientens måledata is a separate, structured yes (issue 14).
  await pathway(nurse).getByLabel(/samtykker til at målingene deles med Pasientens måledata/).check();
  await pathway(nurse).getByRole('button', { name: 'Registrer samtykke' }).click();
  await pathway(nurse).getByText(/Samtykke registrert/).waitFor();
  assert.equal((await env.db.query(`select 1 from episodes where patient_id = $1 and status <> 'ended' and share_measurements_since is not null`, [patientId])).rows.length, 1);
  for (const l of ['Utstyret', 'Appen', 'Egenbehandlingsplanen', 'Hvem som kontaktes og når', /Hva gjøre ved rød måling/]) await pathway(nurse).getByLabel(l).check();
  await pathway(nurse).getByRole('button', { name: 'Lagre opplæring' }).click();
  await pathway(nurse).getByLabel('Utstyret').and(nurse.locator(':disabled')).waitFor();
  await pathway(nurse).getByLabel('Hva er viktig for deg?').fill('Gå tur med barnebarna.');
  await pathway(nurse).getByRole('button', { name: 'Lagre mål' }).click();
  await pathway(nurse).getByText(/godkjent plan fra fastlegen/).waitFor();

  // The GP approves the template plan: its red limits are the safety limits of the baseline.
  await gp.reload();
  await settled(gp);
  // The plan is one of the patient view's tabs (issue 11).
  await gp.getByRole('tab', { name: 'Plan' }).click();
  await gp.getByRole('button', { name: 'Godkjenn versjon 1' }).click();
  await gp.getByRole('dialog').getByRole('button', { name: /Godkjenn/ }).click();
  await gp.getByText(/Versjon 1 er godkjent|godkjent/).first().waitFor();

  await nurse.reload();
  await settled(nurse);
  // The goals are shown with the plan, under its tab; the pathway is on the overview.
  await nurse.getByRole('tab', { name: 'Plan' }).click();
  await nurse.getByText('Hva er viktig for pasienten: Gå tur med barnebarna.').waitFor();
  await nurse.getByRole('tab', { name: 'Oversikt' }).click();
  await pathway(nurse).getByLabel('Lengde på baseline (dager, 14–28)').fill('14');
  await pathway(nurse).getByRole('button', { name: 'Start baseline' }).click();
  await pathway(nurse).getByText(/Baseline til/).waitFor();

  // Two weeks pass: the patient measured a pulse around 100/min every day.
  const episodeId = (await env.db.query<{ id: string }>(`select id from episodes where patient_id = $1 and status <> 'ended'`, [patientId])).rows[0]!.id;
  const start = Date.now() - 15 * 86_400_000;
  await env.db.query('update episodes set baseline_started_at = $2 where id = $1', [episodeId, new Date(start)]);
  const pulses = [96, 100, 104, 100, 96, 104, 100, 100, 96, 104, 100, 100, 96, 104];
  for (const [i, v] of pulses.entries()) {
    await env.db.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
       values ($1, $2, 'heart_rate', $3, '/min', $4, 'patient', $5, $6)`,
      [patientId, episodeId, v, new Date(start + (i + 0.5) * 86_400_000), `patient:${patientId}`, `e2e-baseline-${i}`],
    );
  }
  await gp.reload();
  await settled(gp);
  const proposal = pathway(gp).getByRole('table', { name: 'Forslag til personlige grenser fra baseline' });
  await proposal.getByRole('row').filter({ hasText: 'Puls' }).getByText('>112 G').waitFor();
  await expectAccessible(gp, 'baseline proposal beside the template');
  await pathway(gp).screenshot({ path: `${SHOT_DIR}/clinic-baseline-proposal.png` });
  await pathway(gp).getByRole('button', { name: 'Godkjenn planen og start oppfølgingen' }).click();
  await pathway(gp).getByText(/Neste evaluering/).waitFor();
  const hr = (await env.db.query<{ definition: { measures: { code: string; thresholds: { yellowAbove?: number } }[] } }>(
    `select definition from plans where episode_id = $1 and status = 'approved'`, [episodeId])).rows[0]!.definition.measures.find((m) => m.code === 'heart_rate')!;
  assert.equal(hr.thresholds.yellowAbove, 112);

  // Admission: pause with reason and end date, then resume.
  await nurse.reload();
  await settled(nurse);
  await pathway(nurse).getByLabel('Årsak til pause').fill('Innlagt på sykehus');
  await pathway(nurse).getByLabel('Pause til og med').fill(new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10));
  await pathway(nurse).getByRole('button', { name: 'Sett på pause' }).click();
  await pathway(nurse).getByText(/På pause til og med .*: Innlagt på sykehus/).waitFor();
  // The patient's app says so.
  const patient = (await newPage(env.browser, IPAD)).page;
  await loginPatient(patient, env.server.url, fnr);
  await patient.getByText(/Oppfølgingen er satt på pause til og med .* \(Innlagt på sykehus\)/).waitFor();
  await expectAccessible(patient, 'patient app while paused');
  await patient.screenshot({ path: `${SHOT_DIR}/patient-paused.png` });
  await patient.close();
  await pathway(nurse).getByRole('button', { name: 'Gjenoppta oppfølgingen' }).click();
  await pathway(nurse).getByRole('button', { name: 'Sett på pause' }).waitFor();

  // Three months on: the evaluation is due.
  await env.db.query(`update episodes set next_evaluation_at = now() - interval '1 day' where id = $1`, [episodeId]);
  await nurse.reload();
  await settled(nurse);
  await pathway(nurse).getByText('Evaluering skal gjøres nå.').waitFor();
  await pathway(nurse).getByRole('button', { name: 'Start evaluering' }).click();
  await pathway(nurse).getByText(/Målt \d+ av \d+ dager/).waitFor();
  await pathway(nurse).getByLabel('Pasientens egen vurdering').fill('Føler seg tryggere hjemme.');
  await expectAccessible(nurse, 'evaluation');
  await pathway(nurse).getByRole('button', { name: 'Fullfør evaluering' }).click();
  await pathway(nurse).getByText(/Neste evaluering/).waitFor();

  // End with a reason from the list; the GP gets a summary.
  await pathway(nurse).getByText('Avslutt forløpet', { exact: true }).first().click();
  await pathway(nurse).getByLabel('Årsak', { exact: true }).selectOption({ label: 'Målet er nådd' });
  await pathway(nurse).getByRole('button', { name: 'Avslutt forløpet' }).click();
  await pathway(nurse).getByText('Oppsummering til fastlegen').waitFor();
  await gp.reload();
  await settled(gp);
  await pathway(gp).getByText(/Årsak: målet er nådd/).waitFor();
  await expectAccessible(gp, 'ended pathway with GP summary');
  await pathway(gp).screenshot({ path: `${SHOT_DIR}/clinic-pathway-ended.png` });
  const actions = (await env.db.query<{ action: string }>('select action from episode_transitions where episode_id = $1 order by at, id', [episodeId])).rows.map((r) => r.action);
  assert.deepEqual(actions, ['refer', 'accept', 'start_baseline', 'activate', 'pause', 'resume', 'start_evaluation', 'complete_evaluation', 'end']);
  assert.deepEqual(pageErrors, []);
});

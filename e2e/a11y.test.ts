import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { DESKTOP, expectAccessible, IPAD, loginClinic, loginPatient, pageErrors, settled, SHOTS, useDemoBrowserTest } from './helpers.js';

/**
 * Accessibility of every page, route and dialog of both apps (bokmål), on the demo
 * helsefellesskap: axe with the WCAG 2.0/2.1 A and AA rules must find no serious or critical
 * violation. Pages are visited in the states people see them in — empty forms, forms with
 * errors, feedback, offline queue, open dialogs. With SCREENSHOTS=1 it also makes the README
 * screenshots of the newer features.
 */

const env = useDemoBrowserTest();

describe('public pages', () => {
  test('landing page and the local ID-porten and HelseID login pages', async () => {
    const page = await env.open(DESKTOP);
    await page.goto(env.server.url);
    await expectAccessible(page, 'landing');
    await page.goto(`${env.server.url}/auth/login?app=patient`);
    await page.getByLabel('Fødselsnummer (11 siffer)').waitFor();
    await expectAccessible(page, 'login: TestID (patient)');
    await page.goto(`${env.server.url}/auth/login?app=clinic`);
    await page.getByRole('button', { name: /Nora Berg/ }).waitFor();
    await expectAccessible(page, 'login: HelseID (personnel)');
  });
});

describe('patient app', () => {
  let page: Page;
  before(async () => {
    page = await env.open(IPAD);
    await loginPatient(page, env.server.url, env.kari.identifier);
  });

  test('today: tasks and the recording form, empty, with errors and with feedback', async () => {
    await page.getByRole('heading', { name: 'Registrer målinger' }).waitFor();
    await page.getByRole('list', { name: 'Dagens oppgaver' }).waitFor();
    await expectAccessible(page, 'patient: today');
    await page.getByRole('button', { name: 'Lagre målingene' }).click();
    await page.locator('.field-error').filter({ hasText: /Skriv inn/ }).first().waitFor();
    await expectAccessible(page, 'patient: today, form errors');
    await page.getByLabel(/SpO2/).fill('86');
    await page.getByLabel(/^Puls/).fill('104');
    await page.getByLabel(/Pustefrekvens/).fill('22');
    await page.getByRole('button', { name: 'Lagre målingene' }).click();
    await page.getByRole('heading', { name: 'Målingene er lagret' }).waitFor();
    await expectAccessible(page, 'patient: feedback (red)');
    await page.getByRole('button', { name: 'Ferdig' }).click();
  });

  test('questionnaire: empty, with errors, and the result', async () => {
    await page.goto(`${env.server.url}/patient/#/skjema/symptoms`);
    await page.getByRole('heading', { name: 'Dagens symptomer', level: 1 }).waitFor();
    // The heading comes at once (the app's name for the form); check the page once the questions are in.
    await page.getByRole('button', { name: 'Send svarene' }).waitFor();
    await expectAccessible(page, 'patient: questionnaire');
    await page.getByRole('button', { name: 'Send svarene' }).click();
    await page.getByText(/mangler svar/).waitFor();
    await expectAccessible(page, 'patient: questionnaire, errors');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-questionnaire.png` });
    for (const group of await page.locator('fieldset.question').all()) await group.getByRole('radio').nth(1).check();
    await page.getByRole('button', { name: 'Send svarene' }).click();
    await page.getByRole('heading', { name: 'Svarene er lagret' }).waitFor();
    await expectAccessible(page, 'patient: questionnaire result');
  });

  test('my measurements: charts with zone bands and the table alternative', async () => {
    await page.goto(`${env.server.url}/patient/#/maal`);
    await page.locator('.trend-chart canvas').first().waitFor();
    await page.getByText(/^Vis Oksygenmetning \(SpO2\) som tabell/).click();
    await page.getByRole('table', { name: /Oksygenmetning/ }).waitFor();
    await expectAccessible(page, 'patient: my measurements');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-trends.png` });
  });

  test('Min plan: the approved plan in plain words', async () => {
    await page.goto(`${env.server.url}/patient/#/plan`);
    await page.getByRole('heading', { name: 'Min plan', level: 1 }).waitFor();
    await settled(page);
    await page.getByRole('heading', { name: 'Hvem ringer du, og når?' }).waitFor();
    await expectAccessible(page, 'patient: Min plan');
  });

  test('messages and who has seen my data', async () => {
    await page.goto(`${env.server.url}/patient/#/meldinger`);
    await page.getByRole('heading', { name: 'Meldinger', level: 1 }).waitFor();
    await settled(page);
    await expectAccessible(page, 'patient: messages');
    await page.goto(`${env.server.url}/patient/#/tilgang`);
    await page.getByRole('heading', { name: 'Hvem har sett mine data', level: 1 }).waitFor();
    await settled(page);
    await expectAccessible(page, 'patient: access log');
  });

  test('offline: the queued reading, the waiting list, and the answer once it is sent', async () => {
    await page.goto(`${env.server.url}/patient/#/`);
    await page.getByRole('heading', { name: 'Registrer målinger' }).waitFor();
    await page.context().setOffline(true);
    await page.getByLabel(/SpO2/).fill('87');
    await page.getByRole('button', { name: 'Lagre målingene' }).click();
    await page.getByRole('heading', { name: /Lagret på enheten/ }).waitFor();
    await page.getByRole('heading', { name: /venter på å bli sendt/ }).waitFor();
    await expectAccessible(page, 'patient: offline, queued');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-offline.png`, fullPage: true });
    await page.context().setOffline(false);
    await page.getByRole('heading', { name: 'Sendt nå' }).waitFor({ timeout: 20_000 });
    await expectAccessible(page, 'patient: back online, sent');
  });
});

describe('clinic app: follow-up nurse', () => {
  let page: Page;
  before(async () => {
    page = await env.open(DESKTOP);
    await loginClinic(page, env.server.url, /Nora Berg/);
  });

  test('live worklist with sparklines', async () => {
    await page.locator('.worklist svg.sparkline').first().waitFor();
    await expectAccessible(page, 'clinic: worklist');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/clinic-worklist-trends.png` });
  });

  test('patient view: alerts, charts, questionnaires, plan, notes, messages, devices', async () => {
    await page.goto(`${env.server.url}/clinic/#/pasient/${env.kari.id}`);
    // The parts are tabs (issue 11): each is checked as it is shown.
    await page.getByRole('tab', { name: 'Plan' }).click();
    await page.locator('.plan-table').waitFor();
    await settled(page);
    await page.getByText('Råd til pasienten i hver sone').click();
    await expectAccessible(page, 'clinic: patient view, plan tab');
    await page.getByRole('tab', { name: 'Målinger' }).click();
    await page.locator('.trend-chart canvas').first().waitFor();
    await settled(page);
    await page.getByText('Vis svarene').first().click();
    await expectAccessible(page, 'clinic: patient view, measurements tab');
    if (SHOTS) await page.locator('section:has(#observations-heading)').screenshot({ path: `${SHOTS}/clinic-patient-trends.png` });
    for (const tab of ['Notater', 'Meldinger', 'Utstyr', 'Oversikt']) {
      await page.getByRole('tab', { name: tab }).click();
      await settled(page);
      await expectAccessible(page, `clinic: patient view, ${tab} tab`);
    }
  });

  test('dialogs: acknowledge, resolve, escalate to the GP, end the episode', async () => {
    for (const [button, title] of [['Kvitter', 'Kvitter varsel'], ['Avslutt', 'Avslutt varsel']] as const) {
      await page.getByRole('button', { name: button, exact: true }).first().click();
      const dialog = page.getByRole('dialog', { name: title });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: title }).click(); // submit empty: the errors must be accessible too
      await dialog.locator('.field-error').filter({ hasText: /\S/ }).first().waitFor();
      await expectAccessible(page, `clinic: dialog "${title}" with errors`);
      await dialog.getByRole('button', { name: 'Avbryt' }).click();
      await dialog.waitFor({ state: 'hidden' });
    }
    // Ending the follow-up sits in the header's "Mer …" menu (issue 11) and opens the pathway's end form.
    await page.locator('.pv-menu > summary').click();
    await page.getByRole('button', { name: 'Avslutt oppfølgingen …' }).click();
    await page.getByLabel('Årsak', { exact: true }).waitFor();
    await expectAccessible(page, 'clinic: end of follow-up form from the menu');
    await page.getByRole('button', { name: 'Eskaler til fastlegen' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Eskaler til fastlegen' });
    await dialog.waitFor();
    await expectAccessible(page, 'clinic: dialog "Eskaler til fastlegen"');
    await dialog.getByLabel('Hva skal fastlegen vurdere?').fill('SpO2 86 % og puls 104. Vurder antibiotika/prednisolon.');
    await dialog.getByRole('button', { name: 'Send til fastlegen' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(/Varselet er sendt til/).waitFor();
  });

  test('plan editor with an error, then a saved draft', async () => {
    await page.getByRole('tab', { name: 'Plan' }).click();
    await page.getByRole('button', { name: 'Lag ny versjon' }).click();
    await page.getByRole('heading', { name: 'Ny versjon av planen' }).waitFor();
    const spo2 = page.locator('fieldset.plan-entry').filter({ has: page.getByText('Oksygenmetning (SpO2)', { exact: true }) });
    await spo2.getByLabel('Rød under').fill('9x');
    await page.getByRole('button', { name: 'Lagre som utkast' }).click();
    await spo2.getByText('Skriv bare tall, for eksempel 95 eller 37,5.').waitFor();
    await expectAccessible(page, 'clinic: plan editor with errors');
    await spo2.getByLabel('Rød under').fill('87');
    await page.getByRole('button', { name: 'Lagre som utkast' }).click();
    await page.getByText(/Utkast versjon 2 er lagret/).waitFor();
    await expectAccessible(page, 'clinic: plan with draft (nurse)');
  });

  test('devices and reports', async () => {
    await page.goto(`${env.server.url}/clinic/#/utstyr`);
    await page.getByRole('heading', { name: 'Registrer utstyr' }).waitFor();
    await page.getByRole('button', { name: 'Registrer', exact: true }).click();
    await page.getByText('Velg type.').waitFor();
    await expectAccessible(page, 'clinic: devices, form errors');
    await page.getByLabel('Type').selectOption('pulse_oximeter');
    await page.getByLabel('Modell').fill('Nonin 3230');
    await page.getByLabel('Serienummer').fill('NON-0001');
    await page.getByRole('button', { name: 'Registrer', exact: true }).click();
    await page.getByRole('table', { name: 'Utstyr i registeret' }).waitFor();
    await expectAccessible(page, 'clinic: devices');
    await page.goto(`${env.server.url}/clinic/#/rapporter`);
    await page.locator('.report-table').first().waitFor();
    await expectAccessible(page, 'clinic: reports (nurse)');
  });
});

describe('clinic app: GP', () => {
  let page: Page;
  before(async () => {
    page = await env.open(DESKTOP);
    await loginClinic(page, env.server.url, /Siri Lunde/);
  });

  test('worklist with escalations, the escalation inbox and marking one handled', async () => {
    await page.getByRole('link', { name: /åpen eskalering/ }).waitFor();
    await expectAccessible(page, 'clinic GP: worklist with escalation banner');
    await page.getByRole('link', { name: 'Eskaleringer' }).click();
    await page.getByRole('button', { name: 'Marker som behandlet' }).waitFor();
    await expectAccessible(page, 'clinic GP: escalations');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/clinic-escalations.png` });
    await page.getByRole('button', { name: 'Marker som behandlet' }).click();
    const dialog = page.getByRole('dialog', { name: 'Marker eskaleringen som behandlet' });
    await dialog.waitFor();
    await expectAccessible(page, 'clinic GP: dialog "Marker som behandlet"');
    await dialog.getByRole('button', { name: 'Marker som behandlet' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Eskaleringen er markert som behandlet.').waitFor();
  });

  test('approving the draft, and the plan editor from diagnosis templates', async () => {
    await page.goto(`${env.server.url}/clinic/#/pasient/${env.kari.id}`);
    await page.getByRole('tab', { name: 'Plan' }).click();
    await page.getByRole('button', { name: 'Se endringer og godkjenn versjon 2' }).waitFor();
    await settled(page);
    await expectAccessible(page, 'clinic GP: patient view with a draft to approve');
    await page.getByRole('button', { name: 'Se endringer og godkjenn versjon 2' }).click();
    // Approval is confirmed in a dialog that names the version and shows what changes.
    await expectAccessible(page, 'clinic GP: dialog "Godkjenn versjon 2"');
    await page.getByRole('dialog').getByRole('button', { name: 'Godkjenn versjon 2', exact: true }).click();
    await page.getByText('Versjon 2 er godkjent og gjelder nå.').waitFor();
    await page.getByRole('button', { name: 'Lag ny versjon' }).click();
    await page.getByLabel('Diagnosemaler').check();
    await page.getByRole('button', { name: 'Hent forslag fra malene' }).click();
    await page.getByText('Velg minst én mal.').waitFor();
    await expectAccessible(page, 'clinic GP: plan editor, templates with error');
    await page.getByLabel(/^Kols/).check();
    await page.getByLabel(/^Hjertesvikt/).check();
    await page.getByRole('button', { name: 'Hent forslag fra malene' }).click();
    await page.locator('fieldset.plan-entry').filter({ hasText: 'Vekt' }).waitFor();
    await expectAccessible(page, 'clinic GP: plan editor from templates');
    if (SHOTS) {
      await page.locator('fieldset.plan-entry').first().evaluate((el) => {
        el.scrollIntoView({ block: 'start' });
        window.scrollBy(0, -140);
      });
      await page.screenshot({ path: `${SHOTS}/clinic-plan-editor.png` });
    }
  });

  test('enrolment, empty and with errors', async () => {
    await page.goto(`${env.server.url}/clinic/#/innmelding`);
    await page.getByRole('button', { name: 'Meld inn' }).waitFor();
    await expectAccessible(page, 'clinic GP: enrolment');
    await page.getByRole('button', { name: 'Meld inn' }).click();
    await page.getByText('Pasienten må samtykke før innmelding.').waitFor();
    await expectAccessible(page, 'clinic GP: enrolment with errors');
  });
});

describe('clinic app: coordinator', () => {
  test('reports only: indicators, charts and CSV', async () => {
    const page = await env.open(DESKTOP);
    await loginClinic(page, env.server.url, /Hilde Aas/);
    await page.locator('.report-table').first().waitFor();
    await expectAccessible(page, 'clinic coordinator: reports');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/clinic-reports.png`, fullPage: true });
    assert.equal(await page.getByRole('link', { name: 'Arbeidsliste' }).count(), 0, 'no worklist for a coordinator');
  });
});

test('no script errors in any page', () => {
  assert.deepEqual(pageErrors, []);
});

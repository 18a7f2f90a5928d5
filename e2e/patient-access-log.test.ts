import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { expectAccessible, pageErrors, printAxeReport, settled, SHOTS, useBrowserTest } from './helpers.js';
import { IPAD_PORTRAIT, assertFits, patientPage, textSize200 } from './patient-layout.js';

/**
 * Issue 11 "Everyone": the access log groups one person's visit into one row ("Sykepleier A,
 * sykepleier, Kommune A, åpnet journalen din kl. 09:07"), names what was looked at in plain
 * Norwegian (no FHIR type names), shows dates the Norwegian way, and reads on an iPad in portrait
 * without sideways scrolling, also at 200 % text.
 */
const env = useBrowserTest({
  setup: async (e) => {
    const pid = e.f.patient.id;
    // The nurse's visit: overview, readings, alerts, notes — several audit rows, one visit.
    // (The video link is audited as an Encounter: a type the page must name in plain words.)
    for (const path of ['', '/observations', '/alerts', '/notes', '/plans', '/video-link']) {
      const r = await e.call('GET', `/api/patients/${pid}${path}`, e.c.nurseA);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    }
    // The GP looks too: another person, another row.
    assert.equal((await e.call('GET', `/api/patients/${pid}`, e.c.gp)).status, 200);
  },
});
after(() => printAxeReport());

test('access log on an iPad: one row per visit, plain resource names, Norwegian dates, no sideways scrolling', async () => {
  const { context, page } = await patientPage(env.browser, env.server.url, env.f.patient.identifier, IPAD_PORTRAIT);
  await page.goto(`${env.server.url}/patient/#/tilgang`);
  await page.getByRole('heading', { level: 1, name: 'Hvem har sett mine data' }).waitFor();
  await settled(page);

  const rows = await page.locator('.visit').allInnerTexts();
  const nurse = rows.filter((r) => r.includes('Sykepleier A'));
  assert.equal(nurse.length, 1, `one row for the nurse's visit:\n${rows.join('\n---\n')}`);
  assert.match(nurse[0]!, /^Sykepleier A, sykepleier, Kommune A, åpnet journalen din kl\. \d{2}:\d{2}/);
  assert.match(nurse[0]!, /Så på eller endret: .*målinger.*varsler.*konsultasjon \(video eller telefon\)/i);
  assert.equal(rows.filter((r) => r.startsWith('Fastlege, fastlege, Legekontoret, åpnet journalen din')).length, 1, rows.join('\n---\n'));

  const text = await page.locator('.access-log').innerText();
  // No technical type names (EpisodeOfCare, CarePlan, QuestionnaireResponse …) and no ISO dates.
  assert.doesNotMatch(text, /\b[A-Z][a-z]+[A-Z][A-Za-z]+\b|\bFlag\b|\bObservation\b|\bBundle\b/, text);
  assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/);
  // Day headings and times the Norwegian way: "mandag 30. november 2026", "30.11.2026, 13:05".
  assert.match(text, /(mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag) \d{1,2}\. [a-zæøå]+ \d{4}/);
  assert.match(text, /\d{2}\.\d{2}\.\d{4},? \d{2}:\d{2}/);
  assert.doesNotMatch(text, /(\d{2}:\d{2}) – \1/, 'no "14:00 – 14:00" for a visit within one minute');

  await assertFits(page, 'iPad access log');
  await expectAccessible(page, 'patient iPad: access log grouped by visit');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patient-access-log-ipad.png` });
  await textSize200(page);
  await page.reload();
  await settled(page);
  await page.locator('.visit').first().waitFor();
  await assertFits(page, 'iPad 200 % access log');
  await context.close();
  assert.deepEqual(pageErrors, []);
});

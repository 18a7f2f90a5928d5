import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticFnr } from '../src/domain/identifiers.js';
import { expectAccessible, loginPatient, nurseOnSpo2Table, openPage, pageErrors, SHOTS, useBrowserTest } from './helpers.js';
import { PHONE } from './patient-layout.js';

/*
 * Issue 12, someone else records for the patient, by a relative who is NOT a Varde patient: Kari
 * has named her daughter Siri; Siri logs in with ID-porten (TestID), gets the relative view (no
 * patient home), sees Kari, sends a reading; the nurse's table says who entered it. A person with
 * neither a patient record nor a delegation gets the no-access page and no session.
 */
// Synthetic fødselsnummer (month + 80); neither is a patient in the fixture.
const SIRI = syntheticFnr('1976-05-21', 312);
const STRANGER = syntheticFnr('1983-11-02', 423);

const env = useBrowserTest({
  setup: async (e) => {
    await e.db.query(
      `insert into delegations (patient_id, relative_name, relative_identifier, relation, granted_at) values ($1, 'Siri Testesen', $2, 'datter', now())`,
      [e.f.patient.id, SIRI],
    );
  },
});

test('a relative who is not a patient logs in → sees Kari → sends a reading → the nurse sees who', async () => {
  const siri = await openPage(env.browser, PHONE);
  await loginPatient(siri, env.server.url, SIRI);
  await siri.getByRole('heading', { name: 'Registrer målinger for en du hjelper', level: 1 }).waitFor({ timeout: 120_000 });
  await siri.getByText('Du er logget inn som pårørende (Siri Testesen).', { exact: false }).waitFor();
  // The relative view only: no patient navigation, no "today" home.
  assert.equal(await siri.getByRole('heading', { name: 'I dag' }).count(), 0);
  assert.equal(await siri.getByRole('navigation').getByRole('link').count(), 0);
  const form = siri.getByRole('heading', { name: 'Måling for Kari Testesen' }).locator('xpath=..');
  await form.waitFor();
  await form.getByLabel('Hva har du målt?').selectOption('spo2');
  await form.getByLabel('Verdi').fill('91');
  await form.getByRole('button', { name: 'Send for Kari Testesen' }).click();
  await siri.getByText(/Målingen er sendt for Kari Testesen/).waitFor();
  await expectAccessible(siri, 'patient app: relative view');
  await siri.screenshot({ path: SHOTS ? `${SHOTS}/patient-relative-view.png` : '/tmp/varde-relative-view.png', fullPage: true });
  const row = (await env.db.query<{ recorded_by: string; zone: string }>(`select recorded_by, zone from observations where patient_id = $1 and value = 91`, [env.f.patient.id])).rows[0]!;
  assert.match(row.recorded_by, /^relative:/);
  assert.equal((await env.db.query(`select 1 from sessions where subject_kind = 'relative' and subject_identifier = $1`, [SIRI])).rows.length, 1);

  const nurse = await nurseOnSpo2Table(env, env.f.patient.id);
  await nurse.getByText('skrevet inn av Siri Testesen (datter), pårørende').first().waitFor();

  // Kari takes the permission back: Siri's next request finds no session.
  await env.db.query(`update delegations set revoked_at = now() where relative_identifier = $1`, [SIRI]);
  const me = await siri.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(me, 401);
  assert.deepEqual(pageErrors, []);
});

test('no patient record and no delegation: the no-access page, no session', async () => {
  const p = await openPage(env.browser, PHONE);
  await p.goto(`${env.server.url}/auth/login?app=patient`);
  await p.getByLabel('Fødselsnummer (11 siffer)').fill(STRANGER);
  await p.getByRole('button', { name: 'Logg inn', exact: true }).click();
  await p.getByRole('heading', { name: 'Du har ikke tilgang til Varde' }).waitFor({ timeout: 120_000 });
  await p.getByRole('heading', { name: 'You do not have access to Varde' }).waitFor();
  await p.screenshot({ path: SHOTS ? `${SHOTS}/patient-no-access.png` : '/tmp/varde-no-access.png', fullPage: true });
  assert.equal((await env.db.query(`select 1 from sessions where subject_identifier = $1`, [STRANGER])).rows.length, 0);
  assert.equal(await p.evaluate(async () => (await fetch('/api/me')).status), 401);
});

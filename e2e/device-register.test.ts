import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { DESKTOP, expectAccessible, loginClinic, newPage, pageErrors, settled, SHOTS, useBrowserTest } from './helpers.js';

/** The clinic's device register takes a device's Bluetooth identity (issue 13). */
let nurse: Page;

const env = useBrowserTest({
  setup: async ({ browser, server }) => {
    nurse = (await newPage(browser, DESKTOP)).page;
    await loginClinic(nurse, env.server.url, /Sykepleier A/);
  },
});

test('the nurse registers a blood-pressure cuff with its Bluetooth address and System ID; a malformed System ID is explained', async () => {
  await nurse.goto(`${env.server.url}/clinic/#/utstyr`);
  await settled(nurse);
  await nurse.getByLabel('Type').selectOption({ label: 'Blodtrykksmåler' });
  await nurse.getByLabel('Modell').fill('A&D UA-651BLE');
  await nurse.getByLabel('Serienummer').fill('UA651-0042');
  await nurse.getByLabel('Produsent (valgfritt)').fill('A&D Medical');
  await nurse.getByLabel('Bluetooth-adresse eller -ID (valgfritt)').fill('5c-31-3e-01-02-a3');
  await nurse.getByLabel('System-ID (valgfritt)').fill('12 34');
  await nurse.getByRole('button', { name: 'Registrer', exact: true }).click();
  const systemId = nurse.getByLabel('System-ID (valgfritt)');
  assert.equal(await systemId.getAttribute('aria-invalid'), 'true');
  await systemId.fill('00 1C 05 FF FE 01 02 A3');
  await nurse.getByRole('button', { name: 'Registrer', exact: true }).click();
  await nurse.getByText(/UA651-0042 er registrert\./).waitFor();
  const row = nurse.getByRole('row').filter({ hasText: 'UA651-0042' });
  await row.getByText('Bluetooth 5C:31:3E:01:02:A3').waitFor();
  const d = (await env.db.query<{ bluetooth_id: string; system_id: string; manufacturer: string }>('select bluetooth_id, system_id, manufacturer from devices where serial = $1', ['UA651-0042'])).rows;
  assert.deepEqual(d, [{ bluetooth_id: '5C:31:3E:01:02:A3', system_id: '001c05fffe0102a3', manufacturer: 'A&D Medical' }]);
  await settled(nurse);
  await expectAccessible(nurse, 'clinic devices with Bluetooth identity');
  if (SHOTS) await nurse.screenshot({ path: `${SHOTS}/clinic-devices-bluetooth.png`, fullPage: true });
  assert.deepEqual(pageErrors, []);
});

test('a scale registered without its Bluetooth address gets one later; an address already in use is refused with the device that has it', async () => {
  const org = (await env.db.query<{ organisation_id: string }>('select organisation_id from devices where serial = $1', ['UA651-0042'])).rows[0]!.organisation_id;
  await env.db.query(`insert into devices (organisation_id, serial, model, kind) values ($1, 'BF600-7', 'Beurer BF 600', 'scale')`, [org]);
  await nurse.reload();
  await settled(nurse);
  await nurse.getByRole('button', { name: 'Endre Bluetooth-ID BF600-7' }).click();
  const editor = nurse.getByRole('region', { name: 'Bluetooth-identitet: Vekt BF600-7' });
  await editor.getByLabel('Bluetooth-adresse eller -ID (valgfritt)').fill('5C:31:3E:01:02:A3');
  await editor.getByRole('button', { name: 'Lagre' }).click();
  await editor.getByText(/already registered for device UA651-0042|allerede registrert/).first().waitFor();
  await editor.getByLabel('Bluetooth-adresse eller -ID (valgfritt)').fill('d0:4d:2c:00:11:22');
  await editor.getByRole('button', { name: 'Lagre' }).click();
  await nurse.getByText('Vekt BF600-7 er oppdatert.').waitFor();
  await nurse.getByRole('row').filter({ hasText: 'BF600-7' }).getByText('Bluetooth D0:4D:2C:00:11:22').waitFor();
  await settled(nurse);
  await expectAccessible(nurse, 'clinic devices after editing a Bluetooth identity');
  await nurse.screenshot({ path: '/tmp/h-devices.png', fullPage: true });
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import type { PlanDefinition } from '../src/domain/plan.js';
import { TEST_PLAN } from '../src/server/testing/fixtures.js';
import { loginClinic, loginPatient, pageErrors, settled, SHOTS, useBrowserTest } from './helpers.js';

/*
 * Issue 13 in the browser: Kari pairs her lent blood-pressure cuff and glucose meter in the
 * patient app on her phone (390×844), readings flow into a sitting with feedback, stored records
 * are fetched from the meter since the last sequence number and never stored twice, and the nurse
 * sees which reading came from which device. navigator.bluetooth is a scripted stand-in that
 * replays captured GATT values byte for byte: the notifications are the test vectors of
 * src/domain/ble/vectors.test.ts (Nordic's BPM example, GLS records 7–9).
 */

const PHONE = { viewport: { width: 390, height: 844 }, locale: 'nb-NO', hasTouch: true, isMobile: true } as const;

const text = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join(' ');

/** [NRF-BPM] full: 138/88 mmHg, MAP 120, time stamp without a year, pulse 60, user 1, status bits. */
const BPM = '1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00';
/** Glucose records stamped 2026-11-30 08:00 on the meter: 120 mg/dL (7), 6.7 mmol/L (8), HI (9). */
const GLUCOSE_RECORDS = [
  { seq: 7, hex: '02 07 00 EA 07 0B 1E 08 00 00 78 B0 11' },
  { seq: 8, hex: '06 08 00 EA 07 0B 1E 08 00 00 43 C0 11' },
  { seq: 9, hex: '0E 09 00 EA 07 0B 1E 08 00 00 FE 07 11 20 00' },
];
/**
 * The meter's clock reads 08:07 on the day of its records whenever the test runs: its records
 * (08:00) were taken seven minutes before the visit, by the phone's clock, and the app must correct
 * them by however far the meter's clock is off (hours today, weeks next month).
 */
const METER_CLOCK_AT = '2026-11-30T08:07:00';

interface FakeDevice {
  id: string;
  name: string;
  /** What the device's clock reads when the page loads (wall time, no zone), for Current Time reads. */
  clockAt?: string;
  /** Service → characteristic → behaviour (16-bit UUIDs in hex). */
  services: Record<string, Record<string, { read?: string; blocked?: boolean; currentTime?: boolean; onSubscribe?: string[]; thenDisconnect?: boolean; racp?: boolean }>>;
  records?: { seq: number; hex: string }[];
}

/*
 * The stand-in, as page script text (not a serialised function, so nothing the TypeScript compiler
 * adds can leak into the page). It keeps a log in window.__ble: every write with its bytes.
 */
const STAND_IN = `(() => {
  const script = __SCRIPT__;
  const log = { writes: [], requests: [], getDevices: 0, connects: 0 };
  window.__ble = log;
  window.__bleScript = script;
  const fromHex = (h) => new Uint8Array(h.trim().split(/\\s+/).filter(Boolean).map((x) => parseInt(x, 16)));
  const toHex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  const full = (u) => typeof u === 'number' ? '0000' + u.toString(16).padStart(4, '0') + '-0000-1000-8000-00805f9b34fb' : String(u).toLowerCase();
  const permitted = 'fake-ble-permitted-' + script.id;
  const device = new EventTarget();
  device.id = script.id;
  device.name = script.name;
  // The meter's own clock: it reads script.clockAt (wall time, no zone) when the page loads, and runs from there.
  const loaded = Date.now();
  const currentTime = () => {
    const d = new Date(Date.parse(script.clockAt + 'Z') + (Date.now() - loaded));
    const local = { getFullYear: () => d.getUTCFullYear(), getMonth: () => d.getUTCMonth(), getDate: () => d.getUTCDate(), getHours: () => d.getUTCHours(), getMinutes: () => d.getUTCMinutes(), getSeconds: () => d.getUTCSeconds(), getDay: () => d.getUTCDay(), getMilliseconds: () => d.getUTCMilliseconds() };
    return encode(local);
  };
  const encode = (d) => {
    const y = d.getFullYear();
    return new Uint8Array([y & 255, y >> 8, d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), ((d.getDay() + 6) % 7) + 1, Math.floor((d.getMilliseconds() * 256) / 1000), 1]);
  };
  const services = [];
  const server = {
    connected: false, device,
    connect: async () => { server.connected = true; log.connects += 1; return server; },
    disconnect: () => { server.connected = false; },
    getPrimaryServices: async () => services,
  };
  device.gatt = server;
  for (const [su, chars] of Object.entries(script.services)) {
    const service = { uuid: full(parseInt(su, 16)), chars: new Map() };
    service.getCharacteristic = async (u) => {
      const c = service.chars.get(full(u));
      if (!c) throw new DOMException('No Characteristics matching UUID ' + u, 'NotFoundError');
      return c;
    };
    for (const [cu, spec] of Object.entries(chars)) {
      const c = new EventTarget();
      c.uuid = full(parseInt(cu, 16));
      c.value = null;
      c.emit = (bytes) => { c.value = new DataView(bytes.buffer); c.dispatchEvent(new Event('characteristicvaluechanged')); };
      c.readValue = async () => {
        if (spec.blocked) throw new DOMException('readValue() called on blocklisted object', 'SecurityError');
        const b = spec.currentTime ? currentTime() : fromHex(spec.read);
        c.value = new DataView(b.buffer);
        return c.value;
      };
      c.startNotifications = async () => {
        if (spec.onSubscribe) setTimeout(() => {
          for (const h of spec.onSubscribe) c.emit(fromHex(h));
          if (spec.thenDisconnect) { server.connected = false; device.dispatchEvent(new Event('gattserverdisconnected')); }
        }, 30);
        return c;
      };
      c.stopNotifications = async () => c;
      c.writeValueWithResponse = async (v) => {
        const b = new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
        log.writes.push({ uuid: cu, hex: toHex(b) });
        if (!spec.racp) return;
        // A meter's RACP: report stored records, all (operator 1) or sequence number >= operand (operator 3, filter 1).
        setTimeout(() => {
          const min = b[1] === 3 ? b[3] | (b[4] << 8) : 0;
          const records = (script.records || []).filter((r) => r.seq >= min);
          const m = service.chars.get(full(0x2a18));
          for (const r of records) m.emit(fromHex(r.hex));
          c.emit(fromHex(records.length ? '06 00 01 01' : '06 00 01 06'));
        }, 30);
      };
      c.writeValue = c.writeValueWithResponse;
      service.chars.set(c.uuid, c);
    }
    services.push(service);
  }
  const bluetooth = {
    getAvailability: async () => true,
    requestDevice: async (opts) => { log.requests.push(JSON.stringify(opts)); localStorage.setItem(permitted, '1'); return device; },
    getDevices: async () => { log.getDevices += 1; return localStorage.getItem(permitted) ? [device] : []; },
  };
  Object.defineProperty(Navigator.prototype, 'bluetooth', { get: () => bluetooth, configurable: true });
})();`;

const INFO = (model: string, manufacturer: string, systemId: string) => ({
  '2a24': { read: text(model) }, '2a29': { read: text(manufacturer) }, '2a25': { blocked: true }, '2a23': { read: systemId },
});

const CUFF: FakeDevice = {
  id: 'cuff-web-id-1', name: 'A&D_UA-651',
  services: { '1810': { '2a35': { onSubscribe: [BPM], thenDisconnect: true } }, '180a': INFO('UA-651BLE', 'A&D Medical', '00 11 22 33 44 55 66 77') },
};
const METER: FakeDevice = {
  id: 'meter-web-id-1', name: 'meter 0011', clockAt: METER_CLOCK_AT,
  services: {
    '1808': { '2a18': {}, '2a52': { racp: true } },
    '1805': { '2a2b': { currentTime: true } },
    '180a': INFO('Accu-Chek Guide', 'Roche', 'AA BB CC DD EE FF 00 11'),
  },
  // Records 7 and 8 are in its memory; 9 is measured between the visits (meterMeasures).
  records: GLUCOSE_RECORDS.slice(0, 2),
};

/** The patient takes a new measurement with the meter: it joins the meter's memory. */
const meterMeasures = (page: Page, record: { seq: number; hex: string }) =>
  page.evaluate((r) => (window as unknown as { __bleScript: { records: unknown[] } }).__bleScript.records.push(r), record);

const PLAN: PlanDefinition = {
  ...TEST_PLAN,
  measures: [
    ...TEST_PLAN.measures,
    {
      code: 'bp_systolic', schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }, thresholds: { redBelow: 90, yellowAbove: 135, redAbove: 180 },
      actions: { green: { nb: 'Fortsett som før.', nn: 'Hald fram som før.', en: 'Carry on.' }, yellow: { nb: 'Sykepleier ringer deg.', nn: 'Sjukepleiar ringer deg.', en: 'A nurse will call.' }, red: { nb: 'Ring legevakt 116 117.', nn: 'Ring legevakt 116 117.', en: 'Call 116 117.' } },
    },
    {
      code: 'bp_diastolic', schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }, thresholds: { yellowAbove: 90, redAbove: 110 },
      actions: { green: { nb: 'Fortsett som før.', nn: 'Hald fram som før.', en: 'Carry on.' }, yellow: { nb: 'Sykepleier ringer deg.', nn: 'Sjukepleiar ringer deg.', en: 'A nurse will call.' }, red: { nb: 'Ring legevakt 116 117.', nn: 'Ring legevakt 116 117.', en: 'Call 116 117.' } },
    },
    {
      code: 'glucose', schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }, thresholds: { redBelow: 3, yellowBelow: 4, yellowAbove: 10, redAbove: 20 },
      actions: { green: { nb: 'Fortsett som før.', nn: 'Hald fram som før.', en: 'Carry on.' }, yellow: { nb: 'Sykepleier ringer deg.', nn: 'Sjukepleiar ringer deg.', en: 'A nurse will call.' }, red: { nb: 'Ring legevakt 116 117.', nn: 'Ring legevakt 116 117.', en: 'Call 116 117.' } },
    },
  ],
};

const devices: Record<string, string> = {};

const env = useBrowserTest({
  plan: PLAN,
  setup: async () => {
    const lend = async (serial: string, model: string, kind: string, manufacturer: string, systemId: string) => {
      const id = (await env.db.query<{ id: string }>(
        `insert into devices (organisation_id, serial, model, kind, manufacturer, system_id) values ($1,$2,$3,$4,$5,$6) returning id`,
        [env.f.orgs.muniA, serial, model, kind, manufacturer, systemId],
      )).rows[0]!.id;
      await env.db.query(`insert into device_loans (device_id, patient_id, lent_at) values ($1, $2, now() - interval '30 days')`, [id, env.f.patient.id]);
      return id;
    };
    devices.cuff = await lend('5140123456', 'UA-651BLE', 'bp_monitor', 'A&D Medical', '0011223344556677');
    devices.meter = await lend('GN-0042', 'Accu-Chek Guide', 'glucometer', 'Roche', 'aabbccddeeff0011');
  },
});

async function phone(fake: FakeDevice | 'none'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await env.browser.newContext(PHONE);
  if (fake === 'none') {
    // Safari on iPad/iPhone: no navigator.bluetooth at all.
    await context.addInitScript({ content: `Object.defineProperty(Navigator.prototype, 'bluetooth', { get: () => undefined, configurable: true });` });
  } else {
    await context.addInitScript({ content: STAND_IN.replace('__SCRIPT__', JSON.stringify(fake)) });
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  await loginPatient(page, env.server.url, env.f.patient.identifier);
  await page.getByRole('heading', { name: 'Registrer målinger' }).waitFor();
  await settled(page);
  return { context, page };
}

async function noAxeViolations(page: Page, name: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  assert.deepEqual(r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), [], `axe on "${name}"`);
}

const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: `${SHOTS ?? '/tmp'}/${name}.png`, fullPage: false });
};

const rows = async (code: string) =>
  (await env.db.query<{ value: number; source: string; device_id: string | null; device_clock_offset_ms: number | null; effective_at: Date; idempotency_key: string; zone: string | null }>(
    'select value, source, device_id, device_clock_offset_ms, effective_at, idempotency_key, zone from observations where patient_id = $1 and code = $2 order by idempotency_key',
    [env.f.patient.id, code],
  )).rows;

test('without Web Bluetooth (Safari on iPad) the app says so plainly and the patient types as before', async () => {
  const { context, page } = await phone('none');
  await page.getByText(/kan ikke hente målinger fra måleapparat over Bluetooth.*Safari på iPad/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Koble til måleapparat' }).count(), 0);
  await page.getByLabel(/^Puls/).fill('72');
  await noAxeViolations(page, 'patient: no Web Bluetooth');
  await shot(page, 'bluetooth-unsupported');
  await context.close();
});

test('pairing the cuff: the captured measurement becomes a device sitting with feedback, attributed to the lent cuff', async () => {
  const { context, page } = await phone(CUFF);
  await page.getByText(/Du kobler det til én gang/).waitFor();
  await noAxeViolations(page, 'patient: connect device');
  await page.locator('.device-readings').scrollIntoViewIfNeeded();
  await shot(page, 'bluetooth-connect');
  const started = Date.now();
  await page.getByRole('button', { name: 'Koble til måleapparat' }).click();
  const panel = page.locator('.feedback');
  await panel.waitFor();
  await page.getByText('Målt med A&D Medical UA-651BLE.').waitFor();
  assert.match(await panel.innerText(), /Gul/);
  await noAxeViolations(page, 'patient: feedback of a device reading');
  await shot(page, 'bluetooth-cuff-feedback');

  // The chooser asked for health services only, with Device Information and Current Time optional.
  const log = await page.evaluate(() => (window as unknown as { __ble: { requests: string[] } }).__ble);
  const asked = JSON.parse(log.requests[0]!) as { filters: { services: string[] }[]; optionalServices: string[] };
  assert.ok(asked.filters.some((x) => x.services.includes('00001810-0000-1000-8000-00805f9b34fb')));
  assert.ok(asked.optionalServices.includes('0000180a-0000-1000-8000-00805f9b34fb'));

  const sys = await rows('bp_systolic');
  const dia = await rows('bp_diastolic');
  assert.deepEqual([sys.map((r) => [r.value, r.source, r.device_id, r.zone]), dia.map((r) => [r.value, r.source, r.device_id])],
    [[[138, 'device', devices.cuff, 'yellow']], [[88, 'device', devices.cuff]]]);
  // The cuff's time stamp has no year (not set): the reading was taken as it arrived.
  assert.ok(sys[0]!.effective_at.getTime() >= started - 1000 && sys[0]!.effective_at.getTime() <= Date.now());
  assert.equal(sys[0]!.device_clock_offset_ms, null, 'the cuff has no Current Time');
  assert.match(sys[0]!.idempotency_key, /^ble:0011223344556677:blood_pressure-/);

  // Remembered for this patient on this phone: after a reload the app offers the paired device.
  const saved = await page.evaluate((id) => JSON.parse(localStorage.getItem(`varde.bluetooth.v1.${id}`) ?? 'null') as { id: string; name: string; model: string; systemId: string }, env.f.patient.id);
  assert.deepEqual([saved.id, saved.name, saved.model, saved.systemId], ['cuff-web-id-1', 'A&D_UA-651', 'UA-651BLE', '0011223344556677']);
  await page.reload();
  await page.getByText('Koblet til: A&D_UA-651').waitFor();
  await page.getByRole('button', { name: 'Hent måling fra apparatet' }).waitFor();
  await noAxeViolations(page, 'patient: paired device');
  await page.locator('.device-readings').scrollIntoViewIfNeeded();
  await shot(page, 'bluetooth-paired');
  await context.close();
});

test('the glucose meter: stored records since the last sequence number, clock corrected, never stored twice', async () => {
  const { context, page } = await phone(METER);
  const visit = Date.now();
  await page.getByRole('button', { name: 'Koble til måleapparat' }).click();
  await page.locator('.feedback').waitFor();
  await page.getByText(/Hentet 2 målinger fra apparatet.*Målt med Roche Accu-Chek Guide\. Klokka i apparatet gikk .+ feil – tiden er rettet\./).waitFor();
  assert.match(await page.locator('.feedback').innerText(), /Grønn/);
  await shot(page, 'bluetooth-meter-feedback');
  const writes = async () => (await page.evaluate(() => (window as unknown as { __ble: { writes: { uuid: string; hex: string }[] } }).__ble.writes)).map((w) => `${w.uuid}: ${w.hex}`);
  assert.deepEqual(await writes(), ['2a52: 01 01'], 'first visit: report all stored records');

  let glucose = await rows('glucose');
  assert.deepEqual(glucose.map((r) => [r.idempotency_key, r.value, r.source, r.device_id]), [
    ['ble:aabbccddeeff0011:seq-7', 120 / 18, 'device', devices.meter], // 120 mg/dL, converted by the catalogue, not rounded
    ['ble:aabbccddeeff0011:seq-8', 6.7, 'device', devices.meter],
  ]);
  // Stamped 08:00 by a meter whose clock said 08:07 at the visit: measured seven minutes before
  // the visit by the phone's clock (within the time from page load to the visit, as the meter's clock runs).
  const done = Date.now();
  for (const r of glucose) {
    const t = r.effective_at.getTime();
    assert.ok(t >= visit - 7 * 60_000 - (done - visit) - 60_000 && t <= done - 7 * 60_000 + 1000, `${r.effective_at.toISOString()} is about 7 minutes before ${new Date(visit).toISOString()}`);
  }
  const expectedOffset = Date.parse(`${METER_CLOCK_AT}Z`) - visit;
  assert.ok(glucose.every((r) => Math.abs(expectedOffset) > 2e9 ? r.device_clock_offset_ms === null : Math.abs(r.device_clock_offset_ms! - expectedOffset) < 120_000),
    glucose.map((r) => r.device_clock_offset_ms).join());

  // Next visit: only records from sequence number 9 on (RACP "greater than or equal to", filter 1, operand 9).
  await page.getByRole('button', { name: 'Ferdig' }).click();
  await meterMeasures(page, GLUCOSE_RECORDS[2]!);
  await page.getByRole('button', { name: 'Hent måling fra apparatet' }).click();
  await page.locator('.feedback').waitFor();
  assert.match(await page.locator('.feedback').innerText(), /Rød[\s\S]*Blodsukker: HI/);
  await shot(page, 'bluetooth-meter-hi');
  assert.deepEqual(await writes(), ['2a52: 01 01', '2a52: 01 03 01 09 00']);
  glucose = await rows('glucose');
  assert.deepEqual(glucose.map((r) => r.idempotency_key.slice(-5)), ['seq-7', 'seq-8', 'seq-9']);

  // Even if the app forgets where it was and the meter sends everything again, nothing is stored twice.
  await page.getByRole('button', { name: 'Ferdig' }).click();
  await page.evaluate((id) => {
    const k = `varde.bluetooth.v1.${id}`;
    const v = JSON.parse(localStorage.getItem(k)!) as Record<string, unknown>;
    delete v.lastSequence;
    localStorage.setItem(k, JSON.stringify(v));
  }, env.f.patient.id);
  await page.reload();
  await meterMeasures(page, GLUCOSE_RECORDS[2]!);
  await page.getByRole('button', { name: 'Hent måling fra apparatet' }).click();
  await page.locator('.feedback').waitFor();
  assert.equal((await writes()).at(-1), '2a52: 01 01');
  assert.equal((await rows('glucose')).length, 3, 'replayed, not stored again');
  await context.close();
});

test('a device that is not lent to the patient is refused with a plain message, and nothing is stored', async () => {
  // [SPEZI-WSS] 23.2 kg for user 1: a scale nobody registered.
  const scale: FakeDevice = {
    id: 'scale-web-id-1', name: 'BF720',
    services: { '181d': { '2a9d': { onSubscribe: ['06 20 12 00 00 00 00 00 00 00 01'], thenDisconnect: true } }, '180a': INFO('BF720', 'Beurer', '12 34 56 78 9A BC DE F0') },
  };
  const { context, page } = await phone(scale);
  await page.getByRole('button', { name: 'Koble til måleapparat' }).click();
  await page.getByText('Dette apparatet er ikke registrert på deg, så målingene kan ikke lagres. Kontakt oppfølgingstjenesten, eller skriv inn tallene.').waitFor();
  assert.deepEqual(await rows('weight'), []);
  // The form is still there for typing.
  await page.getByLabel(/^Puls/).waitFor();
  await noAxeViolations(page, 'patient: unknown device');
  await context.close();
});

test('the nurse sees which readings came from which device, and which were typed', async () => {
  await env.db.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
     values ($1, $2, 'glucose', 5.9, 'mmol/L', now() - interval '1 hour', 'patient', 'patient', 'typed-glucose-1')`,
    [env.f.patient.id, env.f.patient.episodeId],
  );
  const context = await env.browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'nb-NO' });
  const nurse = await context.newPage();
  nurse.on('pageerror', (e) => pageErrors.push(`${nurse.url()}: ${e.message}`));
  await loginClinic(nurse, env.server.url, /Sykepleier A/);
  await nurse.getByRole('link', { name: 'Kari Testesen' }).click();
  await settled(nurse);
  // The readings live under the patient view's "Målinger" tab.
  await nurse.getByRole('tab', { name: 'Målinger' }).click();
  await nurse.getByText('Vis Blodsukker som tabell').click();
  const table = nurse.getByRole('table', { name: /Blodsukker/ });
  await table.getByRole('columnheader', { name: 'Kilde' }).waitFor();
  assert.equal(await table.getByText('fra apparat Roche Accu-Chek Guide').count(), 3);
  assert.equal(await table.getByText('skrevet inn').count(), 1);
  await nurse.getByText(/Vis Blodtrykk, øvre tall/).first().click();
  await nurse.getByRole('table', { name: /Blodtrykk, øvre tall/ }).getByText('fra apparat A&D Medical UA-651BLE').waitFor();
  await noAxeViolations(nurse, 'clinic: readings with their source');
  await table.scrollIntoViewIfNeeded();
  await nurse.screenshot({ path: `${SHOTS ?? '/tmp'}/bluetooth-nurse-source.png` });
  await context.close();
  assert.deepEqual(pageErrors, []);
});

import { parseArgs } from 'node:util';
import { CHARACTERISTIC, currentTimeFor, encodeBloodPressureMeasurement, encodeGlucoseMeasurement, encodeTemperatureMeasurement, mf, SERVICE } from '../domain/ble/index.js';
import { isValidTimeZone, toLocal } from '../domain/time.js';
import { flushAndLog, handlePeripheral, HEALTH_SERVICES, runGateway, type GatewayOptions } from './gateway.js';
import { loadNoble, NobleTransport } from './noble.js';
import { ReadingQueue } from './queue.js';
import { SimulatedPeripheral, SimulatedTransport } from './simulated.js';
import type { BleTransport } from './transport.js';
import { IngestClient } from './upload.js';

export const GATEWAY_USAGE = `Usage: varde gateway --url URL --client-id ID [options]

Reads Bluetooth health devices (blood pressure, weight, pulse oximeter, glucose, thermometer)
lent to patients, and uploads their readings to Varde through the device ingest. The server
attributes each reading to the patient the device is lent to; register the device (serial number
or Bluetooth address) and lend it in the clinic app first. Readings wait in a local file while
the gateway is offline.

  --url URL             Varde server (e.g. https://varde.kommune.no)
  --client-id ID        API client of the organisation, scope observation.write
  --client-secret S     its secret (or VARDE_GATEWAY_CLIENT_SECRET in the environment)
  --queue FILE          queue file (default ./varde-gateway-queue.json)
  --time-zone TZ        zone of the devices' clocks (default Europe/Oslo)
  --no-set-clock        do not correct device clocks (Current Time Service)
  --simulate            simulated devices instead of Bluetooth (try it without hardware)
  --once                read the devices found in one scan (--scan-seconds, default 30), upload, exit

Real Bluetooth needs @abandonware/noble on the gateway computer (npm install --no-save
@abandonware/noble); it is not installed with Varde because it compiles a native addon.`;

/** `varde gateway …` */
export async function runGatewayCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, queue: { type: 'string' },
      'time-zone': { type: 'string' }, 'no-set-clock': { type: 'boolean' }, simulate: { type: 'boolean' }, once: { type: 'boolean' },
      'scan-seconds': { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(GATEWAY_USAGE);
    return;
  }
  const secret = values['client-secret'] ?? process.env.VARDE_GATEWAY_CLIENT_SECRET;
  const timeZone = values['time-zone'] ?? 'Europe/Oslo';
  const problems = [
    !values.url && '--url is required',
    !values['client-id'] && '--client-id is required',
    !secret && '--client-secret or VARDE_GATEWAY_CLIENT_SECRET is required',
    !isValidTimeZone(timeZone) && `unknown time zone ${timeZone}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n\n${GATEWAY_USAGE}`);
    process.exitCode = 2;
    return;
  }
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const transport: BleTransport = values.simulate ? new SimulatedTransport(demoDevices(timeZone)) : new NobleTransport(await loadNoble());
  const opts: GatewayOptions = {
    transport, queue: new ReadingQueue(values.queue ?? 'varde-gateway-queue.json'),
    client: new IngestClient(values.url!, values['client-id']!, secret!),
    timeZone, now: () => new Date(), log, setClockBeyondMs: values['no-set-clock'] ? null : 60_000, deviceTimeoutMs: 60_000,
  };
  if (opts.queue.pending.length > 0) log(`${opts.queue.pending.length} readings waiting from before`);

  if (values.once) {
    const seconds = Number(values['scan-seconds'] ?? 30);
    const found: Parameters<typeof handlePeripheral>[0][] = [];
    const stop = await transport.scan(HEALTH_SERVICES, (p) => {
      if (!found.some((x) => x.id === p.id)) found.push(p);
    });
    if (!values.simulate) await new Promise((r) => setTimeout(r, seconds * 1000));
    await stop();
    for (const p of found) {
      try {
        await handlePeripheral(p, opts);
      } catch (e) {
        log(`${p.name ?? p.id}: ${(e as Error).message}`);
      }
    }
    const r = await flushAndLog(opts);
    if (r.pending > 0) process.exitCode = 1;
    return;
  }
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  log(`gateway running (${values.simulate ? 'simulated devices' : 'Bluetooth'}), uploading to ${values.url}; Ctrl-C stops`);
  await runGateway(opts, ac.signal);
}

/** A cuff, a glucose meter and a thermometer with fixed synthetic readings from the last hour. */
function demoDevices(timeZone: string): SimulatedPeripheral[] {
  const now = Date.now();
  const wall = (ms: number) => {
    const l = toLocal(new Date(ms), timeZone);
    return { year: l.year, month: l.month, day: l.day, hours: l.hour, minutes: l.minute, seconds: l.second };
  };
  return [
    new SimulatedPeripheral({
      id: 'sim-cuff', address: '02:00:00:00:00:01', service: SERVICE.bloodPressure, info: { manufacturer: 'Varde', model: 'Simulated cuff', serial: 'SIM-BP-1' },
      currentTime: currentTimeFor(toLocal(new Date(now), timeZone)),
      notifications: [{ characteristic: CHARACTERISTIC.bloodPressureMeasurement, value: encodeBloodPressureMeasurement({ unit: 'mmHg', systolic: mf(138), diastolic: mf(86), meanArterialPressure: mf(103), timeStamp: wall(now - 20 * 60_000), pulseRate: mf(72) }) }],
    }),
    new SimulatedPeripheral({
      id: 'sim-meter', address: '02:00:00:00:00:02', service: SERVICE.glucose, info: { manufacturer: 'Varde', model: 'Simulated glucose meter', serial: 'SIM-GLU-1' },
      records: [1, 2].map((n) => ({ sequence: n, value: encodeGlucoseMeasurement({ sequenceNumber: n, baseTime: wall(now - n * 30 * 60_000), molPerL: true, contextFollows: false, concentration: { value: mf(60 + n * 7, -4), type: 1, sampleLocation: 1 } }) })),
    }),
    new SimulatedPeripheral({
      id: 'sim-thermo', address: '02:00:00:00:00:03', service: SERVICE.healthThermometer, info: { model: 'Simulated thermometer', serial: 'SIM-T-1' },
      notifications: [{ characteristic: CHARACTERISTIC.temperatureMeasurement, value: encodeTemperatureMeasurement({ unit: 'Cel', temperature: mf(372, -1), timeStamp: wall(now - 5 * 60_000), temperatureType: 3 }) }],
    }),
  ];
}

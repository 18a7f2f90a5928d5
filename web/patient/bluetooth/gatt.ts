import {
  CHARACTERISTIC, encodeRacpRequest, hex, MEASUREMENT_PARSERS, parseCurrentTime, parseRacpResponse, racpFailure, SERVICE, shortUuid, toDeviceReading, uuid128,
  type DeviceReading, type RacpResponse,
} from '../../../src/domain/ble/index.js';
import { clockOffsetMs } from './clock.js';
import { bytesOf, type BtCharacteristic, type BtDevice, type BtService } from './webBluetooth.js';

/*
 * One visit to a paired device over Web Bluetooth, with the same parsers as the home gateway
 * (src/domain/ble): who the device is (Device Information), how wrong its clock is (Current Time),
 * then its measurements: a glucose meter's stored records since the last sequence number through
 * the Record Access Control Point, or the indications a cuff, scale, thermometer or oximeter sends
 * when a measurement is done (and the stored ones it sends first).
 */

/** The services a device is paired for: one of these must be advertised. */
export const MEASUREMENT_SERVICES = [SERVICE.bloodPressure, SERVICE.glucose, SERVICE.weightScale, SERVICE.healthThermometer, SERVICE.pulseOximeter].map(uuid128);
/** Read when present; Web Bluetooth only lets the page use services named when pairing. */
export const OPTIONAL_SERVICES = [SERVICE.deviceInformation, SERVICE.currentTime].map(uuid128);

/** The measurement characteristics of each streaming service (indications or notifications). */
const STREAMS: Readonly<Record<number, readonly number[]>> = {
  [SERVICE.bloodPressure]: [CHARACTERISTIC.bloodPressureMeasurement],
  [SERVICE.weightScale]: [CHARACTERISTIC.weightMeasurement],
  [SERVICE.healthThermometer]: [CHARACTERISTIC.temperatureMeasurement],
  [SERVICE.pulseOximeter]: [CHARACTERISTIC.plxSpotCheckMeasurement, CHARACTERISTIC.plxContinuousMeasurement],
};

export interface DeviceIdentity {
  model?: string;
  manufacturer?: string;
  /** Often unreadable in a browser: Serial Number String is on the Web Bluetooth GATT blocklist. */
  serial?: string;
  /** System ID (0x2A23) as 16 hex digits. */
  systemId?: string;
}

export interface ReadOptions {
  /** Ask a glucose meter only for records with this sequence number or higher; null = all. */
  minSequence: number | null;
  now: () => Date;
  /** How long to wait for the patient to take a measurement. */
  waitMs: number;
  /** A streaming device is done when it has been quiet this long after its last value. */
  quietMs: number;
  /** Called when the app waits for the patient to measure. */
  onWaiting?: () => void;
}

export interface DeviceVisit {
  identity: DeviceIdentity;
  /** Device clock minus phone clock; null when the device has no Current Time. */
  clockOffsetMs: number | null;
  readings: DeviceReading[];
  /** Values that could not be parsed (kept out, counted so the patient is told). */
  unreadable: number;
}

const decoder = new TextDecoder();

async function readOptional(service: BtService | undefined, characteristic: number): Promise<Uint8Array | undefined> {
  if (!service) return undefined;
  try {
    return bytesOf(await (await service.getCharacteristic(uuid128(characteristic))).readValue());
  } catch {
    // Absent, or refused by the browser's blocklist (serial number): the identity is partial.
    return undefined;
  }
}

async function readIdentity(info: BtService | undefined): Promise<DeviceIdentity> {
  const text = async (c: number) => {
    const v = await readOptional(info, c);
    const s = v ? decoder.decode(v).replace(/\0+$/, '').trim() : '';
    return s || undefined;
  };
  const identity: DeviceIdentity = {};
  const model = await text(CHARACTERISTIC.modelNumber);
  const manufacturer = await text(CHARACTERISTIC.manufacturerName);
  const serial = await text(CHARACTERISTIC.serialNumber);
  const systemId = await readOptional(info, CHARACTERISTIC.systemId);
  if (model) identity.model = model;
  if (manufacturer) identity.manufacturer = manufacturer;
  if (serial) identity.serial = serial;
  if (systemId?.length === 8) identity.systemId = hex(systemId).replace(/ /g, '').toLowerCase();
  return identity;
}

function valueOf(e: Event): Uint8Array | null {
  const v = (e.target as BtCharacteristic | null)?.value;
  return v ? bytesOf(v) : null;
}

async function write(c: BtCharacteristic, bytes: Uint8Array): Promise<void> {
  const data = bytes.slice();
  if (typeof c.writeValueWithResponse === 'function') await c.writeValueWithResponse(data);
  else await c.writeValue(data);
}

/** Reads a glucose meter's stored records from `minSequence` on (GLS §4.9: RACP report stored records). */
async function readGlucoseRecords(service: BtService, opts: ReadOptions, out: DeviceVisit): Promise<void> {
  const measurement = await service.getCharacteristic(uuid128(CHARACTERISTIC.glucoseMeasurement));
  const racp = await service.getCharacteristic(uuid128(CHARACTERISTIC.recordAccessControlPoint));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answered = new Promise<RacpResponse>((resolve, reject) => {
    measurement.addEventListener('characteristicvaluechanged', (e) => {
      const bytes = valueOf(e);
      const parsed = bytes ? MEASUREMENT_PARSERS[CHARACTERISTIC.glucoseMeasurement]!(bytes) : null;
      if (parsed?.ok) out.readings.push(toDeviceReading(parsed.value));
      else out.unreadable += 1;
    });
    racp.addEventListener('characteristicvaluechanged', (e) => {
      const bytes = valueOf(e);
      const r = bytes ? parseRacpResponse(bytes) : null;
      if (r?.ok && r.value.kind === 'response') resolve(r.value);
    });
    timer = setTimeout(() => reject(new Error('The meter did not finish sending its records')), opts.waitMs);
  });
  try {
    await measurement.startNotifications();
    await racp.startNotifications();
    await write(racp, encodeRacpRequest(opts.minSequence === null ? { op: 'report', from: 'all' } : { op: 'report', from: 'sequence', minSequence: opts.minSequence }));
    const failure = racpFailure(await answered);
    if (failure && !failure.ok) throw new Error(failure.error.message);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects what streaming services send until the device is quiet, hangs up, or the patient takes too long. */
async function readStreams(device: BtDevice, services: BtService[], opts: ReadOptions, out: DeviceVisit): Promise<void> {
  const last: { continuous: DeviceReading | null } = { continuous: null };
  await new Promise<void>((resolve) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const overall = setTimeout(finish, opts.waitMs);
    function finish(): void {
      clearTimeout(quiet);
      clearTimeout(overall);
      device.removeEventListener('gattserverdisconnected', finish);
      resolve();
    }
    device.addEventListener('gattserverdisconnected', finish);
    const onValue = (characteristic: number) => (e: Event) => {
      const bytes = valueOf(e);
      const parsed = bytes ? MEASUREMENT_PARSERS[characteristic]!(bytes) : null;
      if (!parsed?.ok) out.unreadable += 1;
      // An oximeter streams continuously: the last value when the patient is done is the reading.
      else if (parsed.value.type === 'plx_continuous') last.continuous = toDeviceReading(parsed.value);
      else out.readings.push(toDeviceReading(parsed.value));
      clearTimeout(quiet);
      quiet = setTimeout(finish, opts.quietMs);
    };
    void (async () => {
      for (const s of services) {
        for (const c of STREAMS[shortUuid(s.uuid) ?? -1] ?? []) {
          let ch: BtCharacteristic;
          try {
            ch = await s.getCharacteristic(uuid128(c));
          } catch {
            continue; // Optional characteristic (e.g. PLX continuous) not on this device.
          }
          ch.addEventListener('characteristicvaluechanged', onValue(c));
          await ch.startNotifications();
        }
      }
      opts.onWaiting?.();
    })().catch(finish);
  });
  if (last.continuous) out.readings.push(last.continuous);
}

/** Connects to a paired device, reads it, and disconnects. */
export async function visitDevice(device: BtDevice, opts: ReadOptions): Promise<DeviceVisit> {
  const gatt = device.gatt;
  if (!gatt) throw new Error('The device has no GATT server');
  const server = await gatt.connect();
  try {
    const services = await server.getPrimaryServices();
    const byShort = new Map(services.map((s) => [shortUuid(s.uuid), s]));
    const identity = await readIdentity(byShort.get(SERVICE.deviceInformation));
    const out: DeviceVisit = { identity, clockOffsetMs: null, readings: [], unreadable: 0 };
    // The clock first, so the offset holds for the records the device stamped.
    const ct = await readOptional(byShort.get(SERVICE.currentTime), CHARACTERISTIC.currentTime);
    const parsed = ct ? parseCurrentTime(ct) : null;
    if (parsed?.ok && parsed.value.dateTime.year > 0) out.clockOffsetMs = clockOffsetMs(parsed.value, opts.now());
    const glucose = byShort.get(SERVICE.glucose);
    if (glucose) await readGlucoseRecords(glucose, opts, out);
    const streams = services.filter((s) => STREAMS[shortUuid(s.uuid) ?? -1]);
    if (streams.length > 0) await readStreams(device, streams, opts, out);
    return out;
  } finally {
    if (server.connected) server.disconnect();
  }
}

import {
  CHARACTERISTIC, currentTimeFor, encodeCurrentTime, encodeRacpRequest, GLUCOSE_MEALS, hex, MEASUREMENT_PARSERS,
  parseCurrentTime, parseGlucoseMeasurementContext, parseRacpResponse, SERVICE, toDeviceReading, dateTimeText,
  type BleDateTime, type DeviceReading,
} from '../domain/ble/index.js';
import { toLocal, zonedInstant } from '../domain/time.js';
import type { BlePeripheral, GattConnection } from './transport.js';

/*
 * One connection to one health device: who it is (Device Information), how far its clock is off
 * (Current Time), and the measurements it sends (notifications and indications, parsed by the
 * shared library), with stored glucose records fetched through the Record Access Control Point
 * from the record after the last one already taken.
 */

export interface DeviceIdentity {
  /** Device Information serial number (0x2A25), or the Bluetooth id when the device has none. */
  serial: string;
  model?: string;
  manufacturer?: string;
  /** Bluetooth address, or the platform identifier when the address is hidden (macOS). */
  bluetoothId: string;
  /** System ID (0x2A23) as 16 hex digits. */
  systemId?: string;
}

export interface SessionReading {
  reading: DeviceReading;
  /** The device's wall clock turned into an instant in the gateway's time zone, by the device clock; null without a usable stamp. */
  deviceTime: Date | null;
  receivedAt: Date;
  characteristic: number;
  bytes: string;
}

export interface DeviceSession {
  identity: DeviceIdentity;
  /** Device clock minus gateway clock when connected (Current Time), or null when the device has no clock to read. */
  deviceOffsetMs: number | null;
  clockSet: boolean;
  readings: SessionReading[];
  /** Highest glucose sequence number received. */
  lastSequence?: number;
  /** Problems worth a log line (values that did not parse, RACP errors). */
  notes: string[];
}

export interface SessionOptions {
  now: () => Date;
  timeZone: string;
  /** Glucose: fetch records after this sequence number (all when undefined). */
  lastSequence?: number | undefined;
  /** Write the gateway's time to a device clock more than this far off (ms); null never writes. */
  setClockBeyondMs: number | null;
  /** Give up waiting for the device to finish after this long. */
  timeoutMs: number;
}

const td = new TextDecoder();

/** The instant a device wall-clock stamp stands for in a time zone (health profiles carry no zone). */
export function deviceInstant(d: BleDateTime, timeZone: string): Date | null {
  const text = dateTimeText(d);
  if (text === null) return null;
  try {
    return new Date(zonedInstant(text.slice(0, 10), text.slice(11, 16), timeZone).getTime() + d.seconds * 1000);
  } catch {
    return null;
  }
}

/** Reads one connected device until it hangs up, its records are all delivered, or the timeout. */
export async function readDevice(p: BlePeripheral, conn: GattConnection, opts: SessionOptions): Promise<DeviceSession> {
  const chars = await conn.characteristics();
  const has = (s: number, c: number) => chars.get(s)?.includes(c) ?? false;
  const notes: string[] = [];

  const info = async (c: number): Promise<Uint8Array | undefined> => {
    if (!has(SERVICE.deviceInformation, c)) return undefined;
    try {
      return await conn.read(SERVICE.deviceInformation, c);
    } catch (e) {
      notes.push(`Device Information 0x${c.toString(16)}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const text = async (c: number) => {
    const v = await info(c);
    const s = v ? td.decode(v).replace(/\0+$/, '').trim() : '';
    return s || undefined;
  };
  const bluetoothId = p.address ?? p.id;
  const systemIdBytes = await info(CHARACTERISTIC.systemId);
  const identity: DeviceIdentity = { serial: (await text(CHARACTERISTIC.serialNumber)) ?? bluetoothId, bluetoothId };
  const model = await text(CHARACTERISTIC.modelNumber);
  const manufacturer = await text(CHARACTERISTIC.manufacturerName);
  if (model) identity.model = model;
  if (manufacturer) identity.manufacturer = manufacturer;
  if (systemIdBytes?.length === 8) identity.systemId = hex(systemIdBytes).replace(/ /g, '');

  // The device clock, read before anything else so the offset holds for the records it stamped.
  let deviceOffsetMs: number | null = null;
  let clockSet = false;
  if (has(SERVICE.currentTime, CHARACTERISTIC.currentTime)) {
    const now = opts.now();
    const ct = parseCurrentTime(await conn.read(SERVICE.currentTime, CHARACTERISTIC.currentTime));
    const at = ct.ok ? deviceInstant(ct.value.dateTime, opts.timeZone) : null;
    if (at) deviceOffsetMs = at.getTime() + (ct.ok ? Math.round((ct.value.fractions256 * 1000) / 256) : 0) - now.getTime();
    else notes.push('The device clock could not be read (not set?)');
    if (opts.setClockBeyondMs !== null && (deviceOffsetMs === null || Math.abs(deviceOffsetMs) > opts.setClockBeyondMs)) {
      const t = opts.now();
      try {
        await conn.write(SERVICE.currentTime, CHARACTERISTIC.currentTime, encodeCurrentTime(currentTimeFor(toLocal(t, opts.timeZone), t.getMilliseconds())));
        clockSet = true;
      } catch (e) {
        notes.push(`Setting the device clock failed: ${(e as Error).message}`);
      }
    }
  }

  const readings: SessionReading[] = [];
  const contexts = new Map<number, string>();
  let lastSequence: number | undefined;
  const onMeasurement = (characteristic: number) => (value: Uint8Array) => {
    const parsed = MEASUREMENT_PARSERS[characteristic]!(value);
    if (!parsed.ok) {
      notes.push(parsed.error.message);
      return;
    }
    const reading = toDeviceReading(parsed.value);
    if (reading.sequenceNumber !== undefined) lastSequence = Math.max(lastSequence ?? 0, reading.sequenceNumber);
    readings.push({
      reading, characteristic, bytes: hex(value), receivedAt: opts.now(),
      deviceTime: reading.measuredAt ? deviceInstant(reading.measuredAt, opts.timeZone) : null,
    });
  };

  let service = 0;
  for (const [s, cs] of chars) {
    for (const c of cs) {
      if (MEASUREMENT_PARSERS[c]) {
        service = s;
        await conn.subscribe(s, c, onMeasurement(c));
      }
    }
  }
  if (has(service, CHARACTERISTIC.glucoseMeasurementContext)) {
    await conn.subscribe(service, CHARACTERISTIC.glucoseMeasurementContext, (v) => {
      const c = parseGlucoseMeasurementContext(v);
      if (c.ok && c.value.meal !== undefined) contexts.set(c.value.sequenceNumber, GLUCOSE_MEALS[c.value.meal] ?? `reserved (${c.value.meal})`);
    });
  }

  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), opts.timeoutMs).unref());
  if (has(service, CHARACTERISTIC.recordAccessControlPoint)) {
    // Stored records: ask for those after the last one taken; the meter ends with a response code.
    const done = new Promise<void>((resolve) => {
      void conn.subscribe(service, CHARACTERISTIC.recordAccessControlPoint, (v) => {
        const r = parseRacpResponse(v);
        if (!r.ok) notes.push(r.error.message);
        else if (r.value.kind === 'response') {
          if (r.value.code !== 1 && r.value.code !== 6) notes.push(`Record Access Control Point: ${r.value.meaning}`);
          resolve();
        }
      }).then(() =>
        conn.write(service, CHARACTERISTIC.recordAccessControlPoint, encodeRacpRequest(
          opts.lastSequence === undefined ? { op: 'report', from: 'all' } : { op: 'report', from: 'sequence', minSequence: (opts.lastSequence + 1) & 0xffff },
        )),
      );
    });
    if ((await Promise.race([done, timeout])) === 'timeout') notes.push('The meter did not finish sending its records in time');
    await conn.disconnect();
  } else if ((await Promise.race([conn.disconnected(), timeout])) === 'timeout') {
    await conn.disconnect();
  }

  for (const r of readings) {
    const meal = r.reading.sequenceNumber !== undefined ? contexts.get(r.reading.sequenceNumber) : undefined;
    if (meal) r.reading.details.meal = meal;
  }
  return { identity, deviceOffsetMs, clockSet, readings, ...(lastSequence !== undefined ? { lastSequence } : {}), notes };
}

import {
  CHARACTERISTIC, encodeCurrentTime, encodeRacpResponse, parseCurrentTime, parseRacpRequest, RACP_OP, SERVICE, type CurrentTime,
} from '../domain/ble/index.js';
import type { BlePeripheral, BleTransport, GattConnection } from './transport.js';

/*
 * Simulated health devices: a peripheral that answers reads from fixed Device Information, keeps a
 * Current Time clock, replays encoded measurement notifications byte for byte when a client
 * subscribes, and serves stored glucose records through the Record Access Control Point. Used by
 * the gateway's tests and by `varde gateway --simulate` to try the whole path without hardware.
 */

export interface SimulatedDeviceSpec {
  id: string;
  address?: string;
  name?: string;
  /** The primary health service (0x1810 blood pressure, 0x1808 glucose, …). */
  service: number;
  info?: { manufacturer?: string; model?: string; serial?: string; systemId?: Uint8Array };
  /** Current Time Service: the device's clock when the gateway connects; omitted = no CTS. */
  currentTime?: CurrentTime;
  /** Notifications of the measurement characteristic, replayed in order on subscribe. */
  notifications?: { characteristic: number; value: Uint8Array }[];
  /** Stored glucose records: sequence number, Glucose Measurement value and optional context. */
  records?: { sequence: number; value: Uint8Array; context?: Uint8Array }[];
}

/** What the simulated device saw, for assertions. */
export interface SimulatedLog {
  writes: { characteristic: number; value: Uint8Array }[];
  connections: number;
}

const te = new TextEncoder();

/** A simulated peripheral; `log` records the writes the gateway made (RACP requests, clock settings). */
export class SimulatedPeripheral implements BlePeripheral {
  readonly log: SimulatedLog = { writes: [], connections: 0 };
  readonly id: string;
  readonly address: string | undefined;
  readonly name: string | undefined;
  readonly advertisedServices: number[];

  constructor(readonly spec: SimulatedDeviceSpec) {
    this.id = spec.id;
    this.address = spec.address;
    this.name = spec.name;
    this.advertisedServices = [spec.service];
  }

  async connect(): Promise<GattConnection> {
    this.log.connections++;
    const spec = this.spec;
    const log = this.log;
    const subscribers = new Map<number, (v: Uint8Array) => void>();
    let closed = false;
    let close!: () => void;
    const gone = new Promise<void>((resolve) => (close = resolve));
    const measurement = spec.notifications?.[0]?.characteristic ?? (spec.records ? CHARACTERISTIC.glucoseMeasurement : undefined);
    const chars = new Map<number, number[]>();
    chars.set(SERVICE.deviceInformation, [CHARACTERISTIC.manufacturerName, CHARACTERISTIC.modelNumber, CHARACTERISTIC.serialNumber, CHARACTERISTIC.systemId]
      .filter((c) => infoValue(spec, c) !== undefined));
    if (spec.currentTime) chars.set(SERVICE.currentTime, [CHARACTERISTIC.currentTime]);
    chars.set(spec.service, [
      ...(measurement !== undefined ? [measurement] : []),
      ...(spec.records ? [CHARACTERISTIC.glucoseMeasurementContext, CHARACTERISTIC.recordAccessControlPoint] : []),
    ]);
    const finish = () => {
      if (closed) return;
      closed = true;
      // The device hangs up after sending, like a real cuff or scale (next macrotask, so the last value is handled first).
      setImmediate(close);
    };
    const deliver = (c: number, v: Uint8Array) => subscribers.get(c)?.(Uint8Array.from(v));

    return {
      characteristics: async () => chars,
      read: async (_s, c) => {
        if (c === CHARACTERISTIC.currentTime && spec.currentTime) return encodeCurrentTime(spec.currentTime);
        const v = infoValue(spec, c);
        if (v === undefined) throw new Error(`read of 0x${c.toString(16)} not permitted`);
        return v;
      },
      write: async (_s, c, value) => {
        log.writes.push({ characteristic: c, value: Uint8Array.from(value) });
        if (c === CHARACTERISTIC.currentTime) {
          const t = parseCurrentTime(value);
          if (t.ok) spec.currentTime = t.value;
          return;
        }
        if (c !== CHARACTERISTIC.recordAccessControlPoint) throw new Error('write not permitted');
        const q = parseRacpRequest(value);
        if (!q.ok) {
          deliver(c, encodeRacpResponse({ kind: 'response', requestOpCode: value[0] ?? 0, code: 2 }));
          return;
        }
        const req = q.value;
        if (req.op === 'abort') return deliver(c, encodeRacpResponse({ kind: 'response', requestOpCode: RACP_OP.abort, code: 1 }));
        const chosen = (spec.records ?? []).filter((r) => req.from === 'all' || r.sequence >= req.minSequence);
        if (req.op === 'count') return deliver(c, encodeRacpResponse({ kind: 'number_of_records', count: chosen.length }));
        setImmediate(() => {
          for (const r of chosen) {
            deliver(CHARACTERISTIC.glucoseMeasurement, r.value);
            if (r.context) deliver(CHARACTERISTIC.glucoseMeasurementContext, r.context);
          }
          deliver(c, encodeRacpResponse({ kind: 'response', requestOpCode: RACP_OP.reportStoredRecords, code: chosen.length > 0 ? 1 : 6 }));
        });
      },
      subscribe: async (_s, c, onValue) => {
        subscribers.set(c, onValue);
        if (c === measurement && spec.notifications) {
          setImmediate(() => {
            for (const n of spec.notifications!) deliver(n.characteristic, n.value);
            finish();
          });
        }
      },
      disconnected: () => gone,
      disconnect: async () => finish(),
    };
  }
}

function infoValue(spec: SimulatedDeviceSpec, c: number): Uint8Array | undefined {
  const i = spec.info ?? {};
  if (c === CHARACTERISTIC.manufacturerName && i.manufacturer) return te.encode(i.manufacturer);
  if (c === CHARACTERISTIC.modelNumber && i.model) return te.encode(i.model);
  if (c === CHARACTERISTIC.serialNumber && i.serial) return te.encode(i.serial);
  if (c === CHARACTERISTIC.systemId && i.systemId) return i.systemId;
  return undefined;
}

/** A transport whose scan finds the given simulated peripherals once each. */
export class SimulatedTransport implements BleTransport {
  constructor(readonly peripherals: SimulatedPeripheral[]) {}
  async scan(services: number[], onFound: (p: BlePeripheral) => void): Promise<() => Promise<void>> {
    for (const p of this.peripherals) if (p.advertisedServices.some((s) => services.includes(s))) onFound(p);
    return async () => {};
  }
}

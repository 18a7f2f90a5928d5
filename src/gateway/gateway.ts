import { normaliseMeasurement } from '../domain/catalogue.js';
import { dateTimeText, SERVICE } from '../domain/ble/index.js';
import type { QueuedReading, ReadingQueue } from './queue.js';
import { readDevice, type DeviceSession, type SessionReading } from './session.js';
import type { BlePeripheral, BleTransport } from './transport.js';
import { flushQueue, type IngestClient, type UploadResult } from './upload.js';

/*
 * `varde gateway`: scans for health devices, reads each one that connects with the shared parsers
 * (src/domain/ble), queues the readings in a local file and uploads them through the device
 * ingest. The server attributes each reading to the patient the device is lent to (the gateway
 * never names a patient), and refuses devices that are not in the register.
 */

/** Services the gateway looks for. */
export const HEALTH_SERVICES = [SERVICE.bloodPressure, SERVICE.weightScale, SERVICE.pulseOximeter, SERVICE.glucose, SERVICE.healthThermometer];

export interface GatewayOptions {
  transport: BleTransport;
  queue: ReadingQueue;
  client: IngestClient;
  /** Zone of the devices' wall clocks (the profiles carry none): the patient's, Europe/Oslo by default. */
  timeZone: string;
  now: () => Date;
  log: (line: string) => void;
  /** Set a device clock that is more than this far off (ms); null never sets it. */
  setClockBeyondMs: number | null;
  /** How long to wait for a device to finish sending. */
  deviceTimeoutMs: number;
}

/** Turns one session's readings into queue entries; what is not the patient's measurement is logged and left out. */
export function toQueued(session: DeviceSession, now: Date, log: (line: string) => void): QueuedReading[] {
  const id = session.identity;
  const device = { serial: id.serial, model: id.model, bluetoothId: id.bluetoothId, systemId: id.systemId };
  // A continuous oximeter streams every second; the last value of the session is the reading.
  const continuous = session.readings.filter((r) => r.reading.kind === 'plx_continuous');
  const chosen = session.readings.filter((r) => r.reading.kind !== 'plx_continuous' || r === continuous[continuous.length - 1]);
  const out: QueuedReading[] = [];
  for (const s of chosen) {
    const r = s.reading;
    const flags = r.interpretations.map((i) => i.code);
    if (r.excluded) {
      log(`${id.serial}: not uploaded: ${r.excluded} (${s.bytes})`);
      continue;
    }
    // One implausible value must not make the server refuse the whole upload: leave it out, say so.
    const measurements = r.measurements.filter((m) => {
      const n = normaliseMeasurement(m);
      if (!n.ok) log(`${id.serial}: ${m.code} ${m.value ?? m.interpretation} ${m.unit} left out: ${n.error.message}`);
      return n.ok;
    });
    if (measurements.length === 0) {
      log(`${id.serial}: no measurement to upload${flags.length ? ` (device flags: ${flags.join(', ')})` : ''} (${s.bytes})`);
      continue;
    }
    out.push({
      device,
      readingId: readingId(s),
      effectiveAt: (s.deviceTime ?? s.receivedAt).toISOString(),
      deviceClock: s.deviceTime !== null,
      deviceOffsetMs: s.deviceTime !== null ? session.deviceOffsetMs ?? 0 : 0,
      measurements,
      interpretations: [...flags, ...Object.entries(r.details).map(([k, v]) => `${k}=${v}`)],
      queuedAt: now.toISOString(),
    });
  }
  return out;
}

/** Stable per device: the glucose sequence number, else the device's time stamp, else the time received. */
function readingId(s: SessionReading): string {
  const r = s.reading;
  if (r.sequenceNumber !== undefined) return `seq-${r.sequenceNumber}`;
  const user = r.userId !== undefined && r.userId !== 255 ? `-u${r.userId}` : '';
  const stamp = r.measuredAt ? dateTimeText(r.measuredAt) : null;
  return stamp ? `${r.kind}-${stamp}${user}` : `${r.kind}-rx-${s.receivedAt.toISOString()}${user}`;
}

/** Key of a device for its remembered glucose sequence number. */
export function deviceKey(p: BlePeripheral): string {
  return p.address ?? p.id;
}

/** Connects to one device, reads it, and queues what it sent. */
export async function handlePeripheral(p: BlePeripheral, opts: GatewayOptions): Promise<DeviceSession> {
  const conn = await p.connect();
  const key = deviceKey(p);
  let session: DeviceSession;
  try {
    session = await readDevice(p, conn, {
      now: opts.now, timeZone: opts.timeZone, lastSequence: opts.queue.lastSequence(key), setClockBeyondMs: opts.setClockBeyondMs, timeoutMs: opts.deviceTimeoutMs,
    });
  } finally {
    await conn.disconnect().catch(() => {});
  }
  for (const n of session.notes) opts.log(`${session.identity.serial}: ${n}`);
  const queued = toQueued(session, opts.now(), opts.log);
  const added = opts.queue.add(queued, session.lastSequence !== undefined ? { deviceKey: key, sequence: session.lastSequence } : undefined);
  const offset = session.deviceOffsetMs === null ? 'no clock to read' : `clock ${Math.round(session.deviceOffsetMs / 1000)} s off${session.clockSet ? ', set now' : ''}`;
  opts.log(`${session.identity.model ?? 'device'} ${session.identity.serial} (${session.identity.bluetoothId}): ${session.readings.length} received, ${added} queued; ${offset}`);
  return session;
}

/** Uploads the queue and logs the outcome (rejections with the server's own message). */
export async function flushAndLog(opts: GatewayOptions): Promise<UploadResult> {
  const before = opts.queue.rejected.length;
  const r = await flushQueue(opts.queue, opts.client, opts.now);
  for (const x of opts.queue.rejected.slice(before)) opts.log(`refused by the server (${x.status} ${x.code}): ${x.message}`);
  if (r.uploaded || r.duplicates || r.rejected || r.stoppedBecause) {
    opts.log(`upload: ${r.uploaded} stored, ${r.duplicates} already stored, ${r.rejected} refused, ${r.pending} waiting${r.stoppedBecause ? ` (${r.stoppedBecause})` : ''}`);
  }
  return r;
}

/**
 * Runs until the signal aborts: scans, reads each device that shows up (one at a time per
 * device), and uploads after each device and every `flushEveryMs` while readings wait.
 */
export async function runGateway(opts: GatewayOptions, signal: AbortSignal, flushEveryMs = 30_000): Promise<void> {
  const busy = new Set<string>();
  let chain = Promise.resolve();
  const stop = await opts.transport.scan(HEALTH_SERVICES, (p) => {
    const key = deviceKey(p);
    if (busy.has(key) || signal.aborted) return;
    busy.add(key);
    // One device at a time: most adapters cannot hold many connections, and the queue file is shared.
    chain = chain.then(async () => {
      try {
        await handlePeripheral(p, opts);
        await flushAndLog(opts);
      } catch (e) {
        opts.log(`${p.name ?? key}: ${(e as Error).message}`);
      } finally {
        busy.delete(key);
      }
    });
  });
  const timer = setInterval(() => {
    if (opts.queue.pending.length > 0) chain = chain.then(() => flushAndLog(opts).then(() => {}, (e: unknown) => opts.log(`upload: ${(e as Error).message}`)));
  }, flushEveryMs);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(timer);
  await stop();
  await chain;
}

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceMeasurement } from '../domain/ble/index.js';

/*
 * The gateway's local queue: readings wait here until the server has acknowledged them, so a
 * gateway without network (or a server that is down) loses nothing. One JSON file, replaced
 * atomically (write to a temporary file, then rename) on every change, so a power cut leaves
 * either the old or the new queue. It also remembers, per device, the last glucose record taken.
 */

export interface QueuedDevice {
  serial: string;
  model?: string | undefined;
  bluetoothId: string;
  systemId?: string | undefined;
}

export interface QueuedReading {
  device: QueuedDevice;
  /** Stable per device across retries: glucose sequence number or the device's time stamp. */
  readingId: string;
  /** When measured: by the device clock when `deviceClock`, else by the gateway clock. */
  effectiveAt: string;
  deviceClock: boolean;
  /** Device clock minus gateway clock when the reading was taken off the device (0 for gateway time). */
  deviceOffsetMs: number;
  measurements: DeviceMeasurement[];
  /** Device flags and details, kept for the log (the ingest API has no field for them yet). */
  interpretations: string[];
  queuedAt: string;
}

export interface RejectedUpload {
  readings: QueuedReading[];
  status: number;
  code: string;
  message: string;
  at: string;
}

interface QueueFile {
  version: 1;
  pending: QueuedReading[];
  rejected: RejectedUpload[];
  lastSequence: Record<string, number>;
}

/** File-backed queue of readings waiting for upload. */
export class ReadingQueue {
  private data: QueueFile;

  constructor(readonly path: string) {
    this.data = ReadingQueue.load(path);
  }

  private static load(path: string): QueueFile {
    try {
      const d = JSON.parse(readFileSync(path, 'utf8')) as QueueFile;
      if (d.version === 1 && Array.isArray(d.pending)) return { ...d, rejected: d.rejected ?? [], lastSequence: d.lastSequence ?? {} };
      throw new Error(`${path} is not a Varde gateway queue`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, pending: [], rejected: [], lastSequence: {} };
      throw e;
    }
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 1));
    renameSync(tmp, this.path);
  }

  get pending(): readonly QueuedReading[] {
    return this.data.pending;
  }
  get rejected(): readonly RejectedUpload[] {
    return this.data.rejected;
  }

  /** Adds readings (a reading already waiting, same device and id, is not added twice) and records the last glucose sequence. */
  add(readings: QueuedReading[], lastSequence?: { deviceKey: string; sequence: number }): number {
    const key = (r: QueuedReading) => `${r.device.serial}\n${r.readingId}`;
    const have = new Set(this.data.pending.map(key));
    const fresh = readings.filter((r) => !have.has(key(r)) && (have.add(key(r)), true));
    this.data.pending.push(...fresh);
    if (lastSequence) this.data.lastSequence[lastSequence.deviceKey] = lastSequence.sequence;
    this.save();
    return fresh.length;
  }

  /** Removes readings the server has acknowledged (or that were moved to `rejected`). */
  remove(done: QueuedReading[], rejected?: Omit<RejectedUpload, 'readings'>): void {
    const gone = new Set(done);
    this.data.pending = this.data.pending.filter((r) => !gone.has(r));
    if (rejected) this.data.rejected.push({ readings: done, ...rejected });
    this.save();
  }

  lastSequence(deviceKey: string): number | undefined {
    return this.data.lastSequence[deviceKey];
  }
}

import type { MeasurementInput, RecordRequest } from '../../src/api/observations.js';

/** A random UUID for idempotency keys. */
export function newKey(): string {
  return randomUuid();
}

function randomUuid(): string {
  // randomUUID only exists in secure contexts; an iPad testing against a LAN address is not one.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Keeps one idempotency key per submission. If the request may have reached the server but the
 * answer got lost (network error, timeout, 5xx), pressing "Lagre" again with the same numbers must
 * not create duplicate observations, so the key is reused until the server confirms or the
 * numbers change.
 */
export class SubmissionTracker {
  private pending: { key: string; fingerprint: string } | null = null;

  constructor(private readonly newKey: () => string = randomUuid) {}

  prepare(measurements: MeasurementInput[]): RecordRequest {
    const fingerprint = JSON.stringify(measurements);
    if (!this.pending || this.pending.fingerprint !== fingerprint) {
      this.pending = { key: this.newKey(), fingerprint };
    }
    // effectiveAt is left to the server for now: a wrong tablet clock must not reject a reading.
    return { idempotencyKey: this.pending.key, measurements };
  }

  succeeded(): void {
    this.pending = null;
  }
}

/** Module-level so the key survives navigating away from the form and back. */
export const submissions = new SubmissionTracker();

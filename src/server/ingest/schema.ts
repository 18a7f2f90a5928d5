import { z } from 'zod';
import { ApiDateTime } from '../http/validation.js';
import { MeasurementInput } from '../observations/schema.js';

/** Most readings one upload may carry: a gateway that was offline for a week with 10 patients fits. */
export const MAX_READINGS = 1000;

export const IngestReading = z
  .object({
    /** The device's own id for the reading; with the client (and device serial) it makes the idempotency key. */
    readingId: z.string().min(1).max(128),
    patientId: z.uuid().optional(),
    /** Fødselsnummer or D-nummer, for gateways that know the patient by identity number only. */
    patientIdentifier: z.string().min(1).max(20).optional(),
    /** When the reading was taken, by the device's clock. */
    effectiveAt: ApiDateTime,
    measurements: z.array(MeasurementInput).min(1, 'A reading needs at least one measurement').max(20),
  })
  .superRefine((r, ctx) => {
    // Neither is allowed when the upload names a device: the reading goes to the device's borrower (checked on IngestBody).
    if (r.patientId !== undefined && r.patientIdentifier !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['patientId'], message: 'Give exactly one of patientId and patientIdentifier' });
    }
    const seen = new Set<string>();
    r.measurements.forEach((m, i) => {
      if (seen.has(m.code)) ctx.addIssue({ code: 'custom', path: ['measurements', i, 'code'], message: `${m.code} appears twice in one reading` });
      seen.add(m.code);
    });
  });
export type IngestReading = z.infer<typeof IngestReading>;

export const IngestBody = z
  .object({
    /** The device's clock when this upload was sent (set anew on every retransmission). */
    sentAt: ApiDateTime,
    device: z.object({
      serial: z.string().min(1).max(64), model: z.string().min(1).max(100).optional(),
      /** Bluetooth address or platform identifier and Device Information System ID (devices/identity.ts). */
      bluetoothId: z.string().min(1).max(100).optional(), systemId: z.string().min(1).max(40).optional(),
    }).optional(),
    readings: z.array(IngestReading).min(1, 'Send at least one reading').max(MAX_READINGS, `At most ${MAX_READINGS} readings per upload`),
  })
  .superRefine((b, ctx) => {
    // The same reading twice in one upload is a device bug worth surfacing, not a retry.
    const first = new Map<string, number>();
    b.readings.forEach((r, i) => {
      if (r.patientId === undefined && r.patientIdentifier === undefined && b.device === undefined) {
        ctx.addIssue({ code: 'custom', path: ['readings', i, 'patientId'], message: 'Give patientId or patientIdentifier, or name the device so the reading goes to the patient it is lent to' });
      }
      const j = first.get(r.readingId);
      if (j !== undefined) ctx.addIssue({ code: 'custom', path: ['readings', i, 'readingId'], message: `Same readingId as reading ${j}` });
      else first.set(r.readingId, i);
    });
  });
export type IngestBody = z.infer<typeof IngestBody>;

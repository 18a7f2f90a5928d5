import { z } from 'zod';
import { ApiDateTime, Instant, Zone } from './common.js';
import { MeasurementInput } from './observations.js';
import { route } from './route.js';

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

/** What happened to one reading of an upload. */
export const ReadingResult = z.object({
  index: z.number().int(),
  readingId: z.string(),
  status: z.enum(['created', 'duplicate']),
  patientId: z.string(),
  /** As stored, in server time (after any clock correction). */
  effectiveAt: z.string(),
  observationIds: z.array(z.string()),
  zone: Zone.nullable(),
});

export const IngestResponse = z.object({
  receivedAt: Instant,
  /** The device's clock minus ours when the upload was sent. */
  clockOffsetMs: z.number(),
  /** The readings' times were corrected by the offset (the device's clock was off). */
  clockCorrected: z.boolean(),
  created: z.number().int(),
  duplicates: z.number().int(),
  results: z.array(ReadingResult),
});

export const ingestRoutes = {
  observations: route({
    method: 'POST', path: '/api/ingest/observations', tag: 'ingest', summary: 'A device gateway uploads readings (bearer token, scope observation.write)',
    description: '201 when at least one reading was new, 200 when every reading had been stored before (a retry). Readings name the patient (id or identity number) or the lent device; the device\'s reading id makes the idempotency key. All or nothing: one bad reading refuses the upload with every problem listed (422/403).',
    body: IngestBody, status: 201, response: IngestResponse,
  }),
};

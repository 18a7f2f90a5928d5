import { z } from 'zod';
import { ApiDateTime, Instant, Zone } from './common.js';
import { route } from './route.js';

export const MeasurementInput = z
  .object({
    code: z.string().min(1).max(40),
    /** Exactly as measured; may be left out when the meter only showed HI or LO. */
    value: z.number({ error: 'Must be a number' }).optional(),
    unit: z.string().max(20).optional(),
    /** The meter showed "HI" or "LO" (outside its measuring range): red, never refused. */
    interpretation: z.enum(['HI', 'LO'], { error: 'Must be HI or LO' }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.value === undefined && m.interpretation === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'Enter a value (or HI/LO from the meter)' });
  });

/**
 * The device a sitting was read from over Bluetooth by the patient app (issue 13): what the app
 * could read of its Device Information (Web Bluetooth may not read the serial number, 0x2A25 is on
 * its blocklist) and the device's clock offset. The server attributes the reading to the device of
 * that identity lent to the patient, or refuses it (`unknown_device`).
 */
export const RecordDevice = z.object({
  serial: z.string().trim().max(100).optional(),
  model: z.string().trim().max(200).optional(),
  manufacturer: z.string().trim().max(200).optional(),
  /** System ID (0x2A23) as 16 hex digits. */
  systemId: z.string().trim().max(40).optional(),
  /** The device's clock minus the phone's, both as wall-clock time (Current Time 0x2A2B); null when not read. */
  clockOffsetMs: z.number().int().min(-2_000_000_000).max(2_000_000_000).nullable().optional(),
});
export type RecordDevice = z.infer<typeof RecordDevice>;

export const RecordBody = z
  .object({
    /** Client-made key; the same key again returns the first result instead of storing twice. */
    idempotencyKey: z.string().min(8).max(100),
    effectiveAt: ApiDateTime.optional(),
    measurements: z.array(MeasurementInput).min(1, 'Enter at least one measurement').max(20),
    /** New confusion noticed by the patient, a relative or a nurse (NEWS2 ACVPU "C", 3 points). */
    newConfusion: z.boolean().optional(),
    /** Read from a lent device over Bluetooth, not typed (stored as source 'device'). */
    device: RecordDevice.optional(),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.measurements.forEach((m, i) => {
      if (seen.has(m.code)) ctx.addIssue({ code: 'custom', path: ['measurements', i, 'code'], message: `${m.code} appears twice` });
      seen.add(m.code);
    });
  });
export type RecordBody = z.infer<typeof RecordBody>;

export const ListQuery = z.object({
  code: z.string().max(40).optional(),
  from: ApiDateTime.optional(),
  to: ApiDateTime.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
export type MeasurementInput = z.input<typeof MeasurementInput>;
export type RecordRequest = z.input<typeof RecordBody>;

/** A stored reading (observations/service.ts#observationDto): exact as measured, canonical UCUM unit. */
export const Observation = z.object({
  id: z.string(),
  code: z.string(),
  value: z.number(),
  unit: z.string(),
  effectiveAt: Instant,
  receivedAt: Instant,
  zone: Zone.nullable(),
  planVersion: z.number().nullable(),
  source: z.enum(['patient', 'device', 'personnel']),
  /** The registered device a device reading came from (absent for typed readings). */
  device: z.object({ id: z.string(), serial: z.string(), model: z.string(), manufacturer: z.string().nullable() }).optional(),
  /** The meter showed HI or LO; `value` is then the edge of its range. */
  interpretation: z.enum(['HI', 'LO']).optional(),
  /** Entered on the patient's behalf (issue 12): by health personnel (home care) or a relative with the patient's delegation. */
  enteredBy: z.object({ kind: z.enum(['personnel', 'relative']), name: z.string(), relation: z.string().nullable() }).optional(),
});
export type Observation = z.infer<typeof Observation>;
export const ObservationsResponse = z.object({ observations: z.array(Observation) });
export type ObservationsResponse = z.infer<typeof ObservationsResponse>;

/** What the patient is told after a report: the plan's action and whether someone is watching now. */
export const Feedback = z.object({
  zone: Zone.nullable(),
  action: z.string().nullable(),
  serviceOpen: z.boolean(),
  notice: z.string().nullable(),
  /** The plan asks the patient to rest and measure these again before a yellow is raised. */
  remeasure: z.object({ codes: z.array(z.string()), restMinutes: z.number(), until: z.string() }).nullable().optional(),
});
export type Feedback = z.infer<typeof Feedback>;

/** After recording a sitting: what was stored and what the patient is told (201; 200 on a repeated key). */
export const RecordResponse = z.object({
  observations: z.array(Observation),
  feedback: Feedback,
  /** The idempotency key was seen before: the first result again. */
  replayed: z.boolean(),
});
export type RecordResponse = z.infer<typeof RecordResponse>;

const PatientParams = z.object({ id: z.string() });
const RECORD_RULES = 'Values are stored and triaged exactly (no rounding); only physically impossible values are refused (422 naming `measurements.<i>.value`, also for a systolic below the diastolic). `interpretation: "HI"`/`"LO"` is a meter\'s out-of-range flag (the value may be left out) and is red. `newConfusion: true` reports new confusion (NEWS2). `feedback.remeasure` is set when the plan holds a yellow until the patient has rested and measured again. The same `idempotencyKey` again answers 200 with the first result.';

export const observationRoutes = {
  recordOwn: route({ method: 'POST', path: '/api/me/observations', tag: 'observations', summary: 'The patient records a sitting of measurements', description: RECORD_RULES, body: RecordBody, status: 201, response: RecordResponse }),
  listOwn: route({ method: 'GET', path: '/api/me/observations', tag: 'observations', summary: "The patient's own readings, newest first", query: ListQuery, response: ObservationsResponse }),
  record: route({ method: 'POST', path: '/api/patients/:id/observations', tag: 'observations', summary: "Personnel record on the patient's behalf (a home visit)", description: RECORD_RULES, params: PatientParams, body: RecordBody, status: 201, response: RecordResponse }),
  list: route({ method: 'GET', path: '/api/patients/:id/observations', tag: 'observations', summary: "A patient's readings, newest first", params: PatientParams, query: ListQuery, response: ObservationsResponse }),
};

import { z } from 'zod';
import { ApiDateTime } from '../http/validation.js';

export const MeasurementInput = z.object({
  code: z.string().min(1).max(40),
  value: z.number({ error: 'Must be a number' }),
  unit: z.string().max(20).optional(),
});

export const RecordBody = z
  .object({
    /** Client-made key; the same key again returns the first result instead of storing twice. */
    idempotencyKey: z.string().min(8).max(100),
    effectiveAt: ApiDateTime.optional(),
    measurements: z.array(MeasurementInput).min(1, 'Enter at least one measurement').max(20),
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

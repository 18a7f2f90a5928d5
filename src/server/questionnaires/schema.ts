import { z } from 'zod';
import { ApiDateTime } from '../http/validation.js';

/** A completed questionnaire: item id → chosen option value; the server scores and triages it. */
export const AnswerBody = z.object({
  /** Client-made key; the same key again returns the first result (offline retries). */
  idempotencyKey: z.string().min(8).max(100),
  /** When the patient answered (an offline answer syncs later but keeps this time). */
  effectiveAt: ApiDateTime.optional(),
  answers: z.record(z.string().min(1).max(40), z.number({ error: 'Must be a number' }).int('Must be a whole number')),
});
export type AnswerBody = z.infer<typeof AnswerBody>;

export const ResponseListQuery = z.object({
  code: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

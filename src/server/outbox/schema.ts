import { z } from 'zod';

/* The admin API's bodies live in the API contract (src/api/outbox.ts); re-exported for the server. */
export { OutboxQuery, ReceiverBody, ReceiverKind as ReceiverKindParam } from '../../api/outbox.js';

export const ReceiverModeBody = z.object({
  failStatus: z.number().int().min(400).max(599).nullable().optional(),
  delayMs: z.number().int().min(0).max(120_000).optional(),
  down: z.boolean().optional(),
});

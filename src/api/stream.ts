import { z } from 'zod';

/*
 * What the worklist stream (GET /api/worklist/stream, Server-Sent Events) sends besides its `rows`
 * event. Not a route of the contract (SSE is not one JSON answer), but its data is part of it.
 */

/** `event: worklist`: something about this patient changed; the clinic refetches what shows it. */
export const WorklistEvent = z.object({
  patientId: z.string(),
  reason: z.enum(['alert', 'alert-updated', 'observation', 'message', 'escalation']),
  /** The alert's zone, when the change is an alert. */
  zone: z.enum(['green', 'yellow', 'red', 'missing']).nullable().optional(),
});
export type WorklistEvent = z.infer<typeof WorklistEvent>;

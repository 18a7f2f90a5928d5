import { z } from 'zod';
import { IdParams, Instant } from './common.js';
import { route } from './route.js';

/** Where documents go: VKP (municipal record), Pasientens måledata (national), dialogmelding (GP). */
export const RECEIVER_KINDS = ['vkp', 'pasientens_maledata', 'dialogmelding'] as const;
export const ReceiverKind = z.enum(RECEIVER_KINDS, { error: 'Unknown receiver kind' });

export const ReceiverBody = z.object({
  url: z.url({ protocol: /^https?$/, error: 'Give the receiver\'s http(s) address' }).max(2000),
  helseIdClientId: z.string().trim().min(1).max(200).nullable().default(null),
  enabled: z.boolean(),
});

export const OutboxStatus = z.enum(['pending', 'delivered', 'dead']);
export const OutboxQuery = z.object({ status: OutboxStatus.optional() });

/** A document on its way to another system, with its delivery attempts so far. */
export const OutboxMessage = z.object({
  id: z.string(),
  documentKind: z.string(),
  receiverKind: z.string(),
  url: z.string(),
  status: OutboxStatus,
  attempts: z.number().int(),
  /** HTTP status of the last attempt; null when it never got an answer. */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: Instant,
  nextAttemptAt: Instant,
  deliveredAt: Instant.nullable(),
  deadAt: Instant.nullable(),
});
export type OutboxMessage = z.infer<typeof OutboxMessage>;

export const Receiver = z.object({ kind: ReceiverKind, url: z.string(), helseIdClientId: z.string().nullable(), enabled: z.boolean(), updatedAt: Instant });
export type Receiver = z.infer<typeof Receiver>;

export const outboxRoutes = {
  list: route({ method: 'GET', path: '/api/admin/outbox', tag: 'outbox', summary: "Documents of the administrator's organisation on their way out (latest 200)", query: OutboxQuery, response: z.object({ messages: z.array(OutboxMessage) }) }),
  resend: route({
    method: 'POST', path: '/api/admin/outbox/:id/resend', tag: 'outbox', summary: 'Send a dead letter again, from the first attempt (audited against the patient)',
    description: '409 when the message is not dead or its document cannot be built again.', params: IdParams, status: 204, response: null,
  }),
  receivers: route({ method: 'GET', path: '/api/admin/receivers', tag: 'outbox', summary: "Where the organisation's documents go, per kind", response: z.object({ receivers: z.array(Receiver) }) }),
  putReceiver: route({
    method: 'PUT', path: '/api/admin/receivers/:kind', tag: 'outbox', summary: 'Set where one kind of document goes (audited)',
    description: 'In production the address must be https:// and an enabled receiver needs a HelseID client.',
    params: z.object({ kind: ReceiverKind }), body: ReceiverBody, response: Receiver,
  }),
};

import { z } from 'zod';
import { RECEIVER_KINDS } from './repo.js';

export const ReceiverKindParam = z.enum(RECEIVER_KINDS, { error: 'Unknown receiver kind' });

export const ReceiverBody = z.object({
  url: z.url({ protocol: /^https?$/, error: 'Give the receiver\'s http(s) address' }).max(2000),
  helseIdClientId: z.string().trim().min(1).max(200).nullable().default(null),
  enabled: z.boolean(),
});

export const OutboxQuery = z.object({ status: z.enum(['pending', 'delivered', 'dead']).optional() });

export const ReceiverModeBody = z.object({
  failStatus: z.number().int().min(400).max(599).nullable().optional(),
  delayMs: z.number().int().min(0).max(120_000).optional(),
  down: z.boolean().optional(),
});

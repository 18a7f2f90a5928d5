import { z } from 'zod';

export const EscalateBody = z.object({
  note: z.string().trim().min(3, 'Write what the GP needs to know (at least 3 characters)').max(5000),
});

export const HandleBody = z.object({
  note: z.string().trim().max(5000).optional(),
});

export const EscalationListQuery = z.object({
  status: z.enum(['open', 'handled']).optional(),
});

import { z } from 'zod';

export const EmergencyBody = z.object({
  reason: z.string().trim().min(10, 'Explain the clinical need (at least 10 characters)').max(1000),
  hours: z.number().int().min(1).max(12).default(4),
});
export const ReviewBody = z.object({ note: z.string().trim().min(3).max(1000) });
export const MemberBody = z.object({
  hpr: z.string().trim().regex(/^\d{7,9}$/, 'HPR number: 7–9 digits'),
  name: z.string().trim().min(2).max(200),
  role: z.enum(['nurse', 'gp', 'specialist', 'coordinator', 'admin']),
});
export const SwitchBody = z.object({ organisationId: z.uuid(), role: z.enum(['nurse', 'gp', 'specialist', 'coordinator', 'admin']) });

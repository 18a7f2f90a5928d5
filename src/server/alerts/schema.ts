import { z } from 'zod';

export const CONTACT_TYPES = ['phone', 'video', 'visit', 'message', 'none'] as const;

export const NoteInput = z.object({
  contactType: z.enum(CONTACT_TYPES, { error: 'Choose how you were in contact with the patient' }),
  text: z.string().trim().min(3, 'Write a short note (at least 3 characters)').max(5000),
});

export const AlertActionBody = z.object({ note: NoteInput });
export const AlertListQuery = z.object({ status: z.enum(['open', 'acknowledged', 'resolved']).optional() });

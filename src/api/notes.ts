import { z } from 'zod';
import { Instant } from './common.js';

/** How the nurse was in touch with the patient. */
export const CONTACT_TYPES = ['phone', 'video', 'visit', 'message', 'none'] as const;
export const ContactType = z.enum(CONTACT_TYPES);
export type ContactType = z.infer<typeof ContactType>;

/** A contact note as written: with an alert action, or on its own. */
export const NoteInput = z.object({
  contactType: z.enum(CONTACT_TYPES, { error: 'Choose how you were in contact with the patient' }),
  text: z.string().trim().min(3, 'Write a short note (at least 3 characters)').max(5000),
});
export type NoteInput = z.input<typeof NoteInput>;

/** A stored contact note (notes/service.ts#noteDto). */
export const ContactNote = z.object({
  id: z.string(),
  alertId: z.string().nullable(),
  contactType: z.string(),
  text: z.string(),
  createdAt: Instant,
  author: z.string().nullable(),
  organisation: z.string().nullable(),
});
export type ContactNote = z.infer<typeof ContactNote>;
export const NotesResponse = z.object({ notes: z.array(ContactNote) });
export type NotesResponse = z.infer<typeof NotesResponse>;

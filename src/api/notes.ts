import { z } from 'zod';
import { IdParams, Instant } from './common.js';
import { route } from './route.js';

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

/** A note on its own, optionally about an alert. */
export const NoteBody = NoteInput.extend({ alertId: z.uuid().optional() });

/** The follow-up service's video link for this patient; `url` null when the service has none configured. */
export const VideoLink = z.object({ url: z.string().nullable(), episodeId: z.string().nullable() });

export const noteRoutes = {
  list: route({ method: 'GET', path: '/api/patients/:id/notes', tag: 'notes', summary: "A patient's contact notes", params: IdParams, response: NotesResponse }),
  add: route({ method: 'POST', path: '/api/patients/:id/notes', tag: 'notes', summary: 'Write a contact note', params: IdParams, body: NoteBody, status: 201, response: ContactNote }),
  videoLink: route({
    method: 'GET', path: '/api/patients/:id/video-link', tag: 'notes', summary: "The link to the follow-up service's video service for a consultation with the patient",
    description: 'The consultation is then documented as a note of type video.', params: IdParams, response: VideoLink,
  }),
};

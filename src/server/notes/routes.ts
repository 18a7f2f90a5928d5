import { noteRoutes as api } from '../../api/notes.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { addNote, listNotes, noteDto } from './service.js';
import { videoLink } from './video.js';

/** Contact notes of a patient, written by health personnel. */
export function noteRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.list, async ({ ctx, params }) => ({ notes: (await listNotes(ctx(), params().id)).map(noteDto) }));
  serve(app, deps, api.add, async ({ ctx, params, body }) => noteDto(await addNote(ctx(), params().id, body())));
  // The link to the service's own video service (notes/video.ts); the consultation is then documented as a note of type video.
  serve(app, deps, api.videoLink, async ({ ctx, params }) => videoLink(ctx(), deps.config, params().id));
}

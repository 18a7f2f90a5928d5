import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { HandleBody } from './schema.js';
import { inbox, markHandledWithoutReply, unreadSummary } from './service.js';

type P = { Params: { id: string } };

/**
 * The follow-up service's message inbox. Sending and reading a patient's thread stay under
 * /api/patients/:id/messages (and /api/me/messages for the patient); a reply there handles it.
 */
export function messageRoutes(app: App, deps: AppDeps): void {
  app.get('/api/messages/inbox', async (req) => inbox(ctxOf(req, deps)));
  app.get('/api/messages/unread-count', async (req) => unreadSummary(ctxOf(req, deps)));
  app.post<P>('/api/patients/:id/messages/handled', async (req) => {
    const { note } = parse(HandleBody, req.body);
    return markHandledWithoutReply(ctxOf(req, deps), req.params.id, note);
  });
}

import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { MessageBody } from '../messages/schema.js';
import { listMessages, myReplyExpectation, myUnread, patientMessageDto, sendMessage } from '../messages/service.js';
import { LanguageBody } from '../patients/schema.js';
import { setOwnLanguage } from '../patients/service.js';
import { SESSION_COOKIE } from '../auth/session.js';
import { myAccessLog, myPlan, myToday, selfId } from './service.js';
import { myStatus } from './status.js';

/** Kept here too: the clinic's patient routes import it from this module. */
export { MessageBody };

/** The patient app's API: the logged-in patient's own data only (own readings: observations/routes.ts). */
export function meRoutes(app: App, deps: AppDeps): void {
  app.get('/api/me/plan', async (req) => myPlan(ctxOf(req, deps)));
  app.get('/api/me/today', async (req) => myToday(ctxOf(req, deps)));
  // Polled by the app: open advice until a nurse acknowledges it, plan state and the session's end.
  app.get('/api/me/status', async (req) => myStatus(ctxOf(req, deps), req.cookies[SESSION_COOKIE], deps.config.SESSION_IDLE_MINUTES_PATIENT));

  // Opening the thread marks the service's replies read; the line says when to expect an answer.
  app.get('/api/me/messages', async (req) => {
    const ctx = ctxOf(req, deps);
    const id = selfId(ctx);
    return { messages: (await listMessages(ctx, id)).map(patientMessageDto), replyExpectation: await myReplyExpectation(ctx, id) };
  });
  app.post('/api/me/messages', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const { body } = parse(MessageBody, req.body);
    const id = selfId(ctx);
    const m = await sendMessage(ctx, id, body);
    return reply.code(201).send({ ...patientMessageDto(m), replyExpectation: await myReplyExpectation(ctx, id) });
  });
  // The navigation badge: replies the patient has not opened yet (does not mark anything read).
  app.get('/api/me/messages/unread', async (req) => {
    const ctx = ctxOf(req, deps);
    return myUnread(ctx, selfId(ctx));
  });

  app.get('/api/me/access-log', async (req) => myAccessLog(ctxOf(req, deps)));

  app.put('/api/me/language', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const { lang } = parse(LanguageBody, req.body);
    selfId(ctx);
    await setOwnLanguage(ctx, lang);
    return reply.code(204).send();
  });
}

import { z } from 'zod';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { listMessages, messageDto, sendMessage } from '../messages/service.js';
import { ListQuery, RecordBody } from '../observations/schema.js';
import { listObservations, observationDto, recordObservations } from '../observations/service.js';
import { LanguageBody } from '../patients/schema.js';
import { setOwnLanguage } from '../patients/service.js';
import { myAccessLog, myPlan, myToday, selfId } from './service.js';

export const MessageBody = z.object({ body: z.string().trim().min(1, 'Write a message').max(4000) });

/** The patient app's API: the logged-in patient's own data only. */
export function meRoutes(app: App, deps: AppDeps): void {
  app.get('/api/me/plan', async (req) => myPlan(ctxOf(req, deps)));
  app.get('/api/me/today', async (req) => myToday(ctxOf(req, deps)));

  app.post('/api/me/observations', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const body = parse(RecordBody, req.body);
    const r = await recordObservations(ctx, selfId(ctx), body, { source: 'patient' });
    return reply.code(r.replayed ? 200 : 201).send({ observations: r.observations.map(observationDto), feedback: r.feedback, replayed: r.replayed });
  });

  app.get('/api/me/observations', async (req) => {
    const ctx = ctxOf(req, deps);
    const q = parse(ListQuery, req.query);
    const rows = await listObservations(ctx, selfId(ctx), { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });
    return { observations: rows.map(observationDto) };
  });

  app.get('/api/me/messages', async (req) => {
    const ctx = ctxOf(req, deps);
    return { messages: (await listMessages(ctx, selfId(ctx))).map(messageDto) };
  });
  app.post('/api/me/messages', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const { body } = parse(MessageBody, req.body);
    return reply.code(201).send(messageDto(await sendMessage(ctx, selfId(ctx), body)));
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

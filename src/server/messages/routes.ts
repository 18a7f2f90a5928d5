import { messageRoutes as api } from '../../api/messages.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { selfId } from '../me/service.js';
import { inbox, listMessages, markHandledWithoutReply, messageDto, myReplyExpectation, myUnread, patientMessageDto, sendMessage, unreadSummary } from './service.js';

/**
 * Messages between patient and follow-up service: the service's inbox and badge counts, a
 * patient's thread in the clinic (a reply there handles it), and the patient's own thread.
 */
export function messageRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.inbox, async ({ ctx }) => inbox(ctx()));
  serve(app, deps, api.unreadCount, async ({ ctx }) => unreadSummary(ctx()));
  serve(app, deps, api.handled, async ({ ctx, params, body }) => markHandledWithoutReply(ctx(), params().id, body().note));
  serve(app, deps, api.thread, async ({ ctx, params }) => ({ messages: (await listMessages(ctx(), params().id)).map(messageDto) }));
  serve(app, deps, api.send, async ({ ctx, params, body }) => messageDto(await sendMessage(ctx(), params().id, body().body)));

  // Opening the thread marks the service's replies read; the line says when to expect an answer.
  serve(app, deps, api.own, async ({ ctx }) => {
    const c = ctx();
    const id = selfId(c);
    return { messages: (await listMessages(c, id)).map(patientMessageDto), replyExpectation: await myReplyExpectation(c, id) };
  });
  serve(app, deps, api.sendOwn, async ({ ctx, body }) => {
    const c = ctx();
    const id = selfId(c);
    const m = await sendMessage(c, id, body().body);
    return { ...patientMessageDto(m), replyExpectation: await myReplyExpectation(c, id) };
  });
  // The navigation badge: replies the patient has not opened yet (does not mark anything read).
  serve(app, deps, api.ownUnread, async ({ ctx }) => {
    const c = ctx();
    return myUnread(c, selfId(c));
  });
}

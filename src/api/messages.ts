import { z } from 'zod';
import { IdParams, Instant } from './common.js';
import { route } from './route.js';

/** A message to or from the patient; long enough for a real answer, short enough to stay a message. */
export const MessageBody = z.object({ body: z.string().trim().min(1, 'Write a message').max(4000) });

/** Marking a patient's messages handled without a written reply: optionally why (e.g. "ringte pasienten"). */
export const HandleBody = z.object({
  note: z
    .string()
    .trim()
    .max(1000)
    .optional()
    .transform((s) => (s ? s : null)),
});

/** A message of a patient's thread as the clinic sees it (messages/service.ts#messageDto). */
export const Message = z.object({
  id: z.string(),
  from: z.enum(['patient', 'personnel']),
  senderName: z.string().nullable(),
  body: z.string(),
  createdAt: Instant,
  /** When the patient opened a reply from the service. */
  readAt: Instant.nullable(),
  handledAt: Instant.nullable(),
  handledBy: z.string().nullable(),
  handledHow: z.enum(['reply', 'no_reply']).nullable(),
  handledNote: z.string().nullable(),
});
export type Message = z.infer<typeof Message>;
export const MessagesResponse = z.object({ messages: z.array(Message) });
export type MessagesResponse = z.infer<typeof MessagesResponse>;

/** What the patient sees of a message: the service's internal handling note stays in the clinic. */
export const PatientMessage = Message.omit({ handledNote: true, handledBy: true, handledHow: true });
export type PatientMessage = z.infer<typeof PatientMessage>;

/** When the follow-up service is likely to answer, from its opening hours (messages/expectation.ts). */
export const ReplyExpectation = z.object({
  serviceOpen: z.boolean(),
  closesAt: Instant.nullable(),
  nextOpening: Instant.nullable(),
  /** One line for the patient, in their language. */
  text: z.string(),
});
export type ReplyExpectation = z.infer<typeof ReplyExpectation>;

/** The patient's own thread; null expectation without an open episode. */
export const OwnMessagesResponse = z.object({ messages: z.array(PatientMessage), replyExpectation: ReplyExpectation.nullable() });
export type OwnMessagesResponse = z.infer<typeof OwnMessagesResponse>;
export const OwnMessageSent = PatientMessage.extend({ replyExpectation: ReplyExpectation.nullable() });

/** The follow-up service's inbox: open threads (waiting longest first) and what was handled in the last week. */
export const InboxResponse = z.object({
  threads: z.array(z.object({
    patient: z.object({ id: z.string(), name: z.string(), birthDate: z.string(), identifier: z.string() }),
    episodeId: z.string(),
    unhandled: z.number().int(),
    unread: z.number().int(),
    oldestAt: Instant,
    latestAt: Instant,
    latestBody: z.string(),
  })),
  handled: z.array(z.object({
    patient: z.object({ id: z.string(), name: z.string() }),
    episodeId: z.string(),
    messageId: z.string(),
    body: z.string(),
    createdAt: Instant,
    handledAt: Instant,
    handledHow: z.enum(['reply', 'no_reply']).nullable(),
    handledBy: z.string().nullable(),
    note: z.string().nullable(),
  })),
});
export type InboxResponse = z.infer<typeof InboxResponse>;

/** Counts only (no names or texts): the navigation badge and the worklist's chips. */
export const UnreadSummary = z.object({ messages: z.number().int(), patients: z.number().int(), byEpisode: z.record(z.string(), z.number().int()) });
export type UnreadSummary = z.infer<typeof UnreadSummary>;

export const messageRoutes = {
  inbox: route({ method: 'GET', path: '/api/messages/inbox', tag: 'messages', summary: "The follow-up service's message inbox (each listed patient audited)", response: InboxResponse }),
  unreadCount: route({ method: 'GET', path: '/api/messages/unread-count', tag: 'messages', summary: 'Unhandled patient messages of the service, in total and per episode', response: UnreadSummary }),
  handled: route({
    method: 'POST', path: '/api/patients/:id/messages/handled', tag: 'messages', summary: "Mark a patient's messages handled without a written reply",
    description: '`handled` is 0 when someone else handled them first.', params: IdParams, body: HandleBody, response: z.object({ handled: z.number().int() }),
  }),
  thread: route({ method: 'GET', path: '/api/patients/:id/messages', tag: 'messages', summary: "A patient's message thread", params: IdParams, response: MessagesResponse }),
  send: route({ method: 'POST', path: '/api/patients/:id/messages', tag: 'messages', summary: 'Write to the patient (handles their open messages)', params: IdParams, body: MessageBody, status: 201, response: Message }),
  own: route({ method: 'GET', path: '/api/me/messages', tag: 'me', summary: "The patient's own thread; opening it marks the service's replies read", response: OwnMessagesResponse }),
  sendOwn: route({ method: 'POST', path: '/api/me/messages', tag: 'me', summary: 'The patient writes to the follow-up service; says when to expect an answer', body: MessageBody, status: 201, response: OwnMessageSent }),
  ownUnread: route({ method: 'GET', path: '/api/me/messages/unread', tag: 'me', summary: 'Replies the patient has not opened yet (marks nothing read)', response: z.object({ unread: z.number().int() }) }),
};

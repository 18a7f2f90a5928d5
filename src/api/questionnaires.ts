import { z } from 'zod';
import { ApiDateTime, IdParams, Instant, LocalText, Zone } from './common.js';
import { Feedback, Observation } from './observations.js';
import { route } from './route.js';

/** A completed questionnaire: item id → chosen option value; the server scores and triages it. */
export const AnswerBody = z.object({
  /** Client-made key; the same key again returns the first result (offline retries). */
  idempotencyKey: z.string().min(8).max(100),
  /** When the patient answered (an offline answer syncs later but keeps this time). */
  effectiveAt: ApiDateTime.optional(),
  answers: z.record(z.string().min(1).max(40), z.number({ error: 'Must be a number' }).int('Must be a whole number')),
});
export type AnswerBody = z.infer<typeof AnswerBody>;

export const ResponseListQuery = z.object({
  code: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const CodeParams = z.object({ code: z.string() });

export const QuestionnaireOption = z.object({ value: z.number(), text: LocalText });
export type QuestionnaireOption = z.infer<typeof QuestionnaireOption>;
export const QuestionnaireItem = z.object({ id: z.string(), text: LocalText, options: z.array(QuestionnaireOption) });
export type QuestionnaireItem = z.infer<typeof QuestionnaireItem>;

/** A questionnaire's texts, items and severity bands (domain/questionnaires.ts). */
export const QuestionnaireDef = z.object({
  code: z.string(),
  title: LocalText,
  intro: LocalText,
  items: z.array(QuestionnaireItem),
  maxScore: z.number(),
  source: z.string(),
  bands: z.array(z.object({ upTo: z.number(), severity: LocalText })),
});
export type QuestionnaireDef = z.infer<typeof QuestionnaireDef>;

/** A scored response with each answer's text (questionnaires/service.ts#responseDto). */
export const QuestionnaireResponse = z.object({
  id: z.string(),
  code: z.string(),
  title: LocalText.nullable(),
  score: z.number(),
  maxScore: z.number().nullable(),
  severity: LocalText.nullable(),
  zone: Zone.nullable(),
  planVersion: z.number().nullable(),
  effectiveAt: Instant,
  receivedAt: Instant,
  answers: z.array(z.object({ itemId: z.string(), text: LocalText, value: z.number().nullable(), answerText: LocalText.nullable() })),
});
export type QuestionnaireResponse = z.infer<typeof QuestionnaireResponse>;

export const AnswerResponse = z.object({
  response: QuestionnaireResponse,
  observation: Observation.nullable(),
  feedback: Feedback,
  /** The idempotency key was seen before: this is the first result again (status 200, not 201). */
  replayed: z.boolean(),
});
export type AnswerResponse = z.infer<typeof AnswerResponse>;

export const questionnaireRoutes = {
  definition: route({ method: 'GET', path: '/api/questionnaires/:code', tag: 'questionnaires', summary: "A questionnaire's texts (any logged-in user)", params: CodeParams, response: QuestionnaireDef }),
  answer: route({
    method: 'POST', path: '/api/me/questionnaires/:code', tag: 'questionnaires', summary: 'The patient answers a questionnaire (201; 200 when the idempotency key was seen)', description: 'At most one item may be left unanswered: the total is then prorated (mean of the answered items × item count, not rounded); more gives 422 `missing_answer` naming each `answers.<itemId>` (`invalid_answer` for a value the item does not offer). The total is also stored as an observation with the questionnaire\'s code and triaged like one; the plan\'s answer rules and PHQ-9 item 9 > 0 (always red; unanswered: yellow) are checked on the answers themselves.',
    params: CodeParams, body: AnswerBody, status: 201, response: AnswerResponse,
  }),
  responses: route({
    method: 'GET', path: '/api/patients/:id/questionnaire-responses', tag: 'questionnaires', summary: "A patient's questionnaire responses",
    params: IdParams, query: ResponseListQuery, response: z.object({ responses: z.array(QuestionnaireResponse) }),
  }),
};

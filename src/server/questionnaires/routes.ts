import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { selfId } from '../me/service.js';
import { AnswerBody, ResponseListQuery } from './schema.js';
import { answerQuestionnaire, listResponses, observationDto, questionnaireDefinition, responseDto } from './service.js';

type Code = { Params: { code: string } };

/** Questionnaires: the texts (any logged-in user), the patient's answers, the clinic's view of them. */
export function questionnaireRoutes(app: App, deps: AppDeps): void {
  app.get<Code>('/api/questionnaires/:code', async (req) => {
    ctxOf(req, deps);
    const d = questionnaireDefinition(req.params.code);
    return { code: d.code, title: d.title, intro: d.intro, items: d.items, maxScore: d.maxScore, source: d.source, bands: d.bands };
  });

  app.post<Code>('/api/me/questionnaires/:code', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const patientId = selfId(ctx);
    const r = await answerQuestionnaire(ctx, patientId, req.params.code, parse(AnswerBody, req.body), 'patient');
    return reply.code(r.replayed ? 200 : 201).send({
      response: responseDto(r.response), observation: r.observation ? observationDto(r.observation) : null, feedback: r.feedback, replayed: r.replayed,
    });
  });

  app.get<{ Params: { id: string } }>('/api/patients/:id/questionnaire-responses', async (req) => {
    const q = parse(ResponseListQuery, req.query);
    return { responses: (await listResponses(ctxOf(req, deps), req.params.id, q.code, q.limit)).map(responseDto) };
  });
}

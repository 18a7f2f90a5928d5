import { questionnaireRoutes as api } from '../../api/questionnaires.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { selfId } from '../me/service.js';
import { answerQuestionnaire, listResponses, observationDto, questionnaireDefinition, responseDto } from './service.js';

/** Questionnaires: the texts (any logged-in user), the patient's answers, the clinic's view of them. */
export function questionnaireRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.definition, async ({ ctx, params }) => {
    ctx();
    const d = questionnaireDefinition(params().code);
    return { code: d.code, title: d.title, intro: d.intro, items: d.items, maxScore: d.maxScore, source: d.source, bands: d.bands };
  });

  serve(app, deps, api.answer, async ({ ctx, params, body, reply }) => {
    const c = ctx();
    const patientId = selfId(c);
    const r = await answerQuestionnaire(c, patientId, params().code, body(), 'patient');
    if (r.replayed) reply.code(200);
    return { response: responseDto(r.response), observation: r.observation ? observationDto(r.observation) : null, feedback: r.feedback, replayed: r.replayed };
  });

  serve(app, deps, api.responses, async ({ ctx, params, query }) => {
    const q = query();
    return { responses: (await listResponses(ctx(), params().id, q.code, q.limit)).map(responseDto) };
  });
}

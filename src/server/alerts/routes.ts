import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { AlertActionBody } from './schema.js';
import { actOnAlert, alertDto } from './service.js';

export function alertRoutes(app: App, deps: AppDeps): void {
  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string } }>(`/api/alerts/:id/${action}`, async (req) => {
      const { note } = parse(AlertActionBody, req.body);
      return alertDto(await actOnAlert(ctxOf(req, deps), req.params.id, action, note));
    });
  }
}

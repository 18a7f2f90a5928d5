import { ReportQuery, reportRoutes as api } from '../../api/reports.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { serve } from '../http/contract.js';
import { indicatorReport, reportCsv } from './service.js';

/** Aggregated indicators (no patient-level data) as JSON (through the contract) and as CSV. */
export function reportRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.indicators, async ({ ctx, query }) => {
    const c = ctx();
    return indicatorReport(c, query());
  });
  app.get('/api/reports/indicators.csv', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const q = parse(ReportQuery, req.query);
    const report = await indicatorReport(ctx, q);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="varde-indikatorer-${report.period.from}-${report.period.to}.csv"`)
      .header('cache-control', 'no-store')
      .send(reportCsv(report, q.lang));
  });
}

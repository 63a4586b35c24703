import type { App } from '../http/server.ts';
import { Dashboard, ImpactReport, ReportParam, ReportQuery, SeriesParam, SeriesQuery, SeriesTable } from './reports.schemas.ts';
import { type ReportsService, toCsv } from './reports.service.ts';

export function reportsRoutes(app: App, { reports }: { reports: ReportsService }) {
  const tags = ['reports'];
  app.get(
    '/api/v1/programs/:program/dashboard',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'getProgramDashboard',
        description:
          'Every chart of the program dashboard for a fiscal year: burn-down (budget, committed, spent, forecast), spend by project, purpose, metro and plan, fleet utilization, review turnaround, time to server, projects supported.',
        params: ReportParam,
        querystring: ReportQuery,
        response: { 200: Dashboard },
      },
    },
    async (request) => reports.dashboard(request.params.program, request.query),
  );
  app.get(
    '/api/v1/programs/:program/dashboard/:series',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'getProgramDashboardSeries',
        description: 'One dashboard series as a table; `format=csv` downloads it as CSV (text/csv) with the same columns and rows.',
        params: SeriesParam,
        querystring: SeriesQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: SeriesTable },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query;
      const table = await reports.series(request.params.program, request.params.series, query);
      if (format === 'json') return table;
      const name = `${request.params.program}-${request.params.series}${query.year ? `-${query.year}` : ''}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`)
        .serializer((payload: unknown) => payload as string)
        .send(toCsv(table) as unknown as SeriesTable);
    },
  );
  app.get(
    '/api/v1/programs/:program/impact',
    {
      config: { policy: 'public' },
      schema: {
        tags,
        operationId: 'getProgramImpact',
        description:
          'The yearly impact report: projects supported, server hours, value donated at list prices, traffic served, published stories. Public when the program’s policy says so, otherwise for staff.',
        params: ReportParam,
        querystring: ReportQuery,
        response: { 200: ImpactReport },
      },
    },
    async (request) => reports.impact(request.ctx.actor, request.params.program, request.query),
  );
}

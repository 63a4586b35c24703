import type { Readable } from 'node:stream';
import { z } from 'zod';
import { signedIn } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { App } from '../http/server.ts';
import {
  GrantUsage,
  GrantUsageParam,
  GrantUsageQuery,
  IdleServerList,
  IdleServerQuery,
  ProgramUsageParam,
  ProjectBurn,
  ProjectUsageParam,
  TrafficIngestResult,
  UsageQuery,
  UsageReport,
} from './metering.schemas.ts';
import type { MeteringService } from './metering.service.ts';
import { TRAFFIC_CONTENT_TYPES } from './traffic.ts';

export function meteringRoutes(app: App, { metering }: { metering: MeteringService }) {
  const tags = ['usage'];
  app.get(
    '/api/v1/projects/:project/usage',
    {
      config: { policy: 'project:member' },
      schema: {
        tags,
        operationId: 'getProjectUsage',
        description: 'Server time and traffic of the project in a range of UTC days, grouped by plan, metro and unit, priced.',
        params: ProjectUsageParam,
        querystring: UsageQuery,
        response: { 200: UsageReport },
      },
    },
    async (request) => metering.projectUsage((request.projectAccess?.project.id as string) ?? '', request.query),
  );
  app.get(
    '/api/v1/projects/:project/usage/burn',
    {
      config: { policy: 'project:member' },
      schema: {
        tags,
        operationId: 'getProjectBurn',
        description: 'This month’s spend against each live grant’s credit, days left, and the project’s idle servers.',
        params: ProjectUsageParam,
        response: { 200: ProjectBurn },
      },
    },
    async (request) => metering.projectBurn(request.projectAccess?.project.id as string),
  );
  app.get(
    '/api/v1/programs/:program/usage',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'getProgramUsage',
        description:
          'Usage of every grant of the program in a range of UTC days, grouped by plan, metro and unit, with per-project totals.',
        params: ProgramUsageParam,
        querystring: UsageQuery,
        response: { 200: UsageReport },
      },
    },
    async (request) => metering.programUsage(request.params.program, request.query),
  );
  app.get(
    '/api/v1/grants/:id/usage',
    {
      config: { policy: 'user' },
      schema: {
        tags,
        operationId: 'getGrantUsage',
        description: 'Per UTC month: the credit, what was spent, what remains, and the alerts sent.',
        params: GrantUsageParam,
        querystring: GrantUsageQuery,
        response: { 200: GrantUsage },
      },
    },
    async (request) => metering.grantUsage(signedIn(request.ctx).actor, request.params.id, request.query.months),
  );
  app.get(
    '/api/v1/usage/idle',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'listIdleServers',
        description:
          'Active servers with no heartbeat, SSH session or traffic for their program’s idle days (longest idle first), the credit they used while idle and what they keep costing per month; for staff (reviewers, operators, admins).',
        querystring: IdleServerQuery,
        response: { 200: IdleServerList },
      },
    },
    async (request) => metering.idleList(request.query),
  );

  // The body is a stream: batches are up to 50 MB and go to PostgreSQL while they are still arriving.
  app.register(async (scope) => {
    scope.addContentTypeParser(Object.keys(TRAFFIC_CONTENT_TYPES), (_request, payload, done) => done(null, payload));
    scope.post(
      '/api/v1/usage/traffic',
      {
        config: { policy: 'user' },
        schema: {
          tags,
          operationId: 'ingestTraffic',
          description: [
            'A batch of traffic samples as JSON lines (`application/x-ndjson`) or CSV with a header (`text/csv`); each sample has',
            '`id`, `server` (a server id) or `project` (id or slug), `time` (RFC 3339) and `bytes_in`/`bytes_out` (whole bytes).',
            'Operators and admins report for anyone, project owners for their projects. Idempotent by (project, id); atomic: one',
            'bad line rejects the batch with each bad line’s number and reason in `error.fields`, and nothing is stored.',
          ].join(' '),
          consumes: Object.keys(TRAFFIC_CONTENT_TYPES),
          // Documents the body; the stream itself is read by the service, line by line.
          body: z.any().describe('JSON lines (application/x-ndjson) or CSV with a header row (text/csv): one sample a line.'),
          response: { 200: TrafficIngestResult },
        },
      },
      async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        const format = TRAFFIC_CONTENT_TYPES[type];
        if (!format) throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Send traffic as application/x-ndjson or text/csv.');
        return metering.ingestTraffic(signedIn(request.ctx).actor, format, request.body as Readable);
      },
    );
  });
}

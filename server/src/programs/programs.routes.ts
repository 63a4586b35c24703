import { z } from 'zod';
import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { Budget, Program, ProgramCreateBody, ProgramList, ProgramParam, ProgramUpdateBody, StaffBody } from './programs.schemas.ts';
import type { ProgramsService } from './programs.service.ts';

export function programsRoutes(app: App, { programs }: { programs: ProgramsService }) {
  const tags = ['programs'];
  app.get(
    '/api/v1/programs',
    { config: { policy: 'user' }, schema: { tags, operationId: 'listPrograms', response: { 200: ProgramList } } },
    async (request) => ({
      items: await programs.list(signedIn(request.ctx).actor),
    }),
  );
  app.post(
    '/api/v1/programs',
    { config: { policy: 'admin' }, schema: { tags, operationId: 'createProgram', body: ProgramCreateBody, response: { 201: Program } } },
    async (request, reply) => reply.status(201).send(await programs.create(request.ctx, request.body)),
  );
  app.get(
    '/api/v1/programs/:program',
    { config: { policy: 'user' }, schema: { tags, operationId: 'getProgram', params: ProgramParam, response: { 200: Program } } },
    async (request) => programs.get(signedIn(request.ctx).actor, request.params.program),
  );
  app.patch(
    '/api/v1/programs/:program',
    {
      config: { policy: 'staff' },
      schema: { tags, operationId: 'updateProgram', params: ProgramParam, body: ProgramUpdateBody, response: { 200: Program } },
    },
    async (request) => programs.update(signedIn(request.ctx), request.params.program, request.body),
  );
  app.put(
    '/api/v1/programs/:program/staff',
    {
      config: { policy: 'staff' },
      schema: { tags, operationId: 'setProgramStaff', params: ProgramParam, body: StaffBody, response: { 200: Program } },
    },
    async (request) => programs.setStaff(signedIn(request.ctx), request.params.program, request.body.user_id, request.body.role),
  );
  app.delete(
    '/api/v1/programs/:program/staff/:user',
    {
      config: { policy: 'staff' },
      schema: { tags, operationId: 'removeProgramStaff', params: ProgramParam.extend({ user: z.uuid() }), response: { 200: Program } },
    },
    async (request) => programs.removeStaff(signedIn(request.ctx), request.params.program, request.params.user),
  );
  app.get(
    '/api/v1/programs/:program/budget',
    { config: { policy: 'staff' }, schema: { tags, operationId: 'getProgramBudget', params: ProgramParam, response: { 200: Budget } } },
    async (request) => programs.budget(request.params.program),
  );
}

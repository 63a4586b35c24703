import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../http/server.ts';
import {
  MachineDetail,
  MachineEnrollBody,
  MachineImportCsv,
  MachineImportQuery,
  MachineImportResult,
  MachineList,
  MachineListQuery,
  MachineMaintenanceBody,
  MachineParam,
  MachineUpdateBody,
} from './inventory.schemas.ts';
import type { InventoryService } from './inventory.service.ts';

/** A CSV of a few thousand machines, PEMs included, fits comfortably. */
const CSV_BODY_LIMIT = 4 * 1024 * 1024;

export function inventoryRoutes(app: App, { inventory }: { inventory: InventoryService }) {
  const tags = ['inventory'];
  const config = { policy: 'operator' as const };
  app.get(
    '/api/v1/machines',
    { config, schema: { tags, operationId: 'listMachines', querystring: MachineListQuery, response: { 200: MachineList } } },
    async (request) => inventory.list(request.query),
  );
  app.get(
    '/api/v1/machines/:id',
    { config, schema: { tags, operationId: 'getMachine', params: MachineParam, response: { 200: MachineDetail } } },
    async (request) => inventory.get(request.params.id),
  );
  app.post(
    '/api/v1/machines',
    { config, schema: { tags, operationId: 'enrollMachine', body: MachineEnrollBody, response: { 201: MachineDetail } } },
    async (request, reply) => reply.status(201).send(await inventory.enroll(request.ctx, request.body)),
  );
  app.patch(
    '/api/v1/machines/:id',
    {
      config,
      schema: { tags, operationId: 'updateMachine', params: MachineParam, body: MachineUpdateBody, response: { 200: MachineDetail } },
    },
    async (request) => inventory.update(request.ctx, request.params.id, request.body),
  );
  app.post(
    '/api/v1/machines/:id/maintenance',
    {
      config,
      schema: {
        tags,
        operationId: 'putMachineInMaintenance',
        params: MachineParam,
        body: MachineMaintenanceBody,
        response: { 200: MachineDetail },
      },
    },
    async (request) => inventory.maintenance(request.ctx, request.params.id, request.body.reason),
  );
  app.post(
    '/api/v1/machines/:id/available',
    { config, schema: { tags, operationId: 'returnMachineToPool', params: MachineParam, response: { 202: MachineDetail } } },
    async (request, reply) => reply.status(202).send(await inventory.makeAvailable(request.ctx, request.params.id)),
  );
  app.post(
    '/api/v1/machines/:id/reprobe',
    { config, schema: { tags, operationId: 'reprobeMachine', params: MachineParam, response: { 202: MachineDetail } } },
    async (request, reply) => reply.status(202).send(await inventory.reprobe(request.ctx, request.params.id)),
  );

  // The API otherwise takes JSON only: text/csv is understood by this route alone.
  app.register(async (scope) => {
    const csv = scope.withTypeProvider<ZodTypeProvider>();
    csv.removeContentTypeParser('application/json');
    csv.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => done(null, body));
    csv.post(
      '/api/v1/machines/import',
      {
        config,
        bodyLimit: CSV_BODY_LIMIT,
        schema: {
          tags,
          operationId: 'importMachines',
          consumes: ['text/csv'],
          querystring: MachineImportQuery,
          body: MachineImportCsv,
          response: { 200: MachineImportResult, 201: MachineImportResult },
        },
      },
      async (request, reply) => {
        const result = await inventory.importCsv(request.ctx, request.body, request.query.dry_run);
        return reply.status(result.dry_run ? 200 : 201).send(result);
      },
    );
  });
}

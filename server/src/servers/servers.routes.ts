import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { ServerActionBody, ServerCreateBody, ServerDetail, ServerList, ServerListQuery, ServerParam } from './servers.schemas.ts';
import type { ServersService } from './servers.service.ts';

export function serversRoutes(app: App, { servers }: { servers: ServersService }) {
  const tags = ['servers'];
  app.get(
    '/api/v1/servers',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'listServers', querystring: ServerListQuery, response: { 200: ServerList } },
    },
    async (request) => servers.list(signedIn(request.ctx).actor, request.query),
  );
  app.post(
    '/api/v1/servers',
    { config: { policy: 'user' }, schema: { tags, operationId: 'createServer', body: ServerCreateBody, response: { 201: ServerDetail } } },
    async (request, reply) => reply.status(201).send(await servers.create(signedIn(request.ctx), request.body)),
  );
  app.get(
    '/api/v1/servers/:id',
    { config: { policy: 'user' }, schema: { tags, operationId: 'getServer', params: ServerParam, response: { 200: ServerDetail } } },
    async (request) => servers.get(signedIn(request.ctx).actor, request.params.id),
  );
  app.post(
    '/api/v1/servers/:id/actions',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'serverAction', params: ServerParam, body: ServerActionBody, response: { 202: ServerDetail } },
    },
    async (request, reply) => reply.status(202).send(await servers.action(signedIn(request.ctx), request.params.id, request.body)),
  );
  app.delete(
    '/api/v1/servers/:id',
    { config: { policy: 'user' }, schema: { tags, operationId: 'deleteServer', params: ServerParam, response: { 202: ServerDetail } } },
    async (request, reply) => {
      const actor = signedIn(request.ctx).actor;
      await servers.delete(request.ctx, request.params.id, actor);
      return reply.status(202).send(await servers.get(actor, request.params.id));
    },
  );
}

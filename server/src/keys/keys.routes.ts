import { z } from 'zod';
import { signedIn } from '../http/context.ts';
import type { ProjectAccess } from '../http/policy.ts';
import type { App } from '../http/server.ts';
import { ProjectParam } from '../projects/projects.schemas.ts';
import { ProjectSshKeyList, SshKey, SshKeyCreateBody, SshKeyList } from './keys.schemas.ts';
import type { KeysService } from './keys.service.ts';

export function keysRoutes(app: App, { keys }: { keys: KeysService }) {
  const tags = ['ssh keys'];
  app.get(
    '/api/v1/me/ssh-keys',
    { config: { policy: 'user' }, schema: { tags, operationId: 'listSshKeys', response: { 200: SshKeyList } } },
    async (request) => ({
      items: await keys.list(signedIn(request.ctx).actor),
    }),
  );
  app.get(
    '/api/v1/projects/:project/ssh-keys',
    {
      config: { policy: 'project:member' },
      schema: { tags, operationId: 'listProjectSshKeys', params: ProjectParam, response: { 200: ProjectSshKeyList } },
    },
    async (request) => ({ items: await keys.listForProject((request.projectAccess as ProjectAccess).project.id) }),
  );
  app.post(
    '/api/v1/me/ssh-keys',
    { config: { policy: 'user' }, schema: { tags, operationId: 'addSshKey', body: SshKeyCreateBody, response: { 201: SshKey } } },
    async (request, reply) => reply.status(201).send(await keys.add(signedIn(request.ctx), request.body)),
  );
  app.delete(
    '/api/v1/me/ssh-keys/:id',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'removeSshKey', params: z.object({ id: z.uuid() }), response: { 204: z.null() } },
    },
    async (request, reply) => {
      await keys.remove(signedIn(request.ctx), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { RequestDetail } from '../requests/requests.schemas.ts';
import { GrantDetail, GrantEndBody, GrantExtendBody, GrantListQuery, GrantPage, GrantParam, GrantRevokeBody } from './grants.schemas.ts';
import type { GrantsService } from './grants.service.ts';

export function grantsRoutes(app: App, { grants }: { grants: GrantsService }) {
  const tags = ['grants'];
  app.get(
    '/api/v1/grants',
    { config: { policy: 'user' }, schema: { tags, operationId: 'listGrants', querystring: GrantListQuery, response: { 200: GrantPage } } },
    async (request) => grants.list(signedIn(request.ctx).actor, request.query),
  );
  app.get(
    '/api/v1/grants/:id',
    { config: { policy: 'user' }, schema: { tags, operationId: 'getGrant', params: GrantParam, response: { 200: GrantDetail } } },
    async (request) => grants.get(signedIn(request.ctx).actor, request.params.id),
  );
  app.post(
    '/api/v1/grants/:id/extend',
    {
      config: { policy: 'user' },
      schema: {
        tags,
        operationId: 'extendGrant',
        description: 'Project owners ask for more time: creates a submitted extension request, reviewed like any request.',
        params: GrantParam,
        body: GrantExtendBody,
        response: { 201: RequestDetail },
      },
    },
    async (request, reply) => reply.status(201).send(await grants.extend(signedIn(request.ctx), request.params.id, request.body)),
  );
  app.post(
    '/api/v1/grants/:id/end',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'endGrant',
        description: 'Moves the last day earlier, never closer than the program’s minimum notice.',
        params: GrantParam,
        body: GrantEndBody,
        response: { 200: GrantDetail },
      },
    },
    async (request) => grants.end(signedIn(request.ctx), request.params.id, request.body),
  );
  app.post(
    '/api/v1/grants/:id/revoke',
    {
      config: { policy: 'admin' },
      schema: {
        tags,
        operationId: 'revokeGrant',
        description: 'Ends a grant at once for abuse; audited as grant.revoked.',
        params: GrantParam,
        body: GrantRevokeBody,
        response: { 200: GrantDetail },
      },
    },
    async (request) => grants.revoke(signedIn(request.ctx), request.params.id, request.body.reason),
  );
}

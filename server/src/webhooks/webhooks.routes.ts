import { z } from 'zod';
import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { ProgramParam } from '../programs/programs.schemas.ts';
import {
  WebhookCreateBody,
  WebhookCreated,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookList,
  WebhookParam,
} from './webhooks.schemas.ts';
import type { WebhooksService } from './webhooks.service.ts';

const NoContent = z.null().describe('No content');

// Policy "staff" lets program staff in; the service then allows only admins and the program's leads.
export function webhooksRoutes(app: App, { webhooks }: { webhooks: WebhooksService }) {
  const tags = ['webhooks'];
  app.get(
    '/api/v1/programs/:program/webhooks',
    { config: { policy: 'staff' }, schema: { tags, operationId: 'listWebhooks', params: ProgramParam, response: { 200: WebhookList } } },
    async (request) => ({ items: await webhooks.list(signedIn(request.ctx), request.params.program) }),
  );
  app.post(
    '/api/v1/programs/:program/webhooks',
    {
      config: { policy: 'staff' },
      schema: { tags, operationId: 'createWebhook', params: ProgramParam, body: WebhookCreateBody, response: { 201: WebhookCreated } },
    },
    async (request, reply) => reply.status(201).send(await webhooks.create(signedIn(request.ctx), request.params.program, request.body)),
  );
  app.delete(
    '/api/v1/programs/:program/webhooks/:id',
    { config: { policy: 'staff' }, schema: { tags, operationId: 'deleteWebhook', params: WebhookParam, response: { 204: NoContent } } },
    async (request, reply) => {
      await webhooks.remove(signedIn(request.ctx), request.params.program, request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/v1/programs/:program/webhooks/:id/deliveries',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'listWebhookDeliveries',
        params: WebhookParam,
        querystring: WebhookDeliveryQuery,
        response: { 200: WebhookDeliveryPage },
      },
    },
    async (request) => webhooks.deliveries(signedIn(request.ctx), request.params.program, request.params.id, request.query),
  );
  app.post(
    '/api/v1/programs/:program/webhooks/:id/ping',
    {
      config: { policy: 'staff' },
      schema: { tags, operationId: 'pingWebhook', params: WebhookParam, response: { 202: WebhookDelivery } },
    },
    async (request, reply) => reply.status(202).send(await webhooks.ping(signedIn(request.ctx), request.params.program, request.params.id)),
  );
}

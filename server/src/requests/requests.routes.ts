import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import {
  Estimate,
  EstimateBody,
  RequestCreateBody,
  RequestDetail,
  RequestListQuery,
  RequestPage,
  RequestParam,
  RequestUpdateBody,
  WithdrawBody,
} from './requests.schemas.ts';
import type { RequestsService } from './requests.service.ts';

export function requestsRoutes(app: App, { requests }: { requests: RequestsService }) {
  const tags = ['requests'];
  app.post(
    '/api/v1/requests/estimate',
    { config: { policy: 'user' }, schema: { tags, operationId: 'estimateRequest', body: EstimateBody, response: { 200: Estimate } } },
    async (request) => requests.estimate(request.body.resources),
  );
  app.get(
    '/api/v1/requests',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'listRequests', querystring: RequestListQuery, response: { 200: RequestPage } },
    },
    async (request) => requests.list(signedIn(request.ctx).actor, request.query),
  );
  app.post(
    '/api/v1/requests',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'createRequest', body: RequestCreateBody, response: { 201: RequestDetail } },
    },
    async (request, reply) => reply.status(201).send(await requests.create(signedIn(request.ctx), request.body)),
  );
  app.get(
    '/api/v1/requests/:id',
    { config: { policy: 'user' }, schema: { tags, operationId: 'getRequest', params: RequestParam, response: { 200: RequestDetail } } },
    async (request) => requests.get(signedIn(request.ctx).actor, request.params.id),
  );
  app.patch(
    '/api/v1/requests/:id',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'updateRequest', params: RequestParam, body: RequestUpdateBody, response: { 200: RequestDetail } },
    },
    async (request) => requests.update(signedIn(request.ctx), request.params.id, request.body),
  );
  app.post(
    '/api/v1/requests/:id/submit',
    { config: { policy: 'user' }, schema: { tags, operationId: 'submitRequest', params: RequestParam, response: { 200: RequestDetail } } },
    async (request) => requests.submit(signedIn(request.ctx), request.params.id),
  );
  app.post(
    '/api/v1/requests/:id/withdraw',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'withdrawRequest', params: RequestParam, body: WithdrawBody, response: { 200: RequestDetail } },
    },
    async (request) => requests.withdraw(signedIn(request.ctx), request.params.id, request.body.reason),
  );
}

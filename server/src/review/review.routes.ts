import type { z } from 'zod';
import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { RequestDetail, RequestListQuery, RequestParam } from '../requests/requests.schemas.ts';
import {
  Approval,
  ApproveBody,
  Comment,
  CommentCreateBody,
  CommentList,
  DeclineBody,
  DeclineTemplateList,
  Evidence,
  RequestChangesBody,
  ReviewQueuePage,
  VoteBody,
  VoteList,
} from './review.schemas.ts';
import type { ReviewService } from './review.service.ts';

export function reviewRoutes(app: App, { review }: { review: ReviewService }) {
  const tags = ['review'];
  app.get(
    '/api/v1/review/queue',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'listReviewQueue',
        description:
          'Requests to review, oldest first, with waiting days, the overdue flag, the number of servers asked for and the vote tally; `GET /api/v1/requests/{id}` has the whole request. Without `state`: needs_info, submitted, in_review and changes_requested.',
        querystring: RequestListQuery,
        response: { 200: ReviewQueuePage },
      },
    },
    // The service writes the page's JSON itself (from its cache or queuePage()); the schema still
    // documents it. Bytes with a JSON content type go out as they are.
    async (request, reply) => {
      const json = await review.queueJson(signedIn(request.ctx).actor, request.query);
      return reply.type('application/json; charset=utf-8').send(json as unknown as z.infer<typeof ReviewQueuePage>);
    },
  );
  app.get(
    '/api/v1/review/decline-templates',
    { config: { policy: 'staff' }, schema: { tags, operationId: 'listDeclineTemplates', response: { 200: DeclineTemplateList } } },
    async () => review.declineTemplates(),
  );
  app.get(
    '/api/v1/requests/:id/evidence',
    {
      config: { policy: 'staff' },
      schema: {
        tags,
        operationId: 'getReviewEvidence',
        description: 'Checks, the estimate against the remaining budget, the prefilled grant terms, votes and the project’s history.',
        params: RequestParam,
        response: { 200: Evidence },
      },
    },
    async (request) => review.evidence(signedIn(request.ctx).actor, request.params.id),
  );
  app.get(
    '/api/v1/requests/:id/comments',
    {
      config: { policy: 'user' },
      schema: {
        tags,
        operationId: 'listRequestComments',
        description: 'Staff-only comments are left out for everyone but staff.',
        params: RequestParam,
        response: { 200: CommentList },
      },
    },
    async (request) => review.comments(signedIn(request.ctx).actor, request.params.id),
  );
  app.post(
    '/api/v1/requests/:id/comments',
    {
      config: { policy: 'user' },
      schema: {
        tags,
        operationId: 'createRequestComment',
        description: 'Project members and staff comment in Markdown.',
        params: RequestParam,
        body: CommentCreateBody,
        response: { 201: Comment },
      },
    },
    async (request, reply) => reply.status(201).send(await review.comment(signedIn(request.ctx), request.params.id, request.body)),
  );
  app.get(
    '/api/v1/requests/:id/votes',
    { config: { policy: 'staff' }, schema: { tags, operationId: 'listRequestVotes', params: RequestParam, response: { 200: VoteList } } },
    async (request) => review.votes(signedIn(request.ctx).actor, request.params.id),
  );
  app.post(
    '/api/v1/requests/:id/votes',
    {
      config: { policy: 'reviewer' },
      schema: {
        tags,
        operationId: 'voteOnRequest',
        description: 'One vote per reviewer: voting again replaces your earlier vote.',
        params: RequestParam,
        body: VoteBody,
        response: { 200: VoteList },
      },
    },
    async (request) => review.vote(signedIn(request.ctx), request.params.id, request.body),
  );
  app.post(
    '/api/v1/requests/:id/review',
    {
      config: { policy: 'reviewer' },
      schema: { tags, operationId: 'startRequestReview', params: RequestParam, response: { 200: RequestDetail } },
    },
    async (request) => review.startReview(signedIn(request.ctx), request.params.id),
  );
  app.post(
    '/api/v1/requests/:id/request-changes',
    {
      config: { policy: 'reviewer' },
      schema: { tags, operationId: 'requestChanges', params: RequestParam, body: RequestChangesBody, response: { 200: RequestDetail } },
    },
    async (request) => review.requestChanges(signedIn(request.ctx), request.params.id, request.body.reason),
  );
  app.post(
    '/api/v1/requests/:id/decline',
    {
      config: { policy: 'reviewer' },
      schema: { tags, operationId: 'declineRequest', params: RequestParam, body: DeclineBody, response: { 200: RequestDetail } },
    },
    async (request) => review.decline(signedIn(request.ctx), request.params.id, request.body),
  );
  app.post(
    '/api/v1/requests/:id/approve',
    {
      config: { policy: 'reviewer' },
      schema: {
        tags,
        operationId: 'approveRequest',
        description:
          'Approves with grant terms (omitted terms are prefilled from the request and the program’s defaults). Beyond the remaining budget an admin must give override_reason; where the program has the two-vote rule, two +1 votes and no −1 are needed.',
        params: RequestParam,
        body: ApproveBody,
        response: { 200: Approval },
      },
    },
    async (request) => review.approve(signedIn(request.ctx), request.params.id, request.body),
  );
}

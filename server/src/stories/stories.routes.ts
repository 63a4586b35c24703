import { signedIn } from '../http/context.ts';
import { PageQuery } from '../http/pagination.ts';
import type { ProjectAccess } from '../http/policy.ts';
import type { App } from '../http/server.ts';
import { ProjectParam } from '../projects/projects.schemas.ts';
import {
  PublicStoryPage,
  Story,
  StoryCreateBody,
  StoryList,
  StoryPage,
  StoryParam,
  StoryQueueQuery,
  StorySendBackBody,
  StoryUpdateBody,
} from './stories.schemas.ts';
import type { StoriesService } from './stories.service.ts';

function access(request: { projectAccess: ProjectAccess | null }): ProjectAccess {
  if (!request.projectAccess) throw new Error('project route without a project policy');
  return request.projectAccess;
}

export function storiesRoutes(app: App, { stories }: { stories: StoriesService }) {
  const tags = ['stories'];
  app.get(
    '/api/v1/projects/:project/stories',
    {
      config: { policy: 'project:member' },
      schema: { tags, operationId: 'listProjectStories', params: ProjectParam, response: { 200: StoryList } },
    },
    async (request) => ({ items: await stories.listForProject(access(request)) }),
  );
  app.post(
    '/api/v1/projects/:project/stories',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'createStory', params: ProjectParam, body: StoryCreateBody, response: { 201: Story } },
    },
    async (request, reply) => reply.status(201).send(await stories.create(signedIn(request.ctx), access(request), request.body)),
  );
  app.get(
    '/api/v1/stories',
    {
      config: { policy: 'staff' },
      schema: { tags, operationId: 'listStories', querystring: StoryQueueQuery, response: { 200: StoryPage } },
    },
    async (request) => stories.queue(request.query),
  );
  app.get(
    '/api/v1/stories/:id',
    { config: { policy: 'user' }, schema: { tags, operationId: 'getStory', params: StoryParam, response: { 200: Story } } },
    async (request) => stories.get(signedIn(request.ctx).actor, request.params.id),
  );
  app.patch(
    '/api/v1/stories/:id',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'updateStory', params: StoryParam, body: StoryUpdateBody, response: { 200: Story } },
    },
    async (request) => stories.update(signedIn(request.ctx), request.params.id, request.body),
  );
  app.post(
    '/api/v1/stories/:id/submit',
    { config: { policy: 'user' }, schema: { tags, operationId: 'submitStory', params: StoryParam, response: { 200: Story } } },
    async (request) => stories.submit(signedIn(request.ctx), request.params.id),
  );
  app.post(
    '/api/v1/stories/:id/publish',
    { config: { policy: 'reviewer' }, schema: { tags, operationId: 'publishStory', params: StoryParam, response: { 200: Story } } },
    async (request) => stories.publish(signedIn(request.ctx), request.params.id),
  );
  app.post(
    '/api/v1/stories/:id/send-back',
    {
      config: { policy: 'reviewer' },
      schema: { tags, operationId: 'sendBackStory', params: StoryParam, body: StorySendBackBody, response: { 200: Story } },
    },
    async (request) => stories.sendBack(signedIn(request.ctx), request.params.id, request.body.reason),
  );
  app.get(
    '/api/v1/public/stories',
    {
      config: { policy: 'public' },
      schema: { tags: ['public'], operationId: 'listPublicStories', querystring: PageQuery, response: { 200: PublicStoryPage } },
    },
    async (request) => stories.listPublished(request.query),
  );
}

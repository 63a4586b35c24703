import { signedIn } from '../http/context.ts';
import { PageQuery } from '../http/pagination.ts';
import type { ProjectAccess } from '../http/policy.ts';
import type { App } from '../http/server.ts';
import { ProjectParam } from '../projects/projects.schemas.ts';
import { DirectoryPage, Listing, ListingBody } from './directory.schemas.ts';
import type { DirectoryService } from './directory.service.ts';

function access(request: { projectAccess: ProjectAccess | null }): ProjectAccess {
  if (!request.projectAccess) throw new Error('project route without a project policy');
  return request.projectAccess;
}

export function directoryRoutes(app: App, { directory }: { directory: DirectoryService }) {
  app.get(
    '/api/v1/public/directory',
    {
      config: { policy: 'public' },
      schema: { tags: ['public'], operationId: 'listDirectory', querystring: PageQuery, response: { 200: DirectoryPage } },
    },
    async (request) => directory.list(request.query),
  );
  app.get(
    '/api/v1/projects/:project/listing',
    {
      config: { policy: 'project:member' },
      schema: { tags: ['projects'], operationId: 'getProjectListing', params: ProjectParam, response: { 200: Listing } },
    },
    async (request) => directory.listing(access(request)),
  );
  app.put(
    '/api/v1/projects/:project/listing',
    {
      config: { policy: 'project:owner' },
      schema: { tags: ['projects'], operationId: 'setProjectListing', params: ProjectParam, body: ListingBody, response: { 200: Listing } },
    },
    async (request) => directory.setListing(signedIn(request.ctx), access(request), request.body.is_listed),
  );
}

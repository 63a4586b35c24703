import { z } from 'zod';
import { AuditListQuery, AuditPage } from '../audit/audit.schemas.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Db } from '../db/database.ts';
import { signedIn } from '../http/context.ts';
import { PageQuery } from '../http/pagination.ts';
import type { ProjectAccess } from '../http/policy.ts';
import type { App } from '../http/server.ts';
import { renderMarkdown } from './markdown.ts';
import type { MembersService } from './members.service.ts';
import {
  Invitation,
  InvitationCreateBody,
  InvitationCreated,
  InvitationList,
  InvitationParam,
  InvitationTokenBody,
  MarkdownRenderBody,
  MarkdownRendered,
  MemberList,
  MemberParam,
  MemberUpdateBody,
  MyInvitationList,
  Project,
  ProjectCreateBody,
  ProjectListQuery,
  ProjectPage,
  ProjectParam,
  ProjectUpdateBody,
  PublicProject,
  PublicProjectPage,
  TransferBody,
} from './projects.schemas.ts';
import type { ProjectsService } from './projects.service.ts';

const NoContent = z.null().describe('No content');

function access(request: { projectAccess: ProjectAccess | null }): ProjectAccess {
  if (!request.projectAccess) throw new Error('project route without a project policy');
  return request.projectAccess;
}

export function projectsRoutes(app: App, deps: { projects: ProjectsService; members: MembersService; audit: AuditService; db: Db }) {
  const { projects, members, audit, db } = deps;
  const tags = ['projects'];

  app.get(
    '/api/v1/projects',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'listProjects', querystring: ProjectListQuery, response: { 200: ProjectPage } },
    },
    // The service writes the page's JSON itself, in ProjectPage's shape (a test holds them equal);
    // the schema still documents it. Bytes with a JSON content type go out as they are.
    async (request, reply) => {
      const json = await projects.listJson(signedIn(request.ctx).actor, request.query);
      return reply.type('application/json; charset=utf-8').send(json as unknown as z.infer<typeof ProjectPage>);
    },
  );

  app.post(
    '/api/v1/projects',
    { config: { policy: 'user' }, schema: { tags, operationId: 'createProject', body: ProjectCreateBody, response: { 201: Project } } },
    async (request, reply) => reply.status(201).send(await projects.create(signedIn(request.ctx), request.body)),
  );

  app.get(
    '/api/v1/projects/:project',
    { config: { policy: 'project:member' }, schema: { tags, operationId: 'getProject', params: ProjectParam, response: { 200: Project } } },
    async (request) => projects.get(access(request)),
  );

  app.patch(
    '/api/v1/projects/:project',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'updateProject', params: ProjectParam, body: ProjectUpdateBody, response: { 200: Project } },
    },
    async (request) => projects.update(signedIn(request.ctx), access(request), request.body),
  );

  app.delete(
    '/api/v1/projects/:project',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'deleteProject', params: ProjectParam, response: { 204: NoContent } },
    },
    async (request, reply) => {
      await projects.delete(signedIn(request.ctx), access(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/projects/:project/members',
    {
      config: { policy: 'project:member' },
      schema: { tags, operationId: 'listMembers', params: ProjectParam, response: { 200: MemberList } },
    },
    async (request) => ({ items: await members.list(access(request)) }),
  );

  app.patch(
    '/api/v1/projects/:project/members/:user',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'updateMember', params: MemberParam, body: MemberUpdateBody, response: { 200: MemberList } },
    },
    async (request) => {
      await members.setRole(signedIn(request.ctx), access(request), request.params.user, request.body.role);
      return { items: await members.list(access(request)) };
    },
  );

  app.delete(
    '/api/v1/projects/:project/members/:user',
    {
      config: { policy: 'project:member' },
      schema: { tags, operationId: 'removeMember', params: MemberParam, response: { 204: NoContent } },
    },
    async (request, reply) => {
      await members.remove(signedIn(request.ctx), access(request), request.params.user);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/projects/:project/transfer',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'transferProject', params: ProjectParam, body: TransferBody, response: { 200: MemberList } },
    },
    async (request) => {
      await members.transfer(signedIn(request.ctx), access(request), request.body.user_id);
      return { items: await members.list(access(request)) };
    },
  );

  app.get(
    '/api/v1/projects/:project/invitations',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'listProjectInvitations', params: ProjectParam, response: { 200: InvitationList } },
    },
    async (request) => ({ items: await members.listForProject(access(request)) }),
  );

  app.post(
    '/api/v1/projects/:project/invitations',
    {
      config: { policy: 'project:owner' },
      schema: {
        tags,
        operationId: 'createInvitation',
        params: ProjectParam,
        body: InvitationCreateBody,
        response: { 201: InvitationCreated },
      },
    },
    async (request, reply) => reply.status(201).send(await members.invite(signedIn(request.ctx), access(request), request.body)),
  );

  app.delete(
    '/api/v1/projects/:project/invitations/:id',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'revokeInvitation', params: ProjectParam.extend(InvitationParam.shape), response: { 204: NoContent } },
    },
    async (request, reply) => {
      await members.revoke(signedIn(request.ctx), access(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/projects/:project/audit',
    {
      config: { policy: 'project:owner' },
      schema: { tags, operationId: 'listProjectAudit', params: ProjectParam, querystring: AuditListQuery, response: { 200: AuditPage } },
    },
    async (request) => audit.list(db, request.query, access(request).project.id),
  );

  app.get(
    '/api/v1/invitations',
    { config: { policy: 'user' }, schema: { tags, operationId: 'listMyInvitations', response: { 200: MyInvitationList } } },
    async (request) => ({
      items: await members.listMine(signedIn(request.ctx).actor),
    }),
  );

  for (const [verb, decision] of [
    ['accept', 'accepted'],
    ['decline', 'declined'],
  ] as const) {
    app.post(
      `/api/v1/invitations/:id/${verb}`,
      {
        config: { policy: 'user' },
        schema: { tags, operationId: `${verb}Invitation`, params: InvitationParam, response: { 200: Invitation } },
      },
      async (request) => members.respond(signedIn(request.ctx), { id: request.params.id }, decision),
    );
    app.post(
      `/api/v1/invitations/${verb}-token`,
      {
        config: { policy: 'user' },
        schema: { tags, operationId: `${verb}InvitationByToken`, body: InvitationTokenBody, response: { 200: Invitation } },
      },
      async (request) => members.respond(signedIn(request.ctx), { token: request.body.token }, decision),
    );
  }

  // The web form's preview: the same renderer and sanitizer as a saved description, so what people
  // preview is exactly what others will see.
  app.post(
    '/api/v1/markdown',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'renderMarkdown', body: MarkdownRenderBody, response: { 200: MarkdownRendered } },
    },
    async (request) => ({ html: renderMarkdown(request.body.markdown) }),
  );

  app.get(
    '/api/v1/public/projects',
    {
      config: { policy: 'public' },
      schema: { tags: ['public'], operationId: 'listPublicProjects', querystring: PageQuery, response: { 200: PublicProjectPage } },
    },
    async (request) => projects.listPublic(request.query),
  );

  app.get(
    '/api/v1/public/projects/:project',
    {
      config: { policy: 'public' },
      schema: { tags: ['public'], operationId: 'getPublicProject', params: ProjectParam, response: { 200: PublicProject } },
    },
    async (request) => projects.getPublic(request.params.project),
  );
}

import type { AuditService } from '../audit/audit.service.ts';
import { type Db, parseTimestamptz } from '../db/database.ts';
import { PageCache } from '../db/page-cache.ts';
import type { ProjectRole, ProjectRow } from '../db/schema.ts';
import { type Actor, type Ctx, isStaff } from '../http/context.ts';
import { fail, invalid, notFound } from '../http/errors.ts';
import { decodeKeyset, encodeCursor, toPage } from '../http/pagination.ts';
import type { ProjectAccess } from '../http/policy.ts';
import { type ProjectJson, ProjectJsonCache } from './json-cache.ts';
import { checkLicence, type LicenceInfo } from './licence.ts';
import { renderMarkdown } from './markdown.ts';
import type { NewProject, ProjectsRepository } from './projects.repository.ts';
import type { Project, ProjectCreateBody, ProjectUpdateBody } from './projects.schemas.ts';
import { normalizeRepositoryUrl } from './repository-url.ts';

type SignedIn = Ctx & { actor: Actor };

/** PostgreSQL's channel for changes to what a projects page shows (migration 0063). */
export const PROJECTS_CHANNEL = 'surplus_projects';

export class ProjectsService {
  private readonly db: Db;
  private readonly projects: ProjectsRepository;
  private readonly audit: AuditService;
  /** Projects' kept JSON by (id, json_version): a page reads PostgreSQL's copy only for the ones missing here. */
  readonly jsonCache = new ProjectJsonCache();
  /** Whole pages as sent, by caller and query, dropped on any change PostgreSQL announces. */
  readonly pages: PageCache;

  constructor(db: Db, projects: ProjectsRepository, audit: AuditService, pages = new PageCache(null, [])) {
    this.db = db;
    this.projects = projects;
    this.audit = audit;
    this.pages = pages;
  }

  /** Resolves `:project` (id or slug) for the route policy. */
  async resolve(key: string, actor: Actor | null): Promise<ProjectAccess | undefined> {
    return this.projects.findWithRole(this.db, key, actor?.userId ?? null);
  }

  async create(ctx: SignedIn, body: ProjectCreateBody): Promise<Project> {
    const fields = this.validate(body);
    const slug = body.slug ?? slugify(body.name);
    if (!slug) invalid('slug', 'cannot be made from this name; give one');
    return this.db.transaction().execute(async (tx) => {
      const project = await this.projects.insert(tx, {
        ...(fields as Required<typeof fields>),
        slug,
        name: body.name,
        description_md: body.description,
        description_html: renderMarkdown(body.description),
        website: body.website ?? null,
        foundation: body.foundation ?? null,
        is_public: body.is_public,
        public_fields: body.public_fields ?? ['description', 'repository', 'license', 'website'],
      });
      // The unique index decides, so two concurrent creations of one slug cannot both pass a check.
      if (!project) fail('ERR_SLUG_TAKEN', `slug: "${slug}" is already taken`, [{ field: 'slug', message: `"${slug}" is already taken` }]);
      await this.projects.addMember(tx, project.id, ctx.actor.userId, 'owner');
      await this.audit.record(tx, ctx, {
        action: 'project.created',
        targetType: 'project',
        targetId: project.id,
        projectId: project.id,
        summary: {
          slug,
          name: body.name,
          repository: `${project.repository_host}/${project.repository_owner}/${project.repository_name}`,
          license: project.license_expression,
        },
      });
      return toProject(project, 'owner', 1);
    });
  }

  async get(access: ProjectAccess): Promise<Project> {
    return toProject(access.project, access.role, access.project.member_count);
  }

  /**
   * A page of projects as the JSON the route sends (UTF-8 bytes), in the shape of ProjectPage: each project's
   * JSON as PostgreSQL keeps it (migration 0061) with its licence list, the caller's role and the
   * member count put in, then the page and its cursor. The page query returns each row's JSON
   * version; the JSON is read from PostgreSQL only for projects the cache does not hold at it. A
   * page asked for again before anything it shows changed is sent from `pages`.
   */
  async listJson(actor: Actor, query: { cursor?: string; limit: number; scope: 'mine' | 'all'; q?: string }): Promise<Buffer> {
    if (query.scope === 'all' && !isStaff(actor)) fail('ERR_FORBIDDEN', 'Only program staff can list every project; use scope=mine.');
    const key = `${actor.userId}\n${query.scope}\n${query.limit}\n${query.cursor ?? ''}\n${query.q ?? ''}`;
    const cached = await this.pages.get(key);
    if (cached.page !== undefined) return cached.page;
    const page = Buffer.from(await this.readPage(actor, query));
    this.pages.set(key, page, cached.generation);
    return page;
  }

  /** A page as listJson sends it, read from PostgreSQL (and the JSON cache). */
  private async readPage(actor: Actor, query: { cursor?: string; limit: number; scope: 'mine' | 'all'; q?: string }): Promise<string> {
    const rows = await this.projects.listPage(this.db, {
      userId: actor.userId,
      isAll: query.scope === 'all',
      after: decodeKeyset(query.cursor),
      q: query.q,
      limit: query.limit,
    });
    const hasMore = rows.length > query.limit;
    const pageRows = hasMore ? rows.slice(0, query.limit) : rows;
    const texts = new Map<string, ProjectJson>();
    const missing: string[] = [];
    for (const row of pageRows) {
      const json = this.jsonCache.get(row.id, row.json_version);
      if (json) texts.set(row.id, json);
      else missing.push(row.id);
    }
    if (missing.length > 0) {
      // Read after the page: a project updated in between comes at its newer version (and is kept
      // under it); one deleted in between is left out of the page.
      for (const row of await this.projects.renderedJson(this.db, missing)) {
        const json = { head: `${row.json_head}${licencesJson(row.license_expression)}${row.json_tail}`, times: row.json_times };
        this.jsonCache.set(row.id, row.json_version, json);
        texts.set(row.id, json);
      }
    }
    const items: string[] = [];
    for (const row of pageRows) {
      const json = texts.get(row.id);
      if (json) items.push(`${json.head},"my_role":${JSON.stringify(row.my_role)},"member_count":${row.member_count}${json.times}`);
    }
    const last = pageRows.at(-1);
    const nextCursor = hasMore && last ? encodeCursor({ at: parseTimestamptz(last.listed_at), id: last.id }) : null;
    return `{"items":[${items.join(',')}],"next_cursor":${JSON.stringify(nextCursor)}}`;
  }

  async update(ctx: SignedIn, access: ProjectAccess, body: ProjectUpdateBody): Promise<Project> {
    const patch: Partial<NewProject> = this.validate(body);
    if (body.name !== undefined) patch.name = body.name;
    if (body.description !== undefined) {
      patch.description_md = body.description;
      patch.description_html = renderMarkdown(body.description);
    }
    if (body.website !== undefined) patch.website = body.website;
    if (body.foundation !== undefined) patch.foundation = body.foundation;
    if (body.is_public !== undefined) patch.is_public = body.is_public;
    if (body.public_fields !== undefined) patch.public_fields = [...new Set(body.public_fields)];
    return this.db.transaction().execute(async (tx) => {
      const before = access.project;
      const updated = await this.projects.update(tx, before.id, patch);
      const changes = Object.fromEntries(
        Object.entries(patch)
          .filter(([key, value]) => JSON.stringify(before[key as keyof ProjectRow]) !== JSON.stringify(value))
          .map(([key, value]) => [
            key,
            key === 'description_md' || key === 'description_html'
              ? { changed: true }
              : { from: before[key as keyof ProjectRow], to: value },
          ]),
      );
      await this.audit.record(tx, ctx, {
        action: 'project.updated',
        targetType: 'project',
        targetId: before.id,
        projectId: before.id,
        summary: changes,
      });
      return toProject(updated, access.role, updated.member_count);
    });
  }

  async delete(ctx: SignedIn, access: ProjectAccess): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // The audit row keeps the slug: project_id is cleared when the project row goes.
      await this.audit.record(tx, ctx, {
        action: 'project.deleted',
        targetType: 'project',
        targetId: access.project.id,
        summary: { slug: access.project.slug, name: access.project.name },
      });
      await this.projects.delete(tx, access.project.id);
    });
  }

  async getPublic(key: string) {
    const project = await this.projects.findByKey(this.db, key);
    if (!project?.is_public) notFound('Project');
    const members = project.public_fields.includes('members') ? await this.projects.listMembers(this.db, project.id) : null;
    return toPublicProject(project, members);
  }

  async listPublic(query: { cursor?: string; limit: number }) {
    const rows = await this.projects.listPublic(this.db, { after: decodeKeyset(query.cursor), limit: query.limit });
    return toPage(
      rows,
      query.limit,
      (row) => toPublicProject(row, null),
      (row) => ({ at: row.created_at, id: row.id }),
    );
  }

  private validate(body: { repository_url?: string; license?: string }) {
    const fields: Partial<
      Pick<NewProject, 'repository_host' | 'repository_owner' | 'repository_name' | 'license_expression' | 'is_osi_approved'>
    > = {};
    if (body.repository_url !== undefined) {
      const repository = normalizeRepositoryUrl(body.repository_url);
      if ('error' in repository) invalid('repository_url', repository.error);
      Object.assign(fields, { repository_host: repository.host, repository_owner: repository.owner, repository_name: repository.name });
    }
    if (body.license !== undefined) {
      const licence = checkLicence(body.license);
      if ('error' in licence) invalid('license', licence.error);
      Object.assign(fields, { license_expression: licence.expression, is_osi_approved: licence.isOsiApproved });
    }
    return fields;
  }
}

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

// Parsing an SPDX expression costs ~7 µs; a page of 50 projects parsed them on every request, while
// a program has a handful of distinct expressions. Bounded so odd input cannot grow it without end.
// Rendered pages take them as JSON, written once per expression as the Licence schema writes them.
const licencesByExpression = new Map<string, { licences: Project['license']['licences']; json: string }>();
const LICENCE_CACHE_SIZE = 1000;

function licencesIn(expression: string) {
  let licences = licencesByExpression.get(expression);
  if (licences === undefined) {
    const check = checkLicence(expression);
    const list = ('error' in check ? [] : check.licences).map((licence: LicenceInfo) => ({
      id: licence.id,
      name: licence.name,
      is_osi_approved: licence.isOsiApproved,
    }));
    licences = { licences: list, json: JSON.stringify(list) };
    if (licencesByExpression.size >= LICENCE_CACHE_SIZE) licencesByExpression.clear();
    licencesByExpression.set(expression, licences);
  }
  return licences;
}

function licencesJson(expression: string): string {
  return licencesIn(expression).json;
}

function licenceOf(project: ProjectRow) {
  return {
    expression: project.license_expression,
    is_osi_approved: project.is_osi_approved,
    licences: licencesIn(project.license_expression).licences,
  };
}

function repositoryOf(project: ProjectRow) {
  return {
    host: project.repository_host,
    owner: project.repository_owner,
    name: project.repository_name,
    url: `https://${project.repository_host}/${project.repository_owner}/${project.repository_name}`,
  };
}

export function toProject(project: ProjectRow, role: ProjectRole | null, memberCount: number): Project {
  return {
    id: project.id,
    slug: project.slug,
    name: project.name,
    repository: repositoryOf(project),
    license: licenceOf(project),
    description: project.description_md,
    description_html: project.description_html,
    website: project.website,
    foundation: project.foundation,
    is_public: project.is_public,
    public_fields: project.public_fields as Project['public_fields'],
    my_role: role,
    member_count: memberCount,
    created_at: project.created_at.toISOString(),
    updated_at: project.updated_at.toISOString(),
  };
}

function toPublicProject(project: ProjectRow, members: { name: string; github_login: string | null; role: ProjectRole }[] | null) {
  const shows = (field: string) => project.public_fields.includes(field);
  return {
    slug: project.slug,
    name: project.name,
    description_html: shows('description') ? project.description_html : null,
    repository: shows('repository') ? repositoryOf(project) : null,
    license: shows('license') ? licenceOf(project) : null,
    website: shows('website') ? project.website : null,
    foundation: shows('foundation') ? project.foundation : null,
    members: members ? members.map((member) => ({ name: member.name, github_login: member.github_login, role: member.role })) : null,
  };
}

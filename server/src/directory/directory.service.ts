import type { AuditService } from '../audit/audit.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { SignedIn } from '../http/context.ts';
import { decodeKeyset, toPage } from '../http/pagination.ts';
import type { ProjectAccess } from '../http/policy.ts';
import { toProject } from '../projects/projects.service.ts';
import type { StoriesService } from '../stories/stories.service.ts';
import type { DirectoryRepository } from './directory.repository.ts';
import type { DirectoryEntry, Listing } from './directory.schemas.ts';

/**
 * The public directory of supported projects. Owners opt in (`is_listed`); a listed project shows
 * only while an active grant of a public program supports it, with its name, repository, licence,
 * supporting programs and published stories — whatever its project page's public fields say, since
 * listing is its own, explicit consent.
 */
export class DirectoryService {
  private readonly db: Db;
  private readonly directory: DirectoryRepository;
  private readonly stories: StoriesService;
  private readonly audit: AuditService;

  constructor(db: Db, directory: DirectoryRepository, stories: StoriesService, audit: AuditService) {
    this.db = db;
    this.directory = directory;
    this.stories = stories;
    this.audit = audit;
  }

  async list(query: { cursor?: string; limit: number }) {
    const rows = await this.directory.listed(this.db, { after: decodeKeyset(query.cursor), limit: query.limit });
    const page = toPage(
      rows,
      query.limit,
      (row) => row,
      (row) => ({ at: row.created_at, id: row.id }),
    );
    const ids = page.items.map((row) => row.id);
    const programs = await this.directory.supportingPrograms(this.db, ids);
    const stories = await this.stories.publishedFor(this.db, ids);
    return {
      items: page.items.map((row): DirectoryEntry => {
        const project = toProject(row, null, 0);
        return {
          slug: row.slug,
          name: row.name,
          repository: project.repository,
          license: project.license,
          programs: programs
            .filter((program) => program.project_id === row.id)
            .map((program) => ({ slug: program.slug, name: program.name, since: program.since })),
          stories: stories.get(row.id) ?? [],
        };
      }),
      next_cursor: page.next_cursor,
    };
  }

  async listing(access: ProjectAccess): Promise<Listing> {
    return this.listingOf(this.db, access.project.id);
  }

  async setListing(ctx: SignedIn, access: ProjectAccess, isListed: boolean): Promise<Listing> {
    return this.db.transaction().execute(async (tx) => {
      const project = access.project;
      await this.directory.setListed(tx, project.id, isListed);
      if (project.is_listed !== isListed) {
        await this.audit.record(tx, ctx, {
          action: 'project.listing_changed',
          targetType: 'project',
          targetId: project.id,
          projectId: project.id,
          summary: { is_listed: { from: project.is_listed, to: isListed } },
        });
      }
      return this.listingOf(tx, project.id);
    });
  }

  private async listingOf(db: Executor, projectId: string): Promise<Listing> {
    const isListed = await this.directory.isListed(db, projectId);
    const programs = await this.directory.supportingPrograms(db, [projectId]);
    return { is_listed: isListed, is_in_directory: isListed && programs.length > 0 };
  }
}
